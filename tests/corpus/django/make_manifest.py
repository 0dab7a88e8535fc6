"""Write the states of the real-project Django corpus (manifest.json).

Usage: python3 make_manifest.py CLONES > manifest.json

CLONES holds one clone per project at CLONES/<owner>/<name> (see README.md).
For every project in PROJECTS: its pinned HEAD (healthy: revguard must be
silent), and every commit that added a merge migration
(`<app>/migrations/NNNN_merge*.py`) under the project's root. Removing that
merge migration from its commit brings the conflict it resolved back: the
app's leaves are the merge migration's own dependencies, which is what
`makemigrations --merge` listed when it wrote it. Only the manifest is
committed; the projects' files stay in their repositories.
"""

import json
import re
import subprocess
import sys

# repository, pinned HEAD, the Django project's root inside it, its
# AUTH_USER_MODEL.
# (wagtail is not here: its migrations depend on
# `swappable_dependency(settings.WAGTAIL_PAGE_MODEL)`, a setting revguard
# cannot know, so it reports `dynamic-value` instead of guessing.)
PROJECTS = [
    ("saleor/saleor", "723cd4eba8", "saleor", "account.User"),
    ("netbox-community/netbox", "43fe81f9e8", "netbox", "users.User"),
    ("healthchecks/healthchecks", "29b5ec2510", "hc", "auth.User"),
]

MERGE = re.compile(r"(^|/)migrations/[0-9]+_merge[^/]*\.py$")
PAIR = re.compile(r"""\(\s*(['"])([^'"]+)\1\s*,\s*(['"])([^'"]+)\3\s*,?\s*\)""")


def git(clone, *args, check=True):
    return subprocess.run(
        ["git", "-C", clone, *args], check=check, capture_output=True, text=True
    ).stdout


def dependencies(text):
    """The (app, name) pairs of `dependencies = [...]`."""
    start = text.find("dependencies")
    if start < 0:
        return []
    end = text.find("]", start)
    return [(m.group(2), m.group(4)) for m in PAIR.finditer(text[start:end])]


def referenced(clone, commit, folder, name, merge):
    """Whether a migration in `folder` other than `merge` and `name` itself
    mentions `name`."""
    users = git(clone, "grep", "-l", "-F", name, commit, "--", folder, check=False)
    own = f"{folder}/{name}.py"
    return any(
        not (line.endswith(":" + merge) or line.endswith(":" + own))
        for line in users.splitlines()
    )


def states(clone, head, root):
    head = git(clone, "rev-parse", head).strip()
    out = [{"commit": head, "remove": [], "conflicts": {}}]
    # A mirror may lack a few large blobs of old commits: what git could
    # read is used (a state whose files cannot be read is left out below).
    log = git(
        clone,
        "log",
        "--diff-filter=A",
        "--format=commit %H",
        "--name-only",
        head,
        "--",
        root,
        check=False,
    )
    commit = None
    found = []
    for line in log.splitlines():
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line and MERGE.search(line):
            found.append((commit, line))
    for commit, path in sorted(found, key=lambda f: f[1]):
        text = git(clone, "show", f"{commit}:{path}", check=False)
        pairs = dependencies(text)
        apps = {app for app, _ in pairs}
        if len(apps) != 1 or len(pairs) < 2:
            continue  # not a plain merge of one app's leaves
        app = apps.pop()
        # A commit that also adds migrations on top of the merge (a branch
        # merged with its later work) has no state without the merge: its
        # removal is a missing parent there, not the old conflict.
        name = path.rsplit("/", 1)[1][: -len(".py")]
        users = git(clone, "grep", "-l", "-F", name, commit, "--", root, check=False)
        if any(not line.endswith(":" + path) for line in users.splitlines()):
            continue
        # Each merged migration must be a leaf without the merge (nothing
        # else built on it yet), so the conflict is exactly the merge's
        # dependencies.
        folder = path.rsplit("/", 1)[0]
        if any(referenced(clone, commit, folder, dep, path) for _, dep in pairs):
            continue
        out.append(
            {
                "commit": commit,
                "remove": [path],
                "conflicts": {app: sorted(name for _, name in pairs)},
            }
        )
    return out


def main():
    clones = sys.argv[1]
    manifest = {"projects": []}
    for repo, head, root, user_model in PROJECTS:
        clone = f"{clones}/{repo}"
        manifest["projects"].append(
            {
                "repository": f"https://github.com/{repo}",
                "clone": repo,
                "root": root,
                "user_model": user_model,
                "states": states(clone, head, root),
            }
        )
    json.dump(manifest, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
