"""Check the real-project corpus of SQL-file migration tools (manifest.json).

Usage: python3 check.py CLONES REVGUARD [--jobs N] [--history]

Every state of the manifest is a project (a repository, the directory
revguard is pointed at, the tool) at a pinned commit. The directory is
extracted from the clone at CLONES/<owner>/<name> (a work-tree clone or a
bare repository; its work tree is never touched) with `git archive
COMMIT:PATH`, the project's `config` files are written beside it (the
project's own tool configuration where it lives somewhere revguard does not
read, such as Spring Boot's `spring.flyway.*`), and

    revguard check --dialect TOOL --format json --deploy-safety off DIR

runs on it: the history checks only. A state expected healthy passes when
revguard exits 0 with no error-level finding; a state with a known problem
passes when revguard exits 1 with exactly the expected error-level checks
(and a state's expected `warnings` must all be reported). Other warnings
never fail a state (they are counted). A second run with the
deploy-safety lint on (`--deploy-safety warn`) counts its findings, as
information only, except where a state expects `safety_errors`: then the
lint's error-level checks must be exactly those.

Prints one line per state, the figures per tool and in all; exits 1 on any
false alarm (an unexpected error-level finding), missed problem, crash or
unreadable state.

With --history, every commit that touched a project's directory (up to its
pinned commit) is checked too, and each one with an error-level finding is
listed, to be judged by hand (a real problem then goes into the manifest
with the reason). It does not change the exit status.
"""

import argparse
import collections
import concurrent.futures
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile


def git(clone, *args):
    return subprocess.run(["git", "-C", clone, *args], capture_output=True)


def extract(clone, commit, path, into):
    """The project's directory at `commit` under `into`; an error or None."""
    tree = f"{commit}:{path}" if path not in ("", ".") else f"{commit}^{{tree}}"
    archive = git(clone, "archive", "--format=tar", tree)
    if archive.returncode != 0:
        return archive.stderr.decode(errors="replace").strip()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter=inside)
    return None


def inside(member, path):
    """tarfile's `data` filter, skipping (not failing on) a member that
    would leave the directory, such as a `.env` symlink to the repository
    root: revguard reads nothing outside the project either."""
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


def run(revguard, tool, directory, safety):
    return subprocess.run(
        [
            revguard,
            "check",
            "--dialect",
            tool,
            "--format",
            "json",
            "--deploy-safety",
            safety,
            "--jobs",
            "1",
            directory,
        ],
        capture_output=True,
        text=True,
    )


def judge(revguard, clone, project, commit, safety=True):
    """What revguard says about the project at `commit`: a dict with
    `status` (exit code, or None when the state could not be read),
    `errors` (error-level check names), `warnings` (check: count),
    `migrations`, `fails`, `safety` (severity: count) and `detail`."""
    try:
        return judge_state(revguard, clone, project, commit, safety)
    except (OSError, tarfile.TarError) as e:
        return {"status": None, "detail": f"{type(e).__name__}: {e}"}


def judge_state(revguard, clone, project, commit, safety):
    with tempfile.TemporaryDirectory() as tmp:
        directory = os.path.join(tmp, "project")
        os.makedirs(directory)
        error = extract(clone, commit, project["path"], directory)
        if error:
            return {"status": None, "detail": error}
        for name, text in project.get("config", {}).items():
            with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
                f.write(text)
        history = run(revguard, project["tool"], directory, "off")
        lint = run(revguard, project["tool"], directory, "warn") if safety else None
    out = {"status": history.returncode, "detail": history.stderr.strip()}
    if history.returncode not in (0, 1):
        return out
    try:
        report = json.loads(history.stdout)
    except json.JSONDecodeError as e:
        out["status"] = -1
        out["detail"] = f"not JSON: {e}"
        return out
    verdict = report.get("verdict", {})
    findings = verdict.get("findings", [])
    out["migrations"] = len(verdict.get("migrations", []))
    out["fails"] = verdict.get("fails")
    out["errors"] = sorted(f["check"] for f in findings if f["severity"] == "error")
    out["warnings"] = dict(
        collections.Counter(f["check"] for f in findings if f["severity"] != "error")
    )
    out["messages"] = [f["message"] for f in findings if f["severity"] == "error"]
    out["safety"] = {}
    if lint is not None and lint.returncode in (0, 1):
        try:
            safety_findings = json.loads(lint.stdout).get("safety", [])
        except json.JSONDecodeError:
            safety_findings = []
        out["safety"] = dict(collections.Counter(f["severity"] for f in safety_findings))
        out["safety_errors"] = sorted(
            f["check"] for f in safety_findings if f["severity"] == "error"
        )
    return out


def outcome(state, seen):
    """pass, false-alarm, missed, wrong, crash or unreadable."""
    if seen["status"] is None:
        return "unreadable"
    if seen["status"] not in (0, 1):
        return "crash"
    expected = sorted(state.get("errors", []))
    errors = seen["errors"]
    if any(w not in seen["warnings"] for w in state.get("warnings", [])):
        return "missed"
    if "safety_errors" in state and sorted(state["safety_errors"]) != seen.get("safety_errors"):
        return "missed" if not seen.get("safety_errors") else "wrong"
    if not expected:
        if seen["status"] == 0 and not errors and not seen["fails"]:
            return "pass"
        return "false-alarm"
    if errors == expected and seen["status"] == 1:
        return "pass"
    if not errors:
        return "missed"
    return "wrong"


