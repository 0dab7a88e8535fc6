//! Every input that once broke a fuzz target (`tests/fuzz/regressions/`)
//! still passes it, and each target survives a bounded, deterministic batch
//! of mutated inputs on every `cargo test` (`just fuzz` runs them for time).

use std::path::PathBuf;

use revguard_fuzz_targets::mutate::{self, Rng};
use revguard_fuzz_targets::{TARGETS, target_for};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_regression_input_passes_its_target() {
    let dir = repo().join("tests/fuzz/regressions");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut replayed = 0;
    for entry in entries {
        let path = entry.expect("regression entry").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let target = target_for(&name).unwrap_or_else(|| {
            panic!(
                "{}: the name must start with a target's prefix and `-`",
                path.display()
            )
        });
        let bytes = std::fs::read(&path).expect("regression input");
        (target.run)(&bytes);
        replayed += 1;
    }
    assert!(replayed > 0, "{}: no regression inputs", dir.display());
}

#[test]
fn each_target_survives_a_bounded_mutation_batch() {
    let seeds = mutate::seeds(&repo());
    assert!(seeds.len() > 50, "only {} seed inputs found", seeds.len());
    for target in TARGETS {
        let mut rng = Rng::new(0x5eed_f022 ^ target.name.len() as u64);
        for _ in 0..300 {
            let input = mutate::input(&mut rng, &seeds);
            (target.run)(&input);
        }
    }
}
