//! The files of a real Alembic project besides its revisions and
//! `alembic.ini`: `alembic/env.py` and Alembic's generic
//! `alembic/script.py.mako`. One copy for every suite and corpus
//! ([`crate::generate`] for differential tests, [`crate::corpus`] for
//! benchmarks), so `alembic heads` runs the same project shape everywhere.

use std::path::Path;

/// `alembic/env.py`: enough for `alembic heads` (which never connects).
pub const ENV_PY: &str = r#"from alembic import context

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise SystemExit("offline (--sql) only")
"#;

/// Alembic 1.20's generic `script.py.mako` (what generated revisions are
/// rendered from).
pub const SCRIPT_MAKO: &str = r#""""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
"#;

/// Both files: path (relative to the project root) and text.
pub fn files() -> [(&'static str, &'static str); 2] {
    [
        ("alembic/env.py", ENV_PY),
        ("alembic/script.py.mako", SCRIPT_MAKO),
    ]
}

/// Write both files under the project root `dir`.
pub fn write(dir: &Path) -> std::io::Result<()> {
    for (path, text) in files() {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}
