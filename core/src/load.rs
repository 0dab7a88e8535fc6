//! Phase 2: Alembic's file discovery rules applied to the files the host
//! listed: the name filter, the walk and load order and the "loaded twice"
//! de-duplication by resolved path (`docs/alembic-semantics.md`, sections 2
//! and 3).

use std::cmp::Ordering;

use rustc_hash::FxHashMap as HashMap;

use crate::parse::{Attr, FileFacts, ParsedModule, compile_module, parse_module};
use crate::request::{Content, InputFile, Request};

/// What the loader decided about one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// A revision file, loaded at this position of the load order.
    Loaded(usize),
    /// A revision file Alembic would load but whose bytes were not read
    /// (compiled bytecode under `sourceless`, or over a size cap).
    Unread(String),
    /// Skipped: the same resolved file was already loaded (index of the first).
    LoadedTwice(usize),
    /// Looks like a migration but Alembic will not load it (the reason).
    Stray(String),
    /// Not a revision file.
    Ignored,
}

/// One input file after loading.
#[derive(Debug, Clone)]
pub struct SourceFile<'a> {
    /// Display path (location joined with the relative path).
    pub display: String,
    /// The name Alembic filters on (the resolved file name).
    pub name: String,
    /// The resolved path the host reported, if any.
    pub real_path: Option<String>,
    /// The loader's decision.
    pub status: Status,
    /// The parsed module, for loaded and stray files.
    pub module: Option<ParsedModule<'a>>,
}

/// All files, plus the load order.
#[derive(Debug, Clone)]
pub struct Loaded<'a> {
    /// One entry per request file, same index.
    pub files: Vec<SourceFile<'a>>,
    /// Indices of files Alembic imports, in load order (including unread ones).
    pub order: Vec<usize>,
    /// Files skipped as "loaded twice": (how many files were loaded before
    /// it, file index), so the warning can be placed in Alembic's order.
    pub twice: Vec<(usize, usize)>,
    /// Loading needed the bytes of a file whose bytes were left out of the
    /// request ([`load_without`]).
    pub bytes_missing: bool,
}

impl Loaded<'_> {
    /// The same files with texts of their own, no longer borrowing the request.
    pub fn into_owned(self) -> Loaded<'static> {
        let files = self
            .files
            .into_iter()
            .map(|file| SourceFile {
                display: file.display,
                name: file.name,
                real_path: file.real_path,
                status: file.status,
                module: file.module.map(ParsedModule::into_owned),
            })
            .collect();
        Loaded {
            files,
            order: self.order,
            twice: self.twice,
            bytes_missing: self.bytes_missing,
        }
    }
}

/// Apply Alembic's filter and order, reading every loaded file.
pub fn load(request: &Request) -> Loaded<'_> {
    load_with(request, Vec::new())
}

/// Whether the per-file phase should read this file ahead of [`load_with`]:
/// its resolved name passes Alembic's source filter and its bytes were read.
/// (A few such files turn out unreachable or loaded twice; their facts are
/// then simply unused.)
pub fn wants_facts(file: &InputFile) -> bool {
    let resolved = file.real_path.as_deref().unwrap_or(&file.path);
    let name = resolved.rsplit('/').next().unwrap_or(resolved);
    is_source_candidate(name) && file.content.bytes().is_some()
}

/// Every input file's display path and name, not yet loaded.
fn source_files(request: &Request) -> Vec<SourceFile<'_>> {
    request
        .files
        .iter()
        .map(|f| {
            let location = request
                .locations
                .get(f.location)
                .map(|l| l.path.as_str())
                .unwrap_or("");
            let display = join(location, &f.path);
            let resolved = f.real_path.as_deref().unwrap_or(&f.path);
            let name = resolved.rsplit('/').next().unwrap_or(resolved).to_owned();
            SourceFile {
                display,
                name,
                real_path: f.real_path.clone(),
                status: Status::Ignored,
                module: None,
            }
        })
        .collect()
}

/// [`load`], with the per-file phase's results computed ahead (in parallel
/// guests, or read from the cache), by input file index. A file without
/// facts is read here.
pub fn load_with(request: &Request, facts: Vec<Option<FileFacts>>) -> Loaded<'_> {
    load_without(request, facts, &[])
}

