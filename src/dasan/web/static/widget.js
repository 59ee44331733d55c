/* Dasan citizen chat widget (plain JS, no build step).
 * Embed: <div id="dasan-chat" data-lang="ko"></div><script src="https://HOST/static/widget.js" defer></script>
 * Never loses or duplicates a message: every message gets a client id and stays in a local outbox
 * until the server acknowledges it (after commit); on reconnect the outbox is resent (the server
 * stores each id once) and missed messages are fetched by sequence number.
 */
(function () {
  "use strict";
  // Where this script was loaded from is the Dasan server (captured now: currentScript is gone later).
  var SCRIPT_ORIGIN = document.currentScript && document.currentScript.src ? new URL(document.currentScript.src).origin : location.origin;
  function queuedText(pos, wait, none, est) {
    return function (p, w) { return pos(p) + " · " + (w == null ? none : wait(w)) + " (" + est + ")"; };
  }
  var L = {
    ko: { title: "120 다산콜센터 채팅 상담", placeholder: "문의 내용을 입력하세요", send: "보내기",
      connecting: "연결 중…", online: "연결됨", offline: "연결이 끊겼습니다. 다시 연결하는 중…",
      queued: queuedText(function (p) { return "대기 순서 " + p + "번째"; }, function (w) { return "예상 대기 약 " + w; },
        "예상 대기 시간: 상담 가능한 상담사가 없어 산정할 수 없음", "단순 추정"),
      active: function (n) { return "상담사 " + n + "님과 연결되었습니다."; }, closed: "상담이 종료되었습니다. 새 문의를 입력하시면 새 상담이 시작됩니다.",
      bot: "자동 응답(챗봇) 상담 중입니다. 상담원과 이야기하시려면 '상담원 연결'을 누르세요.", human: "상담원 연결", humanText: "상담원 연결",
      pending: "전송 중", failed: "전송 실패", min: "분", sec: "초", end: "대화 종료", callback: "전화로 회신 받기", phone: "전화번호 (예: 010-1234-5678)", ask: "요청", askBot: "챗봇에게 먼저 묻기", later: "희망 시간 (선택)", welcome: "무엇을 도와드릴까요? 궁금한 점을 입력해 주세요." },
    en: { title: "Seoul 120 Dasan Call Center chat", placeholder: "Type your question", send: "Send",
      connecting: "Connecting…", online: "Connected", offline: "Connection lost. Reconnecting…",
      queued: queuedText(function (p) { return "You are number " + p + " in line"; }, function (w) { return "expected wait about " + w; },
        "expected wait: cannot be estimated, no agent is available", "rough estimate"),
      active: function (n) { return "You are connected to agent " + n + "."; }, closed: "The consultation has ended. Type a new question to start again.",
      bot: "You are chatting with the automatic assistant. Press 'Talk to an agent' for a person.", human: "Talk to an agent", humanText: "agent",
      pending: "sending", failed: "not sent", min: "min", sec: "s", end: "End chat", callback: "Call me back", phone: "Phone number (e.g. 010-1234-5678)", ask: "Request", askBot: "Ask the assistant meanwhile", later: "At a time (optional)", welcome: "How can we help? Type your question." },
    zh: { title: "首尔120茶山呼叫中心 在线咨询", placeholder: "请输入您的问题", send: "发送",
      connecting: "正在连接…", online: "已连接", offline: "连接已断开，正在重新连接…",
      queued: queuedText(function (p) { return "您排在第 " + p + " 位"; }, function (w) { return "预计等待约 " + w; },
        "预计等待时间：暂无可接待的客服，无法估算", "粗略估计"),
      active: function (n) { return "已为您接通客服 " + n + "。"; }, closed: "咨询已结束。输入新问题即可开始新的咨询。",
      bot: "您正在与自动客服对话。如需人工服务，请点击“转人工”。", human: "转人工", humanText: "人工",
      pending: "发送中", failed: "发送失败", min: "分钟", sec: "秒", end: "结束对话", callback: "请回电给我", phone: "电话号码（例：010-1234-5678）", ask: "提交", askBot: "先问自动客服", later: "预约时间（可选）", welcome: "请问有什么可以帮您？" },
    ja: { title: "ソウル120タサンコールセンター チャット相談", placeholder: "ご質問を入力してください", send: "送信",
      connecting: "接続中…", online: "接続しました", offline: "接続が切れました。再接続しています…",
      queued: queuedText(function (p) { return "順番は " + p + " 番目です"; }, function (w) { return "予想待ち時間 約" + w; },
        "予想待ち時間：対応できるオペレーターがいないため算出できません", "簡易推定"),
      active: function (n) { return "オペレーター " + n + " につながりました。"; }, closed: "相談は終了しました。新しい質問を入力すると新しい相談が始まります。",
      bot: "自動応答と会話中です。オペレーターと話すには「オペレーター」を押してください。", human: "オペレーター", humanText: "オペレーター",
      pending: "送信中", failed: "送信失敗", min: "分", sec: "秒", end: "終了", callback: "折り返し電話を希望", phone: "電話番号（例：010-1234-5678）", ask: "送信", askBot: "待つ間に自動応答に質問", later: "希望時刻（任意）", welcome: "ご用件をお聞かせください。" },
    vi: { title: "Tư vấn trực tuyến Trung tâm 120 Dasan Seoul", placeholder: "Nhập câu hỏi của bạn", send: "Gửi",
      connecting: "Đang kết nối…", online: "Đã kết nối", offline: "Mất kết nối. Đang kết nối lại…",
      queued: queuedText(function (p) { return "Bạn đang ở vị trí số " + p; }, function (w) { return "thời gian chờ dự kiến khoảng " + w; },
        "thời gian chờ: chưa ước tính được vì không có nhân viên rảnh", "ước tính sơ bộ"),
      active: function (n) { return "Bạn đã được kết nối với nhân viên " + n + "."; }, closed: "Cuộc tư vấn đã kết thúc. Nhập câu hỏi mới để bắt đầu lại.",
      bot: "Bạn đang trò chuyện với trợ lý tự động. Nhấn 'Gặp nhân viên' để nói chuyện với người tư vấn.", human: "Gặp nhân viên", humanText: "nhân viên",
      pending: "đang gửi", failed: "chưa gửi được", min: " phút", sec: " giây", end: "Kết thúc", callback: "Gọi lại cho tôi", phone: "Số điện thoại (vd. 010-1234-5678)", ask: "Gửi", askBot: "Hỏi trợ lý tự động trong lúc chờ", later: "Hẹn giờ (không bắt buộc)", welcome: "Chúng tôi có thể giúp gì cho bạn?" },
    mn: { title: "Сөүлийн 120 Дасан төвийн чат зөвлөгөө", placeholder: "Асуултаа бичнэ үү", send: "Илгээх",
      connecting: "Холбогдож байна…", online: "Холбогдлоо", offline: "Холболт тасарлаа. Дахин холбогдож байна…",
      queued: queuedText(function (p) { return "Таны дараалал: " + p; }, function (w) { return "хүлээх хугацаа ойролцоогоор " + w; },
        "хүлээх хугацаа: чөлөөтэй ажилтан байхгүй тул тооцох боломжгүй", "ойролцоо тооцоо"),
      active: function (n) { return n + " ажилтантай холбогдлоо."; }, closed: "Зөвлөгөө дууслаа. Шинэ асуулт бичвэл шинэ зөвлөгөө эхэлнэ.",
      bot: "Та автомат туслахтай ярьж байна. Ажилтантай ярих бол 'Ажилтан' дарна уу.", human: "Ажилтан", humanText: "ажилтан",
      pending: "илгээж байна", failed: "илгээгдсэнгүй", min: " мин", sec: " сек", end: "Дуусгах", callback: "Над руу буцааж залгах", phone: "Утасны дугаар (ж: 010-1234-5678)", ask: "Илгээх", askBot: "Хүлээх зуур туслахаас асуух", later: "Цаг товлох (заавал биш)", welcome: "Танд юугаар туслах вэ?" }
  };


  function start(root) {
    var lang = (root.dataset.lang || document.documentElement.lang || "ko").slice(0, 2);
    var t = L[lang] || L.ko;
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
    var form = el("form", "dw-form");
    var input = el("textarea"); input.rows = 2; input.maxLength = 4000; input.placeholder = t.placeholder; input.setAttribute("aria-label", t.placeholder);
    var btn = el("button", null, t.send); btn.type = "submit";
    form.append(input, btn);
    var endBtn = el("button", "dw-end", t.end); endBtn.type = "button";
    var humanBtn = el("button", "dw-end dw-human", t.human); humanBtn.type = "button";
    var actions = el("span", "dw-actions"); actions.append(humanBtn, endBtn);
    head.append(actions);
    // Offers made while waiting (a callback that keeps the place, the bot meanwhile).
    var offerBox = el("div", "dw-offers"); offerBox.hidden = true;
    root.replaceChildren(head, status, offerBox, list, form);
    list.append(el("li", "dw-msg system", t.welcome));

    var rendered = {};  // seq -> li
    var pendingEls = {}; // client_msg_id -> li

    // A new contact (the previous one closed): its sequence numbers start again at 1.
    function switchTo(id) { st.conversationId = id; st.lastSeq = 0; rendered = {}; persist(); }

    function fmtWait(s) { if (s == null) return null; s = Math.round(s); return s >= 60 ? Math.round(s / 60) + t.min : s + t.sec; }

    function renderMsg(m) {
      if (rendered[m.seq]) return;
      var li = m.client_msg_id && pendingEls[m.client_msg_id];
      if (li) { li.classList.remove("pending"); delete pendingEls[m.client_msg_id]; var s = li.querySelector(".dw-state"); if (s) s.remove(); }
      else {
        li = el("li", "dw-msg " + m.kind);
        if (m.kind === "outbound" && m.author_name) li.append(el("span", "dw-author", m.author_name));
        li.append(el("span", "dw-body", m.body));
        list.append(li);
      }
      li.dataset.seq = m.seq;
      rendered[m.seq] = li;
      li.scrollIntoView({ block: "end" });
    }

    function renderPending(item) {
      var li = el("li", "dw-msg inbound pending");
      li.append(el("span", "dw-body", item.text), el("span", "dw-state", t.pending));
      list.append(li);
      pendingEls[item.client_msg_id] = li;
      li.scrollIntoView({ block: "end" });
    }

    // Apply messages in seq order; a gap means something was missed: ask for it.
    function apply(msgs) {
      msgs.sort(function (a, b) { return a.seq - b.seq; });
      for (var i = 0; i < msgs.length; i++) {
        var m = msgs[i];
        if (m.seq <= st.lastSeq) { renderMsg(m); continue; }
        if (m.seq > st.lastSeq + 1) { send({ type: "sync", after_seq: st.lastSeq }); return; }
        renderMsg(m);
        st.lastSeq = m.seq;
      }
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
          if (when.value) msg.at = new Date(when.value).toISOString();  // the citizen's local time, sent in UTC
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
        ws.send(JSON.stringify({ type: "hello", visitor: st.visitor, lang: lang, after_seq: st.lastSeq }));
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
          apply(f.messages);
          showStatus(f.status ? { status: f.status, position: f.position, wait_s: f.wait_s } : null);
          showOffers(f.offers || []);
          if (!f.status) status.textContent = t.online;
          // Resend everything not yet acknowledged, in order; the server stores each id once.
          for (var i = 0; i < st.outbox.length; i++) send({ type: "send", client_msg_id: st.outbox[i].client_msg_id, text: st.outbox[i].text });
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
          apply(f.messages);
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

    function submitText(text) {
      var item = { client_msg_id: randomId(), text: text };
      st.outbox.push(item); persist();
      renderPending(item);
      send({ type: "send", client_msg_id: item.client_msg_id, text: text });
    }
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
