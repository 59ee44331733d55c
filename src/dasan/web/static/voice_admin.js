// Voice administration: which number answers with which menu, the menus (as JSON, checked by the
// server: a menu with a mistake is refused whole, with the reason), and recorded prompts.
import { S, CSRF, api, el } from "./common.js";

const $ = (id) => document.getElementById(id);
const status = (text) => { $("voice-status").textContent = text; };

async function load() {
  const [numbers, menus, prompts] = await Promise.all([
    api("GET", "/api/v1/voice/numbers"), api("GET", "/api/v1/voice/menus"), api("GET", "/api/v1/voice/prompts")]);
  $("numbers").querySelector("tbody").replaceChildren(...numbers.map((n) =>
    el("tr", {}, el("td", {}, n.number), el("td", {}, n.menu_code), el("td", {}, n.label))));
  $("number-menu").replaceChildren(...menus.map((m) => el("option", { value: m.code }, `${m.code} · ${m.name}`)));
  $("menus").replaceChildren(...menus.map(menuEditor));
  $("prompts").replaceChildren(...prompts.map((p) =>
    el("li", {}, `${p.key} · ${p.lang} · ${p.duration_s.toFixed(1)} s`)));
}

function menuEditor(m) {
  const area = el("textarea", { rows: 12, cols: 80, id: `menu-${m.code}`, spellcheck: "false" });
  area.value = JSON.stringify(m.tree, null, 2);
  const save = el("button", { type: "button" }, S.save || "Save");
  save.addEventListener("click", async () => {
    let tree;
    try { tree = JSON.parse(area.value); } catch (e) { status(`${m.code}: ${S.voice_bad_json || "not JSON"} (${e.message})`); return; }
    try {
      await api("PUT", `/api/v1/voice/menus/${encodeURIComponent(m.code)}`, { name: m.name, tree });
      status(`${m.code}: ${S.saved || "saved"}`);
    } catch (e) { status(`${m.code}: ${e.message}`); }
  });
  return el("details", {}, el("summary", {}, `${m.code} · ${m.name}`),
    el("label", { for: `menu-${m.code}` }, m.code), area, save);
}

$("number-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("PUT", `/api/v1/voice/numbers/${encodeURIComponent($("number-value").value)}`,
      { menu_code: $("number-menu").value, label: $("number-label").value });
    status(S.saved || "saved");
    await load();
  } catch (err) { status(err.message); }
});

$("prompt-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("prompt-file").files[0];
  if (!file) return;
  const r = await fetch(`/api/v1/voice/prompts/${$("prompt-lang").value}/${$("prompt-key").value}`,
    { method: "PUT", body: file, headers: { "X-CSRF-Token": CSRF } });
  const body = await r.json();
  status(r.ok ? `${body.key} · ${body.lang} · ${S.saved || "saved"}` : body.message);
  if (r.ok) await load();
});

load();
