// Hot spots (M16): cases and the contacts behind them per district, on the city's district map
// (shipped SVG paths; the source is named under the map) and in a table, for a period and a topic.
import { S, api, el, addDays } from "./common.js";
import { current as currentTopics } from "./topics.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const en = document.documentElement.lang === "en";

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

// White to deep red by the share of the busiest district (0 stays a light grey).
function fill(n, max) {
  if (!n) return "#f1f5f9";
  const t = Math.sqrt(n / max);
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(254, 153)},${mix(226, 27)},${mix(226, 27)})`;
}

function drawMap(map, rows) {
  const by = Object.fromEntries(rows.map((r) => [r.district, r]));
  const max = Math.max(1, ...rows.map((r) => r.cases));
  const label = (d) => (en ? d.name_en : d.name);
  $("hs-map").replaceChildren(svg("svg", { viewBox: `0 0 ${map.width} ${map.height}`, role: "img", "aria-label": S.hotspots_map, class: "district-map" },
    ...map.districts.map((d) => {
      const r = by[d.name] || { cases: 0, contacts: 0 };
      return svg("path", { d: d.d, fill: fill(r.cases, max), stroke: "#475569", "stroke-width": "1.5", "data-district": d.name, "data-cases": String(r.cases) },
        svg("title", {}, `${label(d)}: ${S.cases} ${r.cases}, ${S.hotspots_contacts} ${r.contacts}`));
    })));
  $("hs-source").textContent = `${S.hotspots_source}: ${map.source} (${map.licence})`;
}

async function load() {
  const q = new URLSearchParams({ start: $("hs-start").value, end: $("hs-end").value });
  if ($("hs-topic").value) q.set("topic_id", $("hs-topic").value);
  try {
    const out = await api("GET", "/api/v1/trends/hotspots?" + q);
    const rows = [...out.districts].sort((a, b) => b.cases - a.cases || a.district.localeCompare(b.district));
    $("hs-rows").tBodies[0].replaceChildren(...rows.filter((r) => r.cases || r.contacts).map((r) => el("tr", { dataset: { district: r.district } },
      el("td", {}, r.district), el("td", { class: "cases" }, r.cases), el("td", { class: "contacts" }, r.contacts))));
    if (out.map) drawMap(out.map, out.districts); else { $("hs-map").replaceChildren(); $("hs-source").textContent = S.hotspots_no_map; }
  } catch (err) { $("hs-source").textContent = err.message; }
}

export function refreshTopicChoices() {
  const keep = $("hs-topic").value;
  $("hs-topic").replaceChildren($("hs-topic").options[0], ...currentTopics().map((t) => el("option", { value: t.id }, t.label)));
  if ([...$("hs-topic").options].some((o) => o.value === keep)) $("hs-topic").value = keep;
}

export function initHotspots(today) {
  $("hs-end").value = today;
  $("hs-start").value = addDays(today, -6);
  $("hotspots-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  load();
}
