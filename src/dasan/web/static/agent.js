// Agent desktop: offers, live chat, wrap-up, transfer, citizen history, knowledge search.
import { S, ME, api, el, fmtTime, fmtDateTime, connectStaff, toast, messageItem } from "./common.js";

const $ = (id) => document.getElementById(id);
let state = { conversations: [], previews: {} };
let current = null;      // the conversation shown in the centre
let lastSeq = 0;         // highest seq rendered for it
let historyFor = null;   // citizen whose history is shown

async function refresh() {
  state = await api("GET", "/api/v1/agent/state");
  if (!state) return;
  $("presence").value = state.presence;
  renderLists();
  if (current) {
    const still = state.conversations.find((c) => c.id === current.id);
    if (still) { current = still; renderHead(); await loadMessages(false); }
  } else {
    const active = state.conversations.find((c) => c.agent_id === ME);
    if (active) await openConversation(active.id);
  }
}

function renderLists() {
  const offers = $("offers"), contacts = $("contacts");
  offers.replaceChildren(); contacts.replaceChildren();
  for (const c of state.conversations) {
    if (c.status === "offered" && c.offered_to_id === ME) {
      offers.append(el("li", { class: "offer", dataset: { id: c.id } },
        el("strong", {}, c.citizen_name), " · ", c.channel,
        c.callback_number ? el("span", { class: "callback" }, ` · ${S.callback_requested || "callback"}: ${c.callback_number}`) : "",
        el("br"),
        el("span", { class: "preview" }, state.previews[c.id] || ""), el("br"),
        el("button", { type: "button", class: "accept", onclick: () => accept(c.id) }, S.accept),
        " ", el("button", { type: "button", class: "secondary", onclick: () => decline(c.id) }, S.decline)));
    } else if (c.agent_id === ME) {
      contacts.append(el("li", { class: c.id === (current && current.id) ? "sel" : "" },
        el("button", { type: "button", class: "link", onclick: () => openConversation(c.id) },
          c.citizen_name + " · " + (S[c.status] || c.status))));
    }
  }
}

async function accept(id) {
  const c = state.conversations.find((x) => x.id === id);
  if (c && c.channel === "voice" && window.dasanSoftphone && window.dasanSoftphone.answer) {
    window.dasanSoftphone.answer();  // a call is taken by answering the ringing phone
    return;
  }
  try { await api("POST", `/api/v1/conversations/${id}/accept`); } catch (e) { toast(e.message); }
  await refresh();
  await openConversation(id);
}

async function decline(id) {
  try { await api("POST", `/api/v1/conversations/${id}/decline`); } catch (e) { toast(e.message); }
  await refresh();
}

function renderHead() {
  const c = current;
  $("conv-head").replaceChildren(el("strong", {}, c.citizen_name), ` · ${c.channel} · ${c.queue_code} · `,
    el("span", { id: "conv-status", class: "status" }, S[c.status] || c.status),
    c.department_name ? ` · ${c.department_name} (${c.dialled_number})` : "",
    c.callback_number ? el("span", { id: "callback", class: "callback" }, ` · ${S.callback_requested || "callback"}: ${c.callback_number}` +
      (c.callback_at ? ` (${fmtTime(c.callback_at)})` : "")) : "",
    c.reply_by ? el("span", { id: "reply-by", class: new Date(c.reply_by) - Date.now() < 2 * 3600e3 ? "deadline near" : "deadline" },
      ` · ${S.reply_by || "reply by"} ${fmtDateTime(c.reply_by)}`) : "");
  const live = c.status === "active";
  $("reply-form").hidden = !live;
  $("transfer-box").hidden = !live;
  $("case-box").hidden = !(c.status === "active" || c.status === "wrapup");
  $("wrapup-form").hidden = !(c.status === "active" || c.status === "wrapup");
}

function renderMessage(m) {
  const li = messageItem(m, { citizenName: current.citizen_name, lang: current.lang });
  $("transcript").append(li);
  li.scrollIntoView({ block: "end" });
}

async function loadMessages(reset) {
  if (reset) { $("transcript").replaceChildren(); lastSeq = 0; }
  const data = await api("GET", `/api/v1/conversations/${current.id}?after_seq=${lastSeq}`);
  for (const m of data.messages) if (m.seq > lastSeq) { renderMessage(m); lastSeq = m.seq; }
}

async function openConversation(id) {
  const data = await api("GET", `/api/v1/conversations/${id}`);
  current = data;
  renderHead();
  renderLists();
  $("transcript").replaceChildren(); lastSeq = 0;
  for (const m of data.messages) { renderMessage(m); lastSeq = m.seq; }
  if (historyFor !== data.citizen_id) await loadHistory(data.citizen_id);
  if (!$("kb-q").value && data.messages.length) {
    const first = data.messages.find((m) => m.kind === "inbound");
    if (first) { $("kb-q").value = first.body.slice(0, 200); search(); }
  }
}

