// Quality (M14): the evaluator's worklist and scoring beside the transcript and recordings,
// disputes, calibration rounds with Krippendorff's α, scores, mystery-shopper scenarios and their
// report; for agents their own evaluations, to acknowledge or dispute; for mystery shoppers their
// assignments, to report. Scores and agreement are computed on the server.
import { S, api, el, fmtDateTime, messageItem, connectStaff, addDays } from "./common.js";

const $ = (id) => document.getElementById(id);
const role = document.body.dataset.role;
const today = document.documentElement.dataset.today;
const say = (text) => { $("qa-msg").textContent = text; };
const fmtAlpha = (a) => (a === null || a === undefined ? "—" : a.toFixed(3));
let forms = [];
let current = null; // { form, conversationId, calibrationId, amend }

function questionInput(q, answer) {
  const name = "q-" + q.key;
  const choices = q.kind === "yesno" ? [["yes", S.qa_yes], ["no", S.qa_no]]
    : Array.from({ length: q.scale_max }, (_, i) => [String(i + 1), String(i + 1)]);
  if (q.na) choices.push(["na", S.qa_na]);
  return el("fieldset", { class: "question" + (q.critical ? " critical" : ""), dataset: { key: q.key } },
    el("legend", {}, q.text, q.critical ? el("strong", { class: "crit" }, " · " + S.qa_critical) : null, ` (×${q.weight})`),
    ...choices.map(([value, label]) => el("label", { class: "choice" },
      el("input", { type: "radio", name, value, required: true, checked: String(answer) === value }), " " + label)));
}

function readAnswers(form) {
  const answers = {};
  for (const s of form.definition.sections) for (const q of s.questions) {
    const picked = document.querySelector(`input[name="q-${q.key}"]:checked`);
    if (picked) answers[q.key] = q.kind === "scale" && picked.value !== "na" ? Number(picked.value) : picked.value;
  }
  return answers;
}

async function openContact(conversationId, form, { calibrationId = null, amend = null } = {}) {
  let contact;
  try { contact = await api("GET", `/api/v1/quality/contacts/${conversationId}`); } catch (err) { say(err.message); return; }
  current = { form, conversationId, calibrationId, amend };
  $("scoring").hidden = false;
  $("contact-title").textContent = `${S.qa_contact} #${conversationId}`;
  $("contact-meta").textContent = `${contact.agent} · ${contact.channel} · ${contact.category} · ${fmtDateTime(contact.closed_at)}`;
  $("recordings").replaceChildren(...contact.recordings.map((r) => el("audio", { controls: true, preload: "none", src: r.url, "aria-label": `${S.qa_recording} ${r.call_id}` })));
  $("transcript").replaceChildren(...contact.messages.map((m) => messageItem(m)));
  $("score-title").textContent = `${form.name} v${form.version}` + (calibrationId ? ` · ${S.qa_calibration}` : "") + (amend ? ` · ${S.qa_amend}` : "");
  $("questions").replaceChildren(...form.definition.sections.map((s) => el("div", { class: "qa-section" },
    el("h3", {}, s.title), ...s.questions.map((q) => questionInput(q, amend ? amend.answers[q.key] : undefined)))));
  $("score-comment").value = "";
  $("score-form").querySelector("input")?.focus();
}

$("score-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current) return;
  const answers = readAnswers(current.form);
  try {
    if (current.amend) {
      await api("POST", `/api/v1/quality/evaluations/${current.amend.id}/resolve`,
        { decision: "amended", note: $("score-comment").value.trim() || S.qa_amend, answers });
      say(S.qa_resolved);
    } else {
      const ev = await api("POST", "/api/v1/quality/evaluations", { form_id: current.form.id, conversation_id: current.conversationId,
        answers, comment: $("score-comment").value, reason: current.reason || "", calibration_id: current.calibrationId });
      say(`${S.qa_saved}: ${ev.score}` + (ev.critical_failed ? ` (${S.qa_critical_failed})` : ""));
    }
    $("scoring").hidden = true;
    current = null;
    loadDisputes(); loadRounds(); loadWorklist();
  } catch (err) { say(err.message); }
});

