// The administration console: departments and legacy numbers, skills and queues, users and their
// skills, case types and deadlines, the center's identity and office hours, channel tokens. Each form goes to /api/v1/admin (validated and audited on the server);
// what the server says — a saved change or why it was refused — is shown in #admin-status.
import { S, CSRF, api, el, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
const say = (text) => { $("admin-status").textContent = text; };
const values = (form) => Object.fromEntries(new FormData(form).entries());
const option = (value, text) => el("option", { value }, text);
let centerLangs = [];
let closedDays = {};
let usersById = {};
let deptCodes = {};

// Changing a user: the chosen user's role, department and skills fill the form.
function fillEditUser() {
  const u = usersById[$("edit-user").value];
  if (!u) return;
  $("edit-role").value = u.role;
  $("edit-department").value = deptCodes[u.department_id] || "";
  $("edit-skills").value = Object.entries(u.skills).map(([k, v]) => `${k}:${v}`).join(", ");
}

function parseSkills(text) {
  const out = {};
  for (const part of text.split(/[,|]/).map((p) => p.trim()).filter(Boolean)) {
    const [code, level] = part.split(":").map((p) => p.trim());
    out[code] = Number(level);
  }
  return out;
}

async function load() {
  const [orgs, depts, skills, queues, users, tokens, types, center, hooks] = await Promise.all([
    api("GET", "/api/v1/organisations"), api("GET", "/api/v1/admin/departments"), api("GET", "/api/v1/admin/skills"),
    api("GET", "/api/v1/admin/queues"), api("GET", "/api/v1/admin/users"), api("GET", "/api/v1/admin/tokens"),
    api("GET", "/api/v1/admin/case-types"), api("GET", "/api/v1/admin/center"), api("GET", "/api/v1/admin/webhooks")]);
  $("webhooks").tBodies[0].replaceChildren(...hooks.map((w) => el("tr", { dataset: { platform: w.platform } },
    el("td", {}, w.platform), el("td", {}, w.channel), el("td", {}, w.callback_url || "—"), el("td", {}, fmtDateTime(w.created_at)),
    el("td", { class: "last-used" }, w.last_used_at ? fmtDateTime(w.last_used_at) : "—"),
    el("td", { class: "previous-until" }, w.previous_until ? fmtDateTime(w.previous_until) : "—"),
    el("td", {}, el("button", { type: "button", class: "rotate secondary", onclick: () => rotateSecret(w.id) }, S.rotate), " ",
      el("button", { type: "button", class: "remove", onclick: () => act("DELETE", `/api/v1/admin/webhooks/${w.id}`) }, S.remove)))));
  $("case-type-department").replaceChildren(option("", "—"), ...depts.map((d) => option(d.code, `${d.name} (${d.code})`)));
  $("case-types").tBodies[0].replaceChildren(...types.map((t) => el("tr", { dataset: { code: t.code } },
    el("td", {}, t.code), el("td", {}, t.name), el("td", {}, t.department_code || `*-${t.district_suffix}`),
    el("td", { class: "days" }, String(t.working_days)), el("td", {}, t.priority))));
  $("center-number").value = center.number;
  $("center-name").value = center.names[document.body.dataset.lang] || center.names[center.languages[0]] || "";
  $("center-open").value = center.office_open;
  $("center-close").value = center.office_close;
  $("center-sms").value = center.sms_sender;
  $("center-email").value = center.email_from;
  centerLangs = center.languages;
  closedDays = center.closed_days;
  $("closed-days").replaceChildren(...Object.entries(closedDays).map(([day, why]) => el("li", { dataset: { day } },
    `${day} · ${why} `, el("button", { type: "button", class: "remove", onclick: () => {
      const rest = { ...closedDays }; delete rest[day];
      act("PATCH", "/api/v1/admin/center", { closed_days: rest });
    } }, S.remove))));
  $("department-org").replaceChildren(...orgs.map((o) => option(o.code, o.name)));
  $("organisation-parent").replaceChildren(option("", "—"), ...orgs.map((o) => option(o.code, o.name)));
  $("line-department").replaceChildren(...depts.map((d) => option(d.id, `${d.name} (${d.code})`)));
  $("departments").tBodies[0].replaceChildren(...depts.map((d) => el("tr", { dataset: { code: d.code } },
    el("td", {}, d.code), el("td", {}, d.name), el("td", { class: "lines" }, d.lines.join(", ")))));
  const skillOptions = () => [option("", "—"), ...skills.map((s) => option(s.code, `${s.name} (${s.code})`))];
  $("queue-skill").replaceChildren(...skillOptions());
  $("queue-overflow-skill").replaceChildren(...skillOptions());
  const chosenQueue = $("protect-queue").value;
  $("protect-queue").replaceChildren(option("", "—"), ...queues.map((q) => option(q.code, `${q.name} (${q.code})`)));
  $("protect-queue").value = chosenQueue;
  $("user-skill").replaceChildren(...skillOptions());
  $("queues").tBodies[0].replaceChildren(...queues.map((q) => el("tr", { dataset: { code: q.code } },
    el("td", {}, q.code), el("td", {}, q.name), el("td", {}, q.skill_code || "—"), el("td", {}, `${q.sl_target_pct}% / ${q.sl_seconds}s`),
    el("td", { class: "rules" }, [q.priority ? `${S.priority} ${q.priority}` : "", q.overflow_after_s !== null ? `${S.overflow_after_s} ${q.overflow_after_s}` : "",
      q.callback_after_s !== null ? `${S.callback_after_s} ${q.callback_after_s}` : "", q.bot_after_s !== null ? `${S.bot_after_s} ${q.bot_after_s}` : ""]
      .filter(Boolean).join(" · ")))));
  $("users").tBodies[0].replaceChildren(...users.map((u) => el("tr", { dataset: { username: u.username }, class: u.active ? "" : "inactive" },
    el("td", {}, u.username), el("td", {}, u.display_name), el("td", {}, u.role),
    el("td", {}, Object.entries(u.skills).map(([k, v]) => `${k} ${v}`).join(", ")),
    el("td", {}, el("button", { type: "button", class: "toggle", onclick: () => act("PATCH", `/api/v1/admin/users/${u.id}`, { active: !u.active }) },
      u.active ? S.deactivate : S.activate)))));
  const chosenUser = $("edit-user").value;
  $("edit-user").replaceChildren(...users.map((u) => option(u.id, `${u.username} (${u.display_name})`)));
  if (chosenUser) $("edit-user").value = chosenUser;
  $("edit-department").replaceChildren(option("", S.no_department), ...depts.map((d) => option(d.code, `${d.name} (${d.code})`)));
  usersById = Object.fromEntries(users.map((u) => [String(u.id), u]));
  deptCodes = Object.fromEntries(depts.map((d) => [d.id, d.code]));
  fillEditUser();
  // Each token: created, expiring, last used and from where; a live one is rotated (a new token
  // shown once, the old one working a day more) or revoked.
  $("tokens").tBodies[0].replaceChildren(...tokens.map((t) => el("tr", { dataset: { id: t.id }, class: t.revoked || t.expired ? "revoked" : "" },
    el("td", {}, String(t.id)), el("td", {}, t.channel), el("td", {}, fmtDateTime(t.created_at)),
    el("td", { class: "expires" }, t.expires_at ? fmtDateTime(t.expires_at) : "—"),
    el("td", { class: "last-used" }, t.last_used_at ? `${fmtDateTime(t.last_used_at)} (${t.last_used_address})` : "—"),
    el("td", {}, ...(t.revoked ? [S.revoked] : t.expired ? [S.expired] : [
      el("button", { type: "button", class: "rotate secondary", onclick: () => rotate(t.id) }, S.rotate),
      " ",
      el("button", { type: "button", class: "revoke", onclick: () => act("POST", `/api/v1/admin/tokens/${t.id}/revoke`) }, S.revoke)])))));
}

// A platform's new signing secret, shown once; the old one works a day more (both sign our replies).
async function rotateSecret(id) {
  const out = await act("POST", `/api/v1/admin/webhooks/${id}/rotate`, { overlap_hours: 24 });
  if (out) { $("secret-value").textContent = out.secret; $("secret-once").hidden = false; }
}

async function rotate(id) {
  const out = await act("POST", `/api/v1/admin/tokens/${id}/rotate`, { overlap_hours: 24 });
  if (out) { $("token-value").textContent = out.token; $("token-once").hidden = false; }
}

async function act(method, url, body) {
  try { const out = await api(method, url, body); say(S.saved); await load(); return out; } catch (err) { say(err.message); return null; }
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (e) => { e.preventDefault(); if (await handler(values(e.target))) e.target.reset(); });
}

