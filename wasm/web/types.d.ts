// The TypeScript shapes of revguard-web's `check()`: what it takes and what
// it returns. Generated from the Rust types (wasm/web/src/typescript.rs, ts-rs);
// do not edit. Refresh: REVGUARD_UPDATE_TYPES=1 cargo test -p revguard --test formats web_types

/**
 * An exception Alembic raises while building its revision map.
 */
export type AlembicError = {
  /**
   * The exception class, e.g. `KeyError`, `CycleDetected`, `RevisionError`.
   */
  kind: AlembicErrorKind,
  /**
   * Every message Alembic could print; more than one where Alembic itself
   * is nondeterministic (hash-set iteration order).
   */
  messages: Array<string>,
};

/**
 * The exception class Alembic raises while loading the revision files, or
 * `Unknown` when revguard cannot tell. The serialized form is the class name.
 */
export type AlembicErrorKind = "AssertionError" | "AttributeError" | "CommandError" | "CycleDetected" | "DependencyCycleDetected" | "DependencyLoopDetected" | "KeyError" | "LoopDetected" | "RevisionError" | "SyntaxError" | "TypeError" | "Unknown";

/**
 * What Alembic would do.
 */
export type AlembicOutcome = {
  /**
   * Warnings Alembic prints.
   */
  warnings: Array<string>,
  /**
   * The exception that aborts loading.
   */
  error: AlembicError | null,
  /**
   * What `alembic upgrade head` would do.
   */
  upgrade_head: UpgradeHead,
};

/**
 * What to check: the files of one or more version locations.
 */
export type CheckInput = {
  /**
   * Display paths of the version locations, in configured order; empty
   * means one unnamed location.
   */
  locations?: Array<string>,
  /**
   * The files, each relative to its location.
   */
  files: Array<FileInput>,
  /**
   * Policy and configuration.
   */
  options?: CheckOptions,
};

/**
 * Options; every field may be left out.
 */
export type CheckOptions = {
  /**
   * `single-head` (default), `linear` or `branches`.
   */
  policy?: Policy | null,
  /**
   * `recursive_version_locations = true`.
   */
  recursive?: boolean,
  /**
   * `sourceless = true`.
   */
  sourceless?: boolean,
  /**
   * Alembic's `file_template`.
   */
  file_template?: string | null,
  /**
   * Per-check severity (`off`, `info`, `warning`, `error`), keyed by check
   * name or code.
   */
  severity?: { [check in string]?: "off" | Severity },
  /**
   * The Python the files are compiled as, e.g. `3.12` (default 3.10).
   */
  python_version?: string | null,
  /**
   * Whole-file verdicts from the validator module (`revguard-web-syntax`),
   * by file index: `null` when the file compiles. This module has no
   * Python parser of its own; without verdicts only the binding reader's
   * errors are reported.
   */
  verdicts?: { [key in number]: GivenSyntaxError | null },
  /**
   * Deploy-safety lints (`lintAlembic` of the translator's `plans`), by
   * file index: the lint module's `check` only (the first module, which
   * has neither Ruff's parser nor squawk, refuses them).
   */
  lints?: { [file in number]?: unknown },
};

/**
 * A finding.
 */
export type Diagnostic = {
  /**
   * Stable kebab-case check name.
   */
  check: string,
  /**
   * Stable short code.
   */
  code: string,
  /**
   * Severity after policy and configuration.
   */
  severity: Severity,
  /**
   * One terse sentence.
   */
  message: string,
  /**
   * Source locations; the first primary label is the main one.
   */
  labels: Array<Label>,
  /**
   * How to fix it.
   */
  help: string | null,
  /**
   * Extra context.
   */
  notes: Array<string>,
};

/**
 * One app, as the CLI's JSON lists it.
 */
export type DjangoApp = {
  /**
   * The app label.
   */
  label: string,
  /**
   * Its `migrations` directory.
   */
  path: string,
  /**
   * Whether the package has `__init__.py`.
   */
  migrated: boolean,
  /**
   * Its migration modules: name and path.
   */
  migrations: Array<[string, string]>,
};

/**
 * An edge from a parent to its child.
 */
export type DjangoEdge = {
  /**
   * The parent (a position in `nodes`).
   */
  from: number,
  /**
   * The child.
   */
  to: number,
  /**
   * On a cycle.
   */
  cycle: boolean,
};

/**
 * The graph: nodes, edges from parent to child, and the apps' groups.
 */
