//! The sandbox: run the core, compiled to WebAssembly, inside wasmtime.
//!
//! The ArgoCD plugin checks whatever a repository contains, so the parser and
//! the graph checker run as a wasm module (`wasm/guest`, embedded in this
//! binary by `build.rs`) that has no capabilities at all, with bounded CPU and
//! bounded memory. The local CLI runs the very same module, so a laptop sees
//! exactly what the plugin decides. [`check_json`] is the entry point; the
//! native engine (`revguard_core::check_json`) returns byte-identical output.
//!
//! # How a check runs
//!
//! - **One engine, one compiled module per process**, built lazily on the first
//!   check. The [`Config`] is explicit (see [`engine_config`]).
//! - **Compiled ahead of time, cached on first use.** Compiling the guest with
//!   cranelift costs tens of milliseconds, more than the whole check of a
//!   typical repository. The first run compiles it and stores the artifact
//!   (`.cwasm`) in `$REVGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/revguard`,
//!   else `~/.cache/revguard`; later runs map it in (about a millisecond).
//!   The file name is a hash of wasmtime's precompile-compatibility hash
//!   (version, config, CPU features) and of the guest's bytes, so a new build
//!   or another machine never picks up a stale artifact; it is written to a
//!   temporary file (`O_EXCL`, random name) and renamed into place, so
//!   concurrent runs never see half a file and a planted link is never
//!   written through. Deserialising runs the file's machine code, so the
//!   entry carries the SHA-256 of its bytes, checked in memory before
//!   wasmtime sees them: a damaged entry is compiled again and replaced,
//!   never run. When the directory cannot be written (a read-only root file
//!   system in the ArgoCD sidecar), `REVGUARD_CACHE_DIR` is set but empty,
//!   or `--no-cache` is given, the module is compiled in memory and the
//!   cache is neither read nor written.
//! - **A fresh [`Store`] per check**, so nothing leaks between checks, with
//!   **no imports linked**: a module that imports anything is refused before
//!   it runs ([`SandboxError::Imports`]).
//! - **CPU: fuel.** Fuel is deterministic: the same input runs out in the
//!   same place on a laptop, in CI and in the sidecar, however loaded or
//!   throttled the machine is, so the plugin never fails where the developer
//!   passed. An epoch deadline would measure wall time instead and could fail
//!   a big but legitimate history only on a throttled pod. The timeout is
//!   converted at [`FUEL_PER_SECOND`] (calibrated on the real checker, see
//!   `BENCHMARKS.md`), so `--timeout 5` means "about five seconds of work on
//!   a current x86-64 core"; a slower machine gets the same amount of work,
//!   in more wall time. With no imports the guest cannot block, so fuel bounds
//!   its run time.
//! - **Memory: [`StoreLimits`]** with `trap_on_grow_failure`, so hitting the
//!   cap is a clear trap rather than an allocator abort inside the guest.
//! - **Stack:** the guest runs on a dedicated thread whose native stack is
//!   comfortably larger than wasmtime's `max_wasm_stack`, so a deep recursion
//!   in the guest is a clean trap, never a host abort, whichever thread the
//!   caller is on.
//!
//! Every failure is a [`SandboxError`] whose `Display` is one line starting
//! with `sandbox:`, and no partial report is ever returned.

use std::fmt;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use sha2::Digest as _;

use revguard_core::python::PythonVersion;
use revguard_core::wire::{self, Carried, CheckHeader, FileRecord};
use revguard_core::{Content, Request};
use wasmtime::{
    Config, Engine, Instance, InstancePre, Linker, Memory, Module, OptLevel, ResourceLimiter,
    Store, StoreLimits, StoreLimitsBuilder, Trap, TypedFunc, WasmBacktraceDetails,
};

/// The guest module built from `wasm/guest` by `build.rs`.
pub static GUEST_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/revguard_guest.wasm"));

/// The guest ABI version this host speaks (`revguard_abi_version`; see the
/// `revguard-guest` crate docs).
pub const ABI_VERSION: u32 = 2;

/// Fuel granted per second of `--timeout`: the rate at which the real
/// checker consumes fuel on the reference machine in `BENCHMARKS.md`
/// (1.0–1.5 × 10¹⁰ units per second on generated histories), rounded down,
/// so a legitimate check gets about `--timeout` seconds of work. Code that
/// does little per instruction burns fuel more slowly: a tight `loop br`
/// consumes about 1.5 × 10⁹ units per second, so a guest stuck in one is
/// stopped after roughly 7× the timeout in wall time. That is the price of a
/// deterministic bound; the guest is our own checker, so a loop would be a
/// bug, and this is a safety net.
pub const FUEL_PER_SECOND: u64 = 10_000_000_000;