async function loadForms() {
  forms = await api("GET", "/api/v1/quality/forms");
  $("forms").replaceChildren(...forms.map((f) => el("li", { dataset: { form: f.id } },
    `${f.name} (${f.code} v${f.version}) — ${f.definition.sections.reduce((n, s) => n + s.questions.length, 0)} ${S.qa_questions}`)));
  $("form-pick").replaceChildren(...forms.map((f) => el("option", { value: f.id }, `${f.name} v${f.version}`)));
}
const pickedForm = () => forms.find((f) => String(f.id) === $("form-pick").value);

async function loadWorklist() {
  if (!$("wl-start").value) return;
  const q = new URLSearchParams({ start: $("wl-start").value, end: $("wl-end").value, per_agent: $("wl-per-agent").value || "4" });
  try {
    const rows = await api("GET", "/api/v1/quality/worklist?" + q);
    $("worklist").tBodies[0].replaceChildren(...rows.map((r) => el("tr", { dataset: { contact: r.conversation_id } },
      el("td", {}, "#" + r.conversation_id), el("td", {}, r.agent), el("td", {}, r.channel),
      el("td", {}, S["qa_reason_" + r.reason] || r.reason),
      el("td", {}, el("button", { type: "button", class: "evaluate", onclick: () => {
        const form = pickedForm();
        if (!form) { say(S.qa_no_form); return; }
        openContact(r.conversation_id, form).then(() => { if (current) current.reason = r.reason; });
      } }, S.qa_evaluate)))));
  } catch (err) { say(err.message); }
}

async function loadDisputes() {
  const rows = await api("GET", "/api/v1/quality/evaluations?status=disputed");
  $("disputes").tBodies[0].replaceChildren(...rows.map((ev) => {
    const note = el("input", { class: "note", maxlength: "4000", placeholder: S.qa_resolution_note, "aria-label": S.qa_resolution_note });
    return el("tr", { dataset: { evaluation: ev.id } },
      el("td", {}, "#" + ev.conversation_id), el("td", {}, ev.agent), el("td", {}, ev.evaluator),
      el("td", { class: "score" }, String(ev.score)), el("td", { class: "reason" }, ev.dispute_reason),
      el("td", {}, note,
        el("button", { type: "button", class: "uphold", onclick: async () => {
          if (!note.value.trim()) { note.focus(); say(S.qa_resolution_note); return; }
          try { await api("POST", `/api/v1/quality/evaluations/${ev.id}/resolve`, { decision: "upheld", note: note.value.trim() }); say(S.qa_resolved); loadDisputes(); } catch (err) { say(err.message); }
        } }, S.qa_uphold),
        el("button", { type: "button", class: "amend", onclick: async () => {
          const full = await api("GET", `/api/v1/quality/evaluations/${ev.id}`);
          await openContact(ev.conversation_id, full.form, { amend: full });
          $("score-comment").value = note.value;
        } }, S.qa_amend)));
  }));
}

async function loadEvaluators() {
  const people = await api("GET", "/api/v1/quality/evaluators");
  $("cal-evaluators").replaceChildren($("cal-evaluators").querySelector("legend"), ...people.map((p) =>
    el("label", { class: "choice" }, el("input", { type: "checkbox", value: p.id, name: "evaluator" }), " " + p.name)));
}

async function showResults(round) {
  const out = await api("GET", `/api/v1/quality/calibrations/${round.id}`);
  $("round-results").hidden = false;
  $("round-title").textContent = round.name;
  if (!out.results) { $("alphas").tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: "2" }, S.qa_blind))); $("distances").tBodies[0].replaceChildren(); return; }
  const r = out.results;
  $("alphas").tBodies[0].replaceChildren(...r.questions.map((q) => el("tr", { dataset: { key: q.key } },
    el("td", {}, q.text), el("td", { class: "alpha" }, fmtAlpha(q.alpha)))),
    el("tr", { dataset: { key: "_total" } }, el("td", {}, S.qa_total), el("td", { class: "alpha" }, fmtAlpha(r.total_alpha))));
  $("distances").tBodies[0].replaceChildren(...r.evaluators.map((d) => el("tr", { dataset: { evaluator: d.evaluator_id } },
    el("td", {}, d.name), el("td", {}, d.mean_difference ?? "—"), el("td", {}, d.mean_absolute_difference ?? "—"))));
}

