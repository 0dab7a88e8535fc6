//! A small, deterministic mutation engine for the stable driver: it starts
//! from real inputs (the repository's migrations and seed requests) and
//! changes them the way coverage-blind fuzzers do: flip, insert, delete,
//! duplicate, splice in Python tokens, and join files with the targets'
//! `\x00\x01` separator.

use std::path::Path;

/// Tokens that reach the parser's and the checks' corners: every string
/// form, brackets, continuations, the four names, encodings, the bytes
/// that are errors.
const TOKENS: &[&[u8]] = &[
    b"revision = ",
    b"down_revision = ",
    b"branch_labels = ",
    b"depends_on = ",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'",
    b"\"",
    b"'''",
    b"\"\"\"",
    b"f'",
    b"rb'",
    b"u'",
    b"\\",
    b"\\\n",
    b"\n    ",
    b"\t",
    b"#",
    b"# -*- coding: latin-1 -*-\n",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b",",
    b":",
    b";",
    b"None",
    b"if x:\n",
    b"def upgrade():\n    pass\n",
    b"\x00\x01",
    b"{\"files\":[]}",
];

/// xorshift64*: deterministic from its seed, so a run can be repeated.
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }
}

/// The seed inputs: every migration under `examples/` and the check
/// catalogue, the committed request seeds and the regression inputs, each
/// at most 64 KiB.
pub fn seeds(repo: &Path) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    for dir in [
        "examples",
        "core/tests/checks",
        "fuzz/seeds",
        "tests/fuzz/regressions",
    ] {
        collect(&repo.join(dir), &mut found);
    }
    found.sort();
    found.into_iter().map(|(_, bytes)| bytes).collect()
}

fn collect(dir: &Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
            continue;
        }
        let wanted = path.extension().is_none_or(|e| e == "py");
        if let (true, Ok(bytes)) = (wanted, std::fs::read(&path))
            && bytes.len() <= 64 * 1024
        {
            out.push((path, bytes));
        }
    }
}

/// A new input: a seed changed by one to eight mutations, at most 64 KiB.
pub fn input(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = if seeds.is_empty() {
        Vec::new()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..=rng.below(8) {
        mutate(rng, &mut data, seeds);
    }
    data.truncate(64 * 1024);
    data
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = rng.below(data.len() + 1);
    match rng.below(7) {
        0 if !data.is_empty() => {
            let i = at.min(data.len() - 1);
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let byte = (rng.bits() & 0xff) as u8;
            data.insert(at, byte);
        }
        2 if !data.is_empty() => {
            let len = rng.below(16).min(data.len() - at.min(data.len()));
            data.drain(at..at + len);
        }
        3 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            data.splice(at..at, token.iter().copied());
        }
        4 if !data.is_empty() => {
            let start = rng.below(data.len());
            let end = (start + 1 + rng.below(64)).min(data.len());
            let chunk = data[start..end].to_vec();
            data.splice(at..at, chunk);
        }
        5 if !seeds.is_empty() => {
            let other = &seeds[rng.below(seeds.len())];
            data.extend_from_slice(b"\x00\x01");
            data.extend_from_slice(other);
        }
        _ => {
            let kind = (rng.bits() & 0xff) as u8;
            data.insert(0, kind);
        }
    }
}
