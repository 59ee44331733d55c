// One's own page: choose a new password (required first after an admin created the account or
// gave it a new password). The server checks the current one and the rules; it says why not.
import { S, api } from "./common.js";

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