/// [`load_with`] where the bytes of the files marked in `omitted` were left
/// out of the request (their content is empty): their facts stand in for
/// them. A module made that way reads its text as "" and says so
/// ([`ParsedModule::text_missing`]); a file whose bytes loading itself needs
/// sets [`Loaded::bytes_missing`].
pub fn load_without<'a>(
    request: &'a Request,
    mut facts: Vec<Option<FileFacts>>,
    omitted: &[bool],
) -> Loaded<'a> {
    let options = &request.options;
    let mut bytes_missing = false;
    let mut files = source_files(request);

    // Walk order: locations in configured order, then the directory walk.
    // Keys computed once per file (a stable sort; `walk_order` re-split both
    // paths on every comparison: n log n splits, 8% of a 100,000-file check
    // in wasm). Tested equal to `walk_order` below.
    let mut walk: Vec<usize> = (0..request.files.len()).collect();
    walk.sort_by_cached_key(|&i| {
        let file = &request.files[i];
        (file.location, walk_key(&file.path))
    });

    let mut first_seen: HashMap<String, usize> = HashMap::default();
    let mut order = Vec::new();
    let mut twice = Vec::new();
    // Directories whose stems are taken by source files (for `__pycache__` extras).
    for &index in &walk {
        let input = &request.files[index];
        let (dir, _) = split_dir(&input.path);
        let in_subdir = !dir.is_empty();
        let in_pycache = dir
            .rsplit('/')
            .next()
            .is_some_and(|d| d.ends_with("__pycache__"));
        let name = files[index].name.clone();
        let is_source = is_source_candidate(&name);
        let is_compiled = options.sourceless && is_compiled_candidate(&name);

        let reachable = if in_pycache {
            // Only sourceless mode looks into `__pycache__`, and only for
            // stems that have no file next to the directory.
            options.sourceless
                && pycache_extra(request, input.location, dir, &name)
                && (options.recursive || dir.matches('/').count() == 0)
        } else {
            !in_subdir || options.recursive
        };

        if reachable {
            // Alembic de-duplicates every listed file by resolved path before
            // it applies the name filter.
            let key = input
                .real_path
                .clone()
                .unwrap_or_else(|| files[index].display.clone());
            match first_seen.entry(key) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    files[index].status = Status::LoadedTwice(*first.get());
                    twice.push((order.len(), index));
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                }
            }
        }
        if reachable && (is_source || is_compiled) {
            if is_compiled && !in_pycache && compiled_shadowed(request, input.location, dir, &name)
            {
                continue;
            }
            match (&input.content, is_compiled) {
                (Content::Unread(reason), _) => {
                    files[index].status = Status::Unread(reason.clone())
                }
                (_, true) => files[index].status = Status::Unread("compiled bytecode".into()),
                (content, false) => {
                    let bytes = content.bytes().unwrap_or_default();
                    let known = facts.get_mut(index).and_then(Option::take);
                    let omitted = omitted.get(index).copied().unwrap_or(false);
                    bytes_missing |= omitted && known.is_none();
                    files[index].module = Some(match (known, options.verdicts.get(&index)) {
                        (Some(known), _) if omitted => ParsedModule::from_facts_only(known),
                        (Some(known), _) => ParsedModule::from_facts(bytes, known),
                        (None, Some(given)) => with_verdict(parse_module(bytes), given.as_ref()),
                        (None, None) => compile_module(bytes, options.python.version),
                    });
                    files[index].status = Status::Loaded(order.len());
                }
            }
            order.push(index);
            continue;
        }

        // Not loaded: is it a migration someone expects to run?
        if let Some(reason) = stray_reason(&name, in_subdir && !options.recursive, in_pycache)
            && let Some(bytes) = input.content.bytes()
        {
            if omitted.get(index).copied().unwrap_or(false) {
                bytes_missing = true;
                continue;
            }
            let module = parse_module(bytes);
            if module.facts.get(Attr::Revision).is_some()
                && module.facts.get(Attr::DownRevision).is_some()
            {
                files[index].status = Status::Stray(reason);
                files[index].module = Some(module);
            }
        }
    }
    Loaded {
        files,
        order,
        twice,
        bytes_missing,
    }
}

