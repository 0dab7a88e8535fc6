// The playground page: files in, report out. Plain DOM, no framework.
//
// The editor is a <textarea> with a line-number gutter and a highlight layer
// behind it (transparent text over a <pre> with <mark>s). It is native,
// accessible, instant on thousands of lines, and needs no bundler; a code
// editor (CodeMirror 6 is ~130 KB gzipped, Monaco several MB) would buy syntax
// colouring that a migrations checker does not need.

import init, { check, isDjango, mayConfigure, version } from "./pkg/revguard_web.js";
import { examples } from "./examples.js";
import { GraphView } from "./graph.js";
import { encodeState, decodeState } from "./share.js";
import { djangoRoot, fromDataTransfer, fromFileList, normalize, projectRoot } from "./files.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const MAX_SHARE = 1_500_000; // characters of fragment; browsers cap URLs near 2 MB

const state = {
  location: "versions",
  files: [], // {path, text}; text is exactly what is checked
  policy: "single-head",
  dialect: "auto", // "auto", "alembic", "django" or a SQL-file tool
  selected: 0,
};
/** @type {import("../../web/types").Report | import("../../web/types").SqlReport | import("../../web/types").DjangoReport | null} */
let report = null;
// The tool the last run checked the files as: "alembic", "django" or a SQL-file tool.
let checkedAs = "alembic";
let graph = null;
let checkTimer = 0;
let saveTimer = 0;
let runs = 0;
// The validator (Ruff's parser, ~650 KB gzipped) is a second module, fetched
// after the first render: until it arrives the report has every graph
// finding but only the binding reader's syntax errors.
let validator = null;
let validatorLoading = false;
const PYTHON = "3.10";
// The SQL-file tools (Flyway, golang-migrate, goose, sqlx, dbmate, Prisma)
// are a third module, fetched only when the files may be such a project:
// neither kind of page load downloads the other's engine.
/** @type {null | { checkSql: (input: any) => any, detectDialect: (files: any) => string | null }} */
let sqlTools = null;
let sqlLoading = null;
// Django (the first module only says whether files look like a Django
// project) is a fourth, fetched only for such a project; its whole-file
// validation comes from the validator, as Alembic's does.
/** @type {null | { checkDjango: (input: any) => any }} */
let djangoTools = null;
let djangoLoading = null;
// The project's `[django]` settings are read by the CLI's configuration
// parser (the `toml` crate, heavier than Django's module), a fifth module
// fetched with Django's only when a root file may configure revguard
// (`mayConfigure`: `revguard.toml`, or a `pyproject.toml` naming revguard).
/** @type {null | { djangoSettings: (files: any) => any }} */
let configTools = null;
let configLoading = null;
// The deploy-safety lint (safety.js) is fetched only when there are
// migrations to lint: an Alembic `upgrade()`, or a SQL file the tool runs.
let safety = null;
let safetyLoading = null;
let translating = false;
const UPGRADE = /^(async\s+)?def\s+upgrade\s*\(/m;

// ---------------------------------------------------------------- checking

function input() {
  const options = { policy: state.policy, python_version: PYTHON };
  if (validator) {
    const texts = state.files.map((f) => f.text);
    const verdicts = JSON.parse(validator.verdicts(texts, PYTHON));
    options.verdicts = Object.fromEntries(verdicts.map((v, i) => [i, v]));
  }
  const given = alembicLints();
  if (given) options.lints = given;
  return {
    locations: [state.location || "versions"],
    files: state.files.map((f) => ({ path: f.path, text: f.text })),
    options,
  };
}

/** Each Alembic file's lint by index, once the validator and the lint are in. */
function alembicLints() {
  if (!validator || !state.files.some((f) => UPGRADE.test(f.text))) return null;
  if (safety?.translating()) return safety.alembicLints(state.files.map((f) => f.text));
  loadSafety(true);
  return null;
}

/** Fetch the lint (for Alembic with its translator) once, then re-check. */
function loadSafety(alembic) {
  if (safetyLoading && (!alembic || translating)) return;
  translating ||= alembic;
  safetyLoading ||= import("./safety.js");
  document.body.dataset.safety = "loading";
  safetyLoading.then(async (module) => {
    if (alembic) await module.loadTranslator();
    safety = module;
    document.body.dataset.safety = "ready";
    run();
  }).catch((err) => setStatus(`The deploy-safety lint failed to load: ${err.message}`, "bad"));
}

const sqlEngine = () => safety || sqlTools;

function loadSqlTools() {
  sqlLoading ||= (async () => {
    const module = await import("./pkg/revguard_web_sql.js");
    await module.default();
    sqlTools = module;
    window.revguard.sql = module;
    document.body.dataset.sql = "ready";
  })();
  return sqlLoading;
}

function loadDjango() {
  djangoLoading ||= (async () => {
    const module = await import("./pkg/revguard_web_django.js");
    await module.default();
    djangoTools = module;
    window.revguard.django = module;
    document.body.dataset.django = "ready";
  })();
  return djangoLoading;
}

function loadConfig() {
  configLoading ||= (async () => {
    const module = await import("./pkg/revguard_web_config.js");
    await module.default();
    configTools = module;
    window.revguard.config = module;
    document.body.dataset.config = "ready";
  })();
  return configLoading;
}

/** The files at the project's root, where the CLI looks for its configuration. */
const rootFiles = () => projectFiles().filter((f) => !f.path.replace(/^\.\//, "").includes("/"));

/** Whether the project may set revguard's settings: then Django's check waits for the settings module. */
const wantsSettings = () => rootFiles().some((f) => mayConfigure(f.path, f.text));

/** Whether the files are to be checked as a Django project: chosen, or detected. */
function wantsDjango(files = state.files) {
  if (state.dialect !== "auto") return state.dialect === "django";
  return isDjango(files.map((f) => f.path));
}

/** The checks with Python files: the validator's verdicts matter. */
const python = (tool) => tool === "alembic" || tool === "django";

/**
 * Django's input: the project's files, its settings as the CLI reads them (the settings
 * module throws, naming the file, for a configuration the CLI refuses), and the validator's
 * verdicts once it is loaded.
 */
function djangoInput() {
  const files = projectFiles();
  const root = (state.location || "").split("/").filter(Boolean).at(-1) || null;
  const settings = wantsSettings() ? configTools.djangoSettings(rootFiles()) : null;
  if (!validator) return { files, root, settings };
  const verdicts = JSON.parse(validator.verdicts(files.map((f) => f.text), PYTHON));
  return { files, root, settings, verdicts: Object.fromEntries(verdicts.map((v, i) => [i, v])) };
}

/** Whether the files may be a SQL-file tool's (then its module must be loaded). */
function wantsSql(files = state.files, django = wantsDjango(files)) {
  if (state.dialect === "alembic" || django) return false;
  return state.dialect !== "auto" || files.some((f) => /\.sql$/i.test(f.path));
}

async function loadValidator() {
  validatorLoading = true;
  const module = await import("./pkg/revguard_web_syntax.js");
  await module.default();
  validator = module;
  document.body.dataset.syntax = "ready";
  run();
}

const projectFiles = () => state.files.map((f) => ({ path: f.path, text: f.text }));

/** The tool to check the files as: the chosen one, else the detected one. */
function dialectOf(django, sql) {
  if (state.dialect !== "auto") return state.dialect;
  if (django) return "django";
  return (sql && sqlEngine().detectDialect(projectFiles())) || "alembic";
}

function run() {
  clearTimeout(checkTimer);
  // Asked once a run: the answer crosses into the module with every path.
  const django = wantsDjango();
  const sql = wantsSql(state.files, django);
  if (sql && !sqlEngine()) {
    setStatus("Loading the SQL-file tools…");
    loadSqlTools().then(run, (err) => setStatus(`The SQL-file tools failed to load: ${err.message}`, "bad"));
    return;
  }
  const settings = django && wantsSettings();
  if ((django && !djangoTools) || (settings && !configTools)) {
    setStatus(settings ? "Loading Django's checks and the project's settings…" : "Loading Django's checks…");
    Promise.all([loadDjango(), settings && loadConfig()])
      .then(run, (err) => setStatus(`Django's checks failed to load: ${err.message}`, "bad"));
    return;
  }
  const t0 = performance.now();
  try {
    checkedAs = dialectOf(django, sql);
    report = checkedAs === "alembic"
      ? (safety || { check }).check(input())
      : checkedAs === "django"
        ? djangoTools.checkDjango(djangoInput())
        : sqlEngine().checkSql({ files: projectFiles(), dialect: state.dialect === "auto" ? null : checkedAs });
  } catch (err) {
    report = null;
    renderFailure(err.message);
    return;
  }
  const t1 = performance.now();
  syncMode();
  renderReport();
  const t2 = performance.now();
  if (python(checkedAs)) graph = graphView.render(report);
  else renderOrder();
  const t3 = performance.now();
  renderTabs();
  renderHighlights();
  const t4 = performance.now();
  const s = report.summary;
  const plural = (n, w) => `${n} ${w}${n === 1 ? "" : "s"}`;
  setStatus(
    `${plural(state.files.length, "file")} checked in ${(t1 - t0).toFixed(1)} ms: ` +
      `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}` +
      (s.infos ? `, ${s.infos} info` : "") +
      (validator || !python(checkedAs) ? "" : " (whole-file Python check loading…)") +
      (document.body.dataset.safety === "loading" ? " (safety lint loading…)" : "") +
      (checkedAs === "alembic" ? "" : ` as ${TOOL_NAMES[checkedAs]}`),
    s.errors ? "bad" : "good",
  );
  runs++;
  document.body.dataset.ready = "true";
  document.body.dataset.runs = String(runs);
  if (!python(checkedAs) && !safety && report.lint_targets.length) loadSafety(false);
  // The validator only matters for Python files: fetched after the first Alembic or Django render.
  if (python(checkedAs) && !validatorLoading) {
    loadValidator().catch((err) => {
      setStatus(`The Python syntax check failed to load: ${err.message}`, "bad");
      console.error(err);
    });
  }
  window.revguard.last = { checkMs: t1 - t0, listMs: t2 - t1, graphMs: t3 - t2, editorMs: t4 - t3 };
}

const TOOL_NAMES = {
  alembic: "Alembic", django: "Django", flyway: "Flyway", "golang-migrate": "golang-migrate", goose: "goose",
  sqlx: "sqlx", dbmate: "dbmate", prisma: "Prisma",
};

/** A check that could not run (no such history, a bad lock): say why, show nothing stale. */
function renderFailure(message) {
  $("summary").textContent = "";
  $("alembic").innerHTML = "";
  $("diagnostics").innerHTML = `<li class="none">${esc(message)}</li>`;
  renderTabs();
  renderHighlights();
  setStatus(`Could not check: ${message}`, "bad");
  runs++;
  document.body.dataset.runs = String(runs);
  document.body.dataset.ready = "true";
}

/** Alembic shows its revision graph, Django its migration graph (each node
 * under its app's label); a SQL-file tool its order of migrations. */
function syncMode() {
  const sql = !python(checkedAs);
  document.body.dataset.dialect = checkedAs;
  $("graph").hidden = sql;
  document.querySelector(".legend").hidden = checkedAs !== "alembic";
  document.querySelector(".zoom").hidden = sql;
  $("sql-order").hidden = !sql;
  $("graph-h").textContent = sql
    ? `Migrations in ${TOOL_NAMES[checkedAs]}'s order`
    : checkedAs === "django" ? "Migration graph (app label under each name)" : "Revision graph";
  $("location-label").textContent = checkedAs === "alembic" ? "Version location" : "Project";
  $("policy").disabled = checkedAs !== "alembic";
}

/** The migrations the tool resolves, in its order, marked with what its deploy does. */
function renderOrder() {
  const r = /** @type {import("../../web/types").SqlReport} */ (report);
  const runs = new Set(r.verdict.runs);
  const flagged = new Map();
  for (const f of r.verdict.findings) for (const i of f.files) if (!flagged.has(i)) flagged.set(i, f.severity);
  $("sql-order").innerHTML = r.verdict.migrations.length
    ? r.verdict.migrations
      .map((m) => `<li class="${runs.has(m.file) ? "runs" : "skipped"} ${flagged.get(m.file) || ""}" data-file="${r.inputs[m.file]}" data-version="${esc(m.version)}">` +
        `<button type="button" class="loc" data-file="${r.inputs[m.file]}"><code>${esc(m.version)}</code> ${esc(m.description)}</button>` +
        ` <span class="path">${esc(r.files[m.file])}</span>` +
        `<span class="mark">${runs.has(m.file) ? "runs" : r.verdict.fails ? "not reached" : "not run"}</span></li>`)
      .join("")
    : `<li class="none">No migrations resolved.</li>`;
}

function schedule() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(run, 120);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, 500);
}

function setStatus(text, tone = "") {
  const el = $("status");
  el.textContent = text;
  el.dataset.tone = tone;
}

// ---------------------------------------------------------------- URL state

async function save() {
  clearTimeout(saveTimer);
  const compact = {
    v: 1,
    location: state.location,
    policy: state.policy,
    dialect: state.dialect,
    selected: state.selected,
    files: state.files.map((f) => [f.path, f.text]),
  };
  const hash = await encodeState(compact);
  if (hash.length > MAX_SHARE) {
    $("share").disabled = true;
    $("share").title = "Too many files to share in a link";
    history.replaceState(null, "", location.pathname + location.search);
    return null;
  }
  $("share").disabled = false;
  $("share").title = "";
  history.replaceState(null, "", hash);
  return location.href;
}

async function restore(hash) {
  const saved = await decodeState(hash);
  if (!saved || saved.v !== 1) return false;
  state.location = saved.location || "versions";
  state.policy = saved.policy || "single-head";
  state.dialect = saved.dialect || "auto";
  state.files = (saved.files || []).map(([path, text]) => ({ path, text }));
  state.selected = Math.min(saved.selected || 0, Math.max(state.files.length - 1, 0));
  return true;
}

// ---------------------------------------------------------------- loading

function load({ location: loc, files, dialect = null }, { example = "", keepDialect = false } = {}) {
  state.location = loc || "versions";
  if (!keepDialect) state.dialect = dialect || "auto";
  state.files = files.map((f) => ({ path: f.path, text: f.text }));
  state.selected = 0;
  $("example").value = example;
  syncControls();
  showFile(0);
  run();
  save();
}

function loadExample(id) {
  const ex = examples.find((e) => e.id === id);
  if (ex) load(ex, { example: id });
}

async function loadEntries(promise) {
  setStatus("Reading files…");
  const entries = await promise;
  if (entries.length === 0) {
    setStatus("No readable files in what was dropped.", "bad");
    return;
  }
  // A SQL-file tool's project (or migration directory) keeps its layout,
  // which is how the tool finds its files; anything else is Alembic's.
  // A Django project keeps its apps' directories, whose names are labels.
  const django = djangoRoot(entries);
  if (wantsDjango(django.files)) {
    load(django, { keepDialect: true });
    return;
  }
  const project = projectRoot(entries);
  if (wantsSql(project.files)) await loadSqlTools();
  const sql = state.dialect === "auto"
    ? wantsSql(project.files) && sqlTools.detectDialect(project.files)
    : state.dialect !== "alembic";
  load(sql ? project : normalize(entries), { keepDialect: true });
}

function syncControls() {
  $("location").value = state.location;
  $("dialect").value = state.dialect;
  $("policy").value = state.policy;
}

// ---------------------------------------------------------------- editor

const textarea = $("text");

function showFile(index) {
  state.selected = Math.max(0, Math.min(index, state.files.length - 1));
  const file = state.files[state.selected];
  textarea.value = file ? file.text : "";
  textarea.disabled = !file;
  $("path").value = file ? file.path : "";
  $("path").disabled = !file;
  $("remove-file").disabled = !file;
  textarea.scrollTop = 0;
  textarea.scrollLeft = 0;
  scroll.top = 0;
  scroll.left = 0;
  renderTabs();
  renderHighlights();
}

function renderTabs() {
  const errors = new Map();
  for (const d of report ? report.diagnostics : []) {
    for (const l of d.labels) {
      const worst = errors.get(l.file);
      if (worst !== "error") errors.set(l.file, d.severity);
    }
  }
  const roles = !report ? [] : checkedAs === "alembic"
    ? report.files.map((f) => f.role)
    : state.files.map((_, i) => (report.inputs.includes(i) ? "loaded" : "other"));
  const html = state.files
    .map((f, i) => {
      const sev = errors.get(i);
      const role = roles[i] && roles[i] !== "loaded" ? ` <span class="role">${esc(roles[i])}</span>` : "";
      return `<button type="button" role="tab" id="tab-${i}" data-index="${i}" aria-selected="${i === state.selected}" tabindex="${i === state.selected ? 0 : -1}" class="tab ${sev || ""}">` +
        `${sev ? `<span class="dot" aria-label="${sev}"></span>` : ""}${esc(f.path || "(unnamed)")}${role}</button>`;
    })
    .join("");
  const tabs = $("tabs");
  tabs.innerHTML = html;
  const current = tabs.querySelector('[aria-selected="true"]');
  // After this frame's layout, not during it (a forced layout costs ~100 ms
  // with a thousand files on the page).
  if (current) requestAnimationFrame(() => current.scrollIntoView({ block: "nearest" }));
}

/** UTF-16 offset in `text` of a 1-based line and UTF-16 column. */
function offsetOf(text, line, column) {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  let end = text.indexOf("\n", at);
  if (end < 0) end = text.length;
  if (end > at && text[end - 1] === "\r") end--;
  return Math.min(at + column - 1, end);
}

function renderHighlights() {
  const text = textarea.value;
  const ranges = [];
  for (const d of report ? report.diagnostics : []) {
    for (const l of d.labels) {
      if (l.file !== state.selected) continue;
      // A SQL-file tool's own findings are about whole files: the tab's dot says so.
      if (!python(checkedAs) && l.span.start === l.span.end) continue;
      const a = offsetOf(text, l.start.line, l.start.column_utf16);
      const b = Math.max(a + 1, offsetOf(text, l.end.line, l.end.column_utf16));
      ranges.push({ a, b, cls: `${d.severity}${l.primary ? " primary" : ""}`, title: `${d.code} ${d.message}` });
    }
  }
  ranges.sort((x, y) => x.a - y.a);
  let html = "";
  let at = 0;
  for (const r of ranges) {
    if (r.a < at) continue; // overlapping: the first one wins
    html += esc(text.slice(at, r.a)) + `<mark class="${r.cls}">${esc(text.slice(r.a, r.b)) || " "}</mark>`;
    at = r.b;
  }
  html += esc(text.slice(at)) + "\n ";
  $("backdrop").innerHTML = html;
  const lines = text.split("\n").length;
  let gutter = "";
  for (let i = 1; i <= lines; i++) gutter += `${i}\n`;
  $("gutter").textContent = gutter;
  syncScroll(false);
}

// The textarea's scroll position, kept from its scroll events: reading
// scrollTop while rendering would force a layout of the whole page.
const scroll = { top: 0, left: 0 };

function syncScroll(read = true) {
  if (read) {
    scroll.top = textarea.scrollTop;
    scroll.left = textarea.scrollLeft;
  }
  $("backdrop").scrollTop = scroll.top;
  $("backdrop").scrollLeft = scroll.left;
  $("gutter").scrollTop = scroll.top;
}

/** Show a file and select a range given by two report positions. */
function jump(file, start, end) {
  if (file < 0 || file >= state.files.length) return;
  if (file !== state.selected) showFile(file);
  const text = textarea.value;
  const a = offsetOf(text, start.line, start.column_utf16);
  const b = end ? offsetOf(text, end.line, end.column_utf16) : a;
  textarea.focus({ preventScroll: true });
  textarea.setSelectionRange(a, Math.max(a, b));
  const lh = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, (start.line - 1) * lh - textarea.clientHeight / 3);
  syncScroll();
}

