//! Seeded generator of Alembic projects: random revision graphs written as
//! real migration files in many Python syntax variants.
//!
//! Used by the differential and syntax suites. Everything is a pure
//! function of a `u64` seed, so a failing case is reproduced from its seed
//! alone.
//!
//! The random source is `revguard_core::testing::Rng` (SplitMix64), the one
//! generator every suite and benchmark corpus uses.
//!
//! Two entry points:
//! * [`project`]: one random project for differential testing (graph shapes:
//!   chains, branches, merges, `("a", "a")`, several bases, duplicates,
//!   labels, `depends_on`, missing references, self-loops, cycles, illegal
//!   characters; file-level variants: name filter, several and repeated
//!   version locations, recursive walks, symlinks, legacy file names).
//! * [`linear_corpus`]: `n` realistic template files forming one chain (for
//!   benchmarks and throughput tests).

use std::fmt::Write as _;

/// The seeded generator every suite and corpus shares.
pub use revguard_core::testing::Rng;

/// The seed of case `index` in a run seeded with `run_seed`.
pub fn case_seed(run_seed: u64, index: u64) -> u64 {
    let mut rng = Rng::new(run_seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    rng.next_u64()
}

// ---------------------------------------------------------------------------
// The model: what each file binds, semantically.

/// The value of one module-level binding, as Alembic would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// No binding at all (the attribute is missing).
    Absent,
    /// `None`.
    None,
    /// A string.
    Str(String),
    /// A tuple (`list == false`) or list of strings.
    Seq { items: Vec<String>, list: bool },
    /// A Python expression written verbatim (e.g. `1234`).
    Raw(String),
}

impl Value {
    fn seq(items: Vec<String>) -> Value {
        Value::Seq { items, list: false }
    }

    /// The entries, as Alembic's tuple conversion sees them.
    pub fn entries(&self) -> Vec<String> {
        match self {
            Value::Str(s) => vec![s.clone()],
            Value::Seq { items, .. } => items.clone(),
            _ => Vec::new(),
        }
    }
}

/// One revision file.
#[derive(Debug, Clone)]
pub struct RevFile {
    /// `revision`.
    pub revision: Value,
    /// `down_revision`.
    pub down_revision: Value,
    /// `branch_labels`.
    pub branch_labels: Value,
    /// `depends_on`.
    pub depends_on: Value,
    /// The docstring's message (first paragraph), `None` for no docstring.
    pub message: Option<String>,
    /// File name stem (without `.py`).
    pub stem: String,
    /// Location index.
    pub location: usize,
    /// Sub directory inside the location (`""` or `a/b`).
    pub subdir: String,
}

/// One file of a generated project.
#[derive(Debug, Clone)]
pub struct GenFile {
    /// Index into [`Project::locations`].
    pub location: usize,
    /// Path relative to the location, `/`-separated.
    pub path: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
    /// When set, the file is a symlink to this other file of the project
    /// (location index, relative path); `bytes` are the target's.
    pub link_to: Option<(usize, String)>,
}

/// A generated Alembic project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The seed it was generated from.
    pub seed: u64,
    /// Version locations relative to the project root, in configured order;
    /// the same directory may be listed twice.
    pub locations: Vec<String>,
    /// `recursive_version_locations = true`.
    pub recursive: bool,
    /// Whether `version_locations` is written to the ini at all (otherwise
    /// the single location is `alembic/versions`).
    pub explicit_locations: bool,
    /// `path_separator` value used in the ini for `version_locations`.
    pub separator: &'static str,
    /// Every file, in the order a directory listing might give them
    /// (shuffled: the checker must apply Alembic's order itself). A file
    /// under a location listed twice appears once per listing.
    pub files: Vec<GenFile>,
    /// The project uses constructs that a static reader may legitimately
    /// report as not statically known (`dynamic-value`).
    pub dynamic_ok: bool,
    /// Short tags describing what the case exercises (for statistics).
    pub tags: Vec<&'static str>,
}

impl Project {
    /// The `alembic.ini` text for this project.
    pub fn ini(&self) -> String {
        let mut ini = String::from("[alembic]\nscript_location = %(here)s/alembic\n");
        if self.explicit_locations {
            let sep = match self.separator {
                "space" => " ",
                "newline" => "\n    ",
                "os" => {
                    if cfg!(windows) {
                        ";"
                    } else {
                        ":"
                    }
                }
                other => other,
            };
            let mut locs: Vec<String> = Vec::new();
            for loc in &self.locations {
                locs.push(format!("%(here)s/{loc}"));
            }
            let _ = writeln!(ini, "path_separator = {}", self.separator);
            let _ = writeln!(ini, "version_locations = {}", locs.join(sep));
        } else {
            ini.push_str("path_separator = os\n");
        }
        if self.recursive {
            ini.push_str("recursive_version_locations = true\n");
        }
        ini.push_str("sqlalchemy.url = sqlite://\n");
        ini
    }

    /// The other files of a minimal real project: path (relative to the
    /// project root) and text.
    pub fn scaffold() -> Vec<(&'static str, &'static str)> {
        crate::scaffold::files().to_vec()
    }
}

// ---------------------------------------------------------------------------
// Graph generation.

const WORDS: &[&str] = &[
    "user", "user_foo", "users", "add", "add_col", "orders", "order", "acct", "audit", "role",
    "base", "init", "head", "heads", "main", "lib", "core", "x", "y", "z",
];

const LABELS: &[&str] = &[
    "lib",
    "core",
    "feature",
    "analytics",
    "auth",
    "b_1",
    "b_2",
    "main",
];

fn hex(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
        .collect()
}

fn fresh_id(rng: &mut Rng, style: usize, index: usize, taken: &[String]) -> String {
    for attempt in 0.. {
        let id = match style {
            0 => hex(rng, 12),
            1 => {
                // a, b, ..., z, a1, b1, ...
                let letter = char::from(b'a' + (index % 26) as u8);
                if index < 26 && attempt == 0 {
                    letter.to_string()
                } else {
                    format!("{letter}{}", rng.below(100))
                }
            }
            2 => {
                let w = *rng.pick(WORDS);
                if attempt == 0 && rng.pct(50) {
                    w.to_string()
                } else {
                    format!("{w}_{}", rng.below(50))
                }
            }
            3 => format!("{:03}", index + 1 + attempt * 7),
            4 => hex(rng, 4),
            _ => {
                // Unusual but legal characters: spaces, dots, uppercase, digits.
                let base = hex(rng, 3);
                match rng.below(4) {
                    0 => format!("{base} {}", rng.below(9)),
                    1 => format!("{base}.{}", rng.below(9)),
                    2 => base.to_uppercase(),
                    _ => format!("v{}_{}", index, rng.below(9)),
                }
            }
        };
        if !taken.contains(&id) {
            return id;
        }
    }
    unreachable!()
}