// A call ringing on the softphone opens its contact and the citizen's history before the answer.
window.addEventListener("dasan:call", (e) => {
  const id = Number(e.detail && e.detail.conversation);
  if (id && (!current || current.id !== id)) openConversation(id).catch(() => {});
});

async function loadHistory(citizenId) {
  historyFor = citizenId;
  const h = await api("GET", `/api/v1/citizens/${citizenId}/history`);
  const ul = $("history");
  ul.replaceChildren();
  if (!h.records.length) ul.append(el("li", { class: "muted" }, "—"));
  for (const r of h.records) {
    ul.append(el("li", { class: "record" }, el("strong", {}, r.category), " · ", S[r.resolution] || r.resolution,
      " · ", fmtDateTime(r.closed_at), el("br"), r.summary));
  }
}

// Highlight query words inside article text by splitting into text nodes and <mark> elements.
function highlighted(text, terms) {
  const frag = document.createDocumentFragment();
  if (!terms.length) { frag.append(text); return frag; }
  const esc = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp("(" + esc.join("|") + ")", "gi");
  let last = 0;
  for (const m of text.matchAll(re)) {
    frag.append(text.slice(last, m.index), el("mark", {}, m[0]));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

async function search() {
  const q = $("kb-q").value.trim();
  if (!q) return;
  const district = $("kb-district").value;
  const res = await api("GET", "/api/v1/knowledge/search?q=" + encodeURIComponent(q) +
    (district ? "&district=" + encodeURIComponent(district) : ""));
  // Highlight both the query words and their 2-character stems (Korean particles vary).
  const terms = [...new Set(res.terms.flatMap((t) => (t.length > 2 ? [t, t.slice(0, 2)] : [t])))];
  const ul = $("kb-results");
  ul.replaceChildren();
  if (!res.results.length) ul.append(el("li", { class: "muted" }, "—"));
  for (const a of res.results) {
    const insert = el("button", { type: "button", class: "link", onclick: () => {
      $("reply").value = a.body; $("reply").focus();
      api("POST", `/api/v1/knowledge/articles/${a.id}/used`).catch(() => {});
    } }, "↳ " + S.reply);
    // Flagging asks why in a small form under the article (not a prompt() dialog).
    const flag = el("button", { type: "button", class: "link flag", "aria-expanded": "false", onclick: () => {
      const open = flagForm.hidden;
      flagForm.hidden = !open;
      flag.setAttribute("aria-expanded", String(open));
      if (open) flagForm.querySelector("input").focus();
    } }, "⚑ " + S.flag);
    const reasonId = `flag-reason-${a.id}`;
    const flagForm = el("form", { class: "flag-form row" },
      el("label", { for: reasonId }, S.flag_reason), el("input", { id: reasonId, required: true, maxlength: 500 }),
      el("button", { type: "submit" }, S.flag));
    flagForm.hidden = true;
    flagForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const reason = flagForm.querySelector("input").value.trim();
      if (!reason) return;
      try {
        await api("POST", `/api/v1/knowledge/articles/${a.id}/flag`, { reason });
        flag.textContent = "✓ " + S.flagged; flagForm.hidden = true; flag.focus();
      } catch (err) { toast(err.message); }
    });
    ul.append(el("li", { class: "article" }, el("strong", {}, highlighted(a.title, terms)), " ",
      el("small", {}, a.department), el("p", {}, highlighted(a.body, terms)), insert, " ", flag, flagForm));
  }
}

async function loadDistricts() {
  const orgs = await api("GET", "/api/v1/organisations");
  const en = document.documentElement.lang === "en";
  for (const o of orgs.filter((x) => x.kind === "district")) {
    $("kb-district").append(el("option", { value: o.code }, en ? o.name_en : o.name));
    $("case-district").append(el("option", { value: o.code }, en ? o.name_en : o.name));
  }
}

async function loadCaseTypes() {
  const types = await api("GET", "/api/v1/case-types");
  for (const t of types) $("case-type").append(el("option", { value: t.code }, `${t.name} (${t.working_days}${S.due ? " · " + S.due : ""})`));
}

async function loadSuggestions() {
  if (!current) return;
  const q = new URLSearchParams({ district: $("case-district").value, category: $("wrap-category").value });
  const list = await api("GET", `/api/v1/conversations/${current.id}/case-suggestions?` + q);
  $("case-suggestions").replaceChildren(...list.map((x) => el("li", {},
    el("button", { type: "button", class: "link", onclick: () => { $("case-type").value = x.case_type; } }, `${x.department} · ${x.case_type}`),
    x.warm_transfer ? el("span", { class: "warm" }, ` · ${S.warm_transfer} ${x.phone}`) : "")));
}
$("case-box").addEventListener("toggle", () => { if ($("case-box").open) loadSuggestions().catch(() => {}); });
$("case-district").addEventListener("change", () => loadSuggestions().catch(() => {}));

