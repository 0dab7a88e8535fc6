//! In-process Django benchmarks (`cargo bench -p revguard --bench django`,
//! also run by `just bench-django`): the project `tests/bench/django.sh`
//! times whole-process (1,000 migrations in 10 apps, a chain per app, every
//! tenth migration also depending on the previous app's, a swappable
//! user-model dependency in each app's first), split into its phases:
//!
//! - `read`: every module's facts, natively (Ruff's parser and the reader);
//! - `load/native`: Django's semantics on the facts (`django::load`);
//! - `load/guest`: the same through the guest ABI, in a fresh wasmtime
//!   instance with fuel and the memory cap, as the CLI runs it (the JSON
//!   project in, the JSON verdict out).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use revguard::sandbox;
use revguard_core::dialect::django::{self, App, Migration, Project};
use revguard_core::python::PythonVersion;
use revguard_test_support::cache;

const APPS: usize = 10;
const PER_APP: usize = 100;

/// The name of migration `n` (0-based) of every app.
fn name(n: usize) -> String {
    if n == 0 {
        "0001_initial".to_owned()
    } else {
        format!("{:04}_record_field_{n:04}", n + 1)
    }
}

/// The module text of migration `n` of app `a`.
fn module(a: usize, n: usize) -> String {
    if n == 0 {
        return "from django.conf import settings\nfrom django.db import migrations, models\n\n\n\
                class Migration(migrations.Migration):\n\n    initial = True\n\n    \
                dependencies = [\n        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ]\n\n    \
                operations = [\n        migrations.CreateModel(\n            name=\"Record\",\n            \
                fields=[(\"id\", models.BigAutoField(auto_created=True, primary_key=True))],\n        ),\n    ]\n"
            .to_owned();
    }
    let mut deps = format!("        (\"app{a:02}\", \"{}\"),\n", name(n - 1));
    if a > 0 && n.is_multiple_of(10) {
        deps.push_str(&format!(
            "        (\"app{:02}\", \"{}\"),\n",
            a - 1,
            name(n)
        ));
    }
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n    \
         dependencies = [\n{deps}    ]\n\n    operations = [\n        migrations.AddField(\n            \
         model_name=\"record\",\n            name=\"field_{n:04}\",\n            \
         field=models.CharField(blank=True, default=\"\", max_length=100),\n        ),\n    ]\n"
    )
}

fn sources() -> Vec<Vec<(String, Vec<u8>)>> {
    (0..APPS)
        .map(|a| {
            (0..PER_APP)
                .map(|n| (name(n), module(a, n).into_bytes()))
                .collect()
        })
        .collect()
}

fn project(sources: &[Vec<(String, Vec<u8>)>]) -> Project {
    let apps = sources
        .iter()
        .enumerate()
        .map(|(a, modules)| App {
            label: format!("app{a:02}"),
            migrated: true,
            migrations: modules
                .iter()
                .map(|(name, bytes)| Migration {
                    name: name.clone(),
                    facts: django::read(bytes, Some(PythonVersion::DEFAULT)),
                })
                .collect(),
        })
        .collect();
    Project {
        apps,
        user_model: "auth.User".to_owned(),
        applied: None,
        history: None,
        safety: None,
    }
}

fn benches(c: &mut Criterion) {
    // Before the first guest load, on the bench's only thread.
    cache::isolate_this_process();
    let sources = sources();
    let project = project(&sources);
    let loaded = django::load(&project);
    assert!(loaded.errors.is_empty() && loaded.conflicts.is_empty());
    assert_eq!(loaded.plan.len(), APPS * PER_APP, "the bench project loads");
    let json = serde_json::to_vec(&project).expect("the project serialises");
    let limits = sandbox::Limits {
        timeout: Duration::from_secs(600),
        max_memory_bytes: 4 << 30,
    };

    let mut group = c.benchmark_group("django");
    group.bench_function("read", |b| {
        b.iter(|| {
            for modules in &sources {
                for (_, bytes) in modules {
                    std::hint::black_box(django::read(bytes, Some(PythonVersion::DEFAULT)));
                }
            }
        })
    });
    group.bench_function("load/native", |b| b.iter(|| django::load(&project)));
    group.bench_function("load/guest", |b| {
        b.iter(|| sandbox::django_load(&json, &limits).expect("the guest loads the project"))
    });
    group.finish();
}

criterion_group!(django_benches, benches);
criterion_main!(django_benches);