export type DjangoGraph = {
  /**
   * The nodes, in key order.
   */
  nodes: Array<DjangoNode>,
  /**
   * The edges.
   */
  edges: Array<DjangoEdge>,
  /**
   * Apps in label order, with their nodes (positions in `nodes`);
   * installed packages' nodes are in none.
   */
  apps: Array<[string, Array<number>]>,
};

/**
 * What to check: a Django project's files.
 */
export type DjangoInput = {
  /**
   * Every file, its path relative to the project directory
   * (`/`-separated), e.g. `billing/migrations/0001_initial.py`.
   */
  files: Array<ProjectFile>,
  /**
   * The model `swappable_dependency(settings.AUTH_USER_MODEL)` resolves
   * to; absent or `null`: the settings' `user-model`, else `auth.User`,
   * as for the CLI.
   */
  user_model?: string | null,
  /**
   * The `[django]` settings of the project's configuration, from the
   * settings module's `djangoSettings`; absent or `null`: none.
   */
  settings?: DjangoSettings | null,
  /**
   * The name of the project directory, the label of an app whose
   * `migrations` directory is at the top; absent or `null`: empty.
   */
  root?: string | null,
  /**
   * Whole-file verdicts by input index (`null`: CPython compiles the
   * file), from the validator module; absent: not validated.
   */
  verdicts?: { [key in number]: GivenSyntaxError | null } | null,
};

/**
 * A graph key, `(app_label, migration_name)`; ordered as Python orders the
 * tuple (code points, app first).
 */
export type DjangoKey = {
  /**
   * The app label.
   */
  app: string,
  /**
   * The migration name (the module name).
   */
  name: string,
};

/**
 * Django's verdict on a project.
 */
export type DjangoLoaded = {
  /**
   * What loading the graph raises. Django raises exactly one of these;
   * when there are several, which one depends on Python's hash order.
   * Empty when the graph loads.
   */
  errors: Array<Record<string, unknown>>,
  /**
   * What `check_consistent_history` raises (one of them), when the graph
   * loads and the applied rows are known.
   */
  inconsistent: Array<Record<string, unknown>>,
  /**
   * Leaf nodes per app (`leaf_nodes()`), for every app with nodes.
   */
  leaves: { [key in string]: Array<string> },
  /**
   * Apps with more than one leaf (`detect_conflicts`).
   */
  conflicts: { [key in string]: Array<string> },
  /**
   * `migrate --plan` (forwards), when nothing above fails.
   */
  plan: Array<DjangoKey>,
  /**
   * Nodes of apps outside the repository that the graph depends on
   * (assumed present in the installed packages).
   */
  external: Array<DjangoKey>,
  /**
   * Squashing migrations that cannot be used because only some of the
   * migrations they replace are applied.
   */
  partly_applied_squashes: Array<DjangoKey>,
  /**
   * The history checks' findings (the lock, `--deployed`, `--base`),
   * when the graph loads and a history input is given.
   */
  history?: Array<Record<string, unknown>>,
  /**
   * The graph as built (after the squash step when the build gets that
   * far), for drawing it.
   */
  graph: DjangoShape,
  /**
   * The deploy-safety lint of each migration that has something to say,
   * in the order `migrate` applies them from an empty database (when
   * the graph loads and the project asks for the lint).
   */
  safety?: Array<Record<string, unknown>>,
};

/**
 * One node of the graph.
 */
export type DjangoNode = {
  /**
   * The app label.
   */
  app: string,
  /**
   * The migration name.
   */
  name: string,
  /**
   * A migration of the project, a missing one, or an installed
   * package's.
   */
  kind: DjangoNodeKind,
  /**
   * `missing`, `installed`, `leaf`, `conflicting leaf`, `cycle`,
   * `unreadable`, `squash`.
   */
  marks: Array<string>,
  /**
   * Its input index (`null`: no file).
   */
  file: number | null,
};

/**
 * What a node of the drawing is.
 */
export type DjangoNodeKind = "migration" | "missing" | "installed";

/**
 * Django's verdict: the CLI's JSON for the project, with editor
 * diagnostics and the graph.
 */
