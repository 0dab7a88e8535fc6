//! A repository whose migrations directory is a symlink to a folder outside
//! it: neither `argocd generate` nor the KRM function may read the outside
//! files, and no revision id from them may reach the UI, the logs or the
//! KRM results.
//!
//! The real argocd-cmp-server refuses out-of-tree links while extracting a
//! request; the link is planted after extraction here (as a repo-server
//! started with `--allow-oob-symlinks`, or any other tree, would deliver
//! it), so revguard's own check is what is tested.

use std::path::Path;

use crate::generate::assert_failed;
use crate::krm::{checkout, fn_results, kpt_eval_pkg, text};
use crate::{Lab, app, fixture, tools};

/// The revision id only the outside folder holds.
const SECRET: &str = "outside0secret";

/// Replace `repo/migrations/versions` with a symlink to a folder (in
/// `outside`) holding one migration whose id is [`SECRET`].
fn plant_outside_versions(repo: &Path, outside: &Path) {
    let versions = outside.join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        versions.join("001_secret.py"),
        format!("revision = \"{SECRET}\"\ndown_revision = None\n"),
    )
    .unwrap();
    let link = repo.join("migrations/versions");
    std::fs::remove_dir_all(&link).unwrap();
    std::os::unix::fs::symlink(&versions, &link).unwrap();
}

#[test]
fn generate_refuses_a_versions_directory_symlinked_out_of_the_repository() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    let outside = tempfile::tempdir().unwrap();
    plant_outside_versions(&tree.root, outside.path());
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 2);
    assert!(
        ui.contains("version location migrations/versions resolves (through a symlink) to")
            && ui.contains("outside the repository root"),
        "names the configured path and where it resolves:\n{ui}"
    );
    let run = generated.run();
    assert!(
        !run.stderr.contains(SECRET) && !ui.contains(SECRET),
        "an outside revision id leaked:\n{}",
        run.stderr
    );
}

#[test]
fn krm_refuses_a_versions_directory_symlinked_out_of_the_package_repository() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let outside = tempfile::tempdir().unwrap();
    plant_outside_versions(repo.path(), outside.path());
    let (out, results) = kpt_eval_pkg(&kpt, repo.path(), "k8s", &["--", "migrations=.."]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("resolves (through a symlink) to"),
        "{}",
        text(&out)
    );
    let shown = format!("{}{:?}", text(&out), fn_results(&results));
    assert!(
        !shown.contains(SECRET),
        "an outside revision id leaked:\n{shown}"
    );
}