#[derive(Debug, Clone)]
struct Node {
    id: String,
    parents: Vec<String>,
    labels: Vec<String>,
    deps: Vec<String>,
}

/// A random project for seed `seed`: the graph, its faults, the files and
/// their layout, each phase drawing from one random source in turn (so a
/// seed always gives the same project).
pub fn project(seed: u64) -> Project {
    let mut rng = Rng::new(seed);
    let rng = &mut rng;
    let mut tags: Vec<&'static str> = Vec::new();
    let tags = &mut tags;

    let (mut nodes, ids) = graph(rng, tags);
    let used_labels = labels_and_dependencies(rng, tags, &mut nodes, &ids);
    break_references(rng, tags, &mut nodes, &used_labels);
    break_names(rng, tags, &mut nodes, &used_labels);

    let mut revs = revision_files(rng, tags, &nodes);
    file_faults(rng, tags, &mut revs);
    let layout = layout(rng, tags);
    let mut used_paths = place(rng, &mut revs, &layout);
    let (mut files, dynamic_ok) = render_all(rng, &revs);
    decoys(rng, tags, &mut files, &mut used_paths, layout.recursive);
    symlink(rng, tags, &mut files, &mut used_paths);
    if layout.duplicated_location {
        list_twice(&mut files, &layout.locations);
    }

    rng.shuffle(&mut files);
    tags.sort_unstable();
    tags.dedup();
    Project {
        seed,
        locations: layout.locations,
        recursive: layout.recursive,
        explicit_locations: layout.explicit_locations,
        separator: layout.separator,
        files,
        dynamic_ok,
        tags: std::mem::take(tags),
    }
}

/// The graph's shape: `n` revisions, each extending a tip, branching, or
/// merging two or three earlier ones; no revision is labelled yet.
fn graph(rng: &mut Rng, tags: &mut Vec<&'static str>) -> (Vec<Node>, Vec<String>) {
    let n = match rng.below(100) {
        0 => 0,
        1..=20 => rng.range(1, 3),
        21..=70 => rng.range(4, 8),
        71..=95 => rng.range(9, 16),
        _ => rng.range(17, 40),
    };
    let id_style = rng.below(6);
    let mut nodes: Vec<Node> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut tips: Vec<usize> = Vec::new();
    for i in 0..n {
        let style = if rng.pct(85) { id_style } else { rng.below(6) };
        let id = fresh_id(rng, style, i, &ids);
        ids.push(id.clone());
        let parents = pick_parents(rng, tags, i, &nodes, &tips);
        for p in &parents {
            if let Some(pos) = ids.iter().position(|x| x == p) {
                tips.retain(|&t| t != pos);
            }
        }
        tips.push(i);
        nodes.push(Node {
            id,
            parents,
            labels: Vec::new(),
            deps: Vec::new(),
        });
    }
    (nodes, ids)
}

/// The parents of revision `i`: none (a base), one tip or earlier
/// revision, or a merge.
fn pick_parents(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    i: usize,
    nodes: &[Node],
    tips: &[usize],
) -> Vec<String> {
    if i == 0 || rng.pct(8) {
        Vec::new()
    } else {
        match rng.below(100) {
            0..=74 => {
                // Mostly extend a tip, sometimes branch from anywhere.
                let p = if !tips.is_empty() && rng.pct(75) {
                    tips[rng.below(tips.len())]
                } else {
                    rng.below(i)
                };
                vec![nodes[p].id.clone()]
            }
            75..=97 if i >= 2 => {
                let a = if !tips.is_empty() {
                    tips[rng.below(tips.len())]
                } else {
                    rng.below(i)
                };
                let mut b = rng.below(i);
                if b == a {
                    b = (a + 1) % i;
                }
                let mut ps = vec![nodes[a].id.clone(), nodes[b].id.clone()];
                if i >= 3 && rng.pct(10) {
                    let c = rng.below(i);
                    if c != a && c != b {
                        ps.push(nodes[c].id.clone());
                    }
                }
                tags.push("merge");
                ps
            }
            98 | 99 if rng.pct(50) => {
                let p = rng.below(i);
                tags.push("merge-self-pair");
                vec![nodes[p].id.clone(), nodes[p].id.clone()]
            }
            _ => vec![nodes[rng.below(i)].id.clone()],
        }
    }
}

/// Branch labels and `depends_on` on a few revisions; returns the labels.
fn labels_and_dependencies(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    nodes: &mut [Node],
    ids: &[String],
) -> Vec<String> {
    // Labels and dependencies on a few nodes.
    let mut used_labels: Vec<String> = Vec::new();
    for node in nodes.iter_mut() {
        if rng.pct(8) {
            let mut label = rng.pick(LABELS).to_string();
            if used_labels.contains(&label) || ids.contains(&label) {
                label = format!("{label}{}", rng.below(1000));
            }
            if !used_labels.contains(&label) && !ids.contains(&label) {
                used_labels.push(label.clone());
                node.labels.push(label);
                tags.push("label");
            }
        }
    }
    for i in 1..nodes.len() {
        if rng.pct(10) {
            let k = rng.range(1, 2);
            for _ in 0..k {
                let t = rng.below(i);
                let target = if !nodes[t].labels.is_empty() && rng.pct(50) {
                    nodes[t].labels[0].clone()
                } else {
                    nodes[t].id.clone()
                };
                if !nodes[i].deps.contains(&target) {
                    nodes[i].deps.push(target);
                }
            }
            tags.push("depends_on");
        }
    }
    used_labels
}