// ---------------------------------------------------------------- report

function excerpt(label) {
  const file = state.files[label.file];
  if (!file) return "";
  const lines = file.text.split("\n");
  const first = Math.max(1, label.start.line - 1);
  const lastSpan = Math.min(label.end.line, label.start.line + 5);
  const last = Math.min(lines.length, lastSpan + 1);
  const width = String(last).length;
  let out = "";
  for (let n = first; n <= last; n++) {
    const line = (lines[n - 1] || "").replace(/\r$/, "");
    let a = n === label.start.line ? label.start.column_utf16 - 1 : 0;
    let b = n === label.end.line ? label.end.column_utf16 - 1 : line.length;
    const inSpan = n >= label.start.line && n <= lastSpan && !(n === label.end.line && b === 0 && n > label.start.line);
    let body;
    if (inSpan) {
      a = Math.min(a, line.length);
      b = Math.max(a, Math.min(b, line.length));
      body = esc(line.slice(0, a)) + `<mark>${esc(line.slice(a, b)) || " "}</mark>` + esc(line.slice(b));
    } else {
      body = esc(line);
    }
    out += `<span class="ln">${String(n).padStart(width)}</span> ${body}\n`;
  }
  return out;
}

function renderReport() {
  const r = report;
  const s = r.summary;
  const n = (k, w) => `${k} ${w}${k === 1 ? "" : "s"}`;
  $("summary").textContent = `${n(s.errors, "error")} · ${n(s.warnings, "warning")}${s.infos ? ` · ${s.infos} info` : ""}`;
  if (checkedAs === "django") {
    renderDjango();
    renderDiagnostics(DIAGNOSTICS_PAGE);
    return;
  }
  if (checkedAs !== "alembic") {
    renderDeploy();
    renderDiagnostics(DIAGNOSTICS_PAGE);
    return;
  }

  const heads = r.heads.length ? r.heads.map((h) => `<code>${esc(h)}</code>`).join(", ") : "none";
  const err = r.alembic.error;
  $("alembic").innerHTML =
    `<p><strong>alembic heads:</strong> ${heads}` +
    (r.complete ? "" : ` <span class="warn">(incomplete: some values are not statically known)</span>`) +
    `</p><p><strong>alembic upgrade head:</strong> <span class="${r.alembic.upgrade_head === "ok" ? "ok" : "fail"}">${esc(r.alembic.upgrade_head)}</span></p>` +
    (err ? `<p class="fail"><strong>${esc(err.kind)}:</strong> ${esc(err.messages[0] || "")}</p>` : "") +
    r.alembic.warnings.map((w) => `<p class="warn">Alembic warns: ${esc(w)}</p>`).join("");

  renderDiagnostics(DIAGNOSTICS_PAGE);
}