/// A module read by the binding reader alone, with the whole-file verdict
/// another build of the core computed for it.
fn with_verdict<'a>(
    mut module: ParsedModule<'a>,
    given: Option<&crate::request::GivenSyntaxError>,
) -> ParsedModule<'a> {
    module.facts.syntax_error = given.map(Into::into);
    module
}

fn join(location: &str, path: &str) -> String {
    if location.is_empty() || location == "." {
        path.to_owned()
    } else {
        format!("{}/{}", location.trim_end_matches('/'), path)
    }
}

fn split_dir(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => ("", path),
    }
}

/// A sort key with the order of [`walk_order`]: each directory component
/// is `(1, name)`, the file name `(0, name)` (files before subdirectories),
/// compared lexicographically (a path that is a prefix of another sorts
/// first, as `walk_order`'s `(None, Some)` does).
fn walk_key(path: &str) -> Vec<(u8, &str)> {
    let mut key: Vec<(u8, &str)> = path.split('/').map(|c| (1, c)).collect();
    if let Some(last) = key.last_mut() {
        last.0 = 0;
    }
    key
}

/// `os.walk` top-down with sorted names: a directory's files (sorted by code
/// point) come before its subdirectories (sorted, each walked in turn).
#[cfg_attr(not(test), allow(dead_code))]
fn walk_order(a: &str, b: &str) -> Ordering {
    let mut ia = a.split('/').peekable();
    let mut ib = b.split('/').peekable();
    loop {
        match (ia.next(), ib.next()) {
            (Some(x), Some(y)) => {
                let x_is_file = ia.peek().is_none();
                let y_is_file = ib.peek().is_none();
                match (x_is_file, y_is_file) {
                    (true, false) => return Ordering::Less,
                    (false, true) => return Ordering::Greater,
                    _ => match x.cmp(y) {
                        Ordering::Equal => continue,
                        other => return other,
                    },
                }
            }
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

/// `(?!\.\#|__init__)(.*\.py)$`
pub(crate) fn is_source_candidate(name: &str) -> bool {
    name.ends_with(".py") && !name.starts_with(".#") && !name.starts_with("__init__")
}

/// Sourceless mode: `(?!\.\#|__init__)(.*\.py)(c|o)$`
fn is_compiled_candidate(name: &str) -> bool {
    (name.ends_with(".pyc") || name.ends_with(".pyo"))
        && !name.starts_with(".#")
        && !name.starts_with("__init__")
}

/// A `.pyc` is skipped when the `.py` exists next to it; a `.pyo` when the
/// `.py` or the `.pyc` does.
fn compiled_shadowed(request: &Request, location: usize, dir: &str, name: &str) -> bool {
    let stem = &name[..name.len() - 1];
    let exists = |n: &str| {
        let path = if dir.is_empty() {
            n.to_owned()
        } else {
            format!("{dir}/{n}")
        };
        request
            .files
            .iter()
            .any(|f| f.location == location && f.path == path)
    };
    exists(stem) || (name.ends_with(".pyo") && exists(&format!("{stem}c")))
}

/// A `__pycache__` entry is added when its stem (up to the first `.`)
/// differs from every file's stem in the parent directory.
fn pycache_extra(request: &Request, location: usize, pycache_dir: &str, name: &str) -> bool {
    let parent = pycache_dir.rsplit_once('/').map_or("", |(p, _)| p);
    let stem = name.split('.').next().unwrap_or(name);
    !request.files.iter().any(|f| {
        f.location == location
            && split_dir(&f.path).0 == parent
            && split_dir(&f.path).1.split('.').next() == Some(stem)
    })
}

fn stray_reason(name: &str, in_unwalked_subdir: bool, in_pycache: bool) -> Option<String> {
    if in_pycache {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if in_unwalked_subdir && lower.ends_with(".py") {
        return Some(
            "it is in a subdirectory and `recursive_version_locations` is not `true`".into(),
        );
    }
    if lower.ends_with(".py") && !name.ends_with(".py") {
        return Some("Alembic only loads names ending in lowercase `.py`".into());
    }
    if name.starts_with("__init__") && name.ends_with(".py") {
        return Some("Alembic skips names starting with `__init__`".into());
    }
    if name.starts_with(".#") && name.ends_with(".py") {
        return Some("Alembic skips names starting with `.#` (editor lock files)".into());
    }
    if lower.ends_with(".py.txt") || lower.ends_with(".pyw") {
        return Some("Alembic only loads names ending in `.py`".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{InputFile, Location, Options};

    #[test]
    fn walk_key_orders_like_walk_order() {
        let paths = [
            "a.py",
            "b.py",
            "a",
            "a/b.py",
            "a/c.py",
            "a/b/c.py",
            "a/b",
            "b/a.py",
            "a.py/x.py",
            "",
            "A.py",
            "a/a/a.py",
            "aa/a.py",
            "a/",
            "/a.py",
            "z.py",
            "a/b/c/d.py",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(
                    walk_key(a).cmp(&walk_key(b)),
                    walk_order(a, b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    fn request(paths: &[(usize, &str)], options: Options) -> Request {
        Request {
            locations: vec![Location { path: "A".into() }, Location { path: "B".into() }],
            files: paths
                .iter()
                .map(|&(location, path)| InputFile {
                    location,
                    path: path.into(),
                    real_path: None,
                    content: Content::Text("revision = 'x'\ndown_revision = None\n".into()),
                })
                .collect(),
            options,
        }
    }

    fn loaded_names(req: &Request) -> Vec<String> {
        let loaded = load(req);
        loaded
            .order
            .iter()
            .map(|&i| loaded.files[i].display.clone())
            .collect()
    }

    #[test]
    fn name_filter_matches_alembic() {
        let names = [
            "abc_msg.py",
            "x.tmpl.py",
            "sp ace.py",
            "#n.py",
            ".hidden.py",
            "_init__.py",
            "__init__.py",
            "__init__x.py",
            ".#b.py",
            "d.py~",
            "#i.py#",
            "k.py.bak",
            "e.PY",
            "g.txt",
            "h.pyc",
        ];
        let req = request(
            &names.iter().map(|n| (0, *n)).collect::<Vec<_>>(),
            Options::default(),
        );
        assert_eq!(
            loaded_names(&req),
            [
                "A/#n.py",
                "A/.hidden.py",
                "A/_init__.py",
                "A/abc_msg.py",
                "A/sp ace.py",
                "A/x.tmpl.py"
            ]
        );
    }

    #[test]
    fn recursive_walk_is_files_first_then_sorted_subdirs() {
        let req = request(
            &[
                (0, "b/x.py"),
                (0, "z.py"),
                (0, "A/sub/x.py"),
                (0, "A/x.py"),
                (0, "c__pycache__/q.py"),
            ],
            Options {
                recursive: true,
                ..Options::default()
            },
        );
        assert_eq!(
            loaded_names(&req),
            ["A/z.py", "A/A/x.py", "A/A/sub/x.py", "A/b/x.py"]
        );
    }

    #[test]
    fn subdirectories_are_stray_without_recursive() {
        let req = request(&[(0, "sub/x.py"), (0, "a.py")], Options::default());
        let loaded = load(&req);
        assert_eq!(loaded.order, [1]);
        assert!(matches!(loaded.files[0].status, Status::Stray(_)));
    }

    #[test]
    fn locations_in_configured_order_and_loaded_twice() {
        let mut req = request(&[(1, "x.py"), (0, "x.py")], Options::default());
        assert_eq!(loaded_names(&req), ["A/x.py", "B/x.py"]);
        req.files[0].real_path = Some("/real/x.py".into());
        req.files[1].real_path = Some("/real/x.py".into());
        let loaded = load(&req);
        assert_eq!(loaded.order, [1]);
        assert_eq!(loaded.files[0].status, Status::LoadedTwice(1));
    }

    #[test]
    fn sourceless_prefers_source() {
        let req = request(
            &[
                (0, "a.py"),
                (0, "a.pyc"),
                (0, "b.pyc"),
                (0, "__pycache__/a.cpython-311.pyc"),
                (0, "__pycache__/c.cpython-311.pyc"),
            ],
            Options {
                sourceless: true,
                ..Options::default()
            },
        );
        assert_eq!(
            loaded_names(&req),
            ["A/a.py", "A/b.pyc", "A/__pycache__/c.cpython-311.pyc"]
        );
    }
}
