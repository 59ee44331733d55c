// Topics of a day's or a week's consultations (M16): built on the server, named by their top
// terms; analysts rename a topic (its name field) and merge one into another of the same period.
import { S, api, el } from "./common.js";

const $ = (id) => document.getElementById(id);
const say = (text) => { $("topics-msg").textContent = text; };
const query = () => new URLSearchParams({ period: $("topics-period").value, day: $("topics-day").value });
let shown = [];
const listeners = [];
export const current = () => shown;  // the topics on screen (the hot-spots map offers them)
export const onTopics = (fn) => listeners.push(fn);

function row(t, all) {
  const name = el("input", { class: "topic-label", value: t.label, maxlength: "200", "aria-label": S.topics_name });
  name.addEventListener("change", async () => {
    try { await api("PATCH", `/api/v1/trends/topics/${t.id}`, { label: name.value }); say(S.topics_renamed); } catch (err) { say(err.message); name.value = t.label; }
  });
  const into = el("select", { class: "merge-into", "aria-label": S.topics_merge }, el("option", { value: "" }, "—"),
    ...all.filter((o) => o.id !== t.id).map((o) => el("option", { value: o.id }, o.label)));
  const merge = el("button", { type: "button", class: "merge", onclick: async () => {
    if (!into.value) { into.focus(); return; }
    try { await api("POST", `/api/v1/trends/topics/${t.id}/merge`, { into: Number(into.value) }); say(S.topics_merged); load(); } catch (err) { say(err.message); }
  } }, S.topics_merge);
  return el("tr", { dataset: { topic: t.id } }, el("td", {}, name), el("td", { class: "size" }, t.size),
    el("td", { class: "terms" }, t.terms.join(", ")),
    el("td", { class: "examples" }, ...t.examples.slice(0, 3).flatMap((c, i) => [i ? ", " : "", "#" + c])),
    el("td", { class: "articles" }, ...t.articles.flatMap((a, i) => [i ? ", " : "",
      el("a", { href: `/kb?article=${a.id}` }, `${a.title} (${a.count})`)])),
    el("td", {}, into, merge));
}

export async function load() {
  if (!$("topics-day").value) return;
  try {
    const topics = (await api("GET", "/api/v1/trends/topics?" + query())).filter((t) => t.merged_into_id === null);
    shown = topics;
    listeners.forEach((fn) => fn(topics));
    $("topics").tBodies[0].replaceChildren(...topics.map((t) => row(t, topics)));
    if (!topics.length) say(S.topics_none);
  } catch (err) { say(err.message); }
}

async function build() {
  const replace = $("topics").tBodies[0].rows.length > 0;
  say(S.topics_building);
  try {
    const made = await api("POST", "/api/v1/trends/topics", { period: $("topics-period").value, day: $("topics-day").value, replace });
    say(S.topics_built.replace("{n}", made.length));
    load();
  } catch (err) { say(err.message); }
}

export function initTopics(today) {
  $("topics-day").value = today;
  $("topics-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  $("topics-build").addEventListener("click", build);
  load();
}