/**
 * Django's verdict: the leaves per app, what `manage.py migrate` does, the installed apps relied on,
 * and which of the project's files it read as the CLI does (its settings, `revguard.lock`).
 */
function renderDjango() {
  const r = /** @type {import("../../web/types").DjangoReport} */ (report);
  const leaves = Object.entries(r.loaded.leaves)
    .map(([app, names]) => `<li data-app="${esc(app)}" class="${names.length > 1 ? "fail" : ""}"><code>${esc(app)}</code>: ` +
      names.map((x) => `<code>${esc(x)}</code>`).join(", ") + `</li>`)
    .join("");
  const migrations = r.apps.reduce((k, a) => k + a.migrations.length, 0);
  $("alembic").innerHTML =
    `<p><strong>tool:</strong> Django (${state.dialect === "auto" ? "detected" : "chosen"}), ` +
    `${n(r.apps.length, "app")}, ${n(migrations, "migration")}; user model <code>${esc(r.user_model)}</code></p>` +
    (r.config_from ? `<p><strong>settings:</strong> <code>[django]</code> of <code>${esc(r.config_from)}</code></p>` : "") +
    deployedFrom(r) +
    `<p><strong>leaf migrations:</strong></p><ul class="leaves">${leaves}</ul>` +
    `<p><strong>manage.py migrate:</strong> <span class="${r.migrate_fails ? "fail" : "ok"}" id="migrate-verdict">${r.migrate_fails ? "fails" : "runs"}</span></p>` +
    (r.loaded.external.length
      ? `<p class="aside">Assumed installed (outside the project): ${r.loaded.external.map((k) => `<code>${esc(`${k.app}.${k.name}`)}</code>`).join(", ")}</p>`
      : "");
}

