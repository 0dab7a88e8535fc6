#!/usr/bin/env bash
# Django rows of BENCHMARKS.md: `revguard check --dialect django` against
# Django's own MigrationLoader on 1,000 generated migrations in 10 apps.
#
#   bash tests/bench/django.sh [PYTHON]      (or `just bench-django`)
#   REVGUARD_BIN=path/to/revguard bash tests/bench/django.sh   (no build)
#
# PYTHON is a Python with Django installed (default:
# $REVGUARD_DJANGO_VENVS/latest/bin/python, else target/django-venvs/latest,
# which tests/oracle/setup-django-venvs.sh creates).
#
# The baseline is what any Django check of the graph pays at least: Python
# starts, Django is set up with a throwaway settings module (the generated
# apps in INSTALLED_APPS, an in-memory SQLite database) and
# `MigrationLoader(None, ignore_no_migrations=True)` imports every migration
# and builds the graph. revguard (release build, wasm engine, every core, its
# own cache directory): cold = the result cache emptied before each run
# (every file parsed and validated; the compiled guest stays cached, as it
# is on any machine that ran revguard once), warm = every file's facts from
# the result cache. hyperfine, warmup 2.
# Needs: hyperfine, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
python="${1:-${REVGUARD_DJANGO_VENVS:-target/django-venvs}/latest/bin/python}"
"$python" -c "import django" || { echo "$python does not import django" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }
# REVGUARD_BIN: time that binary instead of building the release one.
rg="${REVGUARD_BIN:-}"
if [ -z "$rg" ]; then
    cargo build --locked --release
    rg="$PWD/target/release/revguard"
fi
out="target/bench-django"
rm -rf "$out" && mkdir -p "$out/project"
project="$PWD/$out/project"

python3 - "$project" <<'PY'
import os, sys
root = sys.argv[1]
apps, per_app = 10, 100
labels = [f"app{a:02d}" for a in range(apps)]
body = '''from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
{deps}    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="field_{n:04d}",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]
'''
first = '''from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Record",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("owner", models.ForeignKey(on_delete=models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
'''
for a, label in enumerate(labels):
    pkg = os.path.join(root, label)
    os.makedirs(os.path.join(pkg, "migrations"))
    open(os.path.join(pkg, "__init__.py"), "w").close()
    open(os.path.join(pkg, "migrations", "__init__.py"), "w").close()
    with open(os.path.join(pkg, "models.py"), "w") as f:
        f.write("")
    names = []
    for n in range(per_app):
        name = f"{n + 1:04d}_initial" if n == 0 else f"{n + 1:04d}_record_field_{n:04d}"
        if n == 0:
            text = first
        else:
            deps = f"        (\"{label}\", \"{names[-1]}\"),\n"
            # Every tenth migration also depends on the previous app's.
            if a > 0 and n % 10 == 0:
                prev = labels[a - 1]
                deps += f"        (\"{prev}\", \"{n + 1:04d}_record_field_{n:04d}\"),\n"
            text = body.format(deps=deps, n=n)
        names.append(name)
        with open(os.path.join(pkg, "migrations", name + ".py"), "w") as f:
            f.write(text)
with open(os.path.join(root, "bench_settings.py"), "w") as f:
    f.write(
        "SECRET_KEY = 'bench'\n"
        "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', "
        + ", ".join(repr(l) for l in labels)
        + "]\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n"
        "USE_TZ = True\n"
    )
# manage.py names the settings, as in any Django project: revguard reads the
# literal ENGINE there (SQLite), so the deploy-safety lint is off, as it is
# for any project whose database is not PostgreSQL.
with open(os.path.join(root, "manage.py"), "w") as f:
    f.write(
        "import os\nimport sys\n\n"
        "if __name__ == '__main__':\n"
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench_settings')\n"
        "    from django.core.management import execute_from_command_line\n"
        "    execute_from_command_line(sys.argv)\n"
    )
