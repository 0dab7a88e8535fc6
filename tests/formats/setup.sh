#!/usr/bin/env bash
# Install the outside tools the `formats` test suite drives for real:
#   - graphviz (`dot`)           renders `revguard graph --format dot`
#   - pre-commit (PyPI, pinned)  runs .pre-commit-hooks.yaml in a temp git repo
#   - maturin (PyPI, pinned)     builds the wheel that is installed into a fresh venv
# Idempotent. Python tools go into their own venv (default <repo>/target/formats-tools,
# override with TOOLS_VENV); the suite finds it there, or set REVGUARD_TOOLS_VENV.
#
#   bash tests/formats/setup.sh
#   CI=true cargo test -p revguard --test formats   # under CI a missing tool fails
set -euo pipefail

PRE_COMMIT_VERSION=4.7.0
MATURIN_VERSION=1.16.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TOOLS_VENV:-$root/target/formats-tools}"

if ! command -v dot >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]]; then
        echo "formats/setup: installing graphviz"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
    else
        echo "formats/setup: graphviz missing; run: sudo apt-get install -y graphviz" >&2
        exit 1
    fi
fi

python="${PYTHON:-$(command -v python3 || command -v python)}"
if [[ -z "$python" ]]; then
    echo "formats/setup: no python3 found" >&2
    exit 1
fi
if [[ ! -x "$venv/bin/python" ]]; then
    echo "formats/setup: creating $venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pre-commit==$PRE_COMMIT_VERSION" "maturin==$MATURIN_VERSION"
echo "formats/setup: ok ($(dot -V 2>&1); pre-commit $("$venv/bin/pre-commit" --version | cut -d' ' -f2); maturin $("$venv/bin/maturin" --version | cut -d' ' -f2))"