onSubmit("organisation-form", (v) => act("PUT", "/api/v1/admin/organisations", { ...v, parent_code: v.parent_code || null }));
onSubmit("department-form", (v) => act("PUT", "/api/v1/admin/departments", v));
onSubmit("line-form", (v) => act("POST", `/api/v1/admin/departments/${v.department_id}/lines`, { number: v.number }));
onSubmit("skill-form", (v) => act("PUT", "/api/v1/admin/skills", v));
const seconds = (v) => (v === "" || v === undefined ? null : Number(v));  // empty: the rule is off
onSubmit("queue-form", (v) => act("PUT", "/api/v1/admin/queues", { code: v.code, name: v.name, skill_code: v.skill_code || null,
  sl_seconds: Number(v.sl_seconds), sl_target_pct: Number(v.sl_target_pct), priority: Number(v.priority || 0),
  overflow_after_s: seconds(v.overflow_after_s), overflow_skill: v.overflow_skill || null,
  callback_after_s: seconds(v.callback_after_s), bot_after_s: seconds(v.bot_after_s) }));
onSubmit("user-form", (v) => act("POST", "/api/v1/admin/users", { username: v.username, display_name: v.display_name,
  password: v.password, role: v.role, skills: v.skill ? { [v.skill]: Number(v.level) } : {} }));
