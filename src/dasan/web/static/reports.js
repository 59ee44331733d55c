// Interval report: KPI tiles, a chart (bars: offered and answered; line: service level against
// the 80 % target) drawn as SVG from the JSON, the table, and the CSV link for the same query.
import { S, api, el, TODAY, addDays, toast, fmtNum, connectStaff } from "./common.js";
import { announceTrend, loadTrends } from "./trends.js";
import { initTopics, onTopics } from "./topics.js";
import { initHotspots, refreshTopicChoices } from "./hotspots.js";

const $ = (id) => document.getElementById(id);
const en = document.documentElement.lang === "en";
const NS = "http://www.w3.org/2000/svg";
const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 1000) / 10}%`);
const sec = (x) => (x === null || x === undefined ? "—" : `${Math.round(x)}s`);
const hhmm = (iso) => iso.slice(11, 16);

function svg(tag, attrs = {}, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

function chart(rows) {
  const W = 960, H = 260, L = 40, R = 40, T = 10, B = 30;
  const w = (W - L - R) / rows.length;
  const max = Math.max(1, ...rows.map((r) => r.offered));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const ysl = (v) => T + (H - T - B) * (1 - v);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": S.chart_title || "chart", class: "report-chart" });
  root.append(svg("line", { x1: L, x2: W - R, y1: ysl(0.8), y2: ysl(0.8), class: "target" }));
  rows.forEach((r, i) => {
    const x = L + i * w;
    root.append(svg("rect", { x: x + 1, y: y(r.offered), width: Math.max(1, w / 2 - 1), height: H - B - y(r.offered), class: "offered" },),
      svg("rect", { x: x + w / 2, y: y(r.answered), width: Math.max(1, w / 2 - 1), height: H - B - y(r.answered), class: "answered" }));
    if (i % Math.ceil(rows.length / 12) === 0) root.append(svg("text", { x, y: H - 10, class: "tick" }, hhmm(r.start)));
  });
  const pts = rows.map((r, i) => (r.service_level === null ? null : `${L + i * w + w / 2},${ysl(r.service_level)}`)).filter(Boolean);
  if (pts.length) root.append(svg("polyline", { points: pts.join(" "), class: "sl" }));
  root.append(svg("text", { x: 2, y: T + 10, class: "tick" }, String(max)), svg("text", { x: W - R + 4, y: ysl(0.8) + 4, class: "tick" }, "80%"));
  return root;
}

// Only a report's newest request renders: the first load answering after the user's own query
// must not overwrite it.
function newestOnly() {
  let n = 0;
  return () => { const mine = ++n; return () => mine === n; };
}
const intervalsTurn = newestOnly(), casesTurn = newestOnly(), protectTurn = newestOnly();

function query() {
  const p = new URLSearchParams({ day: $("day").value, interval_min: $("interval").value });
  if ($("queue").value) p.set("queue", $("queue").value);
  return p;
}

async function load() {
  const p = query();
  const current = intervalsTurn();
  const rep = await api("GET", "/api/v1/reports/intervals?" + p);
  if (!rep || !current()) return;
  const sel = $("queue");
  if (sel.options.length === 1) {
    for (const q of rep.queues) sel.append(el("option", { value: q.code }, en ? q.name_en || q.name : q.name));
  }
  p.set("format", "csv");
  $("csv").href = "/api/v1/reports/intervals?" + p;
  const t = rep.totals;
  const tile = (key, value) => el("div", { class: "kpi", dataset: { kpi: key } }, el("span", {}, S["kpi_" + key] || key), el("strong", {}, value));
  $("kpis").replaceChildren(tile("answer_rate", pct(t.answer_rate)), tile("sl", pct(t.service_level)),
    tile("asa", sec(t.asa_s)), tile("aht", sec(t.aht_s)), tile("abandon", pct(t.abandon_rate)),
    tile("occupancy", pct(t.occupancy)));
  $("chart").replaceChildren(chart(rep.intervals));
  $("intervals").tBodies[0].replaceChildren(...rep.intervals.filter((r) => r.offered || r.staffed_agents).map((r) =>
    el("tr", { dataset: { start: r.start } }, el("td", {}, `${hhmm(r.start)}–${hhmm(r.end)}`), el("td", { class: "offered" }, fmtNum(r.offered)),
      el("td", { class: "answered" }, fmtNum(r.answered)), el("td", { class: "abandoned" }, fmtNum(r.abandoned)), el("td", { class: "sl" }, pct(r.service_level)),
      el("td", {}, sec(r.asa_s)), el("td", {}, sec(r.aht_s)), el("td", {}, pct(r.occupancy)), el("td", {}, r.staffed_agents))));
}

$("day").value = TODAY;  // today at the center (the server says which day that is)
$("report-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
load();

// The follow-up report: first-contact resolution against its 90 % target, cases, deadline
// compliance, satisfaction; per day or district, with the CSV of the same query.
function caseQuery() {
  return new URLSearchParams({ start: $("case-start").value, end: $("case-end").value, by: $("case-by").value });
}

async function loadCases() {
  const q = caseQuery();
  $("case-csv").href = "/api/v1/reports/cases?" + q + "&format=csv";
  const current = casesTurn();
  const rep = await api("GET", "/api/v1/reports/cases?" + q);
  if (!current()) return;
  const t = rep.totals;
  $("case-kpis").replaceChildren(
    el("div", { class: "kpi" + (t.fcr !== null && t.fcr < rep.fcr_target ? " warn" : "") }, el("strong", { id: "kpi-fcr" }, pct(t.fcr)), el("span", {}, `FCR (${pct(rep.fcr_target)})`)),
    el("div", { class: "kpi" }, el("strong", {}, fmtNum(t.cases_opened)), el("span", {}, S.cases)),
    el("div", { class: "kpi" }, el("strong", {}, pct(t.deadline_compliance)), el("span", {}, S.deadline_compliance)),
    el("div", { class: "kpi" }, el("strong", {}, t.satisfaction_avg === null ? "—" : t.satisfaction_avg.toFixed(2)), el("span", {}, S.satisfaction)));
  $("case-rows").tBodies[0].replaceChildren(...rep.rows.map((r) => el("tr", {},
    el("td", {}, r.key), el("td", {}, pct(r.fcr)), el("td", {}, fmtNum(r.cases_opened)), el("td", {}, fmtNum(r.cases_resolved)),
    el("td", {}, pct(r.deadline_compliance)), el("td", {}, String(r.open_overdue)),
    el("td", {}, r.satisfaction_avg === null ? "—" : r.satisfaction_avg.toFixed(2)))));
}

{
  $("case-end").value = TODAY;
  $("case-start").value = addDays(TODAY, -6);
  $("case-report-form").addEventListener("submit", (e) => { e.preventDefault(); loadCases().catch((err) => toast(err.message)); });
  loadCases().catch(() => {});
}

// Protecting agents (M17): abusive contacts, warnings, ends, recovery breaks and repeat offenders
// per day (every channel together, then each channel that had any), with the CSV of the same query.
async function loadProtect() {
  const q = new URLSearchParams({ start: $("protect-start").value, end: $("protect-end").value });
  $("protect-csv").href = "/api/v1/reports/protect?" + q + "&format=csv";
  const current = protectTurn();
  const rep = await api("GET", "/api/v1/reports/protect?" + q);
  if (!current()) return;
  const cols = ["abusive_contacts", "flagged_messages", "warnings", "ends", "protect_button", "recovery_breaks"];
  $("protect-rows").tBodies[0].replaceChildren(...rep.rows.map((r) => el("tr", { dataset: { day: r.day, channel: r.channel }, class: r.channel === "all" ? "total" : "" },
    el("td", {}, r.day), el("td", {}, r.channel === "all" ? "—" : r.channel),
    ...cols.map((c) => el("td", { class: c }, String(r[c]))),
    el("td", { class: "new_offenders" }, r.new_offenders ?? ""), el("td", { class: "offenders_active" }, r.offenders_active ?? ""))));
}

{
  $("protect-end").value = TODAY;
  $("protect-start").value = addDays(TODAY, -6);
  $("protect-report-form").addEventListener("submit", (e) => { e.preventDefault(); loadProtect().catch(() => {}); });
  loadProtect().catch(() => {});
}

onTopics(refreshTopicChoices);
initTopics(TODAY);
initHotspots(TODAY);

// The emerging issues, told live (analysts watch the city's pulse here).
connectStaff((ev) => { if (ev.type === "trend.alert") { announceTrend(ev); loadTrends(document.getElementById("trends")); } },
  () => loadTrends(document.getElementById("trends")));
