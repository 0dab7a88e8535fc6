#!/usr/bin/env python3
"""Alembic as an oracle: a long-lived process that loads Alembic projects.

Protocol: one JSON object per line on stdin, one JSON object per line on
stdout, in the same order.

Request::

    {"id": 7, "ini": "/tmp/x/case-7/alembic.ini"}        # a real project
    {"id": 7, "ini": "...", "section": "alembic"}         # optional ini section
    {"id": 0, "op": "version"}                            # handshake

Response (a load that succeeded)::

    {"id": 7, "heads": [...], "real_heads": [...], "bases": [...],
     "real_bases": [...], "warnings": [...], "error": null,
     "upgrade_head": "ok" | "<exception class>: <message>",
     "upgrade_heads": "ok" | "<exception class>: <message>"}

Response (Alembic raised while loading)::

    {"id": 7, "heads": null, ..., "warnings": [...],
     "error": {"kind": "KeyError", "message": "'z'"}}

``heads``/``real_heads``/``bases``/``real_bases`` are Alembic's own tuples
(``RevisionMap.heads``, ``._real_heads``, ``.bases``, ``._real_bases``), in
load order, duplicates (phantom heads) included. ``warnings`` are the
UserWarning texts, once per distinct text, in first-emitted order (what
Python's default warning filter prints for warnings raised from one call
site). ``error.message`` is ``str(exception)``; for a KeyError that is the
repr of the key.

Isolation between cases: Alembic imports every revision file with
``importlib.util.spec_from_file_location(module_id, path)`` +
``module_from_spec`` + ``exec_module`` (``alembic.util.pyfiles.
load_module_py``). The module id is the file name with ``\\W`` replaced by
``_``, so two cases with a file ``a.py`` get the same module id, but the
module is never put into ``sys.modules``, so nothing is cached by name.
What *could* leak is the bytecode cache (``__pycache__/*.pyc`` keyed by
source mtime and size): ``sys.dont_write_bytecode`` is set so no ``.pyc`` is
ever written, and each case is a fresh directory anyway. Every case builds a
fresh ``Config`` and ``ScriptDirectory`` (the revision map is memoized on the
ScriptDirectory). Whatever a revision file prints goes to stderr, so stdout
carries only protocol lines.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
import warnings

sys.dont_write_bytecode = True

try:
    import alembic
    import sqlalchemy
    from alembic.config import Config
    from alembic.script import ScriptDirectory
except Exception as exc:  # pragma: no cover - reported to the harness
    sys.stdout.write(json.dumps({"fatal": f"cannot import alembic: {exc!r}"}) + "\n")
    sys.stdout.flush()
    sys.exit(3)


def describe(exc: BaseException) -> dict:
    return {"kind": type(exc).__name__, "message": str(exc)}


class OracleTimeout(Exception):
    """Alembic did not finish in time (its traversal can loop forever)."""


def _alarm(signum, frame):
    raise OracleTimeout("alembic did not finish within the time limit")


def with_timeout(seconds: float, fn):
    """Run fn() but raise OracleTimeout after `seconds` (SIGALRM, main thread)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Seconds allowed for one `upgrade head(s)` computation. Alembic 1.20.1's
# RevisionMap._topological_sort loops forever on some graphs (found by the
# generator); such an outcome is reported as "OracleTimeout: ...".
UPGRADE_TIMEOUT = float(os.environ.get("REVGUARD_ORACLE_UPGRADE_TIMEOUT", "2"))


def outcome(fn) -> str:
    try:
        with_timeout(UPGRADE_TIMEOUT, fn)
    except Exception as exc:  # noqa: BLE001 - any failure is an outcome
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def load(request: dict) -> dict:
    config = Config(request["ini"], ini_section=request.get("section", "alembic"))
    response: dict = {
        "heads": None,
        "real_heads": None,
        "bases": None,
        "real_bases": None,
        "error": None,
        "upgrade_head": None,
        "upgrade_heads": None,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            script = ScriptDirectory.from_config(config)
            rmap = script.revision_map
            # The first access builds the whole map (and raises, if it does).
            response["heads"] = list(rmap.heads)
            response["real_heads"] = list(rmap._real_heads)
            response["bases"] = list(rmap.bases)
            response["real_bases"] = list(rmap._real_bases)
        except Exception as exc:  # noqa: BLE001 - the error is the answer
            response["error"] = describe(exc)
            if request.get("traceback"):
                response["traceback"] = traceback.format_exc()
        else:
            # What `alembic upgrade head --sql` / `upgrade heads --sql` would
            # compute from an empty database (command.upgrade -> _upgrade_revs).
            response["upgrade_head"] = outcome(lambda: script._upgrade_revs("head", None))
            response["upgrade_heads"] = outcome(lambda: script._upgrade_revs("heads", None))
    seen: list[str] = []
    for w in caught:
        if w.category is not UserWarning:
            continue  # SyntaxWarning from a revision file etc. are not Alembic's
        text = str(w.message)
        if text not in seen:
            seen.append(text)
    response["warnings"] = seen
    return response


def main() -> int:
    out = sys.stdout
    # Anything a revision file prints must not corrupt the protocol.
    sys.stdout = sys.stderr
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        if request.get("op") == "version":
            response = {
                "alembic": alembic.__version__,
                "sqlalchemy": sqlalchemy.__version__,
                "python": sys.version.split()[0],
                "hashseed": os.environ.get("PYTHONHASHSEED"),
            }
        else:
            try:
                response = load(request)
            except BaseException as exc:  # noqa: BLE001 - never die mid-batch
                response = {"oracle_error": "".join(traceback.format_exception(exc))}
        response["id"] = request.get("id")
        out.write(json.dumps(response) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
