// The agent's softphone: a WebRTC phone through Janus's SIP plugin, registered with the center's
// SIP edge (Kamailio) with SIP credentials Dasan issues to the logged-in agent. It rings for the
// calls the routing engine offers this agent; answer, hold, mute, keypad, hang up, dial out; consult
// a colleague or a department's line while the caller waits (then hand over or go back), or add an
// interpreter to the call (the center's controller re-points the phones; this page only asks).
import { S, api, el } from "./common.js";

const box = document.getElementById("softphone");
const $ = (id) => document.getElementById(id);
const phone = { state: "offline", handle: null, caller: null, third: "", loadingPhones: null };
window.dasanSoftphone = phone; // read by the browser tests (state, RTP counters)

function browserDetails() {
  // janus.js asks only which browser this is (instead of shipping webrtc-adapter for that).
  const ua = navigator.userAgent;
  const v = (re) => parseInt((ua.match(re) || [0, "0"])[1], 10);
  if (/firefox\//i.test(ua)) return { browser: "firefox", version: v(/firefox\/(\d+)/i) };
  if (/safari\//i.test(ua) && !/chrom(e|ium)\//i.test(ua)) return { browser: "safari", version: v(/version\/(\d+)/i) };
  return { browser: "chrome", version: v(/chrom(?:e|ium)\/(\d+)/i) };
}

function show(state, detail) {
  phone.state = state;
  box.dataset.state = state;
  $("sp-status").textContent = (S["sp_" + state] || state) + (detail ? ` · ${detail}` : "");
  const inCall = state === "in_call" || state === "on_hold";
  $("sp-answer").hidden = state !== "ringing";
  $("sp-hangup").hidden = !(inCall || state === "ringing" || state === "calling");
  $("sp-mute").hidden = !inCall;
  $("sp-hold").hidden = !inCall;
  $("sp-keypad").hidden = !inCall;
  $("sp-dial-form").hidden = state !== "ready";
  if (!inCall && state !== "ringing") { $("sp-caller").replaceChildren(); phone.third = ""; }
  showThird();
}

function showThird() {
  // The consultation / three-party controls, for the agent on a citizen's call (not for a
  // colleague who was called in to consult or interpret).
  const mine = (phone.state === "in_call" || phone.state === "on_hold") && phone.caller
    && phone.caller.conversation && !phone.caller.purpose;
  $("sp-third").hidden = !mine || phone.third !== "";
  $("sp-handover").hidden = !mine || phone.third !== "consult";
  $("sp-return").hidden = !mine || phone.third !== "consult";
  $("sp-end-conference").hidden = !mine || phone.third !== "conference";
  $("sp-third-status").textContent = phone.third === "consult" ? S.sp_consulting || ""
    : phone.third === "conference" ? S.sp_conferencing || "" : "";
  if (mine && phone.third === "" && !$("sp-third-user").options.length && !phone.loadingPhones) {
    // Once at a time: a second load finishing after the agent chose would undo the choice.
    phone.loadingPhones = loadPhones().finally(() => { phone.loadingPhones = null; });
  }
}

async function loadPhones() {
  const list = await api("GET", "/api/v1/voice/phones");
  if (!list) return;
  $("sp-third-user").replaceChildren(el("option", { value: "" }, "—"), ...list.map((p) =>
    el("option", { value: String(p.user_id) }, p.department ? `${p.name} · ${p.department}` : p.name)));
}

async function third(path, body, then) {
  const conv = phone.caller && phone.caller.conversation;
  if (!conv) return;
  try {
    await api("POST", `/api/v1/voice/conversations/${conv}/${path}`, body);
    phone.third = then;
    showThird();
  } catch (e) {
    if (e.status === 409 && path.includes("/")) phone.third = ""; // it had ended by itself meanwhile
    showThird();
    $("sp-third-status").textContent = e.message;
  }
}

function showCaller(result) {
  const h = result.headers || {};
  const caller = (result.username || "").replace(/^sip:/, "").split("@")[0];
  phone.caller = { number: caller, dialled: h["X-Dasan-Dialled"] || "", menu: h["X-Dasan-Menu"] || "",
                   conversation: h["X-Dasan-Conversation"] || "", callback: h["X-Dasan-Callback"] || "",
                   purpose: h["X-Dasan-Purpose"] || "" };
  const c = phone.caller;
  $("sp-caller").replaceChildren(
    el("strong", {}, c.number || S.sp_unknown_caller || "?"),
    c.dialled ? el("span", {}, ` · ${S.sp_dialled || "dialled"} ${c.dialled}`) : "",
    c.menu ? el("span", {}, ` · ${S.sp_menu || "menu"} ${c.menu}`) : "",
    c.callback ? el("span", {}, ` · ${S.sp_callback || "callback"}`) : "",
    c.purpose ? el("span", {}, ` · ${S["sp_" + c.purpose] || c.purpose}`) : "");
  if (c.conversation && !c.purpose) window.dispatchEvent(new CustomEvent("dasan:call", { detail: c }));
}

function onMessage(msg, jsep) {
  const result = msg.result || {};
  if (msg.error) { show(phone.state === "registering" ? "offline" : phone.state, msg.error); return; }
  switch (result.event) {
    case "registered": show("ready"); break;
    case "registration_failed": show("offline", result.reason || ""); break;
    case "incomingcall": phone.jsep = jsep; showCaller(result); show("ringing"); break;
    case "calling": show("calling"); break;
    case "accepted": if (jsep) phone.handle.handleRemoteJsep({ jsep }); show("in_call"); break;
    case "updatingcall":
      if (jsep) phone.handle.createAnswer({ jsep, tracks: [{ type: "audio", capture: true, recv: true }],
        success: (j) => phone.handle.send({ message: { request: "update" }, jsep: j }) });
      break;
    case "holding": show("on_hold"); break;
    case "resuming": show("in_call"); break;
    case "hangup": phone.handle.hangup(); show("ready", result.reason || ""); break;
    default: break;
  }
}

function answer() {
  phone.handle.createAnswer({
    jsep: phone.jsep, tracks: [{ type: "audio", capture: true, recv: true }],
    success: (jsep) => { phone.handle.send({ message: { request: "accept" }, jsep }); show("in_call"); },
    error: (e) => show("ready", String(e)),
  });
}

phone.answer = () => { if (phone.state === "ringing") answer(); };

function hangup() {
  if (phone.state === "ringing") phone.handle.send({ message: { request: "decline" } });
  else phone.handle.send({ message: { request: "hangup" } });
}

function dial(number) {
  phone.handle.createOffer({
    tracks: [{ type: "audio", capture: true, recv: true }],
    success: (jsep) => {
      phone.handle.send({ message: { request: "call", uri: `sip:${number}@${box.dataset.realm}` }, jsep });
      show("calling", number);
    },
    error: (e) => show("ready", String(e)),
  });
}

phone.stats = async () => {
  // RTP both ways, as the browser counts it.
  const pc = phone.handle && phone.handle.webrtcStuff && phone.handle.webrtcStuff.pc;
  const out = { packetsReceived: 0, packetsSent: 0 };
  if (!pc) return out;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") out.packetsReceived += r.packetsReceived || 0;
    if (r.type === "outbound-rtp" && r.kind === "audio") out.packetsSent += r.packetsSent || 0;
  });
  return out;
};