async function loadRounds() {
  const rounds = await api("GET", "/api/v1/quality/calibrations");
  $("rounds").tBodies[0].replaceChildren(...rounds.map((c) => el("tr", { dataset: { round: c.id } },
    el("td", {}, c.name), el("td", { class: "progress" }, `${c.scored} / ${c.expected}`),
    el("td", {},
      c.mine_to_score.length ? el("button", { type: "button", class: "score-next", onclick: async () => {
        const form = (await api("GET", "/api/v1/quality/forms?all=true")).find((f) => f.id === c.form_id);
        openContact(c.mine_to_score[0], form, { calibrationId: c.id });
      } }, `${S.qa_score_next} (${c.mine_to_score.length})`) : null,
      el("button", { type: "button", class: "results", onclick: () => showResults(c) }, S.qa_results)))));
}

$("calibration-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = pickedForm();
  if (!form) { say(S.qa_no_form); return; }
  const ids = $("cal-contacts").value.split(/[ ,]+/).filter(Boolean).map(Number);
  const evaluators = [...document.querySelectorAll("input[name=evaluator]:checked")].map((i) => Number(i.value));
  try {
    await api("POST", "/api/v1/quality/calibrations", { name: $("cal-name").value, form_id: form.id, conversation_ids: ids, evaluator_ids: evaluators });
    say(S.qa_round_started); loadRounds();
  } catch (err) { say(err.message); }
});

function scoresUrl(format) {
  return "/api/v1/quality/scores?" + new URLSearchParams({ start: $("sc-start").value, end: $("sc-end").value, by: $("sc-by").value, format });
}

async function loadScores() {
  try {
    const out = await api("GET", scoresUrl("json"));
    $("sc-csv").href = scoresUrl("csv");
    const cols = out.by === "agent" ? ["agent", "evaluations", "mean_score", "min_score", "critical_failed", "disputed"]
      : out.by === "month" ? ["month", "evaluations", "mean_score", "min_score", "critical_failed", "disputed"]
        : ["text", "applied", "mean_points_pct"];
    $("scores").tHead.replaceChildren(el("tr", {}, ...cols.map((c) => el("th", {}, S["qa_col_" + c] || c))));
    $("scores").tBodies[0].replaceChildren(...out.rows.map((r) => el("tr", {}, ...cols.map((c) => el("td", { class: c }, r[c] ?? "—")))));
  } catch (err) { say(err.message); }
}

// -- the form builder -------------------------------------------------------------------------
function questionRow() {
  const kind = el("select", { class: "fb-kind", "aria-label": S.qa_kind },
    el("option", { value: "yesno" }, S.qa_kind_yesno), el("option", { value: "scale" }, S.qa_kind_scale));
  const critical = el("input", { type: "checkbox", class: "fb-critical" });
  kind.addEventListener("change", () => { critical.disabled = kind.value !== "yesno"; if (critical.disabled) critical.checked = false; });
  return el("div", { class: "row fb-question" },
    el("label", {}, S.qa_question + " ", el("input", { class: "fb-text", required: true, maxlength: "500" })),
    kind,
    el("label", {}, S.qa_weight + " ", el("input", { type: "number", class: "fb-weight", min: "1", max: "100", value: "1", required: true })),
    el("label", {}, critical, " " + S.qa_critical),
    el("label", {}, el("input", { type: "checkbox", class: "fb-na" }), " " + S.qa_na_allowed));
}

function sectionBox() {
  const questions = el("div", { class: "fb-questions" }, questionRow());
  return el("fieldset", { class: "fb-section" }, el("legend", {}, S.qa_section),
    el("label", {}, S.qa_section_title + " ", el("input", { class: "fb-title", required: true, maxlength: "200" })),
    questions, el("button", { type: "button", class: "fb-add-question", onclick: () => { const q = questionRow(); questions.append(q); q.querySelector("input").focus(); } }, S.qa_add_question));
}

$("fb-add-section")?.addEventListener("click", () => { const s = sectionBox(); $("fb-sections").append(s); s.querySelector("input").focus(); });
$("form-builder")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const sections = [...document.querySelectorAll(".fb-section")].map((s) => ({
    title: s.querySelector(".fb-title").value,
    questions: [...s.querySelectorAll(".fb-question")].map((q) => ({
      text: q.querySelector(".fb-text").value, kind: q.querySelector(".fb-kind").value,
      weight: Number(q.querySelector(".fb-weight").value), critical: q.querySelector(".fb-critical").checked,
      na: q.querySelector(".fb-na").checked })) }));
  try {
    const f = await api("POST", "/api/v1/quality/forms", { code: $("fb-code").value, form: { name: $("fb-name").value, sections } });
    say(`${S.qa_form_saved}: ${f.name} v${f.version}`);
    await loadForms();
    $("form-pick").value = String(f.id);
  } catch (err) { say(err.message); }
});

