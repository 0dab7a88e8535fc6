// Reading dropped or picked files and folders into {path, text} entries.

const MAX_FILE = 2 * 1024 * 1024; // skip anything larger: not a migration
const SKIP_DIRS = new Set(["__pycache__", ".git", "node_modules", ".venv"]);

/** Entries from an <input type=file> (with or without webkitdirectory). */
export async function fromFileList(list) {
  const files = Array.from(list);
  return read(files.map((f) => [f.webkitRelativePath || f.name, f]));
}

/** Entries from a drop: folders are walked (DataTransferItem entries). */
export async function fromDataTransfer(dt) {
  const entries = [];
  const items = Array.from(dt.items || []).filter((i) => i.kind === "file");
  const roots = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (roots.length && roots.every(Boolean)) {
    for (const root of roots) await walk(root, "", entries);
    return read(entries);
  }
  return fromFileList(dt.files || []);
}

async function walk(entry, prefix, out) {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise((ok, fail) => entry.file(ok, fail));
    out.push([path, file]);
  } else if (entry.isDirectory && !SKIP_DIRS.has(entry.name)) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, path, out);
    }
  }
}

async function read(pairs) {
  const out = [];
  for (const [path, file] of pairs) {
    const parts = path.split("/");
    if (parts.some((p) => SKIP_DIRS.has(p))) continue;
    if (file.size > MAX_FILE || /\.py[co]$/i.test(path)) continue;
    out.push({ path, text: await file.text() });
  }
  return out;
}

/**
 * Where the version location is, and each file's path inside it.
 *
 * A dropped `versions/` folder gives location `versions`; a dropped
 * `migrations/` folder (with `env.py` and `versions/`) gives
 * `migrations/versions` and keeps only what is inside `versions/` (any
 * folder whose only Python file is `env.py` counts); loose files
 * keep their names.
 */
export function normalize(entries) {
  let files = entries.map((e) => ({ parts: e.path.split("/").filter(Boolean), text: e.text }));
  const location = [];
  for (;;) {
    if (files.length === 0) break;
    const first = files[0].parts[0];
    const shared = files.every((f) => f.parts.length > 1 && f.parts[0] === first);
    if (shared) {
      location.push(first);
      files = files.map((f) => ({ parts: f.parts.slice(1), text: f.text }));
      continue;
    }
    // An Alembic script directory: descend into versions/.
    // (Top-level Python files other than env.py mean this is the location.)
    const topPy = files.filter((f) => f.parts.length === 1 && /\.py$/.test(f.parts[0]) && f.parts[0] !== "env.py");
    const inVersions = files.filter((f) => f.parts.length > 1 && f.parts[0] === "versions");
    if (topPy.length === 0 && inVersions.some((f) => /\.py$/.test(f.parts.at(-1)))) {
      location.push("versions");
      files = inVersions.map((f) => ({ parts: f.parts.slice(1), text: f.text }));
      continue;
    }
    break;
  }
  files.sort((a, b) => a.parts.join("/").localeCompare(b.parts.join("/")));
  return {
    location: location.join("/") || "versions",
    files: files.map((f) => ({ path: f.parts.join("/"), text: f.text })),
  };
}

/**
 * A project as a SQL-file tool sees it: the dropped folder's common
 * directory is the project (its name becomes the location shown), and every
 * file keeps its path inside it, which is how the tool finds its
 * migrations (`db/migration`, `migrations/`, `flyway.conf`, `revguard.lock`).
 */
export function projectRoot(entries) {
  return stripSharedDirs(entries, () => false);
}

/**
 * Strip the directories every file shares, one level at a time, until
 * `keep(files)` says the next level must stay; the stripped part is the
 * location shown. Files are sorted by their remaining path.
 */
function stripSharedDirs(entries, keep) {
  let files = entries.map((e) => ({ parts: e.path.split("/").filter(Boolean), text: e.text }));
  const location = [];
  const shared = () => files.length && files.every((f) => f.parts.length > 1 && f.parts[0] === files[0].parts[0]);
  while (shared() && !keep(files)) {
    location.push(files[0].parts[0]);
    files = files.map((f) => ({ parts: f.parts.slice(1), text: f.text }));
  }
  files.sort((a, b) => a.parts.join("/").localeCompare(b.parts.join("/")));
  return {
    location: location.join("/") || "project",
    files: files.map((f) => ({ path: f.parts.join("/"), text: f.text })),
  };
}

/**
 * A Django project as its apps sit in it: like {@link projectRoot}, but a
 * directory holding `migrations/` is never stripped, since its name is the
 * app's label (unless `apps.py` gives another). A dropped app folder keeps
 * its name; a dropped project keeps `app/migrations/…` paths.
 */
export function djangoRoot(entries) {
  return stripSharedDirs(
    entries,
    (files) => files[0].parts[0] === "migrations" || files.some((f) => f.parts[1] === "migrations"),
  );
}