export type DjangoReport = {
  /**
   * Always `django`.
   */
  dialect: string,
  /**
   * The user model `swappable_dependency` resolves through.
   */
  user_model: string,
  /**
   * The apps found.
   */
  apps: Array<DjangoApp>,
  /**
   * Django's verdict, as the CLI's JSON has it.
   */
  loaded: DjangoLoaded,
  /**
   * Whether `manage.py migrate` fails.
   */
  migrate_fails: boolean,
  /**
   * Whether any check failed (the CLI exits with 1).
   */
  failed: boolean,
  /**
   * The input index of every migration read, in the apps' order.
   */
  inputs: Array<number>,
  /**
   * The findings; label `file` indices are input indices.
   */
  diagnostics: Array<Diagnostic>,
  /**
   * Counts per severity.
   */
  summary: Summary,
  /**
   * The graph Django builds, one group per app.
   */
  graph: DjangoGraph,
  /**
   * Where the deployed state of the history checks came from: `lock`
   * when the files hold a `revguard.lock` at the root, else `null`.
   */
  applied_from: string | null,
  /**
   * The configuration file whose `[django]` settings applied
   * (`revguard.toml` or `pyproject.toml`), else `null`.
   */
  config_from: string | null,
};

/**
 * The `[django]` settings of the project's configuration.
 */
export type DjangoSettings = {
  /**
   * The file they come from: `revguard.toml` or `pyproject.toml`.
   */
  source: string,
  /**
   * `user-model` (`AUTH_USER_MODEL`), when set.
   */
  user_model: string | null,
  /**
   * `labels`: app directory (relative, `/`-separated) → app label.
   */
  labels: { [key in string]: string },
  /**
   * `migration-modules` (`MIGRATION_MODULES`): app label → dotted
   * module, or `null` for `None` (the app is unmigrated).
   */
  migration_modules: { [key in string]: string | null },
};

/**
 * The nodes and edges of the graph Django builds: every node of
 * `node_map` (dummy nodes for missing parents included; a migration a
 * squash replaced is gone), and an edge from each parent to its child.
 * Edges from nodes in [`Loaded::external`] are the dependencies on apps
 * outside the repository, which Django resolves from the installed
 * packages.
 */
export type DjangoShape = {
  /**
   * The nodes, sorted.
   */
  nodes: Array<DjangoKey>,
  /**
   * `(parent, child)` pairs, sorted.
   */
  edges: Array<[DjangoKey, DjangoKey]>,
};

/**
 * One input file.
 */
export type FileEntry = {
  /**
   * Display path (location joined with the file's path).
   */
  path: string,
  /**
   * What Alembic does with the file.
   */
  role: FileRole,
  /**
   * Position in Alembic's load order.
   */
  load_index: number | null,
  /**
   * The revision id the file declares.
   */
  revision: string | null,
};

/**
 * One file as text.
 */
export type FileInput = {
  /**
   * Index into [`CheckInput::locations`].
   */
  location?: number,
  /**
   * Path relative to the location, `/`-separated.
   */
  path: string,
  /**
   * The file's content.
   */
  text: string,
};

/**
 * What Alembic does with a file.
 */
export type FileRole = "loaded" | "shadowed" | "unknown" | "ignored" | "stray" | "loaded-twice";

/**
 * A syntax error found by another build of the same core
 * (`revguard_core::parse::compile_module`), in file offsets.
 */
export type GivenSyntaxError = {
  /**
   * The message.
   */
  message: string,
  /**
   * Start offset in the file's bytes.
   */
  start: number,
  /**
   * End offset (exclusive).
   */
  end: number,
  /**
   * The verdict is unknown (an encoding or a nesting depth revguard
   * does not validate).
   */
  unsupported?: boolean,
};

/**
 * A labelled span in one file.
 */
export type Label = {
  /**
   * Index into `Report.files` (and into the input files).
   */
  file: number,
  /**
   * The file's display path.
   */
  path: string,
  /**
   * Byte range in the file's UTF-8.
   */
  span: Span,
  /**
   * Start position.
   */
  start: Position,
  /**
   * End position (exclusive).
   */
  end: Position,
  /**
   * What this location shows.
   */
  message: string,
  /**
   * The main location.
   */
  primary: boolean,
};

/**
 * A property of a revision in the graph.
 */
export type Mark = "head" | "effective-head" | "phantom-head" | "base" | "mergepoint" | "branchpoint" | "cycle" | "missing-parent";

/**
 * Which shapes of revision graph a project accepts.
 */
export type Policy = "single-head" | "linear" | "branches";

/**
 * A position in a file, in every unit an editor may want.
 */