$("case-go").addEventListener("click", async () => {
  try {
    const c = await api("POST", `/api/v1/conversations/${current.id}/cases`, {
      case_type: $("case-type").value, title: $("case-title").value, description: $("case-description").value,
      district: $("case-district").value, address: $("case-address").value });
    $("case-result").textContent = `${S.case_opened} · ${c.number} · ${c.department}`;
    $("wrap-resolution").value = "transferred";
    await loadMessages(false);
  } catch (err) { $("case-result").textContent = err.message; }
});

async function loadTransferTargets() {
  const [agents, queues] = await Promise.all([api("GET", "/api/v1/agents"), api("GET", "/api/v1/queues")]);
  for (const a of agents) $("transfer-agent").append(el("option", { value: a.id }, `${a.display_name} (${S[a.presence] || a.presence})`));
  for (const q of queues) $("transfer-queue").append(el("option", { value: q.code }, document.documentElement.lang === "en" ? q.name_en : q.name));
}

function onEvent(ev) {
  if (ev.type === "message.created" && current && ev.data.conversation_id === current.id) {
    if (ev.data.seq === lastSeq + 1) { renderMessage(ev.data); lastSeq = ev.data.seq; }
    else if (ev.data.seq > lastSeq + 1) loadMessages(false);   // a gap: fetch what we missed
  } else if (ev.type === "conversation.updated" || ev.type === "agent.presence") {
    refresh();
    // A delivery report (an SMS delivered or failed) changes messages already shown.
    if (ev.type === "conversation.updated" && current && ev.data.id === current.id && current.channel !== "webchat") loadMessages(true);
  }
}

$("presence").addEventListener("change", async (e) => { await api("POST", "/api/v1/agent/presence", { presence: e.target.value }); refresh(); });
$("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("reply").value.trim();
  if (!text || !current) return;
  const client_msg_id = crypto.randomUUID();
  $("send").disabled = true;
  try {
    await api("POST", `/api/v1/conversations/${current.id}/messages`, { text, client_msg_id, note: $("as-note").checked });
    $("reply").value = "";
    $("as-note").checked = false;
    await loadMessages(false);
  } catch (err) { toast(err.message); } finally { $("send").disabled = false; }
});
$("reply").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("reply-form").requestSubmit(); }
});
// Abuse: the channel's policy decides whether this is warning 1, 2 or the end (sent in the
// citizen's language); "protect" ends at once. Both are recorded as conversation events.
async function protectStep(path) {
  const r = await api("POST", `/api/v1/protect/conversations/${current.id}/${path}`);
  $("protect-status").textContent = r.step === "end" ? (S.protect_ended || "ended")
    : (S.protect_sent || "{step}").replace("{step}", S[r.step] || r.step);
  await openConversation(current.id);
}
$("warn").addEventListener("click", () => protectStep("warn").catch((err) => { $("protect-status").textContent = err.message; }));
$("protect").addEventListener("click", () => protectStep("protect").catch((err) => { $("protect-status").textContent = err.message; }));
$("end-chat").addEventListener("click", async () => {
  await api("POST", `/api/v1/conversations/${current.id}/end`);
  await openConversation(current.id);
});
$("wrapup-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("POST", `/api/v1/conversations/${current.id}/wrapup`, {
      category: $("wrap-category").value, summary: $("wrap-summary").value, resolution: $("wrap-resolution").value });
  } catch (err) { toast(err.message); return; }
  const citizen = current.citizen_id;
  current = null;
  $("wrapup-form").reset();
  $("transcript").replaceChildren();
  $("conv-head").textContent = S.no_contact;
  $("reply-form").hidden = $("wrapup-form").hidden = $("transfer-box").hidden = $("case-box").hidden = true;
  $("case-result").textContent = "";
  await loadHistory(citizen);
  await refresh();
});
$("transfer-go").addEventListener("click", async () => {
  const agent = $("transfer-agent").value, queue = $("transfer-queue").value;
  try {
    await api("POST", `/api/v1/conversations/${current.id}/transfer`, {
      to_agent_id: agent ? Number(agent) : null, to_queue: agent ? null : (queue || null), note: $("transfer-note").value });
  } catch (err) { toast(err.message); return; }
  current = null;
  $("transcript").replaceChildren();
  $("conv-head").textContent = S.no_contact;
  $("reply-form").hidden = $("wrapup-form").hidden = $("transfer-box").hidden = $("case-box").hidden = true;
  $("case-result").textContent = "";
  await refresh();
});
$("kb-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });

loadTransferTargets();
loadDistricts();
loadCaseTypes();
connectStaff(onEvent, refresh);