def survey(pool, revguard, manifest, clones):
    """Every commit that touched each project's directory; the ones with an
    error-level finding, for a person to judge."""
    known = {(p["clone"], s["commit"]) for p in manifest["projects"] for s in p["states"]}
    tasks = []
    for project in manifest["projects"]:
        clone = os.path.join(clones, project["clone"])
        head = project["states"][0]["commit"]
        log = git(clone, "log", "--format=%H", head, "--", project["path"])
        commits = log.stdout.decode().split()
        for commit in commits:
            if (project["clone"], commit) in known:
                continue
            future = pool.submit(judge, revguard, clone, project, commit, False)
            tasks.append((project, commit, future))
    flagged = empty = migrations = warned = 0
    for project, commit, future in tasks:
        seen = future.result()
        if seen["status"] is None:
            continue
        migrations += seen.get("migrations", 0)
        if seen["status"] == 2 and " migrations found (looked for " in seen["detail"]:
            # The directory held none of the tool's migrations yet (a Prisma
            # schema before its first migration, goose's Go-only files).
            empty += 1
            continue
        if seen.get("warnings"):
            warned += 1
            print(
                f"history warning: {project['clone']} {commit[:12]} {project['tool']}: "
                + ", ".join(f"{k} x{v}" for k, v in sorted(seen["warnings"].items()))
            )
        if seen["status"] not in (0, 1) or seen.get("errors") or seen.get("fails"):
            flagged += 1
            what = "; ".join(seen.get("messages") or [seen["detail"][:300]])
            print(f"history: {project['clone']} {commit[:12]} {project['tool']}: {what}")
    print(
        f"history: {len(tasks)} more commits checked: {empty} with none of the tool's "
        f"migrations yet, {flagged} with an error-level finding, {warned} with a warning "
        f"({migrations} migrations in all)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("clones")
    parser.add_argument("revguard")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--history", action="store_true")
    parser.add_argument(
        "--manifest", default=os.path.join(os.path.dirname(__file__), "manifest.json")
    )
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    revguard = os.path.abspath(args.revguard)
    tasks = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for project in manifest["projects"]:
            clone = os.path.join(args.clones, project["clone"])
            if not os.path.exists(clone):
                sys.exit(f"{clone}: no clone; run `git clone {project['repository']} {clone}`")
            for state in project["states"]:
                future = pool.submit(judge, revguard, clone, project, state["commit"])
                tasks.append((project, state, future))
        report(tasks)
        if args.history:
            survey(pool, revguard, manifest, args.clones)
    bad = sum(1 for _, state, future in tasks if outcome(state, future.result()) != "pass")
    sys.exit(1 if bad else 0)


def report(tasks):
    counts = collections.Counter()
    tools = collections.defaultdict(lambda: collections.Counter())
    print(f"{'outcome':<11} {'tool':<14} {'project':<44} {'commit':<10} {'migr':>5} "
          f"{'errors':<28} {'warnings':<24} safety")
    for project, state, future in tasks:
        seen = future.result()
        verdict = outcome(state, seen)
        counts[verdict] += 1
        per = tools[project["tool"]]
        per["states"] += 1
        per["migrations"] += seen.get("migrations", 0)
        per["false alarms"] += verdict == "false-alarm"
        per["problems named"] += verdict == "pass" and bool(
            state.get("errors") or state.get("warnings") or state.get("safety_errors")
        )
        for severity, n in seen.get("safety", {}).items():
            per[f"safety {severity}s"] += n
        name = f"{project['clone']}:{project['path']}"
        errors = ",".join(seen.get("errors", [])) or "-"
        warnings = ",".join(f"{k}x{v}" for k, v in sorted(seen.get("warnings", {}).items())) or "-"
        safety = ",".join(f"{k}x{v}" for k, v in sorted(seen.get("safety", {}).items())) or "-"
        print(f"{verdict:<11} {project['tool']:<14} {name[-44:]:<44} {state['commit'][:10]:<10} "
              f"{seen.get('migrations', 0):>5} {errors:<28} {warnings:<24} {safety}")
        if verdict != "pass":
            detail = "; ".join(seen.get("messages") or []) or seen.get("detail", "")
            print(f"    {detail[:600]}")
    projects = collections.Counter(p["tool"] for p in {id(p): p for p, _, _ in tasks}.values())
    for tool, per in sorted(tools.items()):
        extra = ", ".join(f"{k} {v}" for k, v in sorted(per.items()) if k.startswith("safety"))
        print(f"{tool}: {projects[tool]} projects, {per['states']} states, "
              f"{per['migrations']} migrations, {per['problems named']} known problems named, "
              f"{per['false alarms']} false alarms" + (f" (lint, information: {extra})" if extra else ""))
    print(
        f"{sum(projects.values())} projects, {len(tasks)} states: "
        f"{counts['pass']} pass, {counts['false-alarm']} false alarms, {counts['missed']} missed, "
        f"{counts['wrong']} wrong, {counts['crash']} crashes, {counts['unreadable']} unreadable"
    )


if __name__ == "__main__":
    main()