async function start() {
  if (!box || !window.Janus) return;
  box.hidden = false;
  show("registering");
  let cred;
  try {
    cred = await api("POST", "/api/v1/voice/softphone");
  } catch (e) {
    // The server could not issue credentials just now: say so, and try again shortly.
    show("offline", e.message);
    setTimeout(start, 5000);
    return;
  }
  if (!cred) { show("offline"); return; }
  window.Janus.init({
    debug: false,
    dependencies: window.Janus.useDefaultDependencies({ adapter: { browserDetails: browserDetails() } }),
    callback: () => {
      const janus = new window.Janus({
        server: box.dataset.janus,
        success: () => janus.attach({
          plugin: "janus.plugin.sip",
          success: (handle) => {
            phone.handle = handle;
            handle.send({ message: {
              request: "register", username: `sip:${cred.username}@${cred.realm}`, authuser: cred.username,
              ha1_secret: cred.ha1, proxy: box.dataset.proxy, outbound_proxy: box.dataset.proxy, // calls too
              incoming_header_prefixes: ["X-Dasan"],
            } });
          },
          onmessage: onMessage,
          onremotetrack: (track, mid, on) => {
            if (track.kind === "audio" && on) $("sp-audio").srcObject = new MediaStream([track]);
          },
          oncleanup: () => { if (phone.state !== "offline") show("ready"); },
          error: (e) => show("offline", String(e)),
        }),
        error: (e) => show("offline", String(e)),
        destroyed: () => show("offline"),
      });
    },
  });
}

$("sp-answer").addEventListener("click", answer);
$("sp-hangup").addEventListener("click", hangup);
$("sp-mute").addEventListener("click", () => {
  const muted = phone.handle.isAudioMuted();
  if (muted) phone.handle.unmuteAudio(); else phone.handle.muteAudio();
  $("sp-mute").textContent = muted ? S.sp_mute : S.sp_unmute;
  $("sp-mute").setAttribute("aria-pressed", String(!muted));
});
$("sp-hold").addEventListener("click", () => {
  phone.handle.send({ message: { request: phone.state === "on_hold" ? "unhold" : "hold" } });
});
$("sp-keypad").addEventListener("submit", (e) => {
  e.preventDefault();
  const tones = $("sp-tones").value.replace(/[^0-9*#]/g, "");
  $("sp-tones").value = "";
  // Each key as SIP INFO (Janus's dtmf_info): the call controller has rtpengine play it to the
  // citizen, as telephone-event or as tones, whatever the citizen's side takes.
  [...tones].forEach((digit, i) => setTimeout(() => {
    if (phone.handle) phone.handle.send({ message: { request: "dtmf_info", digit, duration: 250 } });
  }, i * 400));
});
function thirdTarget() {
  const number = $("sp-third-number").value.replace(/[^0-9+]/g, "");
  const user = $("sp-third-user").value;
  return number ? { number } : user ? { user_id: Number(user) } : null;
}
$("sp-consult").addEventListener("click", () => {
  const t = thirdTarget();
  if (t && t.user_id) third("consult", t, "consult");
});
$("sp-conference").addEventListener("click", () => {
  const t = thirdTarget();
  if (t) third("conference", t, "conference");
});
$("sp-handover").addEventListener("click", () => third("consult/complete", undefined, ""));
$("sp-return").addEventListener("click", () => third("consult/cancel", undefined, ""));
$("sp-end-conference").addEventListener("click", () => third("conference/end", undefined, ""));
$("sp-dial-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const number = $("sp-number").value.replace(/[^0-9+]/g, "");
  if (number) dial(number);
});
start();