// -- the agent's own evaluations ----------------------------------------------------------------
async function loadMine() {
  const rows = await api("GET", "/api/v1/quality/evaluations/mine");
  $("mine").tBodies[0].replaceChildren(...rows.map((ev) => {
    const reason = el("input", { class: "dispute-reason", maxlength: "4000", placeholder: S.qa_dispute_reason, "aria-label": S.qa_dispute_reason });
    const act = async (path, body) => { try { await api("POST", `/api/v1/quality/evaluations/${ev.id}/${path}`, body); say(S["qa_did_" + path]); loadMine(); } catch (err) { say(err.message); } };
    return el("tr", { dataset: { evaluation: ev.id } },
      el("td", {}, el("button", { type: "button", class: "link details", onclick: () => showMine(ev) }, "#" + ev.conversation_id)),
      el("td", {}, ev.evaluator), el("td", { class: "score" }, String(ev.score) + (ev.critical_failed ? ` (${S.qa_critical_failed})` : "")),
      el("td", {}, ev.comment || "—"), el("td", { class: "status" }, S["qa_status_" + ev.status] || ev.status),
      el("td", {}, fmtDateTime(ev.dispute_until)),
      el("td", {}, ...(ev.status === "open" ? [
        el("button", { type: "button", class: "acknowledge", onclick: () => act("acknowledge") }, S.qa_acknowledge),
        reason,
        el("button", { type: "button", class: "dispute", onclick: () => { if (!reason.value.trim()) { reason.focus(); say(S.qa_dispute_reason); return; } act("dispute", { reason: reason.value.trim() }); } }, S.qa_dispute),
      ] : [ev.resolution_note || ""])));
  }));
}

async function showMine(ev) {
  const [full, contact] = await Promise.all([api("GET", `/api/v1/quality/evaluations/${ev.id}`), api("GET", `/api/v1/quality/contacts/${ev.conversation_id}`)]);
  $("mine-detail").hidden = false;
  $("mine-title").textContent = `${full.form.name} v${full.form.version} · #${ev.conversation_id}`;
  const labels = { yes: S.qa_yes, no: S.qa_no, na: S.qa_na };
  $("mine-answers").replaceChildren(...full.form.definition.sections.flatMap((s) => s.questions.map((q) =>
    el("li", {}, `${q.text}: ${labels[full.answers[q.key]] || full.answers[q.key]}`))));
  $("mine-transcript").replaceChildren(...contact.messages.map((m) => messageItem(m)));
}

if (role === "agent") {
  loadMine();
  connectStaff((ev) => { if (ev.type === "quality.updated") loadMine(); }, loadMine);
} else if (role === "shopper") {
  initShopper();
} else {
  for (const id of ["wl-start", "sc-start"]) $(id).value = addDays(today, -30);
  for (const id of ["wl-end", "sc-end"]) $(id).value = today;
  $("worklist-form").addEventListener("submit", (e) => { e.preventDefault(); loadWorklist(); });
  $("scores-form").addEventListener("submit", (e) => { e.preventDefault(); loadScores(); });
  $("open-contact").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = pickedForm();
    if (!form) { say(S.qa_no_form); return; }
    openContact(Number($("contact-id").value), form);
  });
  $("fb-sections").append(sectionBox());
  loadForms(); loadDisputes(); loadRounds(); loadEvaluators(); initMystery();
  connectStaff((ev) => { if (ev.type === "quality.updated") { loadDisputes(); loadRounds(); loadMystery(); } },
    () => { loadDisputes(); loadRounds(); loadMystery(); });
}

// -- mystery shopping ---------------------------------------------------------------------------
async function loadMystery() {
  const [scenarios, shoppers, assignments] = await Promise.all([api("GET", "/api/v1/quality/mystery/scenarios"),
    api("GET", "/api/v1/quality/shoppers"), api("GET", "/api/v1/quality/mystery/assignments")]);
  $("as-scenario").replaceChildren(...scenarios.map((s) => el("option", { value: s.id }, `${s.title} (${s.channel})`)));
  $("as-shopper").replaceChildren(...shoppers.map((p) => el("option", { value: p.id }, p.name)));
  $("assignments").tBodies[0].replaceChildren(...assignments.map((a) => el("tr", { dataset: { assignment: a.id } },
    el("td", {}, a.scenario.title), el("td", {}, a.scenario.channel), el("td", {}, a.shopper), el("td", {}, fmtDateTime(a.due_at)),
    el("td", { class: "status" }, S["qa_mystery_" + a.status] || a.status), el("td", { class: "score" }, a.score ?? "—"))));
}

