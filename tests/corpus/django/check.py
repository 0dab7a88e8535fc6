"""Check the real-project Django corpus (manifest.json) from local clones.

Usage: python3 check.py CLONES REVGUARD [--jobs N]

For every state of the manifest: the project's migration packages (and
`apps.py` files, which may set app labels) at the state's commit are
extracted from CLONES/<owner>/<name> with `git archive`, the state's merge
migration is removed, and `revguard check --dialect django --format json`
runs on the project's root. A state with conflicts passes when revguard
names exactly those apps and leaves (and fails the check); a healthy state
passes when revguard is silent (exit 0, no finding). Prints one line per
state that does not pass, then the figures; exits 1 if any state fails.
"""

import argparse
import concurrent.futures
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile


def extract(clone, commit, root, into):
    """The state's migration packages and apps.py files under `into`."""
    specs = [f":(glob){root}/**/migrations/**", f":(glob){root}/**/apps.py"]
    if root in ("", "."):
        specs = [":(glob)**/migrations/**", ":(glob)**/apps.py"]
    archive = subprocess.run(
        ["git", "-C", clone, "archive", "--format=tar", commit, "--", *specs],
        capture_output=True,
    )
    if archive.returncode != 0:
        return archive.stderr.decode(errors="replace").strip()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return None


def check_state(revguard, clone, project, state):
    """(outcome, detail): outcome is named, silent, missed, false-alarm,
    wrong or unreadable."""
    with tempfile.TemporaryDirectory() as tmp:
        error = extract(clone, state["commit"], project["root"], tmp)
        if error:
            return "unreadable", error
        for path in state["remove"]:
            os.remove(os.path.join(tmp, path))
        run = subprocess.run(
            [
                revguard,
                "check",
                "--dialect",
                "django",
                "--user-model",
                project["user_model"],
                "--format",
                "json",
                os.path.join(tmp, project["root"]),
            ],
            capture_output=True,
            text=True,
        )
    if run.returncode not in (0, 1):
        return "wrong", run.stderr.strip()
    report = json.loads(run.stdout)
    loaded = report["loaded"]
    expected = state["conflicts"]
    others = [e.get("exception") for e in loaded["errors"] + loaded["inconsistent"]]
    if not expected:
        if run.returncode == 0 and not loaded["conflicts"] and not others:
            return "silent", ""
        return "false-alarm", json.dumps({"conflicts": loaded["conflicts"], "errors": loaded["errors"]})
    if loaded["conflicts"] == expected and run.returncode == 1:
        return "named", ""
    if not loaded["conflicts"] and not others:
        return "missed", ""
    return "wrong", json.dumps({"conflicts": loaded["conflicts"], "errors": loaded["errors"]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("clones")
    parser.add_argument("revguard")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--manifest", default=os.path.join(os.path.dirname(__file__), "manifest.json")
    )
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    tasks = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for project in manifest["projects"]:
            clone = os.path.join(args.clones, project["clone"])
            if not os.path.exists(clone):
                sys.exit(
                    f"{clone}: no clone; run `git clone {project['repository']} {clone}`"
                )
            for state in project["states"]:
                future = pool.submit(check_state, args.revguard, clone, project, state)
                tasks.append((project, state, future))
    counts = {}
    for project, state, future in tasks:
        outcome, detail = future.result()
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome not in ("named", "silent"):
            removed = ", ".join(state["remove"]) or "HEAD"
            print(f"{outcome}: {project['clone']} {state['commit'][:10]} ({removed}) {detail}")
    conflicts = sum(1 for _, s, _ in tasks if s["conflicts"])
    print(
        f"{len(manifest['projects'])} projects, {len(tasks)} states "
        f"({conflicts} with a conflict, {len(tasks) - conflicts} healthy): "
        f"{counts.get('named', 0)} conflicts named, {counts.get('silent', 0)} healthy states silent, "
        f"{counts.get('missed', 0)} missed, {counts.get('false-alarm', 0)} false alarms, "
        f"{counts.get('wrong', 0)} wrong, {counts.get('unreadable', 0)} unreadable"
    )
    bad = sum(v for k, v in counts.items() if k not in ("named", "silent"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
