//! Symlinks planted to escape the repository or to redirect a write.
//!
//! Reads: a version location or script directory that is itself a
//! directory symlink out of the repository is refused (exit 2) with the
//! configured path and where it resolves; a directory symlink inside a
//! location is never followed; a lock file linked out of the repository is
//! not read. No revision id of an outside file appears in any output.
//!
//! Writes: `fix --write` and `lock` stage their temporaries with `O_EXCL`
//! under random names, so links committed at the names older builds used
//! (`.<name>.revguard-<pid>.tmp`, for a range of pids) are never written
//! through, and a migration or lock that is itself a symlink is refused.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use revguard_test_support as support;
use support::cli::{code, run, stderr, stdout};

/// The revision id only the outside folder holds.
const SECRET: &str = "outside0secret";

/// What the victim file holds; it must never change.
const VICTIM: &str = "the victim's own bytes\n";

fn migration(rev: &str, down: Option<&str>) -> String {
    let down = down.map_or("None".to_string(), |d| format!("'{d}'"));
    format!("revision = '{rev}'\ndown_revision = {down}\n\n\ndef upgrade():\n    pass\n")
}

/// A repository (`repo/`, with `.git`) and, beside it, `outside/versions`
/// holding one migration whose id is [`SECRET`].
fn layout() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    let outside = tmp.path().join("outside");
    support::fs::write_files(
        &outside,
        &[("versions/001_secret.py", migration(SECRET, None))],
    );
    (tmp, repo, outside)
}