/// Faults in the references: unknown parents and dependencies, self-loops
/// and cycles.
fn break_references(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    nodes: &mut [Node],
    used_labels: &[String],
) {
    if nodes.is_empty() {
        return;
    }
    let len = nodes.len();
    if rng.pct(7) {
        // Missing parent: an unknown id, a label, "", or a file-name-like slug.
        let i = rng.below(len);
        let bogus = match rng.below(5) {
            0 if !used_labels.is_empty() => used_labels[rng.below(used_labels.len())].clone(),
            1 => String::new(),
            2 => format!("{}_add_table", nodes[rng.below(len)].id),
            _ => format!("zz{}", hex(rng, 4)),
        };
        if nodes[i].parents.is_empty() || rng.pct(50) {
            nodes[i].parents = vec![bogus];
        } else {
            nodes[i].parents.push(bogus);
        }
        tags.push("missing-parent");
    }
    if rng.pct(5) {
        let i = rng.below(len);
        let bogus = if rng.pct(30) && nodes[i].id.len() > 4 {
            nodes[i].id[..4].to_string() // a partial id is not an id
        } else {
            format!("dep{}", hex(rng, 3))
        };
        nodes[i].deps.push(bogus);
        if rng.pct(30) {
            nodes[i].deps.push(format!("dep{}", hex(rng, 3)));
        }
        tags.push("missing-dep");
    }
    if rng.pct(3) {
        let i = rng.below(len);
        let id = nodes[i].id.clone();
        if rng.pct(50) {
            nodes[i].parents = vec![id];
        } else {
            nodes[i].parents.push(id);
        }
        tags.push("self-loop");
    }
    if rng.pct(2) {
        let i = rng.below(len);
        let id = nodes[i].id.clone();
        nodes[i].deps.push(id);
        tags.push("dep-self-loop");
    }
    if rng.pct(6) && len >= 2 {
        // Cycle: an earlier node revises a later one.
        let a = rng.below(len - 1);
        let b = rng.range(a + 1, len - 1);
        let target = nodes[b].id.clone();
        if nodes[a].parents.is_empty() || rng.pct(60) {
            nodes[a].parents = vec![target];
        } else {
            nodes[a].parents.push(target);
        }
        tags.push("cycle");
    }
    if rng.pct(4) && len >= 2 {
        let a = rng.below(len - 1);
        let b = rng.range(a + 1, len - 1);
        let target = nodes[b].id.clone();
        nodes[a].deps.push(target);
        tags.push("dep-cycle");
    }
}

/// Faults in the names: label clashes and characters Alembic refuses in an
/// id.
fn break_names(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    nodes: &mut [Node],
    used_labels: &[String],
) {
    if nodes.is_empty() {
        return;
    }
    let len = nodes.len();
    if rng.pct(5) {
        // Label clashes: with an id, with another label, twice in one file.
        let i = rng.below(len);
        let clash = match rng.below(3) {
            0 => nodes[rng.below(len)].id.clone(),
            1 if !used_labels.is_empty() => used_labels[rng.below(used_labels.len())].clone(),
            _ => {
                let l = rng.pick(LABELS).to_string();
                nodes[i].labels.push(l.clone());
                l
            }
        };
        nodes[i].labels.push(clash);
        tags.push("label-clash");
    }
    if rng.pct(3) {
        let i = rng.below(len);
        let c = *rng.pick(&["-", "@", "+", ":", "-@", ":+"]);
        let old = nodes[i].id.clone();
        let new = format!("{old}{c}{}", rng.below(9));
        for node in nodes.iter_mut() {
            for p in node.parents.iter_mut().chain(node.deps.iter_mut()) {
                if *p == old && rng.pct(70) {
                    *p = new.clone();
                }
            }
        }
        nodes[i].id = new;
        tags.push("illegal-char");
    }
}

/// One file per revision, plus duplicated ids (copies with the same,
/// different or no parents).
fn revision_files(rng: &mut Rng, tags: &mut Vec<&'static str>, nodes: &[Node]) -> Vec<RevFile> {
    let mut revs: Vec<RevFile> = nodes
        .iter()
        .map(|node| RevFile {
            revision: Value::Str(node.id.clone()),
            down_revision: parents_value(rng, &node.parents),
            branch_labels: labels_value(rng, &node.labels),
            depends_on: deps_value(rng, &node.deps),
            message: message(rng),
            stem: String::new(),
            location: 0,
            subdir: String::new(),
        })
        .collect();

    // Duplicates: copies of an id with the same, different or no parents.
    if !nodes.is_empty() && rng.pct(22) {
        let copies = if rng.pct(85) { 1 } else { 2 };
        let src = rng.below(nodes.len());
        for _ in 0..copies {
            let mut copy = revs[src].clone();
            match rng.below(10) {
                0..=5 => {}
                6 | 7 if src > 0 => {
                    let p = rng.below(nodes.len());
                    copy.down_revision = Value::Str(nodes[p].id.clone());
                }
                8 => copy.down_revision = Value::None,
                _ => {
                    copy.branch_labels = Value::None;
                    copy.depends_on = Value::None;
                }
            }
            copy.message = message(rng);
            revs.push(copy);
        }
        tags.push("duplicate");
    }
    revs
}

/// Rare file-level Alembic errors and fallbacks, and legacy hex file names
/// (`revision` missing, the id comes from the name).
fn file_faults(rng: &mut Rng, tags: &mut Vec<&'static str>, revs: &mut [RevFile]) {
    // Rare file-level Alembic errors and fallbacks.
    if !revs.is_empty() {
        let i = rng.below(revs.len());
        match rng.below(1000) {
            0..=9 => {
                revs[i].revision = Value::Raw("None".into());
                tags.push("revision-none");
            }
            10..=19 => {
                revs[i].down_revision = Value::Absent;
                tags.push("down-revision-missing");
            }
            20..=24 => {
                revs[i].down_revision = Value::Raw("1234".into());
                tags.push("down-revision-int");
            }
            25..=34 => {
                revs[i].revision = Value::Str(String::new());
                tags.push("empty-id");
            }
            35..=44 => {
                revs[i].revision = Value::Absent;
                tags.push("no-revision-binding");
            }
            45..=49 => {
                revs[i].revision = Value::Raw("1234".into());
                tags.push("revision-int");
            }
            _ => {}
        }
    }
    // Legacy hex file names: `revision` missing, the id comes from the name.
    for rev in revs.iter_mut() {
        if let Value::Str(id) = &rev.revision
            && !id.is_empty()
            && is_hex(id)
            && rng.pct(5)
        {
            rev.stem = id.clone();
            rev.revision = Value::Absent;
            tags.push("legacy-filename");
        }
    }
}

