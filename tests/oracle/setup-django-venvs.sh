#!/usr/bin/env bash
# Create the two Django oracle venvs of the Django differential suite
# (tests/django): Django 5.2 LTS and the newest release. Idempotent: a venv
# that already has its pinned Django is left alone.
#
#   tests/oracle/setup-django-venvs.sh          # creates <repo>/target/django-venvs/{lts,latest}
#   VENVS=/some/dir tests/oracle/setup-django-venvs.sh
#
# The newest Django needs Python >= 3.12: the script looks for python3.14,
# python3.13 or python3.12 on PATH, then in pyenv's versions directory
# ($PYENV_ROOT or ~/.pyenv). Afterwards `cargo test -p revguard --test django`
# finds the venvs on its own (or set REVGUARD_DJANGO_VENVS).
set -euo pipefail

DJANGO_LTS=5.2.19
DJANGO_LATEST=6.1.3
# PostgreSQL's driver, for the deploy-safety differential (`sqlmigrate` on a
# real PostgreSQL: Django's schema editor reads constraint names from it).
PSYCOPG=3.3.9

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venvs="${VENVS:-$root/target/django-venvs}"
mkdir -p "$venvs"

# A Python whose version is at least 3.<minor>.
find_python() {
    local minor=$1 candidate
    local candidates=("${PYTHON:-}" python3.14 python3.13 python3.12 python3)
    local pyenv="${PYENV_ROOT:-$HOME/.pyenv}/versions"
    if [ -d "$pyenv" ]; then
        for dir in $(ls -r "$pyenv"); do candidates+=("$pyenv/$dir/bin/python3"); done
    fi
    for candidate in "${candidates[@]}"; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c "import sys; sys.exit(0 if sys.version_info >= (3, $minor) else 1)" 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

make_venv() {
    local name=$1 version=$2 minor=$3 venv="$venvs/$1" python
    if [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -c "import django, psycopg, sys; sys.exit(django.__version__ != '$version' or psycopg.__version__ != '$PSYCOPG')" 2>/dev/null; then
        echo "setup-django-venvs: $venv already has django==$version"
        return 0
    fi
    if ! python=$(find_python "$minor"); then
        echo "setup-django-venvs: no Python >= 3.$minor found for django==$version" >&2
        return 1
    fi
    echo "setup-django-venvs: creating $venv with $("$python" --version 2>&1)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "django==$version" "psycopg[binary]==$PSYCOPG"
    "$venv/bin/python" -c "import django, psycopg, sys; sys.exit(django.__version__ != '$version')"
    echo "setup-django-venvs: ok ($venv: django $version)"
}

make_venv lts "$DJANGO_LTS" 10
make_venv latest "$DJANGO_LATEST" 12