/// The most wasm stack the guest may use; overflowing it is a trap. Sized
/// for the deepest statement the core hands to its parser (the safe depths
/// of `docs/syntax.md`: 5,952 unary operators or 9,900 links on 3.13; 2 MiB
/// trapped at both).
const MAX_WASM_STACK: usize = 8 << 20;

/// Native stack of the thread the guest runs on: `MAX_WASM_STACK` plus ample
/// room for wasmtime's own frames (the pages are only touched when used).
const SANDBOX_THREAD_STACK: usize = 32 << 20;

/// Environment variable that overrides the compiled-module cache directory;
/// set but empty, it turns the cache off.
pub const CACHE_DIR_ENV: &str = "REVGUARD_CACHE_DIR";

/// Resource bounds for one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// CPU budget, converted to fuel at [`FUEL_PER_SECOND`].
    pub timeout: Duration,
    /// Largest the guest's linear memory may grow, in bytes.
    pub max_memory_bytes: u64,
}

impl Limits {
    /// The default CPU budget (`--timeout`).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default memory cap (`--max-memory`, 512 MiB).
    pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 512 << 20;

    /// The fuel a check may consume.
    pub fn fuel(&self) -> u64 {
        let fuel = self.timeout.as_secs_f64() * FUEL_PER_SECOND as f64;
        // `as` saturates; the budget is far below u64::MAX for any sane timeout.
        fuel as u64
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Limits::DEFAULT_TIMEOUT,
            max_memory_bytes: Limits::DEFAULT_MAX_MEMORY_BYTES,
        }
    }
}

/// Why the sandbox could not produce a report. `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SandboxError {
    /// The guest used up its fuel.
    TimeLimit {
        /// The `--timeout` the fuel was derived from.
        timeout: Duration,
    },
    /// The guest tried to grow its memory past the cap (or the request alone
    /// does not fit under it).
    MemoryLimit {
        /// The cap, in bytes.
        max_bytes: u64,
    },
    /// The guest trapped: a panic, a stack overflow, an out-of-bounds access…
    Trap {
        /// Wasmtime's description of the trap.
        reason: String,
        /// The guest's panic message, when it panicked.
        panic: Option<String>,
    },
    /// The per-file phase failed on one file: `index` is its position in the
    /// list given to [`analyze`] (the caller knows its path).
    InFile {
        /// The file's index in [`analyze`]'s `files`.
        index: usize,
        /// What went wrong in the guest.
        error: Box<SandboxError>,
    },
    /// The module imports something; nothing is ever linked in.
    Imports(Vec<String>),
    /// The guest speaks another ABI version.
    AbiVersion {
        /// What the guest reported.
        found: u32,
    },
    /// The guest broke the ABI (a missing export, an out-of-bounds buffer).
    Abi(String),
    /// Wasmtime could not be set up or the module not compiled.
    Setup(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::TimeLimit { timeout } => {
                write!(f, "sandbox: time limit of {timeout:?} exceeded")
            }
            SandboxError::MemoryLimit { max_bytes } => {
                write!(f, "sandbox: memory limit of {} exceeded", Bytes(*max_bytes))
            }
            SandboxError::Trap {
                reason,
                panic: None,
            } => {
                write!(f, "sandbox: guest trapped: {}", one_line(reason))
            }
            SandboxError::Trap {
                reason,
                panic: Some(panic),
            } => write!(
                f,
                "sandbox: guest trapped: {} ({})",
                one_line(panic),
                one_line(reason)
            ),
            SandboxError::InFile { index, error } => write!(f, "{error} (input file {index})"),
            SandboxError::Imports(imports) => {
                write!(f, "sandbox: module has imports ({})", imports.join(", "))
            }
            SandboxError::AbiVersion { found } => write!(
                f,
                "sandbox: guest speaks ABI version {found}, this host speaks {ABI_VERSION}"
            ),
            SandboxError::Abi(message) => {
                write!(f, "sandbox: guest broke the ABI: {}", one_line(message))
            }
            SandboxError::Setup(message) => {
                write!(f, "sandbox: cannot set up wasmtime: {}", one_line(message))
            }
        }
    }
}

impl std::error::Error for SandboxError {}

/// Collapse a multi-line message (wasmtime's errors carry context chains and
/// backtraces; panic messages put the payload on its own line) into one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte counts the way `--max-memory` takes them.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: u64 = 1 << 20;
        if self.0.is_multiple_of(MIB) {
            write!(f, "{} MiB", self.0 / MIB)
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

/// Check a JSON request in the embedded guest. The output is exactly
/// `revguard_core::check_json(request_json)`: a JSON report, or
/// `{"error": ...}` for a malformed request (decoded here: the guest's ABI
/// takes binary tables, see [`check_request`]).
pub fn check_json(request_json: &[u8], limits: &Limits) -> Result<Vec<u8>, SandboxError> {
    check_json_with_stats(request_json, limits).map(|(output, _)| output)
}

/// What a successful run cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    /// Fuel the guest consumed (the budget is [`Limits::fuel`]).
    pub fuel_consumed: u64,
    /// Final (and so peak: wasm memory never shrinks) size of the guest's
    /// linear memory, in bytes.
    pub memory_bytes: u64,
}