onSubmit("case-type-form", (v) => act("PUT", "/api/v1/admin/case-types", { code: v.code, name: v.name, name_en: v.name_en,
  department_code: v.department_code || null, district_suffix: v.district_suffix, working_days: Number(v.working_days),
  priority: v.priority, category: v.category }));
$("center-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const v = values(e.target);
  const lang = centerLangs.includes(document.body.dataset.lang) ? document.body.dataset.lang : centerLangs[0];
  await act("PATCH", "/api/v1/admin/center", { number: v.number, office_open: v.office_open, office_close: v.office_close,
    sms_sender: v.sms_sender, email_from: v.email_from, ...(v.name ? { names: { [lang]: v.name } } : {}) });
});
onSubmit("open311-form", async (v) => {
  const out = await act("POST", "/api/v1/admin/open311-keys", v);
  if (out) { $("token-value").textContent = out.api_key; $("token-once").hidden = false; }
  return out;
});
onSubmit("webhook-form", async (v) => {
  const out = await act("POST", "/api/v1/admin/webhooks", { platform: v.platform, callback_url: v.callback_url,
    reply_window_h: Number(v.reply_window_h) });
  if (out) { $("secret-value").textContent = out.secret; $("secret-once").hidden = false; }
  return out;
});
// Bulk import: the file goes as it is; the server says, row by row, what it refused and why.
$("import-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData();
  data.append("file", $("import-file").files[0]);
  const res = await fetch(`/api/v1/admin/import/${$("import-kind").value}`, {
    method: "POST", body: data, headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" });
  const out = await res.json();
  if (!res.ok) { say(out.message || res.statusText); return; }
  $("import-summary").textContent = S.import_result.replace("{read}", out.read).replace("{created}", out.created)
    .replace("{updated}", out.updated).replace("{skipped}", out.skipped_existing).replace("{rejected}", out.rejected.length);
  $("import-rejected").tBodies[0].replaceChildren(...out.rejected.map((r) => el("tr", {}, el("td", {}, String(r.row)), el("td", {}, r.reason))));
  $("import-rejected").hidden = !out.rejected.length;
  $("import-passwords").querySelector("ul").replaceChildren(...out.passwords.map((p) => el("li", {}, `${p.username}: `, el("code", {}, p.password))));
  $("import-passwords").hidden = !out.passwords.length;
  $("import-report").hidden = false;
  e.target.reset();
  await load();
});
onSubmit("closed-form", (v) => act("PATCH", "/api/v1/admin/center", { closed_days: { ...closedDays, [v.day]: v.why } }));
// Protecting agents: the chosen channel's rules are loaded into the form; saving sets them.
async function loadPolicy() {
  const channel = $("protect-channel").value;
  const p = await api("GET", `/api/v1/protect/policies/${encodeURIComponent(channel)}`);
  if (channel !== $("protect-channel").value) return;  // another channel was chosen meanwhile
  const f = $("protect-form");
  for (const key of ["warnings_before_end", "recovery_break_min", "offender_incidents", "offender_window_days", "offender_days"]) {
    f.elements[key].value = p[key];
  }
  f.elements.auto_end.checked = p.auto_end;
  f.elements.notice.checked = p.notice;
  $("protect-queue").value = p.offender_queue;
  for (const box of f.querySelectorAll("input[name=one_strike]")) box.checked = p.one_strike.includes(box.value);
  f.dataset.channel = channel;  // the form holds this channel's rules now
}
$("protect-channel").addEventListener("change", () => loadPolicy().catch((err) => say(err.message)));
$("protect-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const num = (k) => Number(f.elements[k].value);
  await act("PUT", `/api/v1/protect/policies/${encodeURIComponent($("protect-channel").value)}`, {
    warnings_before_end: num("warnings_before_end"), recovery_break_min: num("recovery_break_min"),
    offender_incidents: num("offender_incidents"), offender_window_days: num("offender_window_days"),
    offender_days: num("offender_days"), offender_queue: $("protect-queue").value, auto_end: f.elements.auto_end.checked,
    notice: f.elements.notice.checked,
    one_strike: [...f.querySelectorAll("input[name=one_strike]:checked")].map((b) => b.value) });
});
$("edit-user").addEventListener("change", fillEditUser);
$("edit-user-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  // Read the form first: each save reloads the page's data, and the form with it.
  const id = $("edit-user").value, role = $("edit-role").value, u = usersById[id];
  const skills = parseSkills($("edit-skills").value);
  const changed = await act("PATCH", `/api/v1/admin/users/${id}`, { role, department_code: $("edit-department").value });
  if (changed && ["agent", "supervisor"].includes(role) && JSON.stringify(skills) !== JSON.stringify(u.skills)) {
    await act("PUT", `/api/v1/admin/users/${id}/skills`, { skills });
  }
});
$("edit-reset").addEventListener("click", async () => {
  const out = await act("POST", `/api/v1/admin/users/${$("edit-user").value}/password`);
  if (out) { $("password-value").textContent = out.password; $("password-once").hidden = false; }
});
$("edit-end-sessions").addEventListener("click", async () => {
  const out = await act("POST", `/api/v1/admin/users/${$("edit-user").value}/sessions/end`);
  if (out) say(S.sessions_ended.replace("{n}", out.ended));
});
$("edit-reset-factor").addEventListener("click", () => act("POST", `/api/v1/admin/users/${$("edit-user").value}/second-factor/reset`));
onSubmit("token-form", async (v) => {
  const out = await act("POST", "/api/v1/admin/tokens", v);
  if (out) { $("token-value").textContent = out.token; $("token-once").hidden = false; }
  return out;
});
load().then(loadPolicy).catch((err) => say(err.message));
