//! SQL-file tools' projects through the plugin (emulated argocd-cmp-server,
//! real kustomize) and the KRM function (real kpt): the same gate as for
//! Alembic and Django, in each tool's own words, judged against the
//! project's `revguard.lock` when it has one.

use crate::emulator::judge_manifests;
use crate::generate::assert_failed;
use crate::{Lab, app, repo_dir, revguard_command, tools};
use serde_yaml_ng::Value;
use std::path::Path;

const KUSTOMIZATION: &str =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - job.yaml\n";

fn job(command: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: shop:1.0\n          command: [{command}]\n"
    )
}

/// A bundled example with a `k8s/` kustomization, as a directory.
fn example_repo(example: &str, command: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    crate::support::fs::copy_dir(&repo_dir().join("examples").join(example), dir);
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    std::fs::write(dir.join("k8s/kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(dir.join("k8s/job.yaml"), job(command)).unwrap();
    tmp
}

const SQLX_DUP: &str = "migrations/20240201000000_refunds.sql";
const FLYWAY_DIR: &str = "src/main/resources/db/migration";

/// `revguard lock --dialect TOOL` in `dir` (what a deploy pipeline runs).
fn lock(dir: &Path, tool: &str) {
    let out = revguard_command()
        .args(["lock", "--dialect", tool, "."])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_duplicated_sqlx_version_fails_generation_with_sqlxs_words() {
    let Some(lab) = Lab::new() else { return };
    let source = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the sqlx migrations at the repository root are broken (1 error)"),
        "{ui}"
    );
    assert!(
        ui.contains("--> migrations/20240201000000_order_total.sql:1")
            && ui.contains(&format!("--> {SQLX_DUP}:1")),
        "both copies are named:\n{ui}"
    );
    assert!(
        ui.contains("UNIQUE constraint failed: _sqlx_migrations.version")
            && ui.contains("was previously applied but has been modified"),
        "sqlx's own errors:\n{ui}"
    );
    assert!(ui.contains("`revguard fix --dialect sqlx --write`"), "{ui}");
    insta::assert_snapshot!("sqlx_duplicate_ui", ui);
}

#[test]
fn a_healthy_sqlx_project_renders_exactly_what_kustomize_renders() {
    let Some(lab) = Lab::new() else { return };
    let source = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    std::fs::rename(
        source.path().join(SQLX_DUP),
        source.path().join("migrations/20240301000000_refunds.sql"),
    )
    .unwrap();
    let tree = lab.tree(source.path(), "");
    let expected = lab.kustomize(&tree.root.join("k8s"));
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert_eq!(run.stdout, expected);
    assert_eq!(judge_manifests(&run.stdout).unwrap().len(), 1);
    insta::assert_snapshot!("sqlx_healthy_log", run.stderr.trim_end());
}

#[test]
fn flyway_is_judged_against_its_lock() {
    let Some(lab) = Lab::new() else { return };
    let source = example_repo("flyway-duplicate-version", "flyway, migrate");
    let dir = source.path();
    std::fs::remove_file(dir.join(FLYWAY_DIR).join("V2.0__index_email.sql")).unwrap();
    lock(dir, "flyway");
    // Deployed as locked, plus one new migration: passes, runs the new one,
    // and logs the misnamed file Flyway skips.
    std::fs::write(
        dir.join(FLYWAY_DIR).join("V3__add_phone.sql"),
        "ALTER TABLE account ADD COLUMN phone text;\n",
    )
    .unwrap();
    let generated = lab.sidecar.generate(lab.tree(dir, ""), &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr
            .contains("against revguard.lock (2 applied) `flyway migrate` runs 1"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("flyway_locked_log", run.stderr.trim_end());
    // An applied migration edited: Flyway's validation failure, with the
    // checksums the database will show.
    let v1 = dir.join(FLYWAY_DIR).join("V1__create_account.sql");
    let mut text = std::fs::read_to_string(&v1).unwrap();
    text.push_str("-- tidied\n");
    std::fs::write(&v1, text).unwrap();
    let generated = lab.sidecar.generate(lab.tree(dir, ""), &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("Migration checksum mismatch for migration version 1")
            && ui.contains("    -> Applied to database : -107339187"),
        "{ui}"
    );
    insta::assert_snapshot!("flyway_edited_ui", ui);
}

#[test]
fn the_dialect_parameter_and_other_dialects_settings() {
    let Some(lab) = Lab::new() else { return };
    let source = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    let generate = |a: crate::emulator::App| {
        let generated = lab.sidecar.generate(lab.tree(source.path(), ""), &a);
        assert_failed(&generated, 2)
    };
    let ui = generate(app("k8s").string("dialect", "flyway"));
    assert!(
        ui.contains("no flyway migrations found: looked for the locations of flyway.conf"),
        "{ui}"
    );
    let ui = generate(app("k8s").string("dialect", "liquibase"));
    assert!(
        ui.contains(
            "unknown dialect 'liquibase' (parameter dialect); expected auto, alembic, django, flyway, golang-migrate, goose, sqlx, dbmate or prisma"
        ),
        "{ui}"
    );
    let ui = generate(app("k8s").string("deployed-revision", "20240101000000"));
    assert!(
        ui.contains(
            "the setting deployed-revision is for Alembic projects; this is a sqlx project"
        ) && ui.contains("revguard lock --dialect sqlx"),
        "{ui}"
    );
    let ui = generate(app("k8s").string("user-model", "accounts.User"));
    assert!(ui.contains("user-model is for Django projects"), "{ui}");
    // Chosen by name, the duplicate is found the same way.
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("dialect", "sqlx"),
    );
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("error[RG101] duplicate-revision"), "{ui}");
}

/// The results of one kpt run, by check.
fn results_of(results: &[Value], check: &str) -> Vec<String> {
    results
        .iter()
        .flat_map(|r| {
            r.get("results")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
        })
        .filter(|r| r["tags"]["check"].as_str() == Some(check))
        .map(|r| {
            format!(
                "{} {} {}",
                r["severity"].as_str().unwrap_or_default(),
                r["file"]["path"].as_str().unwrap_or_default(),
                r["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn kpt_names_the_tools_failures_and_passes_the_fixed_package() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    let pkg = repo.path().join("k8s");
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    let duplicates = results_of(&results, "duplicate-revision");
    assert_eq!(duplicates.len(), 1, "{results:?}");
    assert!(
        duplicates[0].contains("UNIQUE constraint failed: _sqlx_migrations.version")
            && duplicates[0].contains(&format!("../{SQLX_DUP}")),
        "{}",
        duplicates[0]
    );
    insta::assert_snapshot!("kpt_sqlx_duplicate", duplicates.join("\n"));
    std::fs::remove_file(repo.path().join(SQLX_DUP)).unwrap();
    let (out, _) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &["--", "dialect=sqlx"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("[PASS]"), "{text}");
}

#[test]
fn kpt_reads_the_lock_golang_migrate_never_runs() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = example_repo("golang-migrate-below-deployed", "migrate, up");
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    let pkg = repo.path().join("k8s");
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    let never = results_of(&results, "never-runs");
    assert_eq!(never.len(), 1, "{results:?}");
    assert!(
        never[0].contains("`migrate up` never runs it, with no error"),
        "{}",
        never[0]
    );
    insta::assert_snapshot!("kpt_golang_migrate_never_runs", never.join("\n"));
    // An Alembic-only setting is refused, not ignored.
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &["--", "expected-head=3"]);
    // kpt reports any failing function with its own exit status 1.
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{results:?}");
    assert!(
        text.contains("expected-head is for Alembic projects; this is a golang-migrate project"),
        "{text}"
    );
}

#[test]
fn discovery_names_the_sql_project_and_never_fails() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    std::fs::write(dir.join("k8s/kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let discover = |app: &Path| {
        // As the sidecar runs it: no test-suite variables (an unknown
        // REVGUARD_* setting would make discovery say "not mine").
        let (cache, dir) = crate::support::cache::env_pair();
        let out = std::process::Command::new(crate::revguard())
            .env_clear()
            .env(cache, dir)
            .args(["argocd", "discover"])
            .current_dir(app)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // Nothing to check: empty stdout, exit 0 (Argo CD's "not mine").
    assert_eq!(discover(&dir.join("k8s")), "");
    std::fs::create_dir_all(dir.join("db/migrations")).unwrap();
    std::fs::write(
        dir.join("db/migrations/20240101000000_users.sql"),
        "-- migrate:up\ncreate table users (id integer);\n\n-- migrate:down\ndrop table users;\n",
    )
    .unwrap();
    assert_eq!(discover(&dir.join("k8s")), ".\n");
    // A broken history is still "mine": generation reports it.
    std::fs::write(
        dir.join("db/migrations/20240101000000_dup.sql"),
        "select 1;\n",
    )
    .unwrap();
    assert_eq!(discover(&dir.join("k8s")), ".\n");
}

#[test]
fn the_admins_engine_and_limits_apply() {
    let Some(mut lab) = Lab::new() else { return };
    let source = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    let sandboxed = assert_failed(
        &lab.sidecar
            .generate(lab.tree(source.path(), ""), &app("k8s")),
        1,
    );
    // The native engine: the same words, byte for byte.
    lab.sidecar
        .env
        .push(("REVGUARD_ENGINE".into(), "native".into()));
    let native = assert_failed(
        &lab.sidecar
            .generate(lab.tree(source.path(), ""), &app("k8s")),
        1,
    );
    assert_eq!(native, sandboxed);
    // The sandbox's memory cap is the admin's: the app fails alone, naming it.
    // On an empty cache: a verdict cached by the runs above would be served
    // without starting the guest (a warm run does less work than the limits
    // bound; docs/performance.md).
    let cold = tempfile::tempdir().unwrap();
    lab.sidecar
        .env
        .retain(|(k, _)| k != "REVGUARD_ENGINE" && k != "REVGUARD_CACHE_DIR");
    lab.sidecar.env.push((
        "REVGUARD_CACHE_DIR".into(),
        cold.path().display().to_string(),
    ));
    lab.sidecar
        .env
        .push(("REVGUARD_MAX_MEMORY".into(), "1".into()));
    let ui = assert_failed(
        &lab.sidecar
            .generate(lab.tree(source.path(), ""), &app("k8s")),
        2,
    );
    assert!(ui.contains("memory limit of 1 MiB"), "{ui}");
}

#[test]
fn a_lock_linked_out_of_the_repository_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("revguard.lock"),
        "dialect sqlx\n20240101000000 00\n",
    )
    .unwrap();
    let repo = example_repo("sqlx-duplicate-version", "sqlx, migrate, run");
    let dir = repo.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::remove_file(dir.join(SQLX_DUP)).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("revguard.lock"),
        dir.join("revguard.lock"),
    )
    .unwrap();
    let (cache, cache_dir) = crate::support::cache::env_pair();
    let out = std::process::Command::new(crate::revguard())
        .env_clear()
        .env(cache, cache_dir)
        .args(["argocd", "generate"])
        .current_dir(dir.join("k8s"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("revguard.lock: resolves (through a symlink) to")
            && stderr.contains("outside the repository root; not read"),
        "{stderr}"
    );
}

/// A sqlx project on PostgreSQL (its `.env`) whose second migration
/// builds an index without `CONCURRENTLY`.
fn unsafe_sqlx_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"shop\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "DATABASE_URL=postgres://shop@db/shop\n").unwrap();
    std::fs::write(
        dir.join("migrations/20240101000000_orders.sql"),
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("migrations/20240201000000_orders_index.sql"),
        "CREATE INDEX orders_id ON orders (id);\n",
    )
    .unwrap();
    std::fs::write(dir.join("k8s/kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(dir.join("k8s/job.yaml"), job("sqlx, migrate, run")).unwrap();
    tmp
}

#[test]
fn deploy_safety_lints_the_sql_files_warns_or_blocks() {
    let Some(lab) = Lab::new() else { return };
    let source = unsafe_sqlx_repo();
    // By default the lint's findings are warnings: logged, generation passes.
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning[RG401] require-concurrent-index-creation: During normal index creation, table updates are blocked, but reads are still allowed. (migrations/20240201000000_orders_index.sql)"
        ),
        "{}",
        run.stderr
    );
    // `block`: they fail generation, in squawk's words.
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("deploy-safety", "block"),
    );
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the sqlx migrations at the repository root are not deploy-safe"),
        "{ui}"
    );
    insta::assert_snapshot!("sqlx_unsafe_blocked_ui", ui);
    // `off`: no lint at all.
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("deploy-safety", "off"),
    );
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("RG401"), "{}", run.stderr);
}