/// [`check_json`], also reporting what the run cost.
pub fn check_json_with_stats(
    request_json: &[u8],
    limits: &Limits,
) -> Result<(Vec<u8>, RunStats), SandboxError> {
    match serde_json::from_slice::<Request>(request_json) {
        Ok(request) => check_request(&request, &[][..], limits),
        // The core's own refusal, byte for byte.
        Err(_) => Ok((
            revguard_core::check_json(request_json),
            RunStats {
                fuel_consumed: 0,
                memory_bytes: 0,
            },
        )),
    }
}

/// Where a check's per-file facts come from: the cache and this run's
/// results, or a plain list in tests. [`check_request`] drops it as soon as
/// the facts are in the guest, so its memory is free while the guest runs.
pub trait FactsSource: Send {
    /// Each file's encoded facts, by file index (`None`: read it in the guest).
    fn facts(&self) -> Vec<Option<&[u8]>>;
}

impl FactsSource for &[Option<&[u8]>] {
    fn facts(&self) -> Vec<Option<&[u8]>> {
        self.to_vec()
    }
}

/// Check a request in one guest: every read file's bytes go into a buffer of
/// their own, which the guest takes over, and `facts` (encoded, from
/// [`analyze`] or the result cache) spare the guest reading those files. The
/// output is the JSON report, exactly `revguard_core::check_with_facts`'s.
pub fn check_request(
    request: &Request,
    facts: impl FactsSource,
    limits: &Limits,
) -> Result<(Vec<u8>, RunStats), SandboxError> {
    let guest = embedded_guest()?;
    let input: u64 = request
        .files
        .iter()
        .filter_map(|f| f.content.bytes())
        .map(|b| b.len() as u64)
        .sum();
    if input > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    on_sandbox_thread(move || {
        let mut session = Session::open(guest, limits)?;
        let given = facts.facts();
        let mut files = Vec::with_capacity(request.files.len());
        for (index, file) in request.files.iter().enumerate() {
            let content = match &file.content {
                Content::Unread(reason) => Carried::Unread(reason),
                content => {
                    let bytes = content.bytes().unwrap_or_default();
                    Carried::Buffer(session.put(bytes)?, bytes.len() as u32)
                }
            };
            files.push(FileRecord {
                location: file.location,
                path: &file.path,
                real_path: file.real_path.as_deref(),
                content,
                facts: given.get(index).copied().flatten(),
            });
        }
        let header = CheckHeader {
            locations: request.locations.clone(),
            options: request.options.clone(),
        };
        let table = wire::encode_check(&header, &files);
        drop(files);
        drop(given);
        drop(facts);
        let (ptr, len) = (session.put(&table)?, table.len() as u32);
        drop(table);
        let output = session.call("revguard_check", ptr, len)?;
        Ok((output, session.stats()))
    })
}

/// Files per analyze batch, and bytes: each batch runs in a fresh instance,
/// so a guest's memory stays near one batch plus one file's syntax tree. The
/// batches do not depend on `jobs`, so neither does any verdict (fuel is per
/// instance).
pub const BATCH_FILES: usize = 512;
/// See [`BATCH_FILES`].
pub const BATCH_BYTES: usize = 4 << 20;

