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
//!   typical repository, so the compiled guest is kept in the cache
//!   directory (`module_cache.rs`). When the directory cannot be written (a
//!   read-only root file system in the ArgoCD sidecar), `REVGUARD_CACHE_DIR`
//!   is set but empty, or `--no-cache` is given, the module is compiled in
//!   memory and the cache is neither read nor written.
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

mod module_cache;

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use revguard_core::wire::AnalyzeTarget;
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
pub const ABI_VERSION: u32 = 4;

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
pub const THREAD_STACK: usize = 32 << 20;

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
    /// list given to [`Guest::analyze`] or [`crate::engine::analyze_wasm`]
    /// (the caller knows its path).
    InFile {
        /// The file's index in the list analyzed.
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
/// results, or a plain list in tests. [`check_request`] drops it when the
/// check is done.
pub trait FactsSource: Send {
    /// Each file's encoded facts, by file index (`None`: read it in the guest).
    fn facts(&self) -> Vec<Option<&[u8]>>;
}

impl FactsSource for &[Option<&[u8]>] {
    fn facts(&self) -> Vec<Option<&[u8]>> {
        self.to_vec()
    }
}

/// Check a request in one guest: `facts` (encoded, from
/// [`crate::engine::analyze_wasm`] or the result cache) spare the guest
/// reading those files, and when `revguard_core::may_omit_bytes` allows it
/// their bytes are left out altogether (the facts carry their line tables).
/// Every other read file's bytes go into a buffer of their own, which the
/// guest takes over. If the guest finds it needs a left-out text after all,
/// the check runs again in a fresh instance with every file's bytes. The
/// output is the JSON report, exactly `revguard_core::check_with_facts`'s.
pub fn check_request(
    request: &Request,
    facts: impl FactsSource,
    limits: &Limits,
) -> Result<(Vec<u8>, RunStats), SandboxError> {
    let guest = Guest::embedded()?;
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
        let given = facts.facts();
        // A file with facts goes without its bytes when the check allows it;
        // should it need a text after all, every byte is sent again.
        if revguard_core::may_omit_bytes(&request.options) && given.iter().any(Option::is_some) {
            let (output, stats) = check_once(guest, request, &given, true, limits)?;
            if output != wire::NEEDS_BYTES {
                return Ok((output, stats));
            }
        }
        check_once(guest, request, &given, false, limits)
    })
}

/// One check in a fresh instance; with `omit`, the files with facts go
/// without their bytes.
fn check_once(
    guest: &Guest,
    request: &Request,
    given: &[Option<&[u8]>],
    omit: bool,
    limits: &Limits,
) -> Result<(Vec<u8>, RunStats), SandboxError> {
    let mut session = Session::open(guest, limits)?;
    let mut files = Vec::with_capacity(request.files.len());
    for (index, file) in request.files.iter().enumerate() {
        let facts = given.get(index).copied().flatten();
        let content = match &file.content {
            Content::Unread(reason) => Carried::Unread(reason),
            _ if omit && facts.is_some() => Carried::Omitted,
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
            facts,
        });
    }
    let header = CheckHeader {
        locations: request.locations.clone(),
        options: request.options.clone(),
    };
    let table = wire::encode_check(&header, &files);
    drop(files);
    let (ptr, len) = (session.put(&table)?, table.len() as u32);
    drop(table);
    let output = session.call("revguard_check", ptr, len)?;
    Ok((output, session.stats()))
}

/// Django's semantics in one embedded guest: a project as JSON in, the
/// verdict as JSON out.
pub fn django_load(project_json: &[u8], limits: &Limits) -> Result<Vec<u8>, SandboxError> {
    let guest = Guest::embedded()?;
    if project_json.len() as u64 > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    on_sandbox_thread(|| {
        Session::open(guest, limits)?.call_with("revguard_django_load", project_json)
    })
}

/// Any JSON-in, JSON-out export of the embedded guest (the SQL tools'
/// `revguard_sql_judge`), in one fresh instance.
pub fn json_call(export: &str, request: &[u8], limits: &Limits) -> Result<Vec<u8>, SandboxError> {
    let guest = Guest::embedded()?;
    if request.len() as u64 > limits.max_memory_bytes {
        return Err(SandboxError::MemoryLimit {
            max_bytes: limits.max_memory_bytes,
        });
    }
    on_sandbox_thread(|| Session::open(guest, limits)?.call_with(export, request))
}

