// One's own page: choose a new password (required first after an admin created the account or
// gave it a new password). The server checks the current one and the rules; it says why not.
import { S, api, el, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
$("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const say = (text) => { $("pw-status").textContent = text; };
  if ($("pw-new").value !== $("pw-repeat").value) { say(S.passwords_differ); $("pw-repeat").focus(); return; }
  try {
    await api("POST", "/api/v1/me/password", { current: $("pw-current").value, new: $("pw-new").value });
    e.target.reset();
    say(S.password_changed);
    const notice = $("must-change");
    if (notice) { notice.remove(); setTimeout(() => { location.href = "/"; }, 800); }  // on to one's home page
  } catch (err) { say(S[err.body && err.body.error] || err.message); }  // the rule broken, in the page's language
});

// One's login sessions: this one first; any other can be ended here (this one by logging out).
async function loadSessions() {
  const rows = await api("GET", "/api/v1/me/sessions");
  if (!rows) return;
  $("sessions").tBodies[0].replaceChildren(...rows.map((r) => el("tr", { dataset: { session: r.id }, class: r.current ? "current" : "" },
    el("td", {}, fmtDateTime(r.created_at)), el("td", {}, fmtDateTime(r.last_seen_at)), el("td", {}, fmtDateTime(r.ends_at)),
    el("td", {}, `${r.address} ${r.user_agent.slice(0, 60)}`),
    el("td", {}, r.current ? S.this_session : el("button", { type: "button", class: "secondary end-session",
      "aria-label": `${S.end_session} ${fmtDateTime(r.created_at)}`, onclick: () => endSession(r.id) }, S.end_session)))));
  $("end-others").disabled = rows.length < 2;
}
const tell = (text) => { $("sessions-status").textContent = text; };
async function endSession(id) {
  try { await api("DELETE", `/api/v1/me/sessions/${id}`); tell(S.sessions_ended.replace("{n}", 1)); } catch (err) { tell(err.message); }
  await loadSessions();
}
$("end-others").addEventListener("click", async () => {
  try { const out = await api("POST", "/api/v1/me/sessions/end-others"); tell(S.sessions_ended.replace("{n}", out.ended)); } catch (err) { tell(err.message); }
  await loadSessions();
});
loadSessions().catch((err) => tell(err.message));