export type Position = {
  /**
   * 1-based line.
   */
  line: number,
  /**
   * 1-based column in Unicode scalar values (as the CLI prints it).
   */
  column: number,
  /**
   * 1-based column in UTF-16 code units (Monaco, CodeMirror, `<textarea>`).
   */
  column_utf16: number,
  /**
   * 0-based offset from the start of the file in UTF-16 code units.
   */
  offset_utf16: number,
};

/**
 * One file of a project, as text.
 */
export type ProjectFile = {
  /**
   * Path relative to the project directory, `/`-separated.
   */
  path: string,
  /**
   * The file's content.
   */
  text: string,
};

/**
 * The version files are validated for, and where that choice came from.
 */
export type PythonTarget = {
  /**
   * The version.
   */
  version: string,
  /**
   * Where it came from, e.g. `--python-version`, `pyproject.toml
   * [project] requires-python = ">=3.11"`, or `default`.
   */
  source: string,
};

/**
 * The report: the CLI's JSON, with editor positions and explicit nulls.
 */
export type Report = {
  /**
   * The report schema version.
   */
  schema_version: number,
  /**
   * The core's version.
   */
  revguard_version: string,
  /**
   * The policy the graph was judged by.
   */
  policy: Policy,
  /**
   * The Python version every file was compiled for, and where it came from.
   */
  python: PythonTarget,
  /**
   * Every input file, in input order.
   */
  files: Array<FileEntry>,
  /**
   * Every revision object, in load order, shadowed duplicates included,
   * with its edges resolved.
   */
  revisions: Array<RevisionEntry>,
  /**
   * `alembic heads`; a duplicated id can appear twice (phantom head).
   */
  heads: Array<string>,
  /**
   * Heads counting `depends_on`.
   */
  real_heads: Array<string>,
  /**
   * Revisions with an empty `down_revision`.
   */
  bases: Array<string>,
  /**
   * Bases that also have no `depends_on`.
   */
  real_bases: Array<string>,
  /**
   * Every branch label and the index into `revisions` of the revision
   * carrying it.
   */
  label_owners: { [key in string]: number },
  /**
   * False when some binding could not be read statically.
   */
  complete: boolean,
  /**
   * What Alembic itself would do.
   */
  alembic: AlembicOutcome,
  /**
   * Findings, errors first.
   */
  diagnostics: Array<Diagnostic>,
  /**
   * Counts per severity.
   */
  summary: Summary,
};

/**
 * One migration as the tool resolves it.
 */
export type ResolvedMigration = {
  /**
   * The version as the tool shows it (`1.1` for Flyway's `V1_1`).
   */
  version: string,
  /**
   * The description the tool derives from the name.
   */
  description: string,
  /**
   * Its file (the up file for golang-migrate and sqlx).
   */
  file: number,
};

/**
 * One revision object.
 */
export type RevisionEntry = {
  /**
   * The revision id.
   */
  id: string,
  /**
   * Index into [`Report::files`].
   */
  file: number,
  /**
   * Parents named by `down_revision`, as written (a merge has several).
   */
  down_revisions: Array<string>,
  /**
   * `branch_labels`, as written.
   */
  branch_labels: Array<string>,
  /**
   * `depends_on`, as written.
   */
  depends_on: Array<string>,
  /**
   * The message: the docstring's first paragraph.
   */
  doc: string,
  /**
   * An earlier copy of a duplicated id: Alembic keeps it only as a phantom head.
   */
  shadowed: boolean,
  /**
   * Marks (head, effective-head, phantom-head, base, mergepoint, branchpoint).
   */
  marks: Array<Mark>,
  /**
   * `down_revisions` resolved entry by entry, as Alembic's map links
   * them: the index into [`Report::revisions`] of the kept revision with
   * that id, or null when there is none (a branch label counts as none:
   * Alembic fails on it).
   */
  parents: Array<number | null>,
  /**
   * `depends_on` resolved entry by entry: the kept revision with that id,
   * else the one a branch label names (for a label on a shadowed
   * duplicate, the kept copy, as in Alembic), or null.
   */
  dependencies: Array<number | null>,
};

/**
 * How serious a finding is. Only `error` changes the exit code.
 */
export type Severity = "info" | "warning" | "error";

/**
 * A byte range in a file.
 */
export type Span = {
  /**
   * Start offset in bytes.
   */
  start: number,
  /**
   * End offset in bytes (exclusive).
   */
  end: number,
};

/**
 * What the deploy command does.
 */
