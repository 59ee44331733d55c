// The official's workspace: the department's cases with their deadline clocks; take, comment
// (internal or public), resolve, return. Live: a case.updated event refreshes the list.
import { S, api, el, fmtDateTime, connectStaff, toast, messageItem } from "./common.js";

const $ = (id) => document.getElementById(id);
let cases = [];
let current = null;

function clock(c) {
  if (c.resolved_at) return "";
  const ms = new Date(c.due_at) - Date.now();
  const h = Math.floor(Math.abs(ms) / 3600e3), m = Math.floor((Math.abs(ms) % 3600e3) / 60e3);
  const left = h >= 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h}h ${m}m`;
  return ms < 0 ? `${S.overdue} ${left}` : `${S.due} ${left}`;
}

async function refresh() {
  const q = $("only-open").checked ? "" : "?limit=500";
  cases = (await api("GET", "/api/v1/cases" + q)) || [];
  if ($("only-open").checked) cases = cases.filter((c) => c.status === "open" || c.status === "in_progress");
  const ul = $("case-list");
  ul.replaceChildren();
  for (const c of cases) {
    ul.append(el("li", { class: (current && current.id === c.id ? "sel " : "") + (c.overdue ? "overdue" : ""), dataset: { id: c.id } },
      el("button", { type: "button", class: "link", onclick: () => openCase(c.id) }, `${c.number} · ${c.title}`),
      el("br"), el("span", { class: "status" }, S["status_" + c.status] || c.status), " · ",
      el("span", { class: "deadline" + (c.overdue ? " near" : "") }, clock(c))));
  }
  if (current) await openCase(current.id);
}

async function openCase(id) {
  current = await api("GET", `/api/v1/cases/${id}`);
  const c = current;
  $("case-head").replaceChildren(el("strong", {}, `${c.number} · ${c.title}`), ` · ${c.department} · `,
    el("span", { id: "case-status", class: "status" }, S["status_" + c.status] || c.status), " · ",
    el("span", { class: "deadline" }, `${S.due} ${fmtDateTime(c.due_at)}`),
    c.address ? ` · ${c.address}` : "");
  $("case-description").textContent = c.description;
  $("case-files").replaceChildren(...c.attachments.filter((a) => a.thumbnail_url).map((a) =>
    el("li", {}, el("a", { href: a.url, target: "_blank" }, el("img", { src: a.thumbnail_url, alt: a.name || "photo" })))));
  $("case-transcript").replaceChildren(...(c.transcript || []).map((m) => messageItem(m)));
  $("case-comments").replaceChildren(...c.comments.map((m) =>
    el("li", { class: m.public ? "msg outbound" : "msg note" }, el("small", {}, `${m.author} · ${m.public ? S.public_comment : S.note}`),
      el("p", {}, m.body))));
  $("reassign-to").replaceChildren(...c.officials.map((o) => el("option", { value: o.id, selected: o.id === c.assignee_id }, o.name)));
  const open = c.status === "open" || c.status === "in_progress";
  $("case-body").hidden = false;
  for (const id of ["take", "resolve", "return", "comment-go", "reassign"]) $(id).disabled = !open;
}

async function act(fn) {
  try { await fn(); await refresh(); } catch (e) { toast(e.message); }
}

$("comment-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const body = $("comment-text").value.trim();
  if (!body) return;
  act(async () => {
    await api("POST", `/api/v1/cases/${current.id}/comments`, { body, public: $("comment-public").checked });
    $("comment-text").value = ""; $("comment-public").checked = false;
  });
});
$("take").addEventListener("click", () => act(() => api("POST", `/api/v1/cases/${current.id}/take`)));
$("resolve").addEventListener("click", () => act(async () => {
  await api("POST", `/api/v1/cases/${current.id}/resolve`, { answer: $("answer").value });
  $("answer").value = "";
}));
$("return").addEventListener("click", () => act(() => api("POST", `/api/v1/cases/${current.id}/return`, { reason: $("return-reason").value })));
$("reassign").addEventListener("click", () => act(() => api("POST", `/api/v1/cases/${current.id}/reassign`, { assignee_id: Number($("reassign-to").value) })));
$("only-open").addEventListener("change", refresh);
setInterval(() => { for (const li of $("case-list").children) {
  const c = cases.find((x) => String(x.id) === li.dataset.id); const d = li.querySelector(".deadline"); if (c && d) d.textContent = clock(c);
} }, 30000);
refresh();
connectStaff((ev) => { if (ev.type === "case.updated") refresh(); }, refresh);
