// Emerging issues (M16): a topic rising above its expected level, with the article its words
// find. Shown to supervisors (wallboard) and analysts (reports), told live as they are found;
// supervisors give the bot a notice about one, and end it.
import { S, api, el, fmtDateTime, fmtNum, toast } from "./common.js";

const PUBLISHERS = ["supervisor", "admin"];

// A supervisor turns an alert into a notice the bot gives citizens who ask about it: drafted on
// the server, edited here, published for some hours.
async function noticeForm(a, cell) {
  const draft = await api("GET", `/api/v1/trends/alerts/${a.id}/notice-draft`);
  const text = el("textarea", { class: "notice-text", maxlength: "1000", rows: "2", "aria-label": S.notice_text }, draft.text);
  const terms = el("input", { class: "notice-terms", value: draft.terms.join(", "), maxlength: "400", "aria-label": S.notice_terms });
  const hours = el("input", { type: "number", class: "notice-hours", min: "1", max: "72", value: "6", "aria-label": S.notice_hours });
  const publish = el("button", { type: "button", class: "notice-publish", onclick: async () => {
    try {
      await api("POST", "/api/v1/trends/notices", { text: text.value, terms: terms.value.split(/[,\s]+/).filter(Boolean),
        hours: Number(hours.value), alert_id: a.id });
      toast(S.notice_published, "info");
      cell.replaceChildren(el("span", { class: "notice-on" }, S.notice_published));
      loadNotices();
    } catch (err) { toast(err.message); }
  } }, S.notice_publish);
  cell.replaceChildren(el("label", {}, S.notice_text, " ", text), el("label", {}, S.notice_terms, " ", terms),
    el("label", {}, S.notice_hours, " ", hours), publish);
  text.focus();
}

export async function loadTrends(table) {
  const rows = (await api("GET", "/api/v1/trends/alerts?limit=10")) || [];
  const mayPublish = PUBLISHERS.includes(document.body.dataset.role);
  table.tBodies[0].replaceChildren(...rows.map((a) => {
    const cell = el("td", { class: "notice" });
    if (mayPublish) cell.append(el("button", { type: "button", class: "notice-draft", onclick: () => noticeForm(a, cell) }, S.notice_make));
    return el("tr", { dataset: { alert: a.id } },
      el("td", {}, fmtDateTime(a.detected_at)), el("td", { class: "label" }, a.terms.slice(0, 5).join(" · ")),
      el("td", {}, fmtNum(a.count)), el("td", {}, a.district || "—"),
      el("td", {}, a.article ? el("a", { href: `/kb?article=${a.article.id}` }, a.article.title) : "—"), cell);
  }));
  loadNotices();
}

// The notices the bot is giving now, with their end.
export async function loadNotices() {
  const list = document.getElementById("notices");
  if (!list) return;
  const rows = (await api("GET", "/api/v1/trends/notices")) || [];
  const mayEnd = PUBLISHERS.includes(document.body.dataset.role);
  list.replaceChildren(...rows.map((n) => el("li", { dataset: { notice: n.id } },
    el("span", { class: "text" }, n.text), ` (${n.terms.join(", ")} · ${S.notice_until} ${fmtDateTime(n.until)}) `,
    mayEnd ? el("button", { type: "button", class: "notice-end", onclick: async () => {
      try { await api("POST", `/api/v1/trends/notices/${n.id}/end`); loadNotices(); } catch (err) { toast(err.message); }
    } }, S.notice_end) : null)));
}

export function announceTrend(ev) {
  if (ev.data.updated) return;  // the same alert, now with its suggested article: no second toast
  toast(S.new_emerging_issue.replace("{label}", ev.data.terms.slice(0, 3).join(" · ")).replace("{count}", ev.data.count), "info");
}
