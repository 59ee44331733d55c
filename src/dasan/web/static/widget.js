/* Dasan citizen chat widget (plain JS, no build step).
 * Embed: <div id="dasan-chat" data-lang="ko"></div><script src="https://HOST/static/widget.js" defer></script>
 * (data-queue="CODE" on a department's page: its chats wait in that line)
 * Never loses or duplicates a message: every message gets a client id and stays in a local outbox
 * until the server acknowledges it (after commit); on reconnect the outbox is resent (the server
 * stores each id once) and missed messages are fetched by sequence number.
 */
(function () {
  "use strict";
  // Where this script was loaded from is the Dasan server (captured now: currentScript is gone later).
  var SCRIPT_ORIGIN = document.currentScript && document.currentScript.src ? new URL(document.currentScript.src).origin : location.origin;
  // The text in every service language of the center, from the server's message catalogue
  // (filled in when the server sends this script; see web/views.py widget_script).
  var TEXT = /*CATALOGUE*/{};
  var DEFAULT_LANG = /*DEFAULT_LANG*/"ko";
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] != null ? values[k] : m; });
  }
  function texts(lang) {
    var x = TEXT[lang] || TEXT[DEFAULT_LANG];
    var t = {};
    for (var k in x) t[k] = x[k];
    t.queued = function (p, w) {
      return fill(x.queued_position, { position: p }) + " · " + (w == null ? x.queued_none : fill(x.queued_wait, { wait: w })) + " (" + x.estimate + ")";
    };
    t.active = function (n) { return fill(x.active, { agent: n }); };
    t.min = function (n) { return fill(x.minutes, { n: n }); };
    t.sec = function (n) { return fill(x.seconds, { n: n }); };
    t.humanText = x.human_text;
    t.askBot = x.ask_bot;
    t.uploadFailed = x.upload_failed;
    return t;
  }

  function start(root) {
    var lang = (root.dataset.lang || document.documentElement.lang || DEFAULT_LANG).slice(0, 2);
    if (!TEXT[lang]) lang = DEFAULT_LANG;
    var t = texts(lang);
    var server = root.dataset.server || SCRIPT_ORIGIN;
    var store = window.localStorage;
    var KEY = "dasan.chat." + server;
    var saved = {};
    try { saved = JSON.parse(store.getItem(KEY) || "{}"); } catch (e) { saved = {}; }
    var st = {
      visitor: saved.visitor || randomId() + randomId(),
      conversationId: saved.conversationId || null,
      lastSeq: saved.lastSeq || 0,
      outbox: saved.outbox || []
    };
    function persist() { store.setItem(KEY, JSON.stringify(st)); }
    persist();

    // --- DOM (text only, never innerHTML with data) ---
    function el(tag, cls, text) { var n = document.createElement(tag); if (cls) n.className = cls; if (text != null) n.textContent = text; return n; }
    root.classList.add("dasan-widget");
    var head = el("div", "dw-head"); head.append(el("strong", null, t.title));
    var status = el("div", "dw-status", t.connecting); status.setAttribute("role", "status"); status.setAttribute("aria-live", "polite");
    var list = el("ol", "dw-list"); list.setAttribute("aria-live", "polite"); list.setAttribute("aria-label", t.title);
    list.tabIndex = 0;  // a scrollable region is reachable from the keyboard (WCAG 2.1.1)
    var form = el("form", "dw-form");
    var input = el("textarea"); input.rows = 2; input.maxLength = 4000; input.placeholder = t.placeholder; input.setAttribute("aria-label", t.placeholder);
    var btn = el("button", null, t.send); btn.type = "submit";
    // A photo: uploaded first, then sent as a message by the reference the upload returned.
    var fileInput = el("input"); fileInput.type = "file"; fileInput.accept = "image/*"; fileInput.hidden = true;
    var attachBtn = el("button", "dw-attach", t.attach); attachBtn.type = "button"; attachBtn.setAttribute("aria-label", t.attach);
    form.append(input, attachBtn, btn, fileInput);
    var endBtn = el("button", "dw-end", t.end); endBtn.type = "button";
    var humanBtn = el("button", "dw-end dw-human", t.human); humanBtn.type = "button";
    var actions = el("span", "dw-actions"); actions.append(humanBtn, endBtn);
    head.append(actions);
    // Offers made while waiting (a callback that keeps the place, the bot meanwhile).
    var offerBox = el("div", "dw-offers"); offerBox.hidden = true;
    root.replaceChildren(head, status, offerBox, list, form);
    list.append(el("li", "dw-msg system", t.welcome));
    // The center's notice opens every chat (Occupational Safety and Health Act §41): abuse is prohibited, the chat recorded.
    if (t.notice) list.append(el("li", "dw-msg system dw-notice", t.notice));

    var rendered = {};  // seq -> li
    var pendingEls = {}; // client_msg_id -> li

    // A new contact (the previous one closed): its sequence numbers start again at 1.
    function switchTo(id) { st.conversationId = id; st.lastSeq = 0; rendered = {}; persist(); }

    function fmtWait(s) { if (s == null) return null; s = Math.round(s); return s >= 60 ? t.min(Math.round(s / 60)) : t.sec(s); }

    function renderMsg(m) {
      if (rendered[m.seq]) return;
      var li = m.client_msg_id && pendingEls[m.client_msg_id];
      if (li) { li.classList.remove("pending"); delete pendingEls[m.client_msg_id]; var s = li.querySelector(".dw-state"); if (s) s.remove(); }
      else {
        li = el("li", "dw-msg " + m.kind);
        if (m.kind === "outbound" && m.author_name) li.append(el("span", "dw-author", m.author_name));
        li.append(el("span", "dw-body", m.body || t.photo));
        list.append(li);
      }
      li.dataset.seq = m.seq;
      rendered[m.seq] = li;
      li.scrollIntoView({ block: "end" });
    }

    function renderPending(item) {
      var li = el("li", "dw-msg inbound pending");
      li.append(el("span", "dw-body", item.text || t.photo), el("span", "dw-state", t.pending));
      list.append(li);
      pendingEls[item.client_msg_id] = li;
      li.scrollIntoView({ block: "end" });
    }

    // Apply messages in seq order; a gap means something was missed: ask for it. A server's
    // answer (welcome, sync) is complete up to `upto`: its holes are internal notes, not losses.
    function apply(msgs, upto) {
      msgs.sort(function (a, b) { return a.seq - b.seq; });
      for (var i = 0; i < msgs.length; i++) {
        var m = msgs[i];
        if (m.seq <= st.lastSeq) { renderMsg(m); continue; }
        if (upto === undefined && m.seq > st.lastSeq + 1) { send({ type: "sync", after_seq: st.lastSeq }); return; }
        renderMsg(m);
        st.lastSeq = m.seq;
      }
      if (upto !== undefined && upto > st.lastSeq) st.lastSeq = upto;
      persist();
    }

    function showStatus(s) {
      if (!s) return;
      if (s.status === "queued" || s.status === "offered") status.textContent = t.queued(s.position || 1, fmtWait(s.wait_s));
      else if (s.status === "active") status.textContent = s.agent_name ? t.active(s.agent_name) : t.online;
      else if (s.status === "wrapup" || s.status === "closed") status.textContent = t.closed;
      else if (s.status === "bot") status.textContent = t.bot;
      status.dataset.state = s.status;
    }

    function showOffers(offers) {
      if (!offers) return;
      offerBox.replaceChildren();
      offerBox.hidden = offers.length === 0;
      if (offers.indexOf("callback") >= 0) {
        var f = el("form", "dw-callback");
        var phone = el("input"); phone.type = "tel"; phone.placeholder = t.phone; phone.setAttribute("aria-label", t.phone);
        phone.autocomplete = "tel"; phone.required = true;
        var when = el("input", "dw-when"); when.type = "datetime-local"; when.title = t.later; when.setAttribute("aria-label", t.later);
        var go = el("button", null, t.ask); go.type = "submit";
        f.append(el("span", null, t.callback), phone, when, go);
        f.addEventListener("submit", function (e) {
          e.preventDefault();
          var msg = { type: "callback", phone: phone.value };
          if (when.value) msg.at = when.value;  // wall-clock time at the center (the server applies its zone)
          send(msg);
        });
        offerBox.append(f);
      }
      if (offers.indexOf("bot") >= 0) {
        var b = el("button", "dw-askbot", t.askBot); b.type = "button";
        b.addEventListener("click", function () { send({ type: "bot" }); });
        offerBox.append(b);
      }
      offerBox.append(el("span", "dw-offer-error"));
    }

    // --- socket ---
    var ws = null, delay = 500, ready = false;
    function send(obj) { if (ws && ready) ws.send(JSON.stringify(obj)); }
    function connect() {
      var url = server.replace(/^http/, "ws") + "/ws/chat";
      ws = new WebSocket(url);
      ws.onopen = function () {
        delay = 500;
        ws.send(JSON.stringify({ type: "hello", visitor: st.visitor, lang: lang, after_seq: st.lastSeq, queue: root.dataset.queue || "" }));
      };
      ws.onmessage = function (e) {
        var f = JSON.parse(e.data);
        if (f.type === "welcome") {
          ready = true;
          if (f.conversation_id !== st.conversationId) {
            // A different contact than the one we remember: start the transcript afresh.
            switchTo(f.conversation_id);
            list.querySelectorAll(".dw-msg:not(.pending)").forEach(function (n, i) { if (i > 0) n.remove(); });
          }
          apply(f.messages, f.upto);
          showStatus(f.status ? { status: f.status, position: f.position, wait_s: f.wait_s } : null);
          showOffers(f.offers || []);
          if (!f.status) status.textContent = t.online;
          // Resend everything not yet acknowledged, in order; the server stores each id once.
          for (var i = 0; i < st.outbox.length; i++) sendItem(st.outbox[i]);
        } else if (f.type === "ack") {
          if (f.conversation_id !== st.conversationId) switchTo(f.conversation_id);
          st.outbox = st.outbox.filter(function (o) { return o.client_msg_id !== f.client_msg_id; });
          persist();
          // The stored message itself arrives as message.created; if it has not come shortly, fetch it.
          setTimeout(function () { if (f.seq > st.lastSeq) send({ type: "sync", after_seq: st.lastSeq }); }, 400);
        } else if (f.type === "message.created") {
          if (f.data.conversation_id !== st.conversationId) switchTo(f.data.conversation_id);
          apply([f.data]);
        } else if (f.type === "sync") {
          if (f.conversation_id !== undefined && f.conversation_id !== st.conversationId) return;  // an older contact's answer
          apply(f.messages, f.upto);
          if (f.status) showStatus({ status: f.status });
        } else if (f.type === "citizen.status") {
          showStatus(f.data);
          if (f.data.offers) showOffers(f.data.offers);
          else if (f.data.status !== "queued") showOffers([]);
        } else if (f.type === "offer_taken") {
          showOffers([]);
        } else if (f.type === "error" && (f.code === "bad_phone" || f.code === "bad_time" || f.code === "no_callback" || f.code === "no_bot_offer")) {
          var err = offerBox.querySelector(".dw-offer-error"); if (err) err.textContent = f.message;
        } else if (f.type === "error") {
          if (f.client_msg_id && pendingEls[f.client_msg_id]) {
            var li = pendingEls[f.client_msg_id]; li.classList.add("failed");
            var s = li.querySelector(".dw-state"); if (s) s.textContent = t.failed + ": " + f.message;
            st.outbox = st.outbox.filter(function (o) { return o.client_msg_id !== f.client_msg_id; }); persist();
          }
        }
      };
      ws.onclose = function () {
        ready = false;
        status.textContent = t.offline;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5000);
      };
    }

    function sendItem(item) {
      send({ type: "send", client_msg_id: item.client_msg_id, text: item.text, attachments: item.attachments || [] });
    }
    function submitText(text, attachments) {
      var item = { client_msg_id: randomId(), text: text, attachments: attachments || [] };
      st.outbox.push(item); persist();
      renderPending(item);
      sendItem(item);
    }
    attachBtn.addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file) return;
      var body = new FormData(); body.append("file", file);
      attachBtn.disabled = true;
      fetch(server + "/api/v1/chat/attachments", { method: "POST", headers: { "X-Visitor": st.visitor }, body: body })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (up) { var text = input.value.trim(); input.value = ""; submitText(text, [up.ref]); })
        .catch(function () { list.append(el("li", "dw-msg system", t.uploadFailed)); })
        .then(function () { attachBtn.disabled = false; fileInput.value = ""; });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      submitText(text);
    });
    humanBtn.addEventListener("click", function () { submitText(t.humanText); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    endBtn.addEventListener("click", function () { send({ type: "leave" }); });
    for (var i = 0; i < st.outbox.length; i++) renderPending(st.outbox[i]);
    connect();
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function boot() { var root = document.getElementById("dasan-chat"); if (root) start(root); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
})();
