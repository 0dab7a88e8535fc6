// Browser benchmark (not a timed test): check 1,000 generated migration files
// in headless Chromium and report how long it takes.
//
//   node tools/bench.mjs [--files N] [--write]
//
// --write replaces the "## Playground" section of BENCHMARKS.md with the
// results (appending the section when it is not there yet).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const here = fileURLToPath(new URL("..", import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const count = Number(args[args.indexOf("--files") + 1]) || 1000;
const write = args.includes("--write");

/** A realistic history: Alembic's generic template with table bodies; a
 * branch merged every 100 revisions and one duplicated id near the end. */
function corpus(n) {
  const id = (i) => (0x1a2b3c4d5e6f + i * 0x9e3779b1).toString(16).slice(-12).padStart(12, "0");
  const files = [];
  let prev = null;
  for (let i = 0; i < n; i++) {
    let down = prev ? `'${prev}'` : "None";
    let rev = id(i);
    if (i % 100 === 99 && i > 1) down = `('${id(i - 1)}', '${id(i - 2)}')`; // merge
    else if (i % 100 === 98) down = `'${id(i - 2)}'`; // branch off the one before
    if (i === n - 1) rev = id(n - 2); // a duplicate: the incident's shape
    const table = `table_${i}`;
    const text = `"""add ${table}

Revision ID: ${rev}
Revises: ${down.replace(/[()' ]/g, "")}
Create Date: 2026-01-${String(1 + (i % 28)).padStart(2, "0")} 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '${rev}'
down_revision: Union[str, Sequence[str], None] = ${down}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        '${table}',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()')),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_${table}_name'), '${table}', ['name'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_${table}_name'), table_name='${table}')
    op.drop_table('${table}')
`;
    files.push({ path: `${rev}_add_${table}.py`, text });
    prev = rev;
  }
  return files;
}

const files = corpus(count);
const bytes = files.reduce((s, f) => s + Buffer.byteLength(f.text), 0);
const { url, close } = await serve(join(here, "dist"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const version = browser.version();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(url);
await page.waitForSelector("body[data-ready=true]");

const result = await page.evaluate(async (files) => {
  const { check } = window.revguard;
  const input = { locations: ["versions"], files, options: { policy: "single-head" } };
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = (fn, runs) => {
    const ts = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn();
      ts.push(performance.now() - t0);
    }
    return ts;
  };
  const first = time(() => check(input), 1)[0];
  time(() => check(input), 3);
  const checks = time(() => check(input), 20);
  const report = check(input);
  // The whole page: check, diagnostics list, file list, graph layout and SVG,
  // then two frames so style, layout and paint are counted.
  const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
  const page = [];
  const parts = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    window.revguard.load({ location: "versions", files });
    parts.push(window.revguard.last);
    await frame();
    page.push(performance.now() - t0);
  }
  return {
    first,
    checkMedian: median(checks),
    checkMin: Math.min(...checks),
    pageMedian: median(page),
    listMedian: median(parts.map((p) => p.listMs)),
    graphMedian: median(parts.map((p) => p.graphMs)),
    editorMedian: median(parts.map((p) => p.editorMs)),
    revisions: report.revisions.length,
    diagnostics: report.diagnostics.length,
    heads: report.heads.length,
  };
}, files);
await browser.close();
await close();

const load = loadavg()[0];
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const cpu = cpus()[0]?.model?.trim() || "unknown CPU";
let commit = "";
try {
  commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {}
const lines = [
  `| ${count} files (${(bytes / 1024 / 1024).toFixed(2)} MiB), ${result.revisions} revisions, ${result.diagnostics} diagnostics | time |`,
  "|---|---|",
  `| \`check()\` first call (cold) | ${fmt(result.first)} |`,
  `| \`check()\` median of 20 (JSON in, core, DTO, JSON out) | ${fmt(result.checkMedian)} |`,
  `| \`check()\` fastest of 20 | ${fmt(result.checkMin)} |`,
  `| whole page: check + diagnostics + file list + graph layout/SVG + 2 frames, median of 5 | ${fmt(result.pageMedian)} |`,
  `| of which: diagnostics list (DOM) | ${fmt(result.listMedian)} |`,
  `| of which: graph layout + SVG (DOM) | ${fmt(result.graphMedian)} |`,
  `| of which: file list + editor | ${fmt(result.editorMedian)} |`,
];
console.log(lines.join("\n"));
console.log(`target: 1,000 files checked in < 100 ms (the playground budget, docs/adr/0001-one-core-three-faces.md): ${result.checkMedian < 100 ? "met" : "NOT met"}`);

if (write) {
  const file = join(root, "BENCHMARKS.md");
  const section = [
    "## Playground",
    "",
    `Headless Chromium ${version}, ${cpus().length} cores (${cpu}), load average ${loadavg()[0].toFixed(1)} ` +
      `when it started, commit ${commit || "?"}; ` +
      "`node wasm/playground/tools/bench.mjs --write` after `just playground`. " +
      "Generated corpus: Alembic's generic template with a table per revision, a branch merged every " +
      "100 revisions and one duplicated id. A benchmark, not a timed test: nothing fails on these numbers.",
    "",
    ...lines,
    "",
  ].join("\n");
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const start = text.indexOf("## Playground");
  if (start >= 0) {
    const next = text.indexOf("\n## ", start + 1);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : "");
  } else {
    text = text.replace(/\n*$/, "\n\n") + section;
  }
  writeFileSync(file, text);
  console.log(`wrote the Playground section of ${file}`);
}