impl Guest {
    /// The embedded guest, loaded once per process (from the compiled-guest
    /// cache when it is on).
    pub fn embedded() -> Result<&'static Guest, SandboxError> {
        static GUEST: OnceLock<Result<Guest, SandboxError>> = OnceLock::new();
        GUEST
            .get_or_init(|| Guest::load_embedded(module_cache::dir().as_deref()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Any module that follows the guest ABI (a hand-written `.wat` test
    /// guest, say), compiled now without the cache; meant for tests and
    /// diagnostics, like [`run_module`].
    pub fn compile(wasm: &[u8]) -> Result<Guest, SandboxError> {
        let engine = shared_engine()?;
        let module =
            Module::from_binary(engine, wasm).map_err(|err| setup("cannot compile module", err))?;
        Guest::new(engine, &module)
    }

    /// The per-file phase of one batch in one fresh instance: one encoded
    /// `FileFacts` per file, in order. When the batch traps, the file that
    /// traps on its own is named ([`SandboxError::InFile`], its index in
    /// `files`). Call it on a thread with a [`THREAD_STACK`] stack.
    pub fn analyze(
        &self,
        files: &[&[u8]],
        target: &AnalyzeTarget,
        limits: &Limits,
    ) -> Result<Vec<Vec<u8>>, SandboxError> {
        self.analyze_export("revguard_analyze", files, target, limits)
    }

    /// [`Guest::analyze`] through another per-file export that takes the
    /// same table (`revguard_django_read`: Django's reader).
    pub fn analyze_export(
        &self,
        export: &str,
        files: &[&[u8]],
        target: &AnalyzeTarget,
        limits: &Limits,
    ) -> Result<Vec<Vec<u8>>, SandboxError> {
        self.analyze_batch(export, files, target, limits)
            .map_err(|err| self.culprit(export, files, target, limits, err))
    }

    fn analyze_batch(
        &self,
        export: &str,
        files: &[&[u8]],
        target: &AnalyzeTarget,
        limits: &Limits,
    ) -> Result<Vec<Vec<u8>>, SandboxError> {
        let table = wire::encode_analyze(target, files);
        if table.len() as u64 > limits.max_memory_bytes {
            return Err(SandboxError::MemoryLimit {
                max_bytes: limits.max_memory_bytes,
            });
        }
        let mut session = Session::open(self, limits)?;
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

    /// A batch trapped: find the file that makes the guest trap on its own,
    /// so the error can name it. Only traps are retried (a stack overflow, a
    /// panic): they come from one file's content, and a file alone is cheap
    /// to redo; the time and memory limits are not.
    fn culprit(
        &self,
        export: &str,
        files: &[&[u8]],
        target: &AnalyzeTarget,
        limits: &Limits,
        err: SandboxError,
    ) -> SandboxError {
        if !matches!(err, SandboxError::Trap { .. }) {
            return err;
        }
        for (index, file) in files.iter().enumerate() {
            if let Err(alone) = self.analyze_batch(export, &[file], target, limits) {
                return SandboxError::InFile {
                    index,
                    error: Box::new(alone),
                };
            }
        }
        err
    }
}

/// Start loading the embedded guest (engine, cached or compiled module) on a
/// background thread, so it overlaps with discovering and reading the
/// project; the first [`check_json`] then waits only for whatever is left.
/// Errors are not lost: [`check_json`] reports them.
pub fn prewarm() {
    let _ = std::thread::Builder::new()
        .name("revguard-prewarm".into())
        .spawn(|| {
            let _ = Guest::embedded();
        });
}

/// Compile the guest in memory for the rest of this process and never open
/// the compiled-guest cache (`--no-cache`). Call it before the first check
/// (or [`prewarm`]): a guest already loaded stays as it is.
pub fn disable_module_cache() {
    module_cache::disable();
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
    let guest = Guest::compile(wasm)?;
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
pub struct Guest {
    pre: InstancePre<StoreState>,
}

impl Guest {
    /// Compile (or load from the cache) the embedded guest.
    fn load_embedded(cache: Option<&Path>) -> Result<Guest, SandboxError> {
        let engine = shared_engine()?;
        let module = module_cache::load_module(engine, GUEST_WASM, cache)?;
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
            .stack_size(THREAD_STACK)
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
    fn timeout_converts_to_fuel() {
        let limits = Limits {
            timeout: Duration::from_millis(1500),
            ..Limits::default()
        };
        assert_eq!(limits.fuel(), FUEL_PER_SECOND * 3 / 2);
    }
}
