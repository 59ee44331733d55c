// Department knowledge: write drafts, submit, review (approve / return), see flags and expiring articles.
import { S, api, el, fmtDate, fmtDateTime } from "./common.js";

const $ = (id) => document.getElementById(id);
let articles = [];

function item(a, extra) {
  return el("li", { dataset: { article: a.id } },
    el("button", { type: "button", class: "link", onclick: () => edit(a) }, a.title),
    ` · ${a.lang} · ${S["kb_status_" + a.status] || a.status} · v${a.version}` + (a.published_version ? ` (${S.kb_live} v${a.published_version})` : ""),
    extra || "");
}

async function load() {
  const [list, work] = await Promise.all([api("GET", "/api/v1/knowledge/articles"), api("GET", "/api/v1/knowledge/worklist")]);
  articles = list;
  $("kb-list").replaceChildren(...list.map((a) => item(a)));
  $("kb-review").replaceChildren(...work.in_review.map((a) => item(a, el("span", {},
    " ", el("button", { type: "button", class: "approve", onclick: () => review(a.id, true) }, S.kb_approve),
    " ", el("button", { type: "button", class: "secondary", onclick: () => review(a.id, false) }, S.kb_reject)))));
  $("kb-flags").replaceChildren(...work.flags.map((f) => el("li", {}, el("strong", {}, f.title), " — ", f.reason)));
  $("kb-expiring").replaceChildren(...work.expiring.map((a) => item(a, ` · ${fmtDate(a.expires_at)}`)));
}

async function showVersions(id) {
  const versions = await api("GET", `/api/v1/knowledge/articles/${id}/versions`);
  $("kb-versions").replaceChildren(...versions.reverse().map((v) => el("li", {},
    el("strong", {}, `v${v.version}`), ` · ${fmtDateTime(v.created_at)} · ${v.note}`,
    v.diff ? el("pre", { class: "diff" }, v.diff) : "")));
}

function edit(a) {
  $("kb-id").value = a.id;
  $("kb-title").value = a.title;
  $("kb-body").value = a.body;
  $("kb-questions").value = a.questions.join("\n");
  $("kb-category").value = a.category;
  $("kb-lang").value = a.lang;
  $("kb-editor-title").textContent = `#${a.id} · v${a.version}`;
  showVersions(a.id);
}

async function review(id, approve) {
  try { await api("POST", `/api/v1/knowledge/articles/${id}/review`, { approve }); $("kb-status").textContent = approve ? S.kb_published : S.kb_returned; }
  catch (e) { $("kb-status").textContent = e.message; }
  load();
}

$("kb-editor").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = { title: $("kb-title").value, body: $("kb-body").value, category: $("kb-category").value,
    questions: $("kb-questions").value.split("\n").map((q) => q.trim()).filter(Boolean) };
  try {
    const id = $("kb-id").value;
    const saved = id ? await api("PUT", `/api/v1/knowledge/articles/${id}`, data)
                     : await api("POST", "/api/v1/knowledge/articles", { ...data, lang: $("kb-lang").value });
    edit(saved);
    $("kb-status").textContent = S.kb_saved;
  } catch (err) { $("kb-status").textContent = err.message; }
  load();
});
$("kb-submit").addEventListener("click", async () => {
  const id = $("kb-id").value;
  if (!id) return;
  try { await api("POST", `/api/v1/knowledge/articles/${id}/submit`); $("kb-status").textContent = S.kb_submitted; }
  catch (err) { $("kb-status").textContent = err.message; }
  load();
});
// ?article=N (a link from the supervisors' emerging issues) opens that article.
load().then(() => {
  const wanted = Number(new URLSearchParams(location.search).get("article"));
  const a = articles.find((x) => x.id === wanted);
  if (a) edit(a);
});