/** What the SQL-file tool's deploy command does with these files. */
function renderDeploy() {
  const r = /** @type {import("../../web/types").SqlReport} */ (report);
  const d = r.deploy;
  const dirs = r.directories.map((x) => `<code>${esc(x)}</code>`).join(", ");
  const fails = d.fails || safety?.refusal(r);
  const outcome = fails
    ? `<span class="fail">fails</span></p><pre class="fail tool-error">${esc(fails)}</pre>`
    : d.runs.length
      ? `<span class="ok">runs ${d.runs.length}</span>: ${d.runs.map((p) => `<code>${esc(p)}</code>`).join(", ")}</p>`
      : `<span class="ok">nothing to run</span></p>`;
  $("alembic").innerHTML =
    `<p><strong>tool:</strong> ${esc(TOOL_NAMES[r.dialect])} (${r.detected ? "detected" : "chosen"}), ` +
    `${n(r.verdict.migrations.length, "migration")} in ${dirs}` +
    (r.loose ? " <span class=\"warn\">(a migration directory without its project: its files' names decided the tool)</span>" : "") + `</p>` +
    deployedFrom(r) +
    `<p><strong>${esc(d.command)}:</strong> ${outcome}` +
    (safety ? safety.aside(r) : "");
}

const n = (k, w) => `${k} ${w}${k === 1 ? "" : "s"}`;

