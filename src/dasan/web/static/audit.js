// The audit viewer (admins): who opened which citizen, recording or export, and who changed what.
// Filters go to the server; "more" pages on by the last entry's id; the CSV link exports the same query.
import { api, el, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
let last = null;

function query() {
  const p = new URLSearchParams();
  const put = (k, v) => { if (v.trim()) p.set(k, v.trim()); };
  put("username", $("audit-user").value); put("action", $("audit-action").value);
  put("subject_type", $("audit-subject-type").value); put("subject_id", $("audit-subject-id").value);
  put("start", $("audit-start").value); put("end", $("audit-end").value);
  return p;
}

function row(e) {
  return el("tr", { dataset: { id: e.id } }, el("td", {}, fmtDateTime(e.at)),
    el("td", { class: "who" }, e.user ? `${e.user} (${e.username})` : e.username), el("td", { class: "action" }, e.action),
    el("td", { class: "subject" }, e.subject_id === null ? e.subject_type : `${e.subject_type} #${e.subject_id}`),
    el("td", { class: "detail" }, JSON.stringify(e.detail)));
}

async function load(more = false) {
  const p = query();
  $("audit-csv").href = "/api/v1/audit?" + p + (p.toString() ? "&" : "") + "format=csv";
  if (more && last) p.set("before_id", last);
  p.set("limit", "100");
  $("audit-error").hidden = true;
  let res;
  try { res = await api("GET", "/api/v1/audit?" + p); } catch (err) {
    $("audit-error").textContent = err.message; $("audit-error").hidden = false; return;
  }
  const body = $("audit").tBodies[0];
  if (more) body.append(...res.entries.map(row)); else body.replaceChildren(...res.entries.map(row));
  last = res.entries.length ? res.entries[res.entries.length - 1].id : last;
  $("audit-more").hidden = res.entries.length < 100;
  $("audit-actions").replaceChildren(...res.actions.map((a) => el("option", { value: a })));
}

$("audit-form").addEventListener("submit", (e) => { e.preventDefault(); last = null; load(); });
$("audit-more").addEventListener("click", () => load(true));
load();

// Security events at a glance: failed and locked logins, refused requests, sessions ended, second
// factors, tokens used from a new address (the server's "security" kind).
$("audit-security").addEventListener("click", () => { $("audit-action").value = "security"; last = null; load(); });
