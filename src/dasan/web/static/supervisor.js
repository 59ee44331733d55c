// Supervisor view: live queues and agents. Every event triggers a (coalesced) refetch of the
// snapshot, so the page always shows stored state whichever server process sent the event.
import { S, api, el, fmtTime, fmtDateTime, connectStaff, fmtNum, toast } from "./common.js";
import { announceTrend, loadTrends } from "./trends.js";

const $ = (id) => document.getElementById(id);
const en = document.documentElement.lang === "en";
let pending = null;

function secs(s) { s = Math.round(s); return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`; }

async function load() {
  const snap = await api("GET", "/api/v1/supervisor/snapshot");
  if (!snap) return;
  $("at").textContent = fmtTime(snap.at);
  $("today").textContent = snap.records_today;
  $("with-bot").textContent = snap.with_bot;
  $("queues").tBodies[0].replaceChildren(...snap.queues.map((q) => el("tr", { dataset: { queue: q.code } },
    el("td", {}, en ? q.name_en || q.name : q.name), el("td", { class: "waiting" }, q.waiting),
    el("td", {}, q.offered), el("td", { class: "active" }, q.active), el("td", { class: "longest" }, secs(q.longest_wait_s)),
    el("td", { class: "day-offered" }, fmtNum(q.today.offered)), el("td", { class: "day-answered" }, fmtNum(q.today.answered)),
    el("td", { class: "day-abandoned" }, fmtNum(q.today.abandoned)),
    el("td", { class: "day-sl" }, q.today.service_level === null ? "—" : `${Math.round(q.today.service_level * 100)}% (${q.sl_seconds}s)`))));
  $("agents-by-state").textContent = Object.entries(snap.agents_by_state).map(([k, v]) => `${S[k] || k} ${v}`).join(" · ");
  $("agents").tBodies[0].replaceChildren(...snap.agents.map((a) => el("tr", { dataset: { agent: a.id } },
    el("td", {}, a.name), el("td", { class: "presence p-" + a.presence }, S[a.presence] || a.presence),
    el("td", { class: "contacts" }, a.contacts.map((c) => `#${c.id} ${c.citizen} (${S[c.status] || c.status})`).join(", ")))));
  $("records").tBodies[0].replaceChildren(...snap.recent_records.map((r) => el("tr", { dataset: { record: r.id } },
    el("td", {}, r.conversation_id), el("td", {}, r.citizen), el("td", {}, r.agent), el("td", {}, r.category),
    el("td", { class: "summary" }, r.summary), el("td", {}, S[r.resolution] || r.resolution))));
}

// Cases escalated for their deadline (near, or past): the center's supervisors follow them up.
async function loadEscalated() {
  const cases = (await api("GET", "/api/v1/cases?escalated=true")) || [];
  $("escalated").tBodies[0].replaceChildren(...cases.map((c) => el("tr", { dataset: { case: c.id }, class: c.escalated },
    el("td", {}, c.number), el("td", {}, c.title), el("td", {}, c.department),
    el("td", { class: "deadline" + (c.overdue ? " near" : "") }, fmtDateTime(c.due_at)),
    el("td", {}, c.escalated === "overdue" ? S.overdue : S.due))));
}

// Contacts ended for abuse (M17): told live, with the agent's recovery break and counselling.
async function loadIncidents() {
  const rows = (await api("GET", "/api/v1/protect/incidents?limit=20")) || [];
  $("incidents").tBodies[0].replaceChildren(...rows.map((i) => el("tr", { dataset: { incident: i.id } },
    el("td", {}, String(i.conversation_id)), el("td", {}, i.agent_name), el("td", {}, i.channel),
    el("td", {}, S["abuse_" + i.kind] || i.kind), el("td", {}, fmtDateTime(i.ended_at)),
    el("td", {}, i.break_until ? fmtTime(i.break_until) : "—"), el("td", {}, S["counselling_" + i.counselling] || i.counselling))));
}

// Citizens with contacts ended for abuse, and whether their contacts go to the dedicated team:
// supervisors lift or extend that (both audited on the server).
async function loadOffenders() {
  const rows = (await api("GET", "/api/v1/protect/offenders?limit=20")) || [];
  const act = async (r, what, body) => { await api("POST", `/api/v1/protect/restrictions/${r.id}/${what}`, body); loadOffenders(); };
  $("offenders").tBodies[0].replaceChildren(...rows.map((o) => {
    const r = o.restriction && o.restriction.active ? o.restriction : null;
    const buttons = r ? [el("button", { type: "button", class: "lift", onclick: () => act(r, "lift", { note: "" }) }, S.lift),
      el("button", { type: "button", class: "extend", onclick: () => act(r, "extend", { days: 30, note: "" }) }, S.extend_30)] : [];
    return el("tr", { dataset: { citizen: o.citizen_id } },
      el("td", {}, o.name || o.phone || `#${o.citizen_id}`), el("td", { class: "count" }, String(o.incidents)),
      el("td", {}, o.channels.join(", ")), el("td", {}, fmtDateTime(o.last_incident_at)),
      el("td", { class: "until" }, r ? `${fmtDateTime(r.until)} (${r.queue || "—"})` : S.not_restricted), el("td", {}, ...buttons));
  }));
}

// Low happy-call scores (M14): the supervisor calls the citizen back by the deadline and notes the outcome.
async function loadCatchCalls() {
  const rows = (await api("GET", "/api/v1/quality/catch-calls")) || [];
  $("catch-calls").tBodies[0].replaceChildren(...rows.map((c) => {
    const note = el("input", { type: "text", maxlength: 2000, "aria-label": S.catch_call_note, placeholder: S.catch_call_note });
    const done = el("button", { type: "button", class: "done" }, S.mark_done);
    done.addEventListener("click", async () => {
      if (!note.value.trim()) { note.focus(); toast(S.catch_call_note); return; }
      try { await api("POST", `/api/v1/quality/catch-calls/${c.id}/done`, { note: note.value }); loadCatchCalls(); }
      catch (e) { toast(e.message); }
    });
    return el("tr", { dataset: { catchCall: c.id } },
      el("td", {}, String(c.conversation_id)), el("td", {}, c.channel), el("td", { class: "score" }, String(c.score)),
      el("td", {}, c.comment || "—"), el("td", { class: "deadline" }, fmtDateTime(c.due_at)), el("td", {}, note, done));
  }));
}

function soon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; load(); }, 150);
}

connectStaff((ev) => {
  if (ev.type === "trend.alert") { announceTrend(ev); loadTrends($("trends")); } else if (ev.type === "quality.updated") {
    if (ev.data.event === "catch_call") toast(S.new_catch_call.replace("{score}", ev.data.score), "info");
    loadCatchCalls();
  } else if (ev.type === "case.updated") loadEscalated();
  else if (ev.type === "protect.incident") { loadIncidents(); loadOffenders(); soon(); } else soon();
}, () => { soon(); loadEscalated(); loadIncidents(); loadOffenders(); loadTrends($("trends")); loadCatchCalls(); });
setInterval(soon, 1000);   // the wallboard refreshes every second (longest-wait clocks move without events)
