"""Compile oracle for the syntax differential test (tests/syntax).

Usage: pythonX.Y compile_oracle.py DIR

Compiles every *.py file in DIR exactly the way Alembic's import does
(importlib's SourceFileLoader: compile(source_bytes, path, "exec",
dont_inherit=True)) and prints one JSON array of [name, ok, message], sorted
by name. Warnings (SyntaxWarning, DeprecationWarning for invalid escapes)
are ignored: they do not stop an import. Any exception means the import
fails, so it counts as "does not compile".
"""
import json
import os
import sys
import warnings


def verdict(path):
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except BaseException as exc:  # noqa: BLE001 - every failure fails the import
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", None) or str(exc)
        where = f" (line {line})" if line else ""
        return False, f"{type(exc).__name__}: {message}{where}"
    return True, ""


def main():
    directory = sys.argv[1]
    results = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            ok, message = verdict(os.path.join(directory, name))
            results.append([name, ok, message])
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
