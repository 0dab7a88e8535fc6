// The deploy-safety lint on the page (squawk's rules, as `revguard check`
// reports them), imported by app.js only when a project has migrations to
// lint, with its wasm modules:
//
// - the lint module (`revguard_web_safety`: squawk) lints Alembic files'
//   plans (`lintAlembic`) and is the first module and the SQL-file tools'
//   module again with the lint: `check` with `options.lints`, `checkSql`
//   with the CLI's `safety` findings;
// - for Alembic, the translator (`revguard_web_translate`: Ruff's parser
//   again; it would not fit in the validator) turns each `upgrade()` into
//   the SQL Alembic emits (`plans`).
import init, * as lint from "./pkg/revguard_web_safety.js";

await init();

export const check = (input) => lint.check(input);
export const checkSql = (input) => lint.checkSql(input);
export const detectDialect = (files) => lint.detectDialect(files);

let translator = null;

/** Fetch the translator (Alembic only). */
export async function loadTranslator() {
  if (translator) return;
  const module = await import("./pkg/revguard_web_translate.js");
  await module.default();
  translator = module;
}

/** What a SQL-file tool's deploy fails on when the lint finds a statement PostgreSQL refuses in its transaction, as the CLI says it. */
export function refusal(report) {
  const refused = report.safety.find((d) => d.check === "fails-in-transaction" && d.severity === "error");
  return refused && `${refused.labels[0].path}: ${refused.notes[0]}`;
}

/** The lint's line under a SQL-file tool's deploy verdict. */
export const aside = (report) =>
  `<p class="aside">Deploy safety (squawk's rules): ${report.safety.length} finding${report.safety.length === 1 ? "" : "s"}</p>`;

/** Whether Alembic files can be linted (the translator is in). */
export const translating = () => translator !== null;

// By text (the page lints under fixed settings, so the text decides): the
// translator's plan of a file's `upgrade()` (`null`: none), and its lint.
const plans = new Map();
const lints = new Map();

/** Forget what an edited history no longer holds (kept across runs only to skip unchanged files). */
function trim(cache, files) {
  if (cache.size > 2 * files + 100) cache.clear();
}

/** The lint of each file with an `upgrade()`, by file index; `null` when none has one. */
export function alembicLints(texts) {
  trim(plans, texts.length);
  const missing = [...new Set(texts.filter((t) => !plans.has(t)))];
  if (missing.length) {
    const out = JSON.parse(translator.plans(missing));
    missing.forEach((t, i) => plans.set(t, out[i]));
  }
  const planned = texts.flatMap((t, i) => (plans.get(t) ? [i] : []));
  if (planned.length === 0) return null;
  trim(lints, texts.length);
  const todo = planned.filter((i) => !lints.has(texts[i]));
  if (todo.length) {
    const files = Object.fromEntries(todo.map((i) => [i, { text: texts[i], plan: plans.get(texts[i]) }]));
    const out = lint.lintAlembic({ files });
    for (const i of todo) lints.set(texts[i], out[i]);
  }
  return Object.fromEntries(planned.map((i) => [i, lints.get(texts[i])]));
}