/** Where the history checks' deployed state came from, when a `revguard.lock` gave it. */
const deployedFrom = (r) => (r.applied_from ? `<p><strong>deployed state:</strong> from <code>revguard.lock</code></p>` : "");

const DIAGNOSTICS_PAGE = 100; // more on request: a page of 1,000 excerpts is slow and unreadable

function renderDiagnostics(limit) {
  const r = report;
  const list = $("diagnostics");
  // A SQL-file tool's findings are about whole files: no line, no excerpt.
  const sql = !python(checkedAs);
  if (r.diagnostics.length === 0) {
    list.innerHTML = checkedAs !== "alembic"
      ? `<li class="none">No findings.</li>`
      : `<li class="none">No findings. <code>alembic upgrade head</code> has one way to go.</li>`;
  } else {
    const more = r.diagnostics.length - limit;
    list.innerHTML = r.diagnostics
      .slice(0, limit)
      .map((d, i) => {
        // A SQL-file tool's own findings are about whole files: no line, no excerpt.
        const whole = (l) => sql && l.span.start === l.span.end;
        const labels = d.labels
          .map((l, j) => `<div class="label${l.primary ? " primary" : ""}">` +
            `<button type="button" class="loc" data-diag="${i}" data-label="${j}">${esc(l.path)}${whole(l) ? "" : `:${l.start.line}:${l.start.column}`}</button>` +
            (l.message ? ` <span class="label-msg">${esc(l.message)}</span>` : "") +
            (whole(l) ? "" : `<pre class="excerpt">${excerpt(l)}</pre>`) + `</div>`)
          .join("");
        return `<li class="diag ${d.severity}" data-code="${esc(d.code)}" data-check="${esc(d.check)}">` +
          `<div class="diag-head"><span class="sev">${d.severity}</span> <code class="code">${esc(d.code)}</code> ` +
          `<span class="check">${esc(d.check)}</span></div>` +
          `<p class="msg">${esc(d.message)}</p>${labels}` +
          (d.help ? `<p class="help"><strong>help:</strong> ${esc(d.help)}</p>` : "") +
          (d.notes.length ? `<ul class="notes">${d.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "") +
          `</li>`;
      })
      .join("") +
      (more > 0 ? `<li class="more"><button type="button" id="more">Show ${more} more</button></li>` : "");
  }
}

// ---------------------------------------------------------------- new files

function newRevisionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new, empty SQL file in the tool's (first) migration directory. */
function newSqlFile() {
  const dir = report && report.directories ? report.directories[0] : ".";
  const taken = new Set(state.files.map((f) => f.path));
  let path;
  for (let k = 1; !path || taken.has(path); k++) path = `${dir === "." ? "" : `${dir}/`}new_migration_${k}.sql`;
  state.files.push({ path, text: "-- a new migration\n" });
  showFile(state.files.length - 1);
  schedule();
  textarea.focus();
}

/** A new migration on top of an app's leaf: the selected file's app, else the first migrated one. */
function newDjangoFile() {
  const r = /** @type {import("../../web/types").DjangoReport} */ (report);
  const selected = state.files[state.selected]?.path || "";
  const app = r.apps.find((a) => selected.startsWith(`${a.path}/`)) || r.apps.find((a) => a.migrated);
  if (!app) return;
  const leaf = (r.loaded.leaves[app.label] || []).at(-1);
  const number = app.migrations.reduce((k, [name]) => Math.max(k, parseInt(name, 10) || 0), 0) + 1;
  const taken = new Set(state.files.map((f) => f.path));
  let path;
  for (let k = 1; !path || taken.has(path); k++) path = `${app.path}/${String(number).padStart(4, "0")}_new_migration${k > 1 ? `_${k}` : ""}.py`;
  const deps = leaf ? `\n        ("${app.label}", "${leaf}"),\n    ` : "";
  state.files.push({
    path,
    text: `from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [${deps}]\n\n    operations = []\n`,
  });
  showFile(state.files.length - 1);
  schedule();
  textarea.focus();
}

function newFile() {
  if (checkedAs === "django") return newDjangoFile();
  if (checkedAs !== "alembic") return newSqlFile();
  const id = newRevisionId();
  const head = report && report.heads.length ? report.heads[report.heads.length - 1] : null;
  const down = head ? `'${head}'` : "None";
  const text = `"""new revision

Revision ID: ${id}
Revises: ${head || ""}
Create Date: ${new Date().toISOString().replace("T", " ").replace("Z", "")}

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${id}'
down_revision = ${down}
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
`;
  state.files.push({ path: `${id}_new_revision.py`, text });
  showFile(state.files.length - 1);
  schedule();
  textarea.focus();
}

// ---------------------------------------------------------------- wiring

let graphView;

function wire() {
  graphView = new GraphView($("graph"), {
    onSelect: (file) => {
      if (file >= 0) jump(file, { line: 1, column_utf16: 1 });
    },
  });
  $("zoom-in").onclick = () => graphView.zoom(1.25);
  $("zoom-out").onclick = () => graphView.zoom(0.8);
  $("zoom-fit").onclick = () => graphView.fit();

  for (const ex of examples) {
    const opt = document.createElement("option");
    opt.value = ex.id;
    opt.textContent = ex.title;
    opt.title = ex.description;
    $("example").append(opt);
  }
  $("example").onchange = (e) => e.target.value && loadExample(e.target.value);
  $("dialect").onchange = (e) => {
    state.dialect = e.target.value;
    run();
    save();
  };
  $("policy").onchange = (e) => {
    state.policy = e.target.value;
    run();
    save();
  };
  $("location").oninput = (e) => {
    state.location = e.target.value.trim().replace(/\/+$/, "") || "versions";
    schedule();
  };
  $("pick-files").onchange = (e) => loadEntries(fromFileList(e.target.files)).finally(() => (e.target.value = ""));
  $("pick-folder").onchange = (e) => loadEntries(fromFileList(e.target.files)).finally(() => (e.target.value = ""));

  textarea.addEventListener("input", () => {
    const file = state.files[state.selected];
    if (!file) return;
    file.text = textarea.value;
    renderHighlights();
    schedule();
  });
  textarea.addEventListener("scroll", () => syncScroll());

  $("tabs").addEventListener("click", (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) showFile(Number(tab.dataset.index));
  });
  $("tabs").addEventListener("keydown", (e) => {
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(state.files.length - 1, state.selected + moves[e.key]));
    showFile(next);
    $(`tab-${next}`)?.focus();
  });
  $("path").addEventListener("input", (e) => {
    const file = state.files[state.selected];
    if (!file) return;
    const path = e.target.value.trim();
    const clash = state.files.some((f, i) => i !== state.selected && f.path === path);
    $("path-note").textContent = !path ? "A file needs a name." : clash ? "Another file has this path." : "";
    if (!path || clash) return;
    file.path = path;
    renderTabs();
    schedule();
  });
  $("add-file").onclick = newFile;
  $("remove-file").onclick = () => {
    if (!state.files.length) return;
    state.files.splice(state.selected, 1);
    showFile(Math.min(state.selected, state.files.length - 1));
    run();
    save();
  };

  $("sql-order").addEventListener("click", (e) => {
    const loc = e.target.closest(".loc");
    if (loc) jump(Number(loc.dataset.file), { line: 1, column_utf16: 1 });
  });
  $("diagnostics").addEventListener("click", (e) => {
    if (e.target.id === "more") {
      renderDiagnostics(Infinity);
      return;
    }
    const loc = e.target.closest(".loc");
    if (!loc || !report) return;
    const label = report.diagnostics[Number(loc.dataset.diag)].labels[Number(loc.dataset.label)];
    jump(label.file, label.start, label.end);
  });

  $("share").onclick = async () => {
    const url = await save();
    if (!url) {
      setStatus("Too many files to share in a link.", "bad");
      return;
    }
    try {
      await navigator.clipboard.writeText(url);
      setStatus("Share link copied. It holds the files themselves, compressed; nothing is uploaded.", "good");
    } catch {
      setStatus("Share link is in the address bar.", "good");
    }
  };

  // Drag and drop anywhere on the page.
  let depth = 0;
  const zone = $("dropzone");
  const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  window.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    zone.hidden = false;
  });
  window.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  window.addEventListener("dragleave", () => {
    if (--depth <= 0) {
      depth = 0;
      zone.hidden = true;
    }
  });
  window.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.hidden = true;
    loadEntries(fromDataTransfer(e.dataTransfer));
  });
  window.addEventListener("hashchange", async () => {
    if (await restore(location.hash)) {
      syncControls();
      showFile(state.selected);
      run();
    }
  });
}

async function main() {
  window.revguard = { check, sql: null, django: null, config: null, state, load, run, last: null, report: () => report };
  wire();
  await init();
  window.revguard.version = version();
  document.title = `revguard ${version()} playground`;
  let restored = false;
  try {
    restored = await restore(location.hash);
  } catch (err) {
    setStatus(`The shared link is damaged (${err.message}); showing an example instead.`, "bad");
  }
  if (restored) {
    syncControls();
    showFile(state.selected);
    run();
  } else if (examples.length) {
    load(examples[0], { example: examples[0].id });
  } else {
    load({ location: "versions", files: [] });
  }
}

main().catch((err) => {
  setStatus(`The checker failed to start: ${err.message}`, "bad");
  console.error(err);
});