/// Where the version files live, and how the ini lists it.
struct Layout {
    locations: Vec<String>,
    explicit_locations: bool,
    recursive: bool,
    /// A location listed twice, or one inside another (recursive).
    duplicated_location: bool,
    separator: &'static str,
}

/// The version locations: one, two, recursive, listed twice, overlapping.
fn layout(rng: &mut Rng, tags: &mut Vec<&'static str>) -> Layout {
    let mut locations = vec!["alembic/versions".to_string()];
    let mut explicit_locations = false;
    let mut recursive = false;
    let layout = rng.below(100);
    let mut duplicated_location = false;
    match layout {
        0..=69 => {}
        70..=79 => {
            explicit_locations = true;
            locations.push("more_versions".into());
            if rng.pct(50) {
                locations.swap(0, 1);
            }
            tags.push("two-locations");
        }
        80..=93 => {
            recursive = true;
            tags.push("recursive");
        }
        94..=96 => {
            explicit_locations = true;
            locations.push(locations[0].clone());
            duplicated_location = true;
            tags.push("location-listed-twice");
        }
        _ => {
            explicit_locations = true;
            recursive = true;
            locations = vec!["alembic/versions".into(), "alembic/versions/sub".into()];
            duplicated_location = true;
            tags.push("overlapping-recursive");
        }
    }
    if !explicit_locations && rng.pct(10) {
        explicit_locations = true; // explicit single location
    }
    let separator = *rng.pick(&["space", "newline", "os", ":"]);
    Layout {
        locations,
        explicit_locations,
        recursive,
        duplicated_location,
        separator,
    }
}

/// A location, sub directory and unique file name for every revision file;
/// returns the paths taken. The name's prefix decides the load order, which
/// need not follow the graph.
fn place(rng: &mut Rng, revs: &mut [RevFile], layout: &Layout) -> Vec<(usize, String)> {
    let mut used_paths: Vec<(usize, String)> = Vec::new();
    let distinct_locations = if layout.duplicated_location {
        1
    } else {
        layout.locations.len()
    };
    for rev in revs.iter_mut() {
        rev.location = rng.below(distinct_locations);
        if layout.recursive && rng.pct(35) {
            rev.subdir = rng
                .pick(&["sub", "a", "A", "sub/deep", "b", ".hid", "z_dir"])
                .to_string();
        }
        if layout.locations.len() == 2
            && layout.duplicated_location
            && layout.recursive
            && rng.pct(50)
        {
            rev.subdir = "sub".into();
        }
        if rev.stem.is_empty() {
            rev.stem = file_stem(rng, &rev.revision);
        }
        loop {
            let path = rel_path(&rev.subdir, &format!("{}.py", rev.stem));
            if !used_paths.contains(&(rev.location, path.clone())) {
                used_paths.push((rev.location, path));
                break;
            }
            if matches!(rev.revision, Value::Absent) {
                // A legacy hex name must stay exact; give up on the fallback.
                if let Some(id) = legacy_id(&rev.stem) {
                    rev.revision = Value::Str(id);
                }
            }
            rev.stem = format!("{}_{}", rev.stem, rng.below(100));
        }
    }
    used_paths
}

/// The bytes of every revision file; true when one uses a construct a
/// static reader may report as not statically known.
fn render_all(rng: &mut Rng, revs: &[RevFile]) -> (Vec<GenFile>, bool) {
    let mut dynamic_ok = false;
    let mut files: Vec<GenFile> = Vec::new();
    for rev in revs {
        let (bytes, dynamic) = render(rng, rev);
        dynamic_ok |= dynamic;
        files.push(GenFile {
            location: rev.location,
            path: rel_path(&rev.subdir, &format!("{}.py", rev.stem)),
            bytes,
            link_to: None,
        });
    }
    (files, dynamic_ok)
}

/// Files Alembic's name filter skips, and files in places it never looks
/// (one time in seven or so).
fn decoys(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    files: &mut Vec<GenFile>,
    used_paths: &mut Vec<(usize, String)>,
    recursive: bool,
) {
    if !rng.pct(15) {
        return;
    }
    let decoy = render(
        rng,
        &RevFile {
            revision: Value::Str("decoy".into()),
            down_revision: Value::Str("nowhere".into()),
            branch_labels: Value::Absent,
            depends_on: Value::Absent,
            message: Some("decoy".into()),
            stem: String::new(),
            location: 0,
            subdir: String::new(),
        },
    )
    .0;
    let names: &[&str] = &[
        "__init__.py",
        "__init__x.py",
        ".#lock.py",
        "backup.py~",
        "notes.txt",
        "UPPER.PY",
        "k.py.bak",
        "#i.py#",
    ];
    let name = *rng.pick(names);
    let bytes = if name == "__init__.py" && rng.pct(50) {
        Vec::new()
    } else {
        decoy.clone()
    };
    push_unique(files, used_paths, 0, name.to_string(), bytes);
    tags.push("filtered-name");
    if rng.pct(3) {
        // A file named exactly `.py`: loaded, and Alembic's loader
        // asserts on its empty suffix.
        push_unique(files, used_paths, 0, ".py".into(), decoy.clone());
        tags.push("dot-py-file");
    }
    if rng.pct(40) {
        // A subdirectory: ignored unless recursive; `__pycache__`-suffixed
        // directories are skipped even then.
        let dir = *rng.pick(&["old", "__pycache__", "z__pycache__"]);
        if !recursive || dir.ends_with("__pycache__") {
            push_unique(files, used_paths, 0, format!("{dir}/stray.py"), decoy);
            tags.push("ignored-subdir");
        }
    }
}