export type SqlDeploy = {
  /**
   * The command, as users type it (`flyway migrate`...).
   */
  command: string,
  /**
   * The table the tool records applied migrations in.
   */
  history_table: string,
  /**
   * The tool's error when the command fails.
   */
  fails: string | null,
  /**
   * The paths the command runs, in order.
   */
  runs: Array<string>,
};

/**
 * One finding, in the tool's words.
 */
export type SqlFinding = {
  /**
   * The check's name.
   */
  check: string,
  /**
   * Its code.
   */
  code: string,
  /**
   * How serious it is.
   */
  severity: Severity,
  /**
   * One sentence.
   */
  message: string,
  /**
   * The files it is about (indices into the report's `files`).
   */
  files: Array<number>,
  /**
   * The tool's own message and other context.
   */
  notes: Array<string>,
  /**
   * How to fix it.
   */
  help: string | null,
};

/**
 * What to check: a project's files.
 */
export type SqlInput = {
  /**
   * Every file, its path relative to the project directory
   * (`/`-separated), e.g. `src/main/resources/db/migration/V1__a.sql`,
   * `revguard.lock`.
   */
  files: Array<ProjectFile>,
  /**
   * The tool (`flyway`, `golang-migrate`, `goose`, `sqlx`, `dbmate`,
   * `prisma`); absent or `null`: detected from the files.
   */
  dialect?: SqlTool | null,
};

/**
 * The tool's verdict: the CLI's JSON for the history, with editor
 * diagnostics.
 */
export type SqlReport = {
  /**
   * The tool.
   */
  dialect: SqlTool,
  /**
   * Whether the tool was detected (not chosen).
   */
  detected: boolean,
  /**
   * Whether the history is the top directory's files, taken by their
   * shape because no project layout around them names the tool (a
   * dropped migration directory on its own).
   */
  loose: boolean,
  /**
   * The tool's migration directories (`.` for the top).
   */
  directories: Array<string>,
  /**
   * The history's files, in the tool's order (the verdict's file
   * indices point here).
   */
  files: Array<string>,
  /**
   * For each of [`files`](Self::files), its index in the input.
   */
  inputs: Array<number>,
  /**
   * `lock` when a `revguard.lock` for this tool gave the applied rows.
   */
  applied_from: string | null,
  /**
   * The tool's verdict.
   */
  verdict: SqlVerdict,
  /**
   * What the tool's deploy command does.
   */
  deploy: SqlDeploy,
  /**
   * The files the deploy-safety lint looks at (those the tool runs
   * upward), as input indices: the page fetches the lint module only
   * when there are any.
   */
  lint_targets: Array<number>,
  /**
   * The deploy-safety lint's findings, as the CLI's JSON `safety`
   * (also among [`diagnostics`](Self::diagnostics)); empty without the
   * lint module.
   */
  safety: Array<Diagnostic>,
  /**
   * The findings as diagnostics, the tool's then the lint's; label
   * `file` indices are input indices.
   */
  diagnostics: Array<Diagnostic>,
  /**
   * Counts per severity.
   */
  summary: Summary,
};

/**
 * A SQL-file migration tool.
 */
export type SqlTool = "flyway" | "golang-migrate" | "goose" | "sqlx" | "dbmate" | "prisma";

/**
 * The tool's verdict on the history.
 */
export type SqlVerdict = {
  /**
   * The tool.
   */
  tool: SqlTool,
  /**
   * The migrations the tool resolves, in its order.
   */
  migrations: Array<ResolvedMigration>,
  /**
   * Findings, errors first in the order the tool meets them.
   */
  findings: Array<SqlFinding>,
  /**
   * The tool's own error when its deploy command fails, word for word.
   */
  fails: string | null,
  /**
   * The files the deploy command runs (indices into the report's
   * `files`), in order, up to the failure.
   */
  runs: Array<number>,
  /**
   * Lock entries: version and the checksum the tool stores.
   */
  lock: Array<[string, string]>,
};

/**
 * Counts per severity.
 */
export type Summary = {
  /**
   * Error-level findings.
   */
  errors: number,
  /**
   * Warnings.
   */
  warnings: number,
  /**
   * Informational findings.
   */
  infos: number,
};

/**
 * What `alembic upgrade head` would do: `ok`, `fails: <why>` or
 * `unknown: <why>`.
 */
export type UpgradeHead = "ok" | `fails: ${string}` | `unknown: ${string}`;
