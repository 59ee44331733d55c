// Personal data (M18): find the citizen a request is about, export their data or erase it (with
// the request written down); how long each kind of data is kept (admins change it); what each
// purge and erasure removed. Every step is audited on the server.
import { S, api, el, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
const KINDS = ["recordings", "transcripts", "attachments", "identities"];
const say = (text) => { $("privacy-msg").textContent = text; };

function citizenRow(c) {
  const reason = el("input", { class: "reason", maxlength: "500", minlength: "3", placeholder: S.erase_reason, "aria-label": S.erase_reason });
  const erase = el("button", { type: "button", class: "erase", onclick: async () => {
    if (reason.value.trim().length < 3) { reason.focus(); say(S.erase_reason); return; }
    try {
      const out = await api("POST", `/api/v1/privacy/citizens/${c.id}/erase`, { reason: reason.value.trim() });
      say(`${S.erased} #${c.id}: ` + KINDS.map((k) => `${S["retention_" + k]} ${out.removed[k]}`).join(", "));
      tr.replaceWith(citizenRow({ ...c, name: "", phone: "", email: "", erased_at: new Date().toISOString() }));
      loadPurges();
    } catch (err) { say(err.message); }
  } }, S.erase);
  const actions = c.erased_at ? [el("span", { class: "erased" }, `${S.erased} ${fmtDateTime(c.erased_at)}`)]
    : [el("a", { href: `/api/v1/privacy/citizens/${c.id}/export`, download: "", class: "export" }, S.export_data), reason, erase];
  const tr = el("tr", { dataset: { citizen: c.id } }, el("td", {}, String(c.id)), el("td", {}, c.name || "—"),
    el("td", {}, c.phone || c.email || "—"), el("td", {}, String(c.contacts)), el("td", {}, ...actions));
  return tr;
}

async function find() {
  const q = $("find-q").value.trim();
  if (q.length < 3) return;
  try {
    const rows = await api("GET", "/api/v1/privacy/citizens?q=" + encodeURIComponent(q));
    $("citizens").tBodies[0].replaceChildren(...rows.map(citizenRow));
    if (!rows.length) say(S.privacy_none);
  } catch (err) { say(err.message); }
}

async function loadRetention() {
  const keep = await api("GET", "/api/v1/privacy/retention");
  for (const k of KINDS) $("keep-" + k).value = keep[k] ?? "";
}

async function loadPurges() {
  const rows = (await api("GET", "/api/v1/privacy/purges?limit=50")) || [];
  $("purges").tBodies[0].replaceChildren(...rows.map((r) => el("tr", {}, el("td", {}, fmtDateTime(r.at)),
    el("td", {}, r.reason === "erasure" ? `${S.erase} #${r.citizen_id}` : S.purge_retention),
    ...KINDS.map((k) => el("td", { class: k }, String(r.removed[k] ?? 0))), el("td", {}, String(r.files)))));
}

$("find-form").addEventListener("submit", (e) => { e.preventDefault(); say(""); find(); });
$("retention-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = Object.fromEntries(KINDS.map((k) => [k, $("keep-" + k).value ? Number($("keep-" + k).value) : null]));
  try { await api("PUT", "/api/v1/privacy/retention", body); say(S.saved); } catch (err) { say(err.message); }
});
const purge = $("purge-now");
if (purge) purge.addEventListener("click", async () => {
  try {
    const out = await api("POST", "/api/v1/privacy/retention/purge");
    say(KINDS.map((k) => `${S["retention_" + k]} ${out.removed[k]}`).join(", "));
    loadPurges();
  } catch (err) { say(err.message); }
});
loadRetention();
loadPurges();
