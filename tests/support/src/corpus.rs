//! Benchmark corpora: `n` revisions rendered from Alembic's current generic
//! template (`script.py.mako`, Alembic 1.20) with realistic autogenerate
//! bodies, optional feature branches merged back, branch labels,
//! `depends_on`, and injected faults. A pure function of the options
//! (including the seed): the same options give byte-identical files.
//!
//! Used by the `gen-corpus` example of the host crate (`just bench`) and the
//! criterion benches. It is self-contained rather than built on
//! [`crate::generate`]: that generator aims at small, syntactically wild
//! projects for differential testing, while benchmarks need large, boring,
//! realistic ones. The random source is the same:
//! `revguard_core::testing::Rng`.

use std::fmt::Write as _;
use std::path::Path;

/// The seeded generator every suite and corpus shares.
pub use revguard_core::testing::Rng;

/// A fault to inject into an otherwise healthy history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A second file with the id of a revision in the middle.
    Duplicate,
    /// A revision whose `down_revision` names an id that does not exist.
    MissingParent,
    /// A revision that revises a later one (a cycle of four).
    Cycle,
}

impl Fault {
    /// Parse `duplicate` / `missing-parent` / `cycle`.
    pub fn parse(name: &str) -> Option<Fault> {
        match name {
            "duplicate" => Some(Fault::Duplicate),
            "missing-parent" => Some(Fault::MissingParent),
            "cycle" => Some(Fault::Cycle),
            _ => None,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Number of revisions (files, not counting injected duplicates).
    pub revisions: usize,
    /// The seed.
    pub seed: u64,
    /// Every this many revisions a feature branch of 1-4 revisions forks
    /// off the main line and is merged back by a merge revision (`0`: one
    /// linear chain).
    pub branch_every: usize,
    /// Give each feature branch a branch label (`feature_<k>`).
    pub labels: bool,
    /// Percentage of revisions with a `depends_on` an earlier revision.
    pub depends_on_pct: u32,
    /// Faults to inject.
    pub faults: Vec<Fault>,
}

impl CorpusOptions {
    /// The default benchmark shape: a main line with a feature branch merged
    /// back about every 50 revisions, labelled, 2% `depends_on`, no faults.
    pub fn realistic(revisions: usize, seed: u64) -> CorpusOptions {
        CorpusOptions {
            revisions,
            seed,
            branch_every: 50,
            labels: true,
            depends_on_pct: 2,
            faults: Vec::new(),
        }
    }

    /// One linear chain, no labels, no dependencies.
    pub fn linear(revisions: usize, seed: u64) -> CorpusOptions {
        CorpusOptions {
            revisions,
            seed,
            branch_every: 0,
            labels: false,
            depends_on_pct: 0,
            faults: Vec::new(),
        }
    }
}

/// One generated migration file: its name inside `versions/` and its bytes.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// File name (`<id>_<slug>.py`).
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Rev {
    id: String,
    parents: Vec<usize>,
    /// Overrides `parents` when set (faults).
    parent_ids: Option<Vec<String>>,
    label: Option<String>,
    depends_on: Option<usize>,
    merge: bool,
}

fn hex_id(rng: &mut Rng) -> String {
    format!("{:012x}", rng.next_u64() & 0xffff_ffff_ffff)
}

/// Generate the files of a corpus.
pub fn generate(options: &CorpusOptions) -> Vec<CorpusFile> {
    let mut rng = Rng::new(options.seed);
    let n = options.revisions;
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut revs: Vec<Rev> = Vec::with_capacity(n);
    let mut new_rev = |rng: &mut Rng, parents: Vec<usize>| {
        let mut id = hex_id(rng);
        while !seen.insert(id.clone()) {
            id = hex_id(rng);
        }
        Rev {
            id,
            parents,
            parent_ids: None,
            label: None,
            depends_on: None,
            merge: false,
        }
    };
    let mut tip: Option<usize> = None;
    let mut branch_no = 0;
    while revs.len() < n {
        let i = revs.len();
        let left = n - i;
        let fork = options.branch_every > 0
            && i > 0
            && i.is_multiple_of(options.branch_every)
            && left >= 4;
        if !fork {
            revs.push(new_rev(&mut rng, tip.into_iter().collect()));
            tip = Some(i);
            continue;
        }
        // A feature branch and the main line both grow from `tip`, then a
        // merge revision joins them.
        let fork_point = tip.expect("i > 0");
        let branch_len = rng.range(1, 4.min(left - 3));
        let main_len = rng.range(1, 3.min(left - 1 - branch_len));
        let mut branch_tip = fork_point;
        for k in 0..branch_len {
            let mut rev = new_rev(&mut rng, vec![branch_tip]);
            if k == 0 && options.labels {
                rev.label = Some(format!("feature_{branch_no}"));
            }
            branch_tip = revs.len();
            revs.push(rev);
        }
        branch_no += 1;
        let mut main_tip = fork_point;
        for _ in 0..main_len {
            let rev = new_rev(&mut rng, vec![main_tip]);
            main_tip = revs.len();
            revs.push(rev);
        }
        let mut merge = new_rev(&mut rng, vec![main_tip, branch_tip]);
        merge.merge = true;
        tip = Some(revs.len());
        revs.push(merge);
    }
    if options.depends_on_pct > 0 {
        for (i, rev) in revs.iter_mut().enumerate().skip(2) {
            if rng.pct(options.depends_on_pct) {
                // An earlier revision on the main line or a branch: never a
                // later one, so no dependency cycle.
                let back = rng.range(2, 40.min(i));
                rev.depends_on = Some(i - back);
            }
        }
    }
    let mut extra: Vec<Rev> = Vec::new();
    for fault in &options.faults {
        if revs.len() < 8 {
            break;
        }
        let mid = revs.len() / 2;
        match fault {
            Fault::Duplicate => {
                let mut copy = revs[mid].clone();
                copy.label = None;
                extra.push(copy);
            }
            Fault::MissingParent => {
                let at = mid + 1;
                revs[at].parent_ids = Some(vec![format!("{:012x}", 0xdead_beef_u64)]);
            }
            Fault::Cycle => {
                let at = mid / 2;
                // Revises a later descendant: the next merge revision (which
                // descends from everything generated before it), or, in a
                // linear chain, the revision three steps later.
                let later = (at + 1..revs.len())
                    .find(|&k| revs[k].merge)
                    .unwrap_or(at + 3);
                let later = revs[later].id.clone();
                revs[at].parent_ids = Some(vec![later]);
            }
        }
    }
    let mut files = Vec::with_capacity(revs.len() + extra.len());
    for (i, rev) in revs.iter().enumerate() {
        files.push(render(&mut rng, &revs, rev, i, ""));
    }
    for (k, rev) in extra.iter().enumerate() {
        files.push(render(&mut rng, &revs, rev, n + k, "_copy"));
    }
    files
}

const COLUMN_TYPES: &[&str] = &[
    "sa.Integer()",
    "sa.BigInteger()",
    "sa.String(length=255)",
    "sa.String(length=64)",
    "sa.Text()",
    "sa.Boolean()",
    "sa.DateTime(timezone=True)",
    "sa.Numeric(precision=12, scale=2)",
    "sa.JSON()",
    "sa.Date()",
];

const COLUMN_NAMES: &[&str] = &[
    "name",
    "email",
    "created_at",
    "updated_at",
    "status",
    "amount",
    "description",
    "is_active",
    "payload",
    "external_ref",
    "owner_id",
    "due_date",
    "currency",
    "notes",
    "version",
];

const NOUNS: &[&str] = &[
    "users",
    "orders",
    "invoices",
    "accounts",
    "payments",
    "audit_log",
    "projects",
    "tasks",
    "comments",
    "tags",
    "sessions",
    "tenants",
    "webhooks",
    "reports",
    "shipments",
];

fn render(rng: &mut Rng, revs: &[Rev], rev: &Rev, index: usize, suffix: &str) -> CorpusFile {
    let parent_ids: Vec<String> = match &rev.parent_ids {
        Some(ids) => ids.clone(),
        None => rev.parents.iter().map(|&p| revs[p].id.clone()).collect(),
    };
    let table = format!("{}_{index}", rng.pick(NOUNS));
    let (message, upgrade, downgrade) = if rev.merge {
        (
            "merge feature branch".to_string(),
            "    pass\n".to_string(),
            "    pass\n".to_string(),
        )
    } else {
        body(rng, &table)
    };
    let down = match parent_ids.as_slice() {
        [] => "None".to_string(),
        [one] => format!("'{one}'"),
        many => format!(
            "({})",
            many.iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let labels = match &rev.label {
        Some(label) => format!("('{label}',)"),
        None => "None".into(),
    };
    let depends = match rev.depends_on {
        Some(d) => format!("'{}'", revs[d].id),
        None => "None".into(),
    };
    let day = 1 + index % 28;
    let mut text = String::with_capacity(4096);
    let _ = write!(
        text,
        "\"\"\"{message}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: 2024-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{us:06}\n\n\"\"\"\n\
from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n\
# revision identifiers, used by Alembic.\n\
revision: str = '{id}'\n\
down_revision: Union[str, Sequence[str], None] = {down}\n\
branch_labels: Union[str, Sequence[str], None] = {labels}\n\
depends_on: Union[str, Sequence[str], None] = {depends}\n\n\n\
def upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n{upgrade}\n\n\
def downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n{downgrade}",
        id = rev.id,
        revises = parent_ids.join(", "),
        month = 1 + (index / 28) % 12,
        h = rng.below(24),
        m = rng.below(60),
        s = rng.below(60),
        us = rng.below(1_000_000),
    );
    let slug: String = message
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    CorpusFile {
        name: format!("{}_{slug}{suffix}.py", rev.id),
        bytes: text.into_bytes(),
    }
}

/// An autogenerate-style migration body: (message, upgrade, downgrade).
fn body(rng: &mut Rng, table: &str) -> (String, String, String) {
    const START: &str = "    # ### commands auto generated by Alembic - please adjust! ###\n";
    const END: &str = "    # ### end Alembic commands ###\n";
    let mut up = String::from(START);
    let mut down = String::from(START);
    let message;
    match rng.below(10) {
        0..=4 => {
            message = format!("create {table} table");
            create_table(rng, table, &mut up, &mut down);
        }
        5..=7 => {
            let target = rng.pick(NOUNS);
            message = format!("add columns to {target}");
            let columns = rng.range(1, 5);
            for c in 0..columns {
                let name = format!("{}_{c}", rng.pick(COLUMN_NAMES));
                let ty = rng.pick(COLUMN_TYPES);
                let _ = writeln!(
                    up,
                    "    op.add_column('{target}', sa.Column('{name}', {ty}, nullable=True))"
                );
                let _ = writeln!(down, "    op.drop_column('{target}', '{name}')");
            }
            if rng.pct(50) {
                let _ = writeln!(
                    up,
                    "    op.alter_column(\n        '{target}',\n        'status',\n        existing_type=sa.VARCHAR(length=32),\n        type_=sa.String(length=64),\n        existing_nullable=True,\n    )"
                );
                let _ = writeln!(
                    down,
                    "    op.alter_column(\n        '{target}',\n        'status',\n        existing_type=sa.String(length=64),\n        type_=sa.VARCHAR(length=32),\n        existing_nullable=True,\n    )"
                );
            }
        }
        _ => {
            let target = rng.pick(NOUNS);
            message = format!("backfill {target} status");
            let _ = writeln!(
                up,
                "    conn = op.get_bind()\n    conn.execute(\n        sa.text(\n            \"UPDATE {target} SET status = :status \"\n            \"WHERE status IS NULL AND created_at < :cutoff\"\n        ),\n        {{\"status\": \"active\", \"cutoff\": \"2024-01-01\"}},\n    )"
            );
            let _ = writeln!(
                up,
                "    op.create_check_constraint(\n        'ck_{target}_status', '{target}', \"status IN ('active', 'archived')\"\n    )"
            );
            let _ = writeln!(
                down,
                "    op.drop_constraint('ck_{target}_status', '{target}', type_='check')"
            );
        }
    }
    up.push_str(END);
    down.push_str(END);
    (message, up, down)
}

/// The statements of a `create_table` migration (and its downgrade).
fn create_table(rng: &mut Rng, table: &str, up: &mut String, down: &mut String) {
    let _ = writeln!(up, "    op.create_table(\n        '{table}',");
    let _ = writeln!(
        up,
        "        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),"
    );
    let columns = rng.range(4, 14);
    let mut names = Vec::new();
    for c in 0..columns {
        let name = format!("{}_{c}", rng.pick(COLUMN_NAMES));
        let ty = rng.pick(COLUMN_TYPES);
        let nullable = if rng.pct(60) { "True" } else { "False" };
        let default = if rng.pct(20) {
            ", server_default=sa.text('now()')"
        } else {
            ""
        };
        let comment = if rng.pct(25) {
            format!(", comment='{} of the {table} row'", name.replace('_', " "))
        } else {
            String::new()
        };
        let _ = writeln!(
            up,
            "        sa.Column('{name}', {ty}, nullable={nullable}{default}{comment}),"
        );
        names.push(name);
    }
    if rng.pct(40) {
        let _ = writeln!(
            up,
            "        sa.ForeignKeyConstraint(['owner_id'], ['{}.id'], ondelete='CASCADE'),",
            rng.pick(NOUNS)
        );
    }
    let _ = writeln!(up, "        sa.PrimaryKeyConstraint('id'),\n    )");
    let indexes = rng.range(0, 3);
    for col in names.iter().take(indexes) {
        let _ = writeln!(
            up,
            "    op.create_index(op.f('ix_{table}_{col}'), '{table}', ['{col}'], unique=False)"
        );
    }
    for col in names.iter().take(indexes).rev() {
        let _ = writeln!(
            down,
            "    op.drop_index(op.f('ix_{table}_{col}'), table_name='{table}')"
        );
    }
    let _ = writeln!(down, "    op.drop_table('{table}')");
}

/// The `alembic.ini` of a generated project.
pub const ALEMBIC_INI: &str = "[alembic]\nscript_location = %(here)s/alembic\npath_separator = os\nsqlalchemy.url = sqlite://\n";

/// Write a whole Alembic project (`alembic.ini`, `alembic/env.py`,
/// `alembic/script.py.mako`, `alembic/versions/*.py`) under `dir`.
pub fn write_project(dir: &Path, files: &[CorpusFile]) -> std::io::Result<()> {
    let versions = dir.join("alembic").join("versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("alembic.ini"), ALEMBIC_INI)?;
    crate::scaffold::write(dir)?;
    for file in files {
        std::fs::write(versions.join(&file.name), &file.bytes)?;
    }
    Ok(())
}
