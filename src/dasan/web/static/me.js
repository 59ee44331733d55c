// One's own page: choose a new password (required first after an admin created the account or
// gave it a new password). The server checks the current one and the rules; it says why not.
import { S, api, el, fmtDate, fmtDateTime } from "./common.js";

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

// The second factor: its state (and, for a role that requires it, by when); setting up an
// authenticator app (QR code and key, confirmed by the app's first code, then the recovery codes
// once); turning it off where the role allows.
const factorSay = (text) => { $("factor-status").textContent = text; };
async function loadFactor() {
  const f = await api("GET", "/api/v1/me/second-factor");
  if (!f) return;
  let state = f.enabled ? S.second_factor_on.replace("{n}", f.recovery_codes_left) : S.second_factor_off;
  if (!f.enabled && f.required && f.due) {
    state += " " + (new Date(f.due) <= new Date() ? S.second_factor_overdue : S.second_factor_due.replace("{date}", fmtDate(f.due)));
  }
  $("factor-state").textContent = state;
  $("factor-off").hidden = !f.enabled || f.required;
}
$("factor-start").addEventListener("click", async () => {
  try {
    const out = await api("POST", "/api/v1/me/second-factor/start");
    $("factor-qr").src = out.qr;
    $("factor-secret").textContent = out.secret;
    $("factor-enrol").hidden = false;
    $("factor-codes").hidden = true;
    $("factor-code").focus();
  } catch (err) { factorSay(err.message); }
});
$("factor-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const out = await api("POST", "/api/v1/me/second-factor/confirm", { code: $("factor-code").value });
    e.target.reset();
    $("factor-enrol").hidden = true;
    $("factor-code-list").replaceChildren(...out.recovery_codes.map((c) => el("li", {}, el("code", {}, c))));
    $("factor-codes").hidden = false;
    factorSay(S.second_factor_enabled);
    await loadFactor();
  } catch (err) { factorSay(S[err.body && err.body.error] || err.message); }
});
$("factor-off").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("POST", "/api/v1/me/second-factor/disable", { password: $("factor-off-password").value });
    e.target.reset();
    await loadFactor();
  } catch (err) { factorSay(err.message); }
});
loadFactor().catch((err) => factorSay(err.message));