#[test]
fn kpt_blocks_unsafe_sql_files_when_asked() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = unsafe_sqlx_repo();
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    let pkg = repo.path().join("k8s");
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &[]);
    assert!(out.status.success(), "{out:?}");
    let warned = results_of(&results, "require-concurrent-index-creation");
    assert_eq!(warned.len(), 1, "{results:?}");
    assert!(
        warned[0].starts_with("warning ../migrations/20240201000000_orders_index.sql [RG401]"),
        "{}",
        warned[0]
    );
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &["--", "deploy-safety=block"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let blocked = results_of(&results, "require-concurrent-index-creation");
    assert_eq!(blocked.len(), 1, "{results:?}");
    assert!(blocked[0].starts_with("error "), "{}", blocked[0]);
}

#[test]
fn a_statement_the_tools_transaction_refuses_fails_generation() {
    let Some(lab) = Lab::new() else { return };
    let source = unsafe_sqlx_repo();
    std::fs::write(
        source
            .path()
            .join("migrations/20240201000000_orders_index.sql"),
        "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY orders_id ON orders (id);\n",
    )
    .unwrap();
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("error[RG402] fails-in-transaction")
            && ui.contains("cannot run inside a transaction block")
            && ui.contains("-- no-transaction"),
        "{ui}"
    );
    insta::assert_snapshot!("sqlx_fails_in_transaction_ui", ui);
}

#[test]
fn the_migrations_parameter_points_at_a_service_elsewhere_in_the_repository() {
    let Some(lab) = Lab::new() else { return };
    let source = tempfile::tempdir().unwrap();
    let service = source.path().join("services/shop");
    crate::support::fs::copy_dir(
        &repo_dir().join("examples/sqlx-duplicate-version"),
        &service,
    );
    let app_dir = source.path().join("deploy/shop");
    std::fs::create_dir_all(&app_dir).unwrap();
    std::fs::write(app_dir.join("kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(app_dir.join("job.yaml"), job("sqlx, migrate, run")).unwrap();
    // Nothing above the app directory: the search alone finds no project.
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("deploy/shop"));
    let ui = assert_failed(&generated, 2);
    assert!(
        ui.contains("no Alembic, Django or SQL-file tool project found")
            && ui.contains("in the app directory deploy/shop or above it"),
        "{ui}"
    );
    // Pointed at the service, its sqlx history is found and judged.
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("deploy/shop").string("migrations", "../../services/shop"),
    );
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the sqlx migrations in services/shop are broken")
            && ui.contains("--> services/shop/migrations/20240201000000_refunds.sql:1"),
        "{ui}"
    );
}