PY
# The same project on PostgreSQL (`[safety] database`): the deploy-safety
# lint replays every operation and lints its SQL.
rm -rf "$out/project-pg" && cp -r "$project" "$out/project-pg"
project_pg="$PWD/$out/project-pg"
printf '[safety]\ndatabase = "postgresql"\n' > "$project_pg/revguard.toml"

loader="import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'bench_settings'; django.setup(); from django.db.migrations.loader import MigrationLoader; MigrationLoader(None, ignore_no_migrations=True)"
# Both must agree the graph is healthy before anything is timed.
(cd "$project" && PYTHONDONTWRITEBYTECODE=1 "$python" -c "$loader")
export REVGUARD_CACHE_DIR="$PWD/$out/cache"
"$rg" check --dialect django "$project" > /dev/null
"$rg" check --dialect django "$project_pg" > /dev/null
# A warm result cache for the warm run (the compiled guest is cached too).
"$rg" check --dialect django "$project" > /dev/null

# The pack that holds Django's cached verdicts (the whole-project step),
# found by the namespace stored in it.
verdict_pack=$(python3 - "$REVGUARD_CACHE_DIR" <<'PY'
import glob, sqlite3, sys
for path in glob.glob(sys.argv[1] + "/facts-*.pack"):
    db = sqlite3.connect(path)
    (namespace,) = db.execute("SELECT value FROM meta WHERE name = 'namespace'").fetchone()
    if namespace.endswith(" verdict django"):
        print(path)
PY
)
[ -n "$verdict_pack" ] || { echo "no verdict pack in $REVGUARD_CACHE_DIR" >&2; exit 1; }

# One --prepare per command, in order: the cold run empties the result cache
# (its packs), keeping the compiled guest; "facts warm" removes only the
# verdict pack (every file's facts cached, Django's graph built anew: the
# run after a change that leaves the facts alone, and the floor of any run
# whose project changed); "warm" runs an unchanged project; the PostgreSQL
# copy runs cold, with the deploy-safety lint.
hyperfine --warmup 2 --min-runs 10 --style basic --export-json "$out/hyperfine.json" \
    --prepare true --prepare "rm -f '$REVGUARD_CACHE_DIR'/facts-*.pack*" \
    --prepare "rm -f '$verdict_pack'*" --prepare true \
    --prepare "rm -f '$REVGUARD_CACHE_DIR'/facts-*.pack*" \
    -n "Django MigrationLoader" "cd '$project' && PYTHONDONTWRITEBYTECODE=1 '$python' -c \"$loader\"" \
    -n "revguard cold" "'$rg' check --dialect django '$project'" \
    -n "revguard facts warm" "'$rg' check --dialect django '$project'" \
    -n "revguard warm" "'$rg' check --dialect django '$project'" \
    -n "revguard cold, PostgreSQL" "'$rg' check --dialect django '$project_pg'" | tee "$out/hyperfine.log"

python3 - "$out/hyperfine.json" "$("$python" -c 'import django; print(django.__version__)')" <<'PY'
import json, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = runs["Django MigrationLoader"]["mean"]
print(f"\n1,000 Django migrations in 10 apps (Django {sys.argv[2]}):\n")
print("| command | mean | σ | vs Django's loader | target |")
print("| --- | --- | --- | --- | --- |")
for name, target in [("Django MigrationLoader", ""), ("revguard cold", "≥ 10 ×"), ("revguard facts warm", ""), ("revguard warm", "≥ 30 ×"), ("revguard cold, PostgreSQL", "")]:
    r = runs[name]
    ratio = "1 ×" if name.startswith("Django") else f"{base / r['mean']:.1f} ×"
    print(f"| {name} | {r['mean'] * 1000:.1f} ms | {r['stddev'] * 1000:.1f} ms | {ratio} | {target} |")
PY

# The same project's phases in-process (criterion): the reader, and Django's
# semantics natively and in the guest. REVGUARD_BENCH_CRITERION=0 skips it.
if [ "${REVGUARD_BENCH_CRITERION:-1}" != 0 ]; then
    cargo bench --locked -p revguard --bench django
fi
