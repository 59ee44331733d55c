// The administration console: departments and legacy numbers, skills and queues, users and their
// skills, channel tokens. Each form goes to /api/v1/admin (validated and audited on the server);
// what the server says — a saved change or why it was refused — is shown in #admin-status.
import { S, api, el, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
const say = (text) => { $("admin-status").textContent = text; };
const values = (form) => Object.fromEntries(new FormData(form).entries());
const option = (value, text) => el("option", { value }, text);

async function load() {
  const [orgs, depts, skills, queues, users, tokens] = await Promise.all([
    api("GET", "/api/v1/organisations"), api("GET", "/api/v1/admin/departments"), api("GET", "/api/v1/admin/skills"),
    api("GET", "/api/v1/admin/queues"), api("GET", "/api/v1/admin/users"), api("GET", "/api/v1/admin/tokens")]);
  $("department-org").replaceChildren(...orgs.map((o) => option(o.code, o.name)));
  $("line-department").replaceChildren(...depts.map((d) => option(d.id, `${d.name} (${d.code})`)));
  $("departments").tBodies[0].replaceChildren(...depts.map((d) => el("tr", { dataset: { code: d.code } },
    el("td", {}, d.code), el("td", {}, d.name), el("td", { class: "lines" }, d.lines.join(", ")))));
  const skillOptions = () => [option("", "—"), ...skills.map((s) => option(s.code, `${s.name} (${s.code})`))];
  $("queue-skill").replaceChildren(...skillOptions());
  $("user-skill").replaceChildren(...skillOptions());
  $("queues").tBodies[0].replaceChildren(...queues.map((q) => el("tr", { dataset: { code: q.code } },
    el("td", {}, q.code), el("td", {}, q.name), el("td", {}, q.skill_code || "—"), el("td", {}, `${q.sl_target_pct}% / ${q.sl_seconds}s`))));
  $("users").tBodies[0].replaceChildren(...users.map((u) => el("tr", { dataset: { username: u.username }, class: u.active ? "" : "inactive" },
    el("td", {}, u.username), el("td", {}, u.display_name), el("td", {}, u.role),
    el("td", {}, Object.entries(u.skills).map(([k, v]) => `${k} ${v}`).join(", ")),
    el("td", {}, el("button", { type: "button", class: "toggle", onclick: () => act("PATCH", `/api/v1/admin/users/${u.id}`, { active: !u.active }) },
      u.active ? S.deactivate : S.activate)))));
  $("tokens").tBodies[0].replaceChildren(...tokens.map((t) => el("tr", { dataset: { id: t.id }, class: t.revoked ? "revoked" : "" },
    el("td", {}, String(t.id)), el("td", {}, t.channel), el("td", {}, fmtDateTime(t.created_at)),
    el("td", {}, t.revoked ? S.revoked : el("button", { type: "button", class: "revoke", onclick: () => act("POST", `/api/v1/admin/tokens/${t.id}/revoke`) }, S.revoke)))));
}

async function act(method, url, body) {
  try { const out = await api(method, url, body); say(S.saved); await load(); return out; } catch (err) { say(err.message); return null; }
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (e) => { e.preventDefault(); if (await handler(values(e.target))) e.target.reset(); });
}

onSubmit("department-form", (v) => act("PUT", "/api/v1/admin/departments", v));
onSubmit("line-form", (v) => act("POST", `/api/v1/admin/departments/${v.department_id}/lines`, { number: v.number }));
onSubmit("skill-form", (v) => act("PUT", "/api/v1/admin/skills", v));
onSubmit("queue-form", (v) => act("PUT", "/api/v1/admin/queues", { code: v.code, name: v.name, skill_code: v.skill_code || null,
  sl_seconds: Number(v.sl_seconds), sl_target_pct: Number(v.sl_target_pct) }));
onSubmit("user-form", (v) => act("POST", "/api/v1/admin/users", { username: v.username, display_name: v.display_name,
  password: v.password, role: v.role, skills: v.skill ? { [v.skill]: Number(v.level) } : {} }));
onSubmit("token-form", async (v) => {
  const out = await act("POST", "/api/v1/admin/tokens", v);
  if (out) { $("token-value").textContent = out.token; $("token-once").hidden = false; }
  return out;
});
load().catch((err) => say(err.message));