/// Run `revguard <args>` in `repo` and assert the refusal: exit 2, the
/// message names `configured` and the outside folder, nothing outside leaks.
fn assert_refused(repo: &Path, args: &[&str], configured: &str) {
    let out = run(repo, args, &[]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 2, "{args:?}: {all}");
    assert!(
        all.contains(configured)
            && all.contains("resolves (through a symlink) to")
            && all.contains("outside")
            && all.contains("outside the repository root"),
        "{args:?}: the message names {configured} and where it resolves: {all}"
    );
    assert!(!all.contains(SECRET), "{args:?}: outside id leaked: {all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn a_bare_versions_directory_symlinked_out_is_refused() {
    let (_tmp, repo, outside) = layout();
    support::fs::write_files(&repo, &[("env.py", "")]);
    symlink(outside.join("versions"), repo.join("versions")).expect("symlink");
    for args in [
        &["check", "."][..],
        &["check", "--format", "json", "."],
        &["heads", "."],
        &["lock", "."],
        &["fix", "--write", "."],
    ] {
        assert_refused(&repo, args, "versions");
    }
}

#[test]
fn a_script_location_symlinked_out_is_refused() {
    let (_tmp, repo, outside) = layout();
    support::fs::write_files(
        &repo,
        &[(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/migrations\n",
        )],
    );
    symlink(&outside, repo.join("migrations")).expect("symlink");
    assert_refused(&repo, &["check", "."], "script_location migrations");
    assert_refused(
        &repo,
        &["check", "--no-cache", "--engine", "native", "."],
        "migrations",
    );
}

#[test]
fn a_version_location_symlinked_out_is_refused() {
    let (_tmp, repo, outside) = layout();
    support::fs::write_files(
        &repo,
        &[
            (
                "alembic.ini",
                "[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions %(here)s/more\n",
            ),
            (
                "migrations/versions/001_a.py",
                migration("a", None).as_str(),
            ),
        ],
    );
    symlink(outside.join("versions"), repo.join("more")).expect("symlink");
    assert_refused(&repo, &["check", "."], "version location more");
}

#[test]
fn a_configuration_file_symlinked_out_is_not_read() {
    let (_tmp, repo, outside) = layout();
    std::fs::write(
        outside.join("alembic.ini"),
        format!("[alembic]\nscript_location = {}\n", outside.display()),
    )
    .expect("write");
    symlink(outside.join("alembic.ini"), repo.join("alembic.ini")).expect("symlink");
    let out = run(&repo, &["check", "."], &[]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("alembic.ini: resolves (through a symlink) to")
            && all.contains("outside the repository root")
            && all.contains("; not read"),
        "{all}"
    );
    assert!(!all.contains(SECRET), "outside id leaked: {all}");
}

#[test]
fn a_directory_symlink_inside_a_recursive_location_is_not_followed() {
    let (_tmp, repo, outside) = layout();
    support::fs::write_files(
        &repo,
        &[
            (
                "alembic.ini",
                "[alembic]\nscript_location = migrations\nrecursive_version_locations = true\n",
            ),
            (
                "migrations/versions/001_a.py",
                migration("a", None).as_str(),
            ),
        ],
    );
    symlink(
        outside.join("versions"),
        repo.join("migrations/versions/sub"),
    )
    .expect("symlink");
    let out = run(&repo, &["check", "--format", "json", "."], &[]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 0, "{all}");
    assert!(
        all.contains("001_a.py"),
        "the inside file is checked: {all}"
    );
    assert!(
        !all.contains(SECRET) && !all.contains("001_secret"),
        "the outside folder was read: {all}"
    );
}

#[test]
fn a_lock_file_symlinked_out_is_not_read() {
    let (_tmp, repo, outside) = layout();
    std::fs::write(
        outside.join("revguard.lock"),
        format!("# revguard lock\n{SECRET} 001_secret.py\nhead {SECRET}\n"),
    )
    .expect("write");
    support::fs::write_files(&repo, &[("versions/001_a.py", migration("a", None))]);
    symlink(
        outside.join("revguard.lock"),
        repo.join("versions/revguard.lock"),
    )
    .expect("symlink");
    for args in [&["check", "versions"][..], &["lock", "versions"]] {
        let out = run(&repo, args, &[]);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(code(&out), 2, "{args:?}: {all}");
        assert!(
            all.contains("outside the repository root") && all.contains("; not read"),
            "{all}"
        );
        assert!(!all.contains(SECRET), "outside id leaked: {all}");
    }
}

/// Plant a symlink to `victim` at `.<name>.revguard-<pid>.tmp` in `dir` for
/// the next few thousand pids (the name older builds staged under).
fn plant_pid_links(dir: &Path, name: &str, victim: &Path) -> Vec<PathBuf> {
    let next = std::process::Command::new("true")
        .spawn()
        .and_then(|mut c| {
            let id = c.id();
            c.wait().map(|_| id)
        })
        .expect("spawn true");
    (next..next + 3000)
        .map(|pid| {
            let link = dir.join(format!(".{name}.revguard-{pid}.tmp"));
            symlink(victim, &link).expect("symlink");
            link
        })
        .collect()
}

fn assert_links_untouched(links: &[PathBuf], victim: &Path) {
    assert_eq!(std::fs::read_to_string(victim).expect("victim"), VICTIM);
    for link in links {
        let meta = std::fs::symlink_metadata(link).expect("the planted link is still there");
        assert!(meta.file_type().is_symlink(), "{}", link.display());
    }
}

/// A project whose `002` names a parent that does not exist: `fix` rewrites
/// `versions/002_b.py` in place.
fn fixable(repo: &Path) {
    support::fs::write_files(
        repo,
        &[
            ("versions/001_a.py", migration("001", None)),
            ("versions/002_b.py", migration("002", Some("001_a"))),
        ],
    );
}

#[test]
fn fix_write_never_writes_through_links_at_temporary_names() {
    let (tmp, repo, _) = layout();
    fixable(&repo);
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, VICTIM).expect("victim");
    let links = plant_pid_links(&repo.join("versions"), "002_b.py", &victim);
    let out = run(&repo, &["fix", "--write", "versions"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_links_untouched(&links, &victim);
    let fixed = repo.join("versions/002_b.py");
    assert!(std::fs::symlink_metadata(&fixed).expect("meta").is_file());
    assert_eq!(
        std::fs::read_to_string(&fixed).expect("read"),
        migration("002", Some("001"))
    );
}

#[test]
fn fix_write_refuses_a_migration_that_is_a_symlink() {
    let (_tmp, repo, _) = layout();
    fixable(&repo);
    // The migration is a link to a file inside the repository.
    let target = repo.join("elsewhere.py");
    std::fs::rename(repo.join("versions/002_b.py"), &target).expect("mv");
    symlink(&target, repo.join("versions/002_b.py")).expect("symlink");
    let before = support::fs::tree(&repo);
    let out = run(&repo, &["fix", "--write", "versions"], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("002_b.py: this migration is a symlink"),
        "{}",
        stderr(&out)
    );
    assert_eq!(before, support::fs::tree(&repo), "nothing was written");
    assert!(
        std::fs::symlink_metadata(repo.join("versions/002_b.py"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn lock_never_writes_through_links_and_refuses_a_symlinked_lock() {
    let (tmp, repo, _) = layout();
    support::fs::write_files(&repo, &[("versions/001_a.py", migration("001", None))]);
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, VICTIM).expect("victim");
    let links = plant_pid_links(&repo.join("versions"), "revguard.lock", &victim);
    let out = run(&repo, &["lock", "versions"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_links_untouched(&links, &victim);
    let lock = repo.join("versions/revguard.lock");
    assert!(std::fs::symlink_metadata(&lock).expect("meta").is_file());
    assert!(
        std::fs::read_to_string(&lock)
            .expect("lock")
            .contains("head 001")
    );

    // A lock that is a symlink inside the repository: not replaced.
    let inside = repo.join("lock.txt");
    std::fs::rename(&lock, &inside).expect("mv");
    symlink(&inside, &lock).expect("symlink");
    std::fs::write(
        repo.join("versions/002_b.py"),
        migration("002", Some("001")),
    )
    .expect("write");
    let saved = std::fs::read(&inside).expect("read");
    let out = run(&repo, &["lock", "versions"], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the lock file is a symlink"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&inside).expect("read"), saved);
}

/// A SQL-file tool's configuration planted as a link out of the project is
/// refused with an error naming it, and nothing of the target shows (a
/// TOML parser's error would quote the file); a Prisma `migration.sql` that
/// is a link is never read.
#[test]
fn a_sql_tool_configuration_symlinked_out_is_refused_not_echoed() {
    let (_tmp, repo, outside) = layout();
    std::fs::write(outside.join("secret.toml"), format!("{SECRET} = [\n")).expect("write");
    std::fs::create_dir_all(repo.join("db/migration")).expect("mkdir");
    std::fs::write(repo.join("db/migration/V1__init.sql"), "SELECT 1;\n").expect("write");
    symlink(outside.join("secret.toml"), repo.join("flyway.toml")).expect("symlink");
    let out = run(&repo, &["check", "--dialect", "flyway", "."], &[]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("flyway.toml") && all.contains("outside the project"),
        "{all}"
    );
    assert!(!all.contains(SECRET), "the target leaked: {all}");

    std::fs::remove_file(repo.join("flyway.toml")).expect("rm");
    let migrations = repo.join("prisma/migrations");
    std::fs::create_dir_all(migrations.join("1_init")).expect("mkdir");
    std::fs::create_dir_all(migrations.join("2_planted")).expect("mkdir");
    std::fs::write(migrations.join("1_init/migration.sql"), "SELECT 1;\n").expect("write");
    std::fs::write(
        outside.join("stolen.sql"),
        format!("DROP TABLE {SECRET};\n"),
    )
    .expect("write");
    symlink(
        outside.join("stolen.sql"),
        migrations.join("2_planted/migration.sql"),
    )
    .expect("symlink");
    let out = run(
        &repo,
        &["check", "--dialect", "prisma", "--format", "json", "."],
        &[],
    );
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains(SECRET), "the target leaked: {all}");
    assert!(
        !all.contains("2_planted"),
        "a linked migration.sql was read: {all}"
    );
}