async function loadMysteryReport() {
  try {
    const out = await api("GET", "/api/v1/quality/mystery/report?" + new URLSearchParams({ start: $("mr-start").value, end: $("mr-end").value }));
    $("mystery-report").tBodies[0].replaceChildren(...out.channels.map((c) => el("tr", { dataset: { channel: c.channel } },
      el("td", {}, c.channel), el("td", { class: "mystery-n" }, c.mystery_contacts), el("td", { class: "mystery-mean" }, c.mystery_mean_score ?? "—"),
      el("td", {}, c.mystery_answer_correct_pct === null ? "—" : c.mystery_answer_correct_pct + "%"), el("td", {}, c.surveys_answered),
      el("td", { class: "citizen-mean" }, c.citizen_mean === null ? "—" : `${c.citizen_mean} / 5 (${c.citizen_mean_pct})`))));
  } catch (err) { say(err.message); }
}

function initMystery() {
  $("as-due").value = addDays(today, 7);
  $("mr-start").value = addDays(today, -30);
  $("mr-end").value = today;
  $("scenario-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = pickedForm();
    if (!form) { say(S.qa_no_form); return; }
    try {
      await api("POST", "/api/v1/quality/mystery/scenarios", { title: $("sn-title").value, channel: $("sn-channel").value,
        script: $("sn-script").value, expected_answer: $("sn-expected").value, form_id: form.id });
      say(S.qa_scenario_saved); loadMystery();
    } catch (err) { say(err.message); }
  });
  $("assign-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/api/v1/quality/mystery/assignments", { scenario_id: Number($("as-scenario").value),
        shopper_id: Number($("as-shopper").value), due_on: $("as-due").value });
      say(S.qa_assigned); loadMystery();
    } catch (err) { say(err.message); }
  });
  $("mystery-report-form").addEventListener("submit", (e) => { e.preventDefault(); loadMysteryReport(); });
  loadMystery();
}

// A shopper sees their own assignments and reports each contact on the scenario's form.
let reporting = null;
async function loadAssignments() {
  const rows = await api("GET", "/api/v1/quality/mystery/assignments/mine");
  $("my-assignments").tBodies[0].replaceChildren(...rows.map((a) => el("tr", { dataset: { assignment: a.id } },
    el("td", {}, a.status === "assigned" ? el("button", { type: "button", class: "link report", onclick: () => openAssignment(a) }, a.scenario.title) : a.scenario.title),
    el("td", {}, a.scenario.channel), el("td", {}, fmtDateTime(a.due_at)),
    el("td", { class: "status" }, S["qa_mystery_" + a.status] || a.status), el("td", { class: "score" }, a.score ?? "—"))));
}

function openAssignment(a) {
  reporting = a;
  $("report-contact").hidden = false;
  $("rc-title").textContent = `${a.scenario.title} (${a.scenario.channel})`;
  $("rc-script").textContent = a.scenario.script;
  $("rc-expected").textContent = a.scenario.expected_answer;
  $("questions").replaceChildren(...a.form.definition.sections.map((s) => el("div", { class: "qa-section" },
    el("h3", {}, s.title), ...s.questions.map((q) => questionInput(q)))));
  $("rc-at").focus();
}

function initShopper() {
  $("report-contact").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!reporting) return;
    try {
      const out = await api("POST", `/api/v1/quality/mystery/assignments/${reporting.id}/complete`, {
        answers: readAnswers(reporting.form), contact_at: $("rc-at").value,
        answer_correct: document.querySelector("input[name=rc-correct]:checked")?.value === "yes", notes: $("rc-notes").value });
      say(`${S.qa_reported}: ${out.score}`);
      $("report-contact").hidden = true;
      reporting = null;
      loadAssignments();
    } catch (err) { say(err.message); }
  });
  loadAssignments();
  connectStaff((ev) => { if (ev.type === "quality.updated") loadAssignments(); }, loadAssignments);
}
