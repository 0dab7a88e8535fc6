#!/usr/bin/env bash
# Create the repo-root .venv with the pinned Alembic used as the oracle of the
# differential tests (tests/differential). Idempotent: a venv that already has
# the pinned versions is left alone.
#
#   tests/oracle/setup-venv.sh            # creates <repo>/.venv
#   VENV=/some/dir tests/oracle/setup-venv.sh
#
# Afterwards `cargo test -p revguard --test differential` finds
# <repo>/.venv/bin/python on its own (or set REVGUARD_PYTHON).
set -euo pipefail

ALEMBIC_VERSION=1.20.1
SQLALCHEMY_VERSION=2.1.9
# The deploy-safety oracle (tests/safety): the squawk CLI of the release the
# core's squawk-linter is pinned to.
SQUAWK_VERSION=2.68.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${VENV:-$root/.venv}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then
            python="$candidate"
            break
        fi
    done
fi
if [[ -z "$python" ]]; then
    echo "setup-venv: no python3 found (Alembic $ALEMBIC_VERSION needs Python >= 3.10)" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    echo "setup-venv: $("$python" --version 2>&1) is too old; Alembic $ALEMBIC_VERSION needs >= 3.10" >&2
    exit 1
fi

check() {
    "$venv/bin/python" - "$ALEMBIC_VERSION" "$SQLALCHEMY_VERSION" <<'PY' >/dev/null 2>&1 || return 1
import sys
import alembic, sqlalchemy
sys.exit(0 if (alembic.__version__, sqlalchemy.__version__) == (sys.argv[1], sys.argv[2]) else 1)
PY
    [[ "$("$venv/bin/squawk" --version 2>/dev/null)" == "squawk $SQUAWK_VERSION" ]]
}

if [[ -x "$venv/bin/python" ]] && check; then
    echo "setup-venv: $venv already has alembic==$ALEMBIC_VERSION sqlalchemy==$SQLALCHEMY_VERSION squawk-cli==$SQUAWK_VERSION"
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup-venv: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "alembic==$ALEMBIC_VERSION" "sqlalchemy==$SQLALCHEMY_VERSION" "squawk-cli==$SQUAWK_VERSION"
if ! check; then
    echo "setup-venv: installed, but alembic/sqlalchemy/squawk versions do not match the pins" >&2
    exit 1
fi
echo "setup-venv: ok ($("$venv/bin/python" -c 'import alembic, sqlalchemy; print("alembic", alembic.__version__, "sqlalchemy", sqlalchemy.__version__)'))"
