//! Seeded Alembic migrations whose `upgrade()` uses the `op.*` calls the
//! deploy-safety lint translates, with varied literal arguments.

use revguard_test_support::generate::Rng;

const TABLES: &[&str] = &["users", "orders", "accounts", "user", "Events", "audit_log"];
const COLUMNS: &[&str] = &[
    "email",
    "name",
    "amount",
    "status",
    "created_at",
    "order",
    "Total",
];
const TYPES: &[&str] = &[
    "sa.Integer()",
    "sa.BigInteger()",
    "sa.SmallInteger()",
    "sa.String()",
    "sa.String(50)",
    "sa.Text()",
    "sa.Boolean()",
    "sa.DateTime()",
    "sa.DateTime(timezone=True)",
    "sa.Date()",
    "sa.Numeric(10, 2)",
    "sa.Float()",
    "sa.CHAR(3)",
    "sa.JSON()",
    "postgresql.JSONB()",
    "sa.Uuid()",
    "sa.LargeBinary()",
    "sa.Time()",
    "sa.Interval()",
    "sa.Integer",
    "sa.Unicode(20)",
];
const DEFAULTS: &[&str] = &["'0'", "'x'", "sa.text('now()')", "sa.text('0')", "'false'"];
const EXECUTE: &[&str] = &[
    "UPDATE users SET status = 'a'",
    "DROP TABLE old_stuff",
    "CREATE INDEX ix_raw ON users (email)",
    "ALTER TABLE users ADD COLUMN raw text",
    "SET lock_timeout = '2s'",
    "SET statement_timeout = '5s'",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
    "TRUNCATE users CASCADE",
    "CREATE TABLE t_raw (id bigint PRIMARY KEY)",
    "ALTER TABLE users ADD CONSTRAINT ck_raw CHECK (amount > 0) NOT VALID",
    "SELECT 1",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

fn q(name: &str) -> String {
    format!("'{name}'")
}

fn names(rng: &mut Rng) -> String {
    let n = rng.range(1, 2);
    let mut cols: Vec<String> = (0..n).map(|_| q(pick(rng, COLUMNS))).collect();
    cols.dedup();
    format!("[{}]", cols.join(", "))
}

fn column(rng: &mut Rng, name: &str) -> String {
    let mut out = format!("sa.Column({}, {}", q(name), pick(rng, TYPES));
    if rng.pct(20) {
        out.push_str(", sa.ForeignKey('accounts.id'");
        if rng.pct(50) {
            out.push_str(", ondelete='CASCADE'");
        }
        out.push(')');
    }
    if rng.pct(50) {
        out.push_str(&format!(
            ", nullable={}",
            if rng.pct(50) { "False" } else { "True" }
        ));
    }
    if rng.pct(35) {
        out.push_str(&format!(", server_default={}", pick(rng, DEFAULTS)));
    }
    if rng.pct(10) {
        out.push_str(", unique=True");
    }
    if rng.pct(10) {
        out.push_str(", index=True");
    }
    out.push(')');
    out
}

fn flag(rng: &mut Rng, name: &str, percent: u32) -> String {
    if rng.pct(percent) {
        format!(", {name}=True")
    } else {
        String::new()
    }
}

fn create_table(rng: &mut Rng) -> String {
    let table = pick(rng, TABLES);
    let id_type = pick(rng, &["sa.Integer()", "sa.BigInteger()", "sa.Uuid()"]);
    let mut items = vec![if rng.pct(50) {
        format!("sa.Column('id', {id_type}, primary_key=True)")
    } else {
        format!("sa.Column('id', {id_type}, nullable=False)")
    }];
    for _ in 0..rng.range(0, 3) {
        let name = pick(rng, COLUMNS);
        if !items.iter().any(|i| i.contains(&format!("'{name}'"))) {
            items.push(column(rng, name));
        }
    }
    if !items[0].contains("primary_key") {
        items.push("sa.PrimaryKeyConstraint('id')".into());
    }
    if rng.pct(20) {
        items.push("sa.CheckConstraint('id > 0', name='ck_id')".into());
    }
    format!("op.create_table({}, {})", q(table), items.join(", "))
}

fn create_index(rng: &mut Rng, batch: bool) -> String {
    let mut out = if batch {
        format!("batch_op.create_index('ix_gen', {}", names(rng))
    } else {
        format!(
            "op.create_index('ix_gen', {}, {}",
            q(pick(rng, TABLES)),
            names(rng)
        )
    };
    out.push_str(&flag(rng, "unique", 30));
    out.push_str(&flag(rng, "postgresql_concurrently", 50));
    out.push_str(&flag(rng, "if_not_exists", 15));
    if rng.pct(15) {
        out.push_str(", postgresql_where=sa.text('amount > 0')");
    }
    out.push(')');
    out
}

fn alter_column(rng: &mut Rng, prefix: &str) -> String {
    let mut out = format!("{prefix}, {}", q(pick(rng, COLUMNS)));
    let mut any = false;
    if rng.pct(40) {
        out.push_str(&format!(", type_={}", pick(rng, TYPES)));
        any = true;
    }
    if rng.pct(40) || !any {
        out.push_str(&format!(
            ", nullable={}",
            if rng.pct(50) { "False" } else { "True" }
        ));
    }
    if rng.pct(25) {
        out.push_str(&format!(
            ", server_default={}",
            pick(rng, &["'1'", "None", "sa.text('now()')"])
        ));
    }
    if rng.pct(15) {
        out.push_str(", new_column_name='renamed'");
    }
    out.push(')');
    out
}

/// One `op.*` call (top level, `op.`).
fn op_call(rng: &mut Rng) -> String {
    let table = q(pick(rng, TABLES));
    let col = q(pick(rng, COLUMNS));
    match rng.below(15) {
        0 => create_table(rng),
        1 | 2 => {
            let name = pick(rng, COLUMNS);
            format!("op.add_column({table}, {})", column(rng, name))
        }
        3 => format!("op.drop_column({table}, {col})"),
        4 => alter_column(rng, &format!("op.alter_column({table}")),
        5 | 6 => create_index(rng, false),
        7 => {
            let mut out = format!("op.drop_index('ix_gen', table_name={table}");
            out.push_str(&flag(rng, "postgresql_concurrently", 50));
            out.push_str(&flag(rng, "if_exists", 30));
            out + ")"
        }
        8 => format!(
            "op.create_unique_constraint('uq_gen', {table}, {})",
            names(rng)
        ),
        9 => {
            let mut out =
                format!("op.create_foreign_key('fk_gen', {table}, 'accounts', [{col}], ['id']");
            if rng.pct(40) {
                out.push_str(", ondelete='CASCADE'");
            }
            out.push_str(&flag(rng, "postgresql_not_valid", 40));
            out + ")"
        }
        10 => {
            let mut out = format!("op.create_check_constraint('ck_gen', {table}, 'amount > 0'");
            out.push_str(&flag(rng, "postgresql_not_valid", 40));
            out + ")"
        }
        11 => format!("op.create_primary_key('pk_gen', {table}, ['id'])"),
        12 => format!("op.drop_constraint('uq_gen', {table}, type_='unique')"),
        13 => match rng.below(2) {
            0 => format!("op.drop_table({table})"),
            _ => format!("op.rename_table({table}, 'renamed_table')"),
        },
        _ => format!("op.execute({:?})", pick(rng, EXECUTE)),
    }
}

/// A `batch_alter_table` block.
fn batch_block(rng: &mut Rng, indent: &str) -> String {
    let table = q(pick(rng, TABLES));
    let mut out = format!("{indent}with op.batch_alter_table({table}) as batch_op:\n");
    for _ in 0..rng.range(1, 3) {
        let call = match rng.below(5) {
            0 => {
                let name = pick(rng, COLUMNS);
                format!("batch_op.add_column({})", column(rng, name))
            }
            1 => alter_column(rng, "batch_op.alter_column("),
            2 => format!("batch_op.drop_column({})", q(pick(rng, COLUMNS))),
            3 => create_index(rng, true),
            _ => format!("batch_op.create_unique_constraint('uq_b', {})", names(rng)),
        };
        out.push_str(&format!(
            "{indent}    {}\n",
            call.replace("alter_column(, ", "alter_column(")
        ));
    }
    out
}

/// The body of one `upgrade()`.
pub fn upgrade_body(rng: &mut Rng) -> String {
    let mut body = String::new();
    for _ in 0..rng.range(1, 4) {
        match rng.below(10) {
            0 => body.push_str(&batch_block(rng, "    ")),
            1 => {
                body.push_str("    with op.get_context().autocommit_block():\n");
                for _ in 0..rng.range(1, 2) {
                    let call = if rng.pct(60) {
                        create_index(rng, false)
                    } else {
                        op_call(rng)
                    };
                    body.push_str(&format!("        {call}\n"));
                }
            }
            _ => body.push_str(&format!("    {}\n", op_call(rng))),
        }
    }
    body
}

/// A migration file.
pub fn migration(revision: &str, down: &str, body: &str) -> String {
    format!(
        "\"\"\"generated\n\nRevision ID: {revision}\nRevises: {down}\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n\nrevision = {revision:?}\ndown_revision = {down:?}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{body}\n\ndef downgrade():\n    pass\n"
    )
}
