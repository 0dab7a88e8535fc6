//! Running the core: in the wasmtime sandbox (default) or in-process.
//!
//! A check has two phases (see `docs/performance.md`):
//!
//! 1. **Per file**, in `--jobs` workers: each revision file's facts (its
//!    bindings and whole-file syntax verdict), read from the result cache
//!    when the same bytes were seen before, else computed in fresh guest
//!    instances (or threads, natively) in batches that do not depend on the
//!    job count.
//! 2. **Once**: the graph and the checks over all files and their facts, in
//!    one guest; the report comes back as JSON.
//!
//! Both engines run the same core code on the same facts, so their reports
//! are byte-identical for every job count, cold or warm; the tests hold them
//! to it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use revguard_core::dialect::django;
use revguard_core::dialect::sql;
use revguard_core::python::PythonVersion;
use revguard_core::wire::AnalyzeTarget;
use revguard_core::{Report, Request};

use crate::result_cache::{self, ResultCache};
use crate::sandbox::{self, FactsSource};

/// Where the core runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum EngineKind {
    /// The core compiled to WebAssembly, run by wasmtime with no imports,
    /// a CPU budget and a memory cap.
    #[default]
    Wasm,
    /// The core linked into this binary.
    Native,
}

/// How a check runs.
#[derive(Debug)]
pub struct Engine {
    /// wasm or native.
    pub kind: EngineKind,
    /// The sandbox's bounds, per guest instance.
    pub limits: sandbox::Limits,
    /// Workers for the per-file phase (at least 1).
    pub jobs: usize,
    /// Whether to use the caches: the per-file results and, for the wasm
    /// engine, the compiled guest (off: neither is opened).
    pub cache: bool,
    /// Result-cache writes still running ([`Engine::save_later`]); the
    /// engine waits for each before it is dropped.
    saving: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Clone for Engine {
    /// The same settings; cache writes still running stay with `self`.
    fn clone(&self) -> Engine {
        Engine {
            kind: self.kind,
            limits: self.limits.clone(),
            jobs: self.jobs,
            cache: self.cache,
            saving: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Drop for Engine {
    /// Wait for every cache write, so none is cut off when the process
    /// exits.
    fn drop(&mut self) {
        let pending = match self.saving.get_mut() {
            Ok(pending) => std::mem::take(pending),
            Err(poisoned) => std::mem::take(poisoned.into_inner()),
        };
        for handle in pending {
            let _ = handle.join();
        }
    }
}

impl Engine {
    /// An engine with the default limits, every core and the cache on.
    pub fn new(kind: EngineKind, limits: sandbox::Limits) -> Engine {
        Engine {
            kind,
            limits,
            jobs: crate::parallel::available_jobs(),
            cache: true,
            saving: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Start loading the wasm guest in the background (nothing for the
    /// native engine), so it overlaps with reading the project.
    pub fn prewarm(&self) {
        if self.kind == EngineKind::Wasm {
            self.apply_module_cache();
            sandbox::prewarm();
        }
    }

    /// With the cache off, the guest is compiled in memory: the
    /// compiled-guest cache is never even read.
    fn apply_module_cache(&self) {
        if !self.cache {
            sandbox::disable_module_cache();
        }
    }

    /// Check a request and return the parsed report.
    pub fn run(&self, request: &Request) -> Result<Report> {
        self.apply_module_cache();
        let started = std::time::Instant::now();
        let per_file = self.per_file(request)?;
        let facts_done = started.elapsed();
        let report = match self.kind {
            EngineKind::Wasm => {
                let (output, stats) = sandbox::check_request(request, per_file, &self.limits)?;
                trace(|| {
                    format!(
                        "check: guest memory {:.1} MiB, fuel {:.2e}, report {:.1} MiB",
                        stats.memory_bytes as f64 / 1048576.0,
                        stats.fuel_consumed as f64,
                        output.len() as f64 / 1048576.0
                    )
                });
                parse_report(&output)?
            }
            EngineKind::Native => {
                let facts = per_file.facts();
                let decoded = facts
                    .iter()
                    .map(|f| f.and_then(revguard_core::wire::decode_facts))
                    .collect();
                drop(facts);
                drop(per_file);
                revguard_core::check_with_facts(request, decoded)
            }
        };
        trace(|| {
            format!(
                "per-file phase {:.1} ms, whole run {:.1} ms",
                facts_done.as_secs_f64() * 1e3,
                started.elapsed().as_secs_f64() * 1e3
            )
        });
        Ok(report)
    }

    /// The per-file phase: every revision file's facts, from the cache or
    /// computed in parallel; new results go into the cache, which is written
    /// back before the graph step so its memory is free by then.
    fn per_file(&self, request: &Request) -> Result<PerFile> {
        let n = request.files.len();
        let wanted: Vec<(usize, &[u8])> = request
            .files
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                revguard_core::load::wants_facts(f) && !request.options.verdicts.contains_key(i)
            })
            .filter_map(|(i, f)| Some((i, f.content.bytes()?)))
            .collect();
        let total = wanted.len();
        let mut done = PerFile {
            cache: self.open_cache(request)?,
            keys: vec![None; n],
            computed: vec![None; n],
        };
        if let Some(cache) = done.cache.as_mut() {
            let keys = self.keys(&wanted)?;
            // One read transaction for the run's own keys: the cost follows
            // this project's files, not the size of the pack.
            cache.load(&keys);
            for (key, &(index, _)) in keys.into_iter().zip(&wanted) {
                done.keys[index] = Some(key);
            }
        }
        let missing: Vec<(usize, &[u8])> = match done.cache.as_mut() {
            Some(cache) => wanted
                .iter()
                .copied()
                .filter(|&(i, _)| done.keys[i].is_some_and(|key| !cache.hit(&key)))
                .collect(),
            None => wanted,
        };
        let inputs: Vec<&[u8]> = missing.iter().map(|&(_, bytes)| bytes).collect();
        let computed = self.analyze(&inputs, request).map_err(|err| {
            // Name the file the guest trapped on.
            match err.downcast_ref::<sandbox::SandboxError>() {
                Some(sandbox::SandboxError::InFile { index, error }) => {
                    let path = missing.get(*index).map_or_else(String::new, |&(i, _)| {
                        let file = &request.files[i];
                        match request.locations.get(file.location) {
                            Some(location) => format!("{}/{}", location.path, file.path),
                            None => file.path.clone(),
                        }
                    });
                    anyhow::anyhow!("{path}: {error}")
                }
                _ => err,
            }
        })?;
        trace(|| {
            let computed = missing.len();
            format!(
                "facts: {} from the cache, {computed} computed",
                total - computed
            )
        });
        for (&(index, _), result) in missing.iter().zip(computed) {
            match (done.cache.as_mut(), done.keys[index]) {
                (Some(cache), Some(key)) => cache.insert(key, result),
                _ => done.computed[index] = Some(result),
            }
        }
        if let Some(cache) = done.cache.as_mut() {
            cache.save();
        }
        Ok(done)
    }

    /// SHA-256 of every wanted file, on the workers.
    fn keys(&self, wanted: &[(usize, &[u8])]) -> Result<Vec<result_cache::Key>> {
        let chunks: Vec<&[(usize, &[u8])]> = wanted.chunks(256).collect();
        let hashed = crate::parallel::map(&chunks, self.jobs, 1 << 20, |chunk| {
            chunk
                .iter()
                .map(|(_, bytes)| result_cache::key(bytes))
                .collect::<Vec<_>>()
        })
        .map_err(anyhow::Error::msg)?;
        Ok(hashed.into_iter().flatten().collect())
    }

    fn analyze(&self, files: &[&[u8]], request: &Request) -> Result<Vec<Vec<u8>>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let safety = &request.options.safety;
        let target = AnalyzeTarget {
            version: request.options.python.version,
            safety: safety.enabled.then(|| safety.clone()),
        };
        match self.kind {
            EngineKind::Wasm => Ok(analyze_wasm(files, &target, &self.limits, self.jobs)?),
            EngineKind::Native => {
                let done = in_batches(files, self.jobs, 64 << 20, |_, batch| {
                    Ok::<_, std::convert::Infallible>(
                        batch
                            .iter()
                            .map(|bytes| {
                                revguard_core::wire::encode_facts(
                                    &revguard_core::parse::analyze_with(
                                        bytes,
                                        target.version,
                                        target.safety.as_ref(),
                                    ),
                                )
                            })
                            .collect(),
                    )
                });
                match done {
                    Ok(Ok(facts)) => Ok(facts),
                    Ok(Err(never)) => match never {},
                    Err(err) => Err(anyhow::Error::msg(err)),
                }
            }
        }
    }

    /// Django's per-file phase: every migration module's facts, from the
    /// result cache (keyed by content, in a namespace of Django's reader)
    /// or computed in the guest (or natively), in order.
    ///
    /// With `lint` (the deploy-safety settings), the facts carry each
    /// module's operations, which the lint replays; without it they do not
    /// (less to read, cache and decode). Each kind has its own namespace.
    pub fn django_facts(
        &self,
        files: &[&[u8]],
        version: PythonVersion,
        lint: Option<&revguard_core::safety::SafetySettings>,
    ) -> Result<Vec<django::MigrationFacts>> {
        self.apply_module_cache();
        let reader = match lint {
            Some(_) => " reader django operations",
            None => " reader django",
        };
        let target = AnalyzeTarget {
            version,
            safety: lint.cloned(),
        };
        let mut cache = self.open_cache_for(version, reader)?;
        let keys = match cache.as_mut() {
            Some(cache) => {
                let wanted: Vec<(usize, &[u8])> = files.iter().copied().enumerate().collect();
                let keys = self.keys(&wanted)?;
                cache.load(&keys);
                Some(keys)
            }
            None => None,
        };
        let missing: Vec<usize> = (0..files.len())
            .filter(|&i| match (cache.as_mut(), &keys) {
                (Some(cache), Some(keys)) => !cache.hit(&keys[i]),
                _ => true,
            })
            .collect();
        let inputs: Vec<&[u8]> = missing.iter().map(|&i| files[i]).collect();
        // A trap names its file by its index among `files`.
        let computed = self.django_read(&inputs, &target).map_err(|err| match err
            .downcast::<sandbox::SandboxError>(
        ) {
            Ok(sandbox::SandboxError::InFile { index, error }) => {
                anyhow::Error::new(sandbox::SandboxError::InFile {
                    index: missing.get(index).copied().unwrap_or(index),
                    error,
                })
            }
            Ok(other) => anyhow::Error::new(other),
            Err(err) => err,
        })?;
        let mut encoded: Vec<Option<Vec<u8>>> = vec![None; files.len()];
        for (&index, bytes) in missing.iter().zip(computed) {
            encoded[index] = Some(bytes);
        }
        let mut out = Vec::with_capacity(files.len());
        for (index, computed) in encoded.into_iter().enumerate() {
            let bytes = match (computed, cache.as_mut(), &keys) {
                (Some(bytes), Some(cache), Some(keys)) => {
                    cache.insert(keys[index], bytes.clone());
                    bytes
                }
                (Some(bytes), _, _) => bytes,
                (None, Some(cache), Some(keys)) => cache
                    .get(&keys[index])
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
                (None, _, _) => Vec::new(),
            };
            let facts = django::wire::decode_facts(&bytes).with_context(|| {
                format!(
                    "the Django reader returned unreadable facts ({} bytes)",
                    bytes.len()
                )
            })?;
            out.push(facts);
        }
        if let Some(cache) = cache {
            self.save_later(cache);
        }
        trace(|| {
            format!(
                "django facts: {} computed, {} from the cache",
                missing.len(),
                files.len() - missing.len()
            )
        });
        Ok(out)
    }

    fn django_read(&self, files: &[&[u8]], target: &AnalyzeTarget) -> Result<Vec<Vec<u8>>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        match self.kind {
            EngineKind::Wasm => Ok(analyze_wasm_export(
                sandbox::Guest::embedded()?,
                "revguard_django_read",
                files,
                target,
                &self.limits,
                self.jobs,
            )?),
            EngineKind::Native => {
                let table = revguard_core::wire::encode_analyze(target, files);
                let output = django::wire::read_table(&table);
                let runs = revguard_core::wire::decode_analyze_output(&output)
                    .map_err(|err| anyhow::anyhow!("Django reader: {err}"))?;
                Ok(runs.into_iter().map(<[u8]>::to_vec).collect())
            }
        }
    }

    /// The SQL tools' per-file phase: every file's checksums and
    /// annotations, from the result cache (keyed by content, in a
    /// namespace of the SQL reader) or computed in the guest (or natively).
    ///
    /// With `safety` (settings naming the tool), each file's facts carry its
    /// deploy-safety lint; the settings are part of the cache's namespace.
    pub fn sql_facts(
        &self,
        files: &[&[u8]],
        safety: Option<&revguard_core::safety::SafetySettings>,
    ) -> Result<Vec<sql::FileFacts>> {
        self.apply_module_cache();
        let version = PythonVersion::DEFAULT;
        let reader = match safety {
            Some(settings) => format!(" reader sql safety {}", settings.lint_key()),
            None => " reader sql".to_owned(),
        };
        let target = revguard_core::wire::AnalyzeTarget {
            version,
            safety: safety.cloned(),
        };
        let mut cache = self.open_cache_for(version, &reader)?;
        let keys = match cache.as_mut() {
            Some(cache) => {
                let wanted: Vec<(usize, &[u8])> = files.iter().copied().enumerate().collect();
                let keys = self.keys(&wanted)?;
                cache.load(&keys);
                Some(keys)
            }
            None => None,
        };
        let mut out: Vec<Option<sql::FileFacts>> = vec![None; files.len()];
        let mut missing = Vec::new();
        for (i, slot) in out.iter_mut().enumerate() {
            let hit = match (cache.as_mut(), &keys) {
                (Some(cache), Some(keys)) => cache.get(&keys[i]).and_then(sql::wire::decode_facts),
                _ => None,
            };
            match hit {
                Some(facts) => *slot = Some(facts),
                None => missing.push(i),
            }
        }
        let inputs: Vec<&[u8]> = missing.iter().map(|&i| files[i]).collect();
        let computed = if inputs.is_empty() {
            Vec::new()
        } else {
            match self.kind {
                EngineKind::Wasm => analyze_wasm_export(
                    sandbox::Guest::embedded()?,
                    "revguard_sql_read",
                    &inputs,
                    &target,
                    &self.limits,
                    self.jobs,
                )?,
                EngineKind::Native => {
                    let table = revguard_core::wire::encode_analyze(&target, &inputs);
                    let output = sql::wire::read_table(&table);
                    revguard_core::wire::decode_analyze_output(&output)
                        .map_err(|err| anyhow::anyhow!("SQL reader: {err}"))?
                        .into_iter()
                        .map(<[u8]>::to_vec)
                        .collect()
                }
            }
        };
        for (&index, bytes) in missing.iter().zip(computed) {
            let facts = sql::wire::decode_facts(&bytes).with_context(|| {
                format!(
                    "the SQL reader returned unreadable facts ({} bytes)",
                    bytes.len()
                )
            })?;
            if let (Some(cache), Some(keys)) = (cache.as_mut(), &keys) {
                cache.insert(keys[index], bytes);
            }
            out[index] = Some(facts);
        }
        if let Some(cache) = cache.as_mut() {
            cache.save();
        }
        trace(|| {
            format!(
                "sql facts: {} computed, {} from the cache",
                missing.len(),
                files.len() - missing.len()
            )
        });
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// A SQL tool's semantics on a history, in the guest (or natively).
    pub fn sql_judge(&self, history: &sql::History) -> Result<sql::Verdict> {
        self.apply_module_cache();
        let request = serde_json::to_vec(history)?;
        self.cached_verdict(" verdict sql", &request, "the history", "a verdict", || {
            Ok(match self.kind {
                EngineKind::Wasm => {
                    sandbox::json_call("revguard_sql_judge", &request, &self.limits)?
                }
                EngineKind::Native => sql::wire::judge_json(&request),
            })
        })
    }

    /// Django's semantics on a project, in the guest (or natively); both
    /// go through the same JSON, so they give the same verdict.
    pub fn django_load(&self, project: &django::Project) -> Result<django::Loaded> {
        self.apply_module_cache();
        let request = serde_json::to_vec(project)?;
        let what = "a Django verdict";
        self.cached_verdict(
            " verdict django",
            &request,
            "the Django project",
            what,
            || {
                Ok(match self.kind {
                    EngineKind::Wasm => sandbox::django_load(&request, &self.limits)?,
                    EngineKind::Native => django::wire::load_json(&request),
                })
            },
        )
    }

    /// A whole-project semantics step (Django's graph, a SQL tool's
    /// history) through the result cache: the key is the SHA-256 of the
    /// exact JSON request, which holds everything the verdict depends on
    /// (every file's facts, the settings, the applied rows, the history
    /// input), in a pack of this build and engine. An unchanged project is
    /// judged without starting the guest; any change is a new key. Only
    /// verdicts are kept, never the core's refusals.
    fn cached_verdict<T: serde::de::DeserializeOwned>(
        &self,
        namespace: &str,
        request: &[u8],
        input: &str,
        what: &str,
        compute: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<T> {
        let mut cache = self.open_cache_for(PythonVersion::DEFAULT, namespace)?;
        let key = result_cache::key(request);
        if let Some(cache) = cache.as_mut()
            && cache.hit(&key)
            && let Some(verdict) = cache
                .get(&key)
                .and_then(|bytes| serde_json::from_slice::<T>(bytes).ok())
        {
            cache.save();
            trace(|| format!("{}: from the cache", namespace.trim()));
            return Ok(verdict);
        }
        let output = compute()?;
        let judged = verdict(&output, input, what)?;
        if let Some(mut cache) = cache {
            cache.insert(key, output);
            self.save_later(cache);
        }
        Ok(judged)
    }

    /// Write `cache`'s new entries on a thread of their own while the check
    /// goes on (a cold check's writes then overlap the semantics step and
    /// the report); the engine waits for it before it is dropped. Best
    /// effort, as every cache write: with no thread to be had, the entries
    /// are not kept and the next run computes them again.
    fn save_later(&self, mut cache: ResultCache) {
        if !cache.has_changes() {
            return;
        }
        let Ok(handle) = std::thread::Builder::new()
            .name("revguard-cache".into())
            .spawn(move || cache.save())
        else {
            return;
        };
        match self.saving.lock() {
            Ok(mut pending) => pending.push(handle),
            Err(_) => {
                let _ = handle.join();
            }
        }
    }

    /// The cache for this build, engine and Python version, when enabled;
    /// an invalid `REVGUARD_CACHE_MAX_BYTES` is an error.
    fn open_cache(&self, request: &Request) -> Result<Option<ResultCache>> {
        // The facts carry the deploy-safety lint when it is on: its settings
        // are part of what an entry depends on.
        let safety = &request.options.safety;
        let lint = if safety.enabled {
            format!(" safety {}", safety.lint_key())
        } else {
            String::new()
        };
        self.open_cache_for(request.options.python.version, &lint)
    }

    /// [`Engine::open_cache`] for a reader: Alembic's namespace has no
    /// suffix, every other reader's names it, so the same bytes read by two
    /// readers never share an entry.
    fn open_cache_for(&self, version: PythonVersion, reader: &str) -> Result<Option<ResultCache>> {
        if !self.cache {
            return Ok(None);
        }
        let max_bytes = result_cache::max_bytes_from_env().map_err(anyhow::Error::msg)?;
        let Some(dir) = cache_dir() else {
            return Ok(None);
        };
        let namespace = format!(
            "revguard {} abi {} guest {} engine {:?} python {}",
            env!("CARGO_PKG_VERSION"),
            sandbox::ABI_VERSION,
            env!("REVGUARD_GUEST_FINGERPRINT"),
            self.kind,
            version,
        );
        let namespace = format!("{namespace}{reader}");
        let settings = result_cache::Settings::with_max_bytes(max_bytes);
        Ok(Some(ResultCache::open_with(&dir, &namespace, settings)))
    }
}

/// A JSON verdict from the core, or its `{"error": ...}` refusal of `input`
/// as an error; anything else is a verdict (`what`) this build cannot read.
fn verdict<T: serde::de::DeserializeOwned>(output: &[u8], input: &str, what: &str) -> Result<T> {
    #[derive(serde::Deserialize)]
    struct Refusal {
        error: String,
    }
    match serde_json::from_slice::<T>(output) {
        Ok(verdict) => Ok(verdict),
        Err(err) => {
            if let Ok(Refusal { error }) = serde_json::from_slice::<Refusal>(output) {
                bail!("the core refused {input}: {error}");
            }
            Err(err).with_context(|| format!("the core returned {what} this build cannot read"))
        }
    }
}

/// Environment variable that overrides the cache directory (the compiled
/// guest and the per-file results); set but empty, it turns both caches off.
pub const CACHE_DIR_ENV: &str = "REVGUARD_CACHE_DIR";

/// Where the compiled guest and the per-file results are cached:
/// `$REVGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/revguard`, else
/// `~/.cache/revguard`; `None` for no cache.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV) {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|home| Path::new(&home).join(".cache"))
        })?;
    Some(base.join("revguard"))
}

/// Files per analyze batch, and bytes: each batch runs in a fresh guest
/// instance (or one task, natively), so a guest's memory stays near one
/// batch plus one file's syntax tree. The batches do not depend on `jobs`,
/// so neither does any verdict (fuel is per instance). Small enough that a
/// thousand files make several batches per worker, so a worker slowed by
/// the machine's other load does not leave the others waiting on its last
/// batch (an instance costs well under a millisecond).
pub const BATCH_FILES: usize = 128;
/// See [`BATCH_FILES`].
pub const BATCH_BYTES: usize = 4 << 20;

/// Split files into the analyze batches (ranges of indices), by count and size.
pub fn batches(sizes: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && (i - start == BATCH_FILES || bytes + size > BATCH_BYTES) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// `analyze` over the batches of `files` on up to `jobs` workers (each with
/// a native stack of `stack` bytes): the results of every file in order, or
/// the error of the first failing batch, whatever `jobs` is. The outer error
/// is a worker that could not run.
fn in_batches<E: Send>(
    files: &[&[u8]],
    jobs: usize,
    stack: usize,
    analyze: impl Fn(Range<usize>, &[&[u8]]) -> Result<Vec<Vec<u8>>, E> + Sync,
) -> Result<Result<Vec<Vec<u8>>, E>, String> {
    let sizes: Vec<usize> = files.iter().map(|f| f.len()).collect();
    let batches = batches(&sizes);
    let results = crate::parallel::map(&batches, jobs, stack, |range| {
        analyze(range.clone(), &files[range.clone()])
    })?;
    let mut out = Vec::with_capacity(files.len());
    for result in results {
        match result {
            Ok(facts) => out.extend(facts),
            Err(err) => return Ok(Err(err)),
        }
    }
    Ok(Ok(out))
}

/// The per-file phase of the wasm engine in `jobs` guests at once: one
/// engine and one compiled module (the embedded guest), a store per batch.
/// Returns one encoded `FileFacts` per file, in order; a trap names its file
/// ([`sandbox::SandboxError::InFile`], its index in `files`).
pub fn analyze_wasm(
    files: &[&[u8]],
    target: &AnalyzeTarget,
    limits: &sandbox::Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, sandbox::SandboxError> {
    analyze_wasm_with(sandbox::Guest::embedded()?, files, target, limits, jobs)
}

/// [`analyze_wasm`] with any module that follows the guest ABI instead of
/// the embedded guest (a hand-written `.wat` test guest, say), under exactly
/// the same batching, limits and culprit search.
pub fn analyze_wasm_with(
    guest: &sandbox::Guest,
    files: &[&[u8]],
    target: &AnalyzeTarget,
    limits: &sandbox::Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, sandbox::SandboxError> {
    analyze_wasm_export(guest, "revguard_analyze", files, target, limits, jobs)
}

/// [`analyze_wasm_with`] through another per-file export that takes the same
/// table (`revguard_django_read`: Django's reader).
fn analyze_wasm_export(
    guest: &sandbox::Guest,
    export: &str,
    files: &[&[u8]],
    target: &AnalyzeTarget,
    limits: &sandbox::Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, sandbox::SandboxError> {
    let done = in_batches(files, jobs, sandbox::THREAD_STACK, |range, batch| {
        guest
            .analyze_export(export, batch, target, limits)
            .map_err(|err| match err {
                sandbox::SandboxError::InFile { index, error } => sandbox::SandboxError::InFile {
                    index: range.start + index,
                    error,
                },
                err => err,
            })
    });
    done.map_err(sandbox::SandboxError::Setup)?
}

/// The per-file phase's results, by file index.
struct PerFile {
    cache: Option<ResultCache>,
    keys: Vec<Option<result_cache::Key>>,
    computed: Vec<Option<Vec<u8>>>,
}

impl sandbox::FactsSource for PerFile {
    /// Each file's encoded facts, borrowed from the cache or this run.
    fn facts(&self) -> Vec<Option<&[u8]>> {
        self.computed
            .iter()
            .zip(&self.keys)
            .map(|(computed, key)| match (computed, key, &self.cache) {
                (Some(computed), _, _) => Some(computed.as_slice()),
                (None, Some(key), Some(cache)) => cache.get(key),
                _ => None,
            })
            .collect()
    }
}

/// `REVGUARD_TRACE=1`: where a check's time and memory go, on stderr.
pub(crate) fn trace(line: impl FnOnce() -> String) {
    if std::env::var_os("REVGUARD_TRACE").is_some_and(|v| !v.is_empty() && v != "0") {
        eprintln!("revguard: trace: {}", line());
    }
}

/// Straight into a Report (no serde_json::Value in between: at 100,000
/// revisions the report is 29 MB and the tree cost ~0.3 s); only when that
/// fails, see whether it is the core's `{"error": ...}`.
fn parse_report(output: &[u8]) -> Result<Report> {
    match serde_json::from_slice::<Report>(output) {
        Ok(report) => Ok(report),
        Err(err) => {
            #[derive(serde::Deserialize)]
            struct Refusal {
                error: String,
            }
            if let Ok(Refusal { error }) = serde_json::from_slice::<Refusal>(output) {
                bail!("the core refused the request: {error}");
            }
            if serde_json::from_slice::<serde::de::IgnoredAny>(output).is_err() {
                return Err(err).context("the core returned invalid JSON");
            }
            Err(err).context("the core returned a report this build cannot read")
        }
    }
}