/// Now and then a symlink to a revision file (the checker gets the
/// target's bytes and real path).
fn symlink(
    rng: &mut Rng,
    tags: &mut Vec<&'static str>,
    files: &mut Vec<GenFile>,
    used_paths: &mut Vec<(usize, String)>,
) {
    if !files.is_empty() && rng.pct(4) && !cfg!(windows) {
        let target = rng.below(files.len());
        let (loc, path) = (files[target].location, files[target].path.clone());
        if path.ends_with(".py") && !path.contains('/') {
            let name = *rng.pick(&["link.py", "zz_link.py", "link.txt", "00_link.py"]);
            if !used_paths.contains(&(loc, name.to_string())) {
                used_paths.push((loc, name.to_string()));
                let bytes = files[target].bytes.clone();
                files.push(GenFile {
                    location: loc,
                    path: name.into(),
                    bytes,
                    link_to: Some((loc, path)),
                });
                tags.push("symlink");
            }
        }
    }
}

/// A location listed twice (or inside another, recursive): the same files
/// appear under both indices.
fn list_twice(files: &mut Vec<GenFile>, locations: &[String]) {
    let second: Vec<GenFile> = if locations[1] == locations[0] {
        files
            .iter()
            .map(|f| GenFile {
                location: 1,
                ..f.clone()
            })
            .collect()
    } else {
        // locations[1] is a sub directory of locations[0].
        files
            .iter()
            .filter_map(|f| {
                f.path.strip_prefix("sub/").map(|rest| GenFile {
                    location: 1,
                    path: rest.to_string(),
                    link_to: f
                        .link_to
                        .as_ref()
                        .map(|(_, p)| (1, p.trim_start_matches("sub/").to_string())),
                    ..f.clone()
                })
            })
            .collect()
    };
    files.extend(second);
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn legacy_id(stem: &str) -> Option<String> {
    is_hex(stem).then(|| stem.to_string())
}

fn push_unique(
    files: &mut Vec<GenFile>,
    used: &mut Vec<(usize, String)>,
    location: usize,
    path: String,
    bytes: Vec<u8>,
) {
    if !used.contains(&(location, path.clone())) {
        used.push((location, path.clone()));
        files.push(GenFile {
            location,
            path,
            bytes,
            link_to: None,
        });
    }
}

fn rel_path(subdir: &str, name: &str) -> String {
    if subdir.is_empty() {
        name.to_string()
    } else {
        format!("{subdir}/{name}")
    }
}

fn file_stem(rng: &mut Rng, revision: &Value) -> String {
    let id = match revision {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    };
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let slug = *rng.pick(&[
        "add_users",
        "create_orders",
        "merge_heads",
        "fix",
        "x",
        "audit log",
    ]);
    match rng.below(12) {
        0..=4 if !safe.is_empty() => format!("{safe}_{}", slug.replace(' ', "_")),
        5 => format!("{}_{}", hex(rng, 6), slug.replace(' ', "_")),
        6 => format!("{:03}_{safe}", rng.below(1000)),
        7 => format!("{}{safe}", rng.pick(&["A", "B", "Z", "_", "#", "."])),
        8 => format!("{safe} {slug}"),
        9 => format!("{safe}.tmpl"),
        10 => format!(
            "2024_{:02}_{:02}_{safe}",
            rng.range(1, 12),
            rng.range(1, 28)
        ),
        _ => format!("r{}_{safe}", rng.below(100)),
    }
}

fn parents_value(rng: &mut Rng, parents: &[String]) -> Value {
    match parents.len() {
        0 => match rng.below(20) {
            0 => Value::seq(Vec::new()),
            1 => Value::Seq {
                items: Vec::new(),
                list: true,
            },
            _ => Value::None,
        },
        1 => match rng.below(20) {
            0 => Value::seq(parents.to_vec()),
            1 => Value::Seq {
                items: parents.to_vec(),
                list: true,
            },
            _ => Value::Str(parents[0].clone()),
        },
        _ => Value::Seq {
            items: parents.to_vec(),
            list: rng.pct(15),
        },
    }
}

fn labels_value(rng: &mut Rng, labels: &[String]) -> Value {
    match labels.len() {
        0 => match rng.below(10) {
            0 => Value::Absent,
            1 => Value::seq(Vec::new()),
            _ => Value::None,
        },
        1 if rng.pct(40) => Value::Str(labels[0].clone()),
        _ => Value::Seq {
            items: labels.to_vec(),
            list: rng.pct(20),
        },
    }
}

fn deps_value(rng: &mut Rng, deps: &[String]) -> Value {
    match deps.len() {
        0 => match rng.below(10) {
            0 => Value::Absent,
            1 => Value::Seq {
                items: Vec::new(),
                list: true,
            },
            _ => Value::None,
        },
        1 if rng.pct(60) => Value::Str(deps[0].clone()),
        _ => Value::Seq {
            items: deps.to_vec(),
            list: rng.pct(60),
        },
    }
}

fn message(rng: &mut Rng) -> Option<String> {
    let m = match rng.below(20) {
        0 => return None,
        1 => String::new(),
        2 => "Café über naïve".to_string(),
        3 => "two line\nmessage".to_string(),
        4 => "add users\n   \nnot a paragraph break".to_string(),
        5 => "has 'quotes' and \"double\"".to_string(),
        _ => rng
            .pick(&[
                "add users table",
                "create orders",
                "merge heads",
                "fix index",
                "audit",
            ])
            .to_string(),
    };
    Some(m)
}

// ---------------------------------------------------------------------------
// Rendering a revision file in random syntax.

struct Style {
    crlf: bool,
    cr_only: bool,
    bom: bool,
    tabs: bool,
    quote: usize,
    era: usize,
    cookie: usize,
}

fn lines_join(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Render one revision file. Returns the bytes and whether it contains
/// constructs a static reader may report as dynamic.
pub fn render(rng: &mut Rng, rev: &RevFile) -> (Vec<u8>, bool) {
    let style = Style {
        crlf: rng.pct(10),
        cr_only: rng.permille(5),
        bom: rng.pct(5),
        tabs: rng.pct(15),
        quote: rng.below(4),
        era: rng.below(4),
        cookie: if rng.permille(3) { 0 } else { rng.range(1, 30) },
    };
    let mut out: Vec<String> = Vec::new();

    // Encoding cookie (must be on line 1 or 2).
    let latin1 = style.cookie == 0 && !style.bom;
    match style.cookie {
        0 if latin1 => out.push("# -*- coding: latin-1 -*-".into()),
        1 => out.push("# -*- coding: utf-8 -*-".into()),
        2 => out.push("#!/usr/bin/env python\n# vim: set fileencoding=utf-8 :".into()),
        _ => {}
    }
    if rng.pct(5) {
        out.push("# a comment before the docstring".into());
        out.push(String::new());
    }

    docstring(rng, rev, &mut out);
    imports_and_decoys(rng, rev, &style, latin1, &mut out);
    let dynamic = bindings(rng, rev, &style, &mut out);
    bodies(rng, &style, &mut out);
    let (bytes, named_escape) = encode(rng, &out, &style, latin1);
    (bytes, dynamic || named_escape)
}

/// The docstring (a string literal as the first statement), when the
/// revision has a message.
fn docstring(rng: &mut Rng, rev: &RevFile, out: &mut Vec<String>) {
    let ids_for_doc = |v: &Value| v.entries().join(", ");
    let rev_id = match &rev.revision {
        Value::Str(s) => s.clone(),
        _ => "?".into(),
    };
    if let Some(msg) = &rev.message {
        let header = format!(
            "{msg}\n\nRevision ID: {}\nRevises: {}\nCreate Date: 2024-05-0{} 10:11:12.123456\n",
            if rng.pct(5) { "zzzz_wrong" } else { &rev_id },
            ids_for_doc(&rev.down_revision),
            rng.range(1, 9)
        );
        let header = if rng.pct(10) {
            format!(
                "{header}\nNote: revision = \"zzz\" and down_revision = \"yyy\" here are prose.\n"
            )
        } else {
            header
        };
        if msg.contains('\n') || msg.contains('"') || rng.pct(80) {
            let q = if rng.pct(85) || msg.contains('"') {
                "\"\"\""
            } else {
                "'''"
            };
            let q = if msg.contains('\'') && q == "'''" {
                "\"\"\""
            } else {
                q
            };
            let prefix = *rng.pick(&["", "", "", "r", "u", "R"]);
            out.push(format!("{prefix}{q}{header}\n{q}"));
        } else {
            // Single-line docstring, possibly implicitly concatenated.
            let text = msg.replace('\\', "\\\\");
            if rng.pct(30) && text.len() > 2 {
                let cut = text
                    .char_indices()
                    .nth(text.chars().count() / 2)
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                out.push(format!(
                    "\"{}\" '{}'",
                    &text[..cut],
                    text[cut..].replace('\'', "\\'")
                ));
            } else {
                out.push(format!("\"{text}\""));
            }
        }
    }
}

/// Imports, and decoy bindings that never count (comments, bindings a later
/// one overrides, bare annotations).
fn imports_and_decoys(
    rng: &mut Rng,
    rev: &RevFile,
    style: &Style,
    latin1: bool,
    out: &mut Vec<String>,
) {
    out.push(if rng.pct(70) {
        "from typing import Optional, Sequence, Union".into()
    } else {
        "from typing import Sequence, Union, Optional  # noqa".into()
    });
    out.push(String::new());
    if style.era != 3 {
        out.push("from alembic import op".into());
        out.push("import sqlalchemy as sa".into());
        out.push(String::new());
    }
    if latin1 {
        out.push("# caf\u{e9} (latin-1 byte in a comment)".into());
    }

    // Decoys that never count, before the real bindings.
    if rng.pct(10) {
        out.push("# revision = 'commented_out'".into());
    }
    if rng.pct(8) {
        // Bindings that later ones override (only where a later one exists).
        if !matches!(rev.revision, Value::Absent) {
            out.push(format!(
                "revision = {}",
                lit(rng, "overridden", style.quote)
            ));
        }
        if !matches!(rev.down_revision, Value::Absent) {
            out.push(format!(
                "down_revision = {}",
                lit(rng, "overridden_parent", style.quote)
            ));
        }
        if !matches!(rev.depends_on, Value::Absent) {
            out.push("depends_on = 'overridden_dep'".into());
        }
    }
    if rng.pct(5) {
        out.push("revision: str".into()); // a bare annotation binds nothing
        out.push("down_revision: Union[str, None]".into());
    }

    out.push(String::new());
    out.push("# revision identifiers, used by Alembic.".into());
}

/// The four bindings, in the usual order or shuffled, some `;`-joined;
/// true when one is dynamic.
fn bindings(rng: &mut Rng, rev: &RevFile, style: &Style, out: &mut Vec<String>) -> bool {
    let mut dynamic = false;
    let mut names = vec!["revision", "down_revision", "branch_labels", "depends_on"];
    if rng.pct(10) {
        rng.shuffle(&mut names);
    }
    let mut stmts: Vec<String> = Vec::new();
    for name in names {
        let value = match name {
            "revision" => &rev.revision,
            "down_revision" => &rev.down_revision,
            "branch_labels" => &rev.branch_labels,
            _ => &rev.depends_on,
        };
        if matches!(value, Value::Absent) {
            if rng.pct(20) {
                stmts.push(format!("{name}: Union[str, None]")); // bare annotation
            }
            continue;
        }
        let (stmt, dyn_) = statement(rng, name, value, style);
        dynamic |= dyn_;
        stmts.push(stmt);
    }
    // `;`-join some adjacent one-line statements.
    let mut i = 0;
    while i < stmts.len() {
        let one_line = |s: &String| !s.contains('\n') && !s.contains('#');
        if i + 1 < stmts.len() && one_line(&stmts[i]) && one_line(&stmts[i + 1]) && rng.pct(10) {
            let sep = *rng.pick(&["; ", ";", " ;\t"]);
            out.push(format!("{}{sep}{}", stmts[i], stmts[i + 1]));
            i += 2;
        } else {
            let s = stmts[i].clone();
            out.push(if rng.pct(3) && one_line(&s) {
                format!("{s};")
            } else {
                s
            });
            i += 1;
        }
    }
    dynamic
}

/// `upgrade`/`downgrade` and other bodies: function and class bodies never
/// count.
fn bodies(rng: &mut Rng, style: &Style, out: &mut Vec<String>) {
    out.push(String::new());
    out.push(String::new());
    let ind = if style.tabs { "\t" } else { "    " };
    let shadow = |rng: &mut Rng| -> String {
        if rng.pct(25) {
            format!("{ind}revision = \"zzz_in_def\"\n{ind}down_revision = None\n")
        } else {
            String::new()
        }
    };
    match style.era {
        0 | 1 => {
            let ann = if style.era == 1 { " -> None" } else { "" };
            let s1 = shadow(rng);
            let s2 = shadow(rng);
            out.push(format!(
                "def upgrade(){ann}:\n{ind}\"\"\"Upgrade schema.\"\"\"\n{s1}{ind}op.create_table(\n{ind}{ind}\"t_{}\",\n{ind}{ind}sa.Column(\"id\", sa.Integer(), primary_key=True),\n{ind}{ind}sa.Column(\"revision\", sa.String(32)),  # revision = 'col'\n{ind})\n{ind}op.execute(\"UPDATE t SET down_revision = 'x' WHERE revision = 'y'\")\n\n\ndef downgrade(){ann}:\n{s2}{ind}op.drop_table(\"t\")",
                rng.below(100)
            ));
        }
        2 => {
            out.push(format!(
                "def upgrade():\n{ind}pass\n\n\ndef downgrade():\n{ind}pass\n\n\nclass Helper:\n{ind}revision = \"zzz_in_class\"\n{ind}depends_on = (\"nope\",)\n\n\ndef _helper(x):\n{ind}global_ish = x\n{ind}if x:\n{ind}{ind}revision = x\n{ind}return global_ish"
            ));
        }
        _ => out.push(format!(
            "def upgrade():\n{ind}pass\n\n\ndef downgrade():\n{ind}pass"
        )),
    }
    if rng.pct(5) {
        out.push("sql = \"\"\"\nrevision = 'in_sql'\ndown_revision = 'in_sql'\n\"\"\"".into());
    }
}

/// The lines as bytes: line endings, final newline, BOM and encoding; true
/// when the text has a `\N{...}` escape.
fn encode(rng: &mut Rng, out: &[String], style: &Style, latin1: bool) -> (Vec<u8>, bool) {
    let mut text = lines_join(out);
    // `\N{...}` needs Unicode's name table; a static reader may decline it.
    let named_escape = text.contains("\\N{");
    if rng.pct(3) {
        text.truncate(text.trim_end_matches('\n').len()); // no final newline
    }
    if style.cr_only {
        text = text.replace('\n', "\r");
    } else if style.crlf {
        text = text.replace('\n', "\r\n");
    }
    let mut bytes = Vec::new();
    if style.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    if latin1 {
        // Everything is ASCII except that one comment byte, plus any message
        // text, which must be re-encoded as latin-1 too.
        for ch in text.chars() {
            let c = ch as u32;
            if c < 0x100 {
                bytes.push(c as u8);
            } else {
                bytes.push(b'?');
            }
        }
    } else {
        bytes.extend_from_slice(text.as_bytes());
    }
    (bytes, named_escape)
}

const ANNOTATIONS: &[&str] = &[
    "str",
    "Union[str, None]",
    "Union[str, Sequence[str], None]",
    "str | None",
    "Optional[str]",
    "'str'",
    "tuple[str, ...] | str | None",
    "Optional[Union[str, Sequence[str]]]",
];

/// A statement binding `name` to `value`, and whether it is dynamic.
fn statement(rng: &mut Rng, name: &str, value: &Value, style: &Style) -> (String, bool) {
    let expr = expression(rng, value, style.quote);
    let ws = |rng: &mut Rng| *rng.pick(&[" ", " ", " ", "", "\t", "  "]);
    let comment = if rng.pct(10) { "  # noqa: E501" } else { "" };
    let annotated = match style.era {
        0 | 3 => rng.pct(10),
        _ => rng.pct(85),
    };
    let (w1, w2) = (ws(rng), ws(rng));
    // Forms 11 and 12 are the ones a static reader may call dynamic; keep
    // them rare so that most cases are fully comparable.
    let form = rng.below(100);
    let form = if (11..=12).contains(&form) && rng.pct(85) {
        99
    } else {
        form
    };
    let stmt = match form {
        0..=3 => format!("{name}{w1}={w2}other_{name}{w1}={w2}{expr}{comment}"),
        4..=6 => format!("_{name}_alias = {name}{w1}={w2}{expr}{comment}"),
        7..=9 => format!("{name} = \\\n    {expr}{comment}"),
        10 => format!("{name} \\\n= {expr}{comment}"),
        11 if !matches!(value, Value::Raw(_)) => {
            // Tuple unpacking binds too (a static reader may call it dynamic).
            return (format!("{name}, _unused_{name} = ({expr}), None"), true);
        }
        12 if matches!(value, Value::Str(s) if s.len() >= 2) => {
            // Computed: `"ab" + "cd"`; Alembic evaluates it, we may not.
            let Value::Str(s) = value else { unreachable!() };
            let cut = s.char_indices().nth(1).map(|(i, _)| i).unwrap_or(1);
            return (
                format!(
                    "{name} = {} + {}",
                    lit(rng, &s[..cut], 1),
                    lit(rng, &s[cut..], 0)
                ),
                true,
            );
        }
        _ if annotated => {
            let ann = *rng.pick(ANNOTATIONS);
            format!("{name}:{w1}{ann}{w1}={w2}{expr}{comment}")
        }
        _ => format!("{name}{w1}={w2}{expr}{comment}"),
    };
    (stmt, false)
}

fn expression(rng: &mut Rng, value: &Value, quote: usize) -> String {
    match value {
        Value::Absent => unreachable!("absent values have no expression"),
        Value::None => {
            if rng.pct(95) {
                "None".into()
            } else {
                "(None)".into()
            }
        }
        Value::Raw(raw) => raw.clone(),
        Value::Str(s) => {
            let l = lit(rng, s, quote);
            match rng.below(30) {
                0 => format!("({l})"),
                1 => format!("(\n    {l}\n)"),
                _ => l,
            }
        }
        Value::Seq { items, list } => {
            let (open, close) = if *list { ("[", "]") } else { ("(", ")") };
            let lits: Vec<String> = items.iter().map(|s| lit(rng, s, quote)).collect();
            if lits.is_empty() {
                return format!("{open}{close}");
            }
            match rng.below(10) {
                0..=5 => {
                    let one_tuple = lits.len() == 1 && !*list;
                    let trailing = if one_tuple || rng.pct(15) { "," } else { "" };
                    let sep = *rng.pick(&[", ", ",", " , "]);
                    format!("{open}{}{trailing}{close}", lits.join(sep))
                }
                6 | 7 => {
                    // Multi-line, comments and trailing commas.
                    let mut s = format!("{open}{}\n", if rng.pct(30) { "  # parents" } else { "" });
                    for (i, l) in lits.iter().enumerate() {
                        let comma =
                            if i + 1 < lits.len() || rng.pct(70) || (lits.len() == 1 && !*list) {
                                ","
                            } else {
                                ""
                            };
                        let c = if rng.pct(30) { "  # why" } else { "" };
                        s.push_str(&format!("    {l}{comma}{c}\n"));
                        if rng.pct(10) {
                            s.push_str("    # a comment line\n\n");
                        }
                    }
                    s.push_str(close);
                    s
                }
                8 if !*list => {
                    // A bare tuple: `x = "a", "b"` (or `x = "a",`).
                    let mut s = lits.join(", ");
                    if lits.len() == 1 || rng.pct(20) {
                        s.push(',');
                    }
                    s
                }
                _ => {
                    let mut s = String::from(open);
                    s.push('\n');
                    for l in &lits {
                        s.push_str(&format!("\t{l} ,\n"));
                    }
                    s.push_str(close);
                    s
                }
            }
        }
    }
}

/// A Python expression whose value is the string `s`: random quotes,
/// prefixes, escapes, backslash-newlines and implicit concatenation.
pub fn lit(rng: &mut Rng, s: &str, quote_pref: usize) -> String {
    if s.chars().count() >= 2 && rng.pct(8) {
        let chars: Vec<char> = s.chars().collect();
        let cut = rng.range(1, chars.len() - 1);
        let a: String = chars[..cut].iter().collect();
        let b: String = chars[cut..].iter().collect();
        // Never "": `'ab' + '''cd'''` glued would tokenize differently.
        let sep = *rng.pick(&[" ", "  ", "\t"]);
        return format!(
            "{}{sep}{}",
            single_lit(rng, &a, quote_pref),
            single_lit(rng, &b, quote_pref)
        );
    }
    if s.is_empty() && rng.pct(10) {
        return "\"\" ''".into();
    }
    single_lit(rng, s, quote_pref)
}

fn single_lit(rng: &mut Rng, s: &str, quote_pref: usize) -> String {
    let quote = if rng.pct(75) {
        quote_pref
    } else {
        rng.below(4)
    };
    let q = ["'", "\"", "'''", "\"\"\""][quote];
    let plain = s
        .chars()
        .all(|c| c != '\\' && c != '\'' && c != '"' && c != '\n' && c != '\r');
    let raw = plain && rng.pct(10);
    let prefix = if raw {
        *rng.pick(&["r", "R"])
    } else if rng.pct(5) {
        *rng.pick(&["u", "U"])
    } else {
        ""
    };
    let mut body = String::new();
    for ch in s.chars() {
        if raw {
            body.push(ch);
            continue;
        }
        match ch {
            '\\' => body.push_str("\\\\"),
            '\'' | '"' if q.contains(ch) || quote >= 2 => {
                body.push('\\');
                body.push(ch);
            }
            '\n' => body.push_str("\\n"),
            _ if rng.permille(30) => body.push_str(&escape(rng, ch)),
            _ => body.push(ch),
        }
        if !raw && quote < 2 && rng.permille(8) {
            body.push_str("\\\n"); // backslash-newline inside a string: elided
        }
    }
    format!("{prefix}{q}{body}{q}")
}

fn escape(rng: &mut Rng, ch: char) -> String {
    let c = ch as u32;
    let named = match ch {
        'a'..='z' => Some(format!("LATIN SMALL LETTER {}", ch.to_ascii_uppercase())),
        'A'..='Z' => Some(format!("LATIN CAPITAL LETTER {ch}")),
        '0'..='9' => Some(format!(
            "DIGIT {}",
            [
                "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"
            ][(c - '0' as u32) as usize]
        )),
        '_' => Some("LOW LINE".into()),
        _ => None,
    };
    // `\N{...}` only rarely: a static reader may decline it (dynamic).
    let pick = if rng.pct(3) { 4 } else { rng.below(4) };
    match pick {
        0 if c < 0x100 => format!("\\x{c:02x}"),
        1 if c < 0x100 => format!("\\{c:03o}"),
        2 if c < 0x10000 => format!("\\u{c:04X}"),
        3 => format!("\\U{c:08x}"),
        _ => match named {
            Some(name) => format!("\\N{{{name}}}"),
            None => format!("\\U{c:08x}"),
        },
    }
}

// ---------------------------------------------------------------------------
// Corpora for benchmarks.

/// `n` files of Alembic's current generic template forming one linear chain:
/// (file name, bytes). Ids are 12 hex digits, deterministic in `seed`.
pub fn linear_corpus(n: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut ids: Vec<String> = Vec::with_capacity(n);
    while ids.len() < n {
        let id = hex(&mut rng, 12);
        if seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = &ids[i];
        let down = if i == 0 {
            "None".to_string()
        } else {
            format!("'{}'", ids[i - 1])
        };
        let revises = if i == 0 {
            String::new()
        } else {
            ids[i - 1].clone()
        };
        let text = format!(
            "\"\"\"add table t{i}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: 2024-05-01 10:11:12.123456\n\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\nrevision: str = '{id}'\ndown_revision: Union[str, Sequence[str], None] = {down}\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n    op.create_table(\n        't{i}',\n        sa.Column('id', sa.Integer(), nullable=False),\n        sa.Column('name', sa.String(length=255), nullable=True),\n        sa.PrimaryKeyConstraint('id'),\n    )\n    op.create_index(op.f('ix_t{i}_name'), 't{i}', ['name'], unique=False)\n\n\ndef downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n    op.drop_index(op.f('ix_t{i}_name'), table_name='t{i}')\n    op.drop_table('t{i}')\n"
        );
        out.push((format!("{id}_add_table_t{i}.py"), text.into_bytes()));
    }
    out
}