/// Split files into the analyze batches (ranges of indices), by count and size.
pub fn batches(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
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

/// The per-file phase in `jobs` guests at once: one engine and one compiled
/// module, a store per batch. Returns one encoded `FileFacts` per file, in
/// order. When batches fail, the error of the first failing batch is
/// returned, whatever `jobs` is.
pub fn analyze(
    files: &[&[u8]],
    version: PythonVersion,
    limits: &Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, SandboxError> {
    analyze_with(
        embedded_guest()?,
        "revguard_analyze",
        files,
        version,
        limits,
        jobs,
    )
}

/// Django's per-file phase in the embedded guest, batched and bounded like
/// [`analyze`]: one JSON-encoded `MigrationFacts` per file, in order.
pub fn django_read(
    files: &[&[u8]],
    version: PythonVersion,
    limits: &Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, SandboxError> {
    analyze_with(
        embedded_guest()?,
        "revguard_django_read",
        files,
        version,
        limits,
        jobs,
    )
}

/// Django's semantics in one embedded guest: a project as JSON in, the
/// verdict as JSON out.
pub fn django_load(project_json: &[u8], limits: &Limits) -> Result<Vec<u8>, SandboxError> {
    let guest = embedded_guest()?;
    if project_json.len() as u64 > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    on_sandbox_thread(|| {
        Session::open(guest, limits)?.call_with("revguard_django_load", project_json)
    })
}

/// [`analyze`] with any module that follows the guest ABI instead of the
/// embedded guest (a hand-written `.wat` test guest, say), under exactly the
/// same batching, limits and culprit search. Compiles on every call (no
/// cache); meant for tests and diagnostics, like [`run_module`].
pub fn analyze_module(
    wasm: &[u8],
    files: &[&[u8]],
    version: PythonVersion,
    limits: &Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, SandboxError> {
    let engine = shared_engine()?;
    let module =
        Module::from_binary(engine, wasm).map_err(|err| setup("cannot compile module", err))?;
    let guest = Guest::new(engine, &module)?;
    analyze_with(&guest, "revguard_analyze", files, version, limits, jobs)
}

fn analyze_with(
    guest: &Guest,
    export: &str,
    files: &[&[u8]],
    version: PythonVersion,
    limits: &Limits,
    jobs: usize,
) -> Result<Vec<Vec<u8>>, SandboxError> {
    let sizes: Vec<usize> = files.iter().map(|f| f.len()).collect();
    let batches = batches(&sizes);
    let results = crate::parallel::map(&batches, jobs, SANDBOX_THREAD_STACK, |range| {
        analyze_batch(guest, export, &files[range.clone()], version, limits)
            .map_err(|err| culprit(guest, export, files, range.clone(), version, limits, err))
    })
    .map_err(SandboxError::Setup)?;
    let mut out = Vec::with_capacity(files.len());
    for result in results {
        out.extend(result?);
    }
    Ok(out)
}

fn analyze_batch(
    guest: &Guest,
    export: &str,
    files: &[&[u8]],
    version: PythonVersion,
    limits: &Limits,
) -> Result<Vec<Vec<u8>>, SandboxError> {
    let table = wire::encode_analyze(version, files);
    if table.len() as u64 > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    let mut session = Session::open(guest, limits)?;
    let output = session.call_with(export, &table)?;
    let runs = wire::decode_analyze_output(&output)
        .map_err(|err| SandboxError::Abi(format!("{export}: {err}")))?;
    if runs.len() != files.len() {
        return Err(SandboxError::Abi(format!(
            "{export} returned {} results for {} files",
            runs.len(),
            files.len()
        )));
    }
    Ok(runs.into_iter().map(<[u8]>::to_vec).collect())
}

/// A batch trapped: find the file that makes the guest trap on its own, so
/// the error can name it ([`SandboxError::InFile`]). Only traps are retried
/// (a stack overflow, a panic): they come from one file's content, and a
/// file alone is cheap to redo; the time and memory limits are not.
fn culprit(
    guest: &Guest,
    export: &str,
    files: &[&[u8]],
    range: std::ops::Range<usize>,
    version: PythonVersion,
    limits: &Limits,
    err: SandboxError,
) -> SandboxError {
    if !matches!(err, SandboxError::Trap { .. }) {
        return err;
    }
    for index in range {
        if let Err(alone) = analyze_batch(guest, export, &files[index..=index], version, limits) {
            return SandboxError::InFile {
                index,
                error: Box::new(alone),
            };
        }
    }
    err
}

/// Start loading the embedded guest (engine, cached or compiled module) on a
/// background thread, so it overlaps with discovering and reading the
/// project; the first [`check_json`] then waits only for whatever is left.
/// Errors are not lost: [`check_json`] reports them.
pub fn prewarm() {
    let _ = std::thread::Builder::new()
        .name("revguard-prewarm".into())
        .spawn(|| {
            let _ = embedded_guest();
        });
}

/// Set by [`disable_module_cache`]: the compiled-guest cache is neither read
/// nor written.
static MODULE_CACHE_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Compile the guest in memory for the rest of this process and never open
/// the compiled-guest cache (`--no-cache`). Call it before the first check
/// (or [`prewarm`]): a guest already loaded stays as it is.
pub fn disable_module_cache() {
    MODULE_CACHE_OFF.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The compiled-guest cache directory, unless it is off for this process.
fn module_cache_dir() -> Option<PathBuf> {
    if MODULE_CACHE_OFF.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    cache_dir()
}

/// The embedded guest, loaded once per process.
fn embedded_guest() -> Result<&'static Guest, SandboxError> {
    static GUEST: OnceLock<Result<Guest, SandboxError>> = OnceLock::new();
    GUEST
        .get_or_init(|| Guest::load_embedded(module_cache_dir().as_deref()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Run any module that follows the guest ABI (e.g. a hand-written `.wat`
/// test guest, or a prebuilt `revguard_guest.wasm`) under exactly the
/// configuration and limits the real checks use: `input` is written into the
/// guest and `export` (`revguard_check` or `revguard_analyze`) is called on
/// it. Compiles on every call (no cache); meant for tests and diagnostics.
pub fn run_module(
    wasm: &[u8],
    export: &str,
    input: &[u8],
    limits: &Limits,
) -> Result<Vec<u8>, SandboxError> {
    let engine = shared_engine()?;
    let module =
        Module::from_binary(engine, wasm).map_err(|err| setup("cannot compile module", err))?;
    let guest = Guest::new(engine, &module)?;
    if input.len() as u64 > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    on_sandbox_thread(|| Session::open(&guest, limits)?.call_with(export, input))
}

/// The explicit wasmtime configuration. Anything that changes generated code
/// also changes the precompile-compatibility hash, and with it the cache key.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .epoch_interruption(false)
        .max_wasm_stack(MAX_WASM_STACK)
        // Never used (no async), but wasmtime refuses a wasm stack larger
        // than it.
        .async_stack_size(MAX_WASM_STACK)
        .cranelift_opt_level(OptLevel::Speed)
        // Errors are reported in one line, so the backtrace would only cost
        // time when a trap is raised; it is also off for reproducibility.
        .wasm_backtrace_max_frames(None)
        .wasm_backtrace_details(WasmBacktraceDetails::Disable);
    config
}

fn shared_engine() -> Result<&'static Engine, SandboxError> {
    static ENGINE: OnceLock<Result<Engine, SandboxError>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            Engine::new(&engine_config()).map_err(|err| setup("cannot create engine", err))
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn setup(what: &str, err: wasmtime::Error) -> SandboxError {
    SandboxError::Setup(format!("{what}: {err}"))
}

/// A compiled guest, ready to instantiate into fresh stores.
struct Guest {
    pre: InstancePre<StoreState>,
}

impl Guest {
    /// Compile (or load from the cache) the embedded guest.
    fn load_embedded(cache: Option<&Path>) -> Result<Guest, SandboxError> {
        let engine = shared_engine()?;
        let module = load_module(engine, GUEST_WASM, cache)?;
        Guest::new(engine, &module)
    }

    fn new(engine: &Engine, module: &Module) -> Result<Guest, SandboxError> {
        let imports: Vec<String> = module
            .imports()
            .map(|import| format!("{}::{}", import.module(), import.name()))
            .collect();
        if !imports.is_empty() {
            return Err(SandboxError::Imports(imports));
        }
        // An empty linker: with no imports, instantiation resolves nothing.
        let pre = Linker::new(engine)
            .instantiate_pre(module)
            .map_err(|err| setup("cannot prepare instance", err))?;
        Ok(Guest { pre })
    }
}

/// Run `work` on a thread whose native stack is comfortably larger than the
/// guest's wasm stack, so a deep recursion is a clean trap.
fn on_sandbox_thread<T: Send>(
    work: impl FnOnce() -> Result<T, SandboxError> + Send,
) -> Result<T, SandboxError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("revguard-sandbox".into())
            .stack_size(SANDBOX_THREAD_STACK)
            .spawn_scoped(scope, work)
            .map_err(|err| {
                SandboxError::Setup(format!("cannot start the sandbox thread: {err}"))
            })?;
        worker
            .join()
            .unwrap_or_else(|_| Err(SandboxError::Setup("the sandbox thread panicked".into())))
    })
}

/// One fresh store and instance of a guest, with its limits.
struct Session<'l> {
    store: Store<StoreState>,
    instance: Instance,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    limits: &'l Limits,
}

impl<'l> Session<'l> {
    /// Instantiate the guest in a fresh store and check its ABI version.
    fn open(guest: &Guest, limits: &'l Limits) -> Result<Session<'l>, SandboxError> {
        let mut store = Store::new(guest.pre.module().engine(), StoreState::new(limits));
        store.limiter(|state| &mut state.limiter);
        store
            .set_fuel(limits.fuel())
            .map_err(|err| setup("cannot set fuel", err))?;
        let instance = guest
            .pre
            .instantiate(&mut store)
            .map_err(|err| classify(err, &mut store, None, limits))?;
        let version = instance
            .get_typed_func::<(), u32>(&mut store, "revguard_abi_version")
            .map_err(|err| abi("revguard_abi_version", err))?
            .call(&mut store, ())
            .map_err(|err| classify(err, &mut store, None, limits))?;
        if version != ABI_VERSION {
            return Err(SandboxError::AbiVersion { found: version });
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| SandboxError::Abi("no exported memory".into()))?;
        let alloc = instance
            .get_typed_func::<u32, u32>(&mut store, "revguard_alloc")
            .map_err(|err| abi("revguard_alloc", err))?;
        Ok(Session {
            store,
            instance,
            memory,
            alloc,
            limits,
        })
    }

    fn fail(&mut self, err: wasmtime::Error) -> SandboxError {
        classify(err, &mut self.store, Some(&self.instance), self.limits)
    }

    /// Copy `bytes` into a fresh guest buffer; returns its pointer.
    fn put(&mut self, bytes: &[u8]) -> Result<u32, SandboxError> {
        let too_big = || SandboxError::MemoryLimit {
            max_bytes: self.limits.max_memory_bytes,
        };
        let len = u32::try_from(bytes.len()).map_err(|_| too_big())?;
        let ptr = match self.alloc.call(&mut self.store, len) {
            Ok(ptr) => ptr,
            Err(err) => return Err(self.fail(err)),
        };
        if ptr == 0 {
            return Err(too_big());
        }
        if !bytes.is_empty() {
            self.memory
                .write(&mut self.store, ptr as usize, bytes)
                .map_err(|_| {
                    SandboxError::Abi("revguard_alloc returned an out-of-bounds buffer".into())
                })?;
        }
        Ok(ptr)
    }

    /// Write `input` into the guest and call `export` on it; returns the
    /// output bytes.
    fn call_with(&mut self, export: &str, input: &[u8]) -> Result<Vec<u8>, SandboxError> {
        let ptr = self.put(input)?;
        self.call(export, ptr, input.len() as u32)
    }

    /// Call `export` on the `len` bytes already written at `ptr`; returns the
    /// output bytes.
    fn call(&mut self, export: &str, ptr: u32, len: u32) -> Result<Vec<u8>, SandboxError> {
        let func = self
            .instance
            .get_typed_func::<(u32, u32), u64>(&mut self.store, export)
            .map_err(|err| abi(export, err))?;
        let packed = match func.call(&mut self.store, (ptr, len)) {
            Ok(packed) => packed,
            Err(err) => return Err(self.fail(err)),
        };
        let (out_ptr, out_len) = unpack(packed);
        self.memory
            .data(&self.store)
            .get(out_ptr..out_ptr.saturating_add(out_len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| SandboxError::Abi(format!("{export} returned an out-of-bounds output")))
        // The store, and with it the instance and all its memory, is dropped
        // with the session; freeing buffers inside the guest would be wasted work.
    }

    fn stats(&self) -> RunStats {
        RunStats {
            fuel_consumed: self
                .limits
                .fuel()
                .saturating_sub(self.store.get_fuel().unwrap_or(0)),
            memory_bytes: self.memory.data_size(&self.store) as u64,
        }
    }
}

fn unpack(packed: u64) -> (usize, usize) {
    ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize)
}

fn abi(export: &str, err: wasmtime::Error) -> SandboxError {
    SandboxError::Abi(format!("export {export}: {err}"))
}

/// Turn a failed call or instantiation into the error a user should see.
fn classify(
    err: wasmtime::Error,
    store: &mut Store<StoreState>,
    instance: Option<&Instance>,
    limits: &Limits,
) -> SandboxError {
    if store.data().limiter.refused {
        return SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        };
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => SandboxError::TimeLimit {
            timeout: limits.timeout,
        },
        Some(trap) => {
            let panic = match (trap, instance) {
                (Trap::UnreachableCodeReached, Some(instance)) => last_panic(store, instance),
                _ => None,
            };
            SandboxError::Trap {
                reason: trap.to_string(),
                panic,
            }
        }
        None => SandboxError::Trap {
            reason: format!("{err:#}"),
            panic: None,
        },
    }
}

/// After an `unreachable` trap, ask the guest for its panic message.
fn last_panic(store: &mut Store<StoreState>, instance: &Instance) -> Option<String> {
    let export = instance
        .get_typed_func::<(), u64>(&mut *store, "revguard_last_panic")
        .ok()?;
    // A little fuel of its own: the trap may have come with the tank nearly
    // empty, and reading a static costs a handful of instructions.
    store.set_fuel(1_000_000).ok()?;
    let (ptr, len) = unpack(export.call(&mut *store, ()).ok()?);
    if len == 0 {
        return None;
    }
    let memory = instance.get_memory(&mut *store, "memory")?;
    let bytes = memory.data(&*store).get(ptr..ptr.checked_add(len)?)?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Per-store state: only the resource limiter.
struct StoreState {
    limiter: Limiter,
}

impl StoreState {
    fn new(limits: &Limits) -> StoreState {
        let max_memory = usize::try_from(limits.max_memory_bytes).unwrap_or(usize::MAX);
        StoreState {
            limiter: Limiter {
                limits: StoreLimitsBuilder::new()
                    .memory_size(max_memory)
                    .instances(1)
                    .memories(1)
                    .tables(1)
                    .table_elements(1 << 16)
                    .trap_on_grow_failure(true)
                    .build(),
                refused: false,
            },
        }
    }
}

/// [`StoreLimits`], plus a note of whether it refused a memory growth, so the
/// error is reported as the memory limit whatever text wasmtime gives it.
struct Limiter {
    limits: StoreLimits,
    refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let verdict = self.limits.memory_growing(current, desired, maximum);
        if !matches!(verdict, Ok(true)) {
            self.refused = true;
        }
        verdict
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.refused = true;
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Where compiled modules (and the per-file results) are cached, or `None`
/// for no cache.
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

/// The cache file for `wasm` under this engine's configuration.
fn cache_file(engine: &Engine, wasm: &[u8], dir: &Path) -> PathBuf {
    // SipHash with fixed keys: stable for this binary, which is all a cache
    // key needs (a new build hashes its own way and compiles afresh).
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    if std::ptr::eq(wasm, GUEST_WASM) {
        // The build script's hash of these very bytes: hashing 1.5 MB of
        // wasm on every run cost 5% of a warm 1,000-file check.
        env!("REVGUARD_GUEST_FINGERPRINT").hash(&mut hasher);
    } else {
        wasm.hash(&mut hasher);
    }
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    dir.join(format!("guest-{:016x}.cwasm", hasher.finish()))
}

/// The header of a cache entry: this magic, then the SHA-256 of the
/// compiled module that follows it.
const CACHE_MAGIC: &[u8; 8] = b"RGCWASM1";

/// The largest cache entry read back (the guest compiles to about 5 MB).
const MAX_CACHED_BYTES: u64 = 256 << 20;

/// Load the module from the cache, or compile it and try to cache it.
fn load_module(engine: &Engine, wasm: &[u8], cache: Option<&Path>) -> Result<Module, SandboxError> {
    let Some(dir) = cache else {
        return Module::from_binary(engine, wasm)
            .map_err(|err| setup("cannot compile the guest", err));
    };
    let path = cache_file(engine, wasm, dir);
    if let Some(compiled) = read_cached(&path) {
        // SAFETY: deserialising trusts the bytes to be machine code wasmtime
        // produced. These are: they match the SHA-256 this binary stored next
        // to them when it wrote the entry from `precompile_module` of these
        // wasm bytes (the name keys wasmtime's compatibility hash, and
        // wasmtime still checks the header), so a damaged or truncated entry
        // is never run. They are checked in memory and deserialised from that
        // same copy, so a later change to the file cannot slip in between.
        if let Ok(module) = unsafe { Module::deserialize(engine, &compiled) } {
            return Ok(module);
        }
    }
    let compiled = engine
        .precompile_module(wasm)
        .map_err(|err| setup("cannot compile the guest", err))?;
    // Best effort: a damaged entry is replaced here; an unwritable cache only
    // costs the next run a compile.
    if write_cached(dir, &path, &compiled).is_ok() {
        prune_cache(dir, &path);
    }
    // SAFETY: these bytes were produced by `precompile_module` on this very
    // engine a moment ago.
    unsafe { Module::deserialize(engine, &compiled) }
        .map_err(|err| setup("cannot load the compiled guest", err))
}

/// The compiled module of a cache entry, when the entry is whole: a regular
/// file (not followed through a symlink), with the magic and a SHA-256 that
/// matches its bytes. Anything else is `None`, and the caller recompiles.
fn read_cached(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CACHED_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)
        .ok()?
        .take(MAX_CACHED_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    let header = CACHE_MAGIC.len() + 32;
    if bytes.len() < header || &bytes[..CACHE_MAGIC.len()] != CACHE_MAGIC {
        return None;
    }
    let stored = &bytes[CACHE_MAGIC.len()..header];
    if sha2::Sha256::digest(&bytes[header..]).as_slice() != stored {
        return None;
    }
    bytes.drain(..header);
    Some(bytes)
}

/// Store a compiled module with its checksum (see [`read_cached`]).
fn write_cached(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    let mut entry = Vec::with_capacity(CACHE_MAGIC.len() + 32 + compiled.len());
    entry.extend_from_slice(CACHE_MAGIC);
    entry.extend_from_slice(&sha2::Sha256::digest(compiled));
    entry.extend_from_slice(compiled);
    write_atomically(dir, path, &entry)
}

/// Remove the artifacts of other builds (each rebuild of revguard, or an
/// upgrade, leaves one behind). A process still using one keeps its mapping.
fn prune_cache(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path != keep && name.starts_with("guest-") && name.ends_with(".cwasm") {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Create the cache directory and replace the entry (an `O_EXCL` temporary
/// with a random name: a link planted in the cache directory is never
/// written through, see [`crate::atomic_write`]).
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    crate::atomic_write::replace(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let errors = [
            SandboxError::TimeLimit {
                timeout: Duration::from_secs(5),
            },
            SandboxError::MemoryLimit {
                max_bytes: 256 << 20,
            },
            SandboxError::Trap {
                reason: "wasm `unreachable` instruction executed".into(),
                panic: Some("panicked at core/src/lib.rs:1:1:\nboom".into()),
            },
            SandboxError::Imports(vec!["env::host_fn".into()]),
        ];
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "sandbox: time limit of 5s exceeded",
                "sandbox: memory limit of 256 MiB exceeded",
                "sandbox: guest trapped: panicked at core/src/lib.rs:1:1: boom (wasm `unreachable` instruction executed)",
                "sandbox: module has imports (env::host_fn)",
            ]
        );
    }

    #[test]
    fn compiled_guest_is_cached_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = dir.path().join("revguard");
        let engine = shared_engine().expect("engine");
        let first = load_module(engine, GUEST_WASM, Some(&cache)).expect("compiles");
        let artifacts: Vec<_> = fs::read_dir(&cache)
            .expect("cache dir created")
            .flatten()
            .collect();
        assert_eq!(artifacts.len(), 1, "one artifact, no temp files left");
        let path = artifacts[0].path();
        assert_eq!(path, cache_file(engine, GUEST_WASM, &cache));
        let compiled = read_cached(&path).expect("a checksummed entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());

        // A second load maps the artifact instead of compiling: same exports,
        // and the file is left as it was.
        let before = fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime");
        let second = load_module(engine, GUEST_WASM, Some(&cache)).expect("loads");
        assert_eq!(
            fs::metadata(&path)
                .and_then(|m| m.modified())
                .expect("mtime"),
            before
        );
        let names = |m: &Module| {
            m.exports()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&first), names(&second));
        let limits = Limits::default();
        let table = wire::encode_check(&CheckHeader::default(), &[]);
        let output = Guest::new(engine, &second)
            .and_then(|guest| {
                on_sandbox_thread(|| {
                    Session::open(&guest, &limits)?.call_with("revguard_check", &table)
                })
            })
            .expect("cached module runs");
        let native = revguard_core::to_json(&revguard_core::check(&Request::default()));
        assert_eq!(output, native);
    }

    #[test]
    fn artifacts_of_other_builds_are_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stale = dir.path().join("guest-0000000000000000.cwasm");
        let unrelated = dir.path().join("notes.txt");
        fs::write(&stale, b"an older build's artifact").expect("write");
        fs::write(&unrelated, b"kept").expect("write");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        assert!(!stale.exists());
        assert!(unrelated.exists());
        assert!(cache_file(engine, GUEST_WASM, dir.path()).exists());
    }

    #[test]
    fn a_corrupt_cache_entry_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        fs::write(&path, b"not a compiled module").expect("write");
        let module = load_module(engine, GUEST_WASM, Some(dir.path())).expect("recompiles");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        let compiled = read_cached(&path).expect("replaced by a checksummed entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());
    }

    #[test]
    fn a_damaged_cache_entry_of_the_same_size_is_never_deserialised() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        let good = fs::read(&path).expect("entry");
        assert_eq!(&good[..CACHE_MAGIC.len()], CACHE_MAGIC);
        // 4 KiB of the machine code overwritten in place: wasmtime's own
        // header check still passes, only the checksum can tell.
        let mut damaged = good.clone();
        let middle = damaged.len() / 2;
        damaged[middle..middle + 4096].fill(0xCC);
        fs::write(&path, &damaged).expect("damage");
        assert!(read_cached(&path).is_none(), "the checksum refuses it");
        let module = load_module(engine, GUEST_WASM, Some(dir.path())).expect("recompiles");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        assert_eq!(
            fs::read(&path).expect("healed"),
            good,
            "the entry is rewritten"
        );
    }

    #[test]
    fn links_planted_at_old_temporary_names_are_never_written_through() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = dir.path().join("cache");
        fs::create_dir_all(&cache).expect("mkdir");
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").expect("write");
        // The names older builds staged the compiled guest under, for this
        // process and every thread id a test harness hands out.
        for thread in 1..=64 {
            let name = format!(".guest-{}-ThreadId({thread}).tmp", std::process::id());
            symlink(&victim, cache.join(name)).expect("symlink");
        }
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(&cache)).expect("compiles");
        assert_eq!(fs::read(&victim).expect("victim"), b"precious");
        let entry = cache_file(engine, GUEST_WASM, &cache);
        assert!(read_cached(&entry).is_some(), "a whole entry was written");
        let links = fs::read_dir(&cache)
            .expect("list")
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
            .count();
        assert_eq!(links, 64, "the planted links are left alone");
    }

    #[test]
    fn an_unwritable_cache_falls_back_to_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A cache "directory" below a regular file can never be created, like
        // a read-only root file system.
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"").expect("write");
        let engine = shared_engine().expect("engine");
        let module = load_module(engine, GUEST_WASM, Some(&blocker.join("revguard")))
            .expect("compiles in memory");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        assert_eq!(fs::read_dir(dir.path()).expect("listable").count(), 1);
    }

    #[test]
    fn timeout_converts_to_fuel() {
        let limits = Limits {
            timeout: Duration::from_millis(1500),
            ..Limits::default()
        };
        assert_eq!(limits.fuel(), FUEL_PER_SECOND * 3 / 2);
    }
}
