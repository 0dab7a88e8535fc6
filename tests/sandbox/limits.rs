//! The guest is sealed and the limits hold, each with its documented message
//! and within a time bound.

use std::time::{Duration, Instant};

use wasmtime::{Engine, Linker, Module, Store};

use crate::sandbox::{self, Limits, SandboxError};
use crate::{linear_chain, wat_fixture};

/// Generous: a limit that "fires" after this long is not a limit.
const BOUND: Duration = Duration::from_secs(10);

fn small_limits() -> Limits {
    Limits {
        timeout: Duration::from_millis(200),
        max_memory_bytes: 16 << 20,
    }
}

/// The guest's two work exports (ABI v4); every fixture exports both.
const EXPORTS: [&str; 2] = ["revguard_check", "revguard_analyze"];

/// Run a fixture's `revguard_check` under `limits`, returning the error and
/// how long it took; its `revguard_analyze` must fail the same way.
fn run_fixture(name: &str, limits: &Limits) -> (Result<Vec<u8>, SandboxError>, Duration) {
    let wasm = wat_fixture(name);
    let started = Instant::now();
    let result = sandbox::run_module(&wasm, EXPORTS[0], b"RGC3", limits);
    let took = started.elapsed();
    let analyze = sandbox::run_module(&wasm, EXPORTS[1], b"RGA3", limits);
    assert_eq!(
        result.as_ref().map_err(ToString::to_string).err(),
        analyze.map_err(|e| e.to_string()).err(),
        "{name}: revguard_analyze must fail like revguard_check"
    );
    (result, took)
}

#[test]
fn embedded_guest_has_no_imports_and_speaks_our_abi() {
    let engine = Engine::default();
    let module = Module::new(&engine, sandbox::GUEST_WASM).expect("embedded guest compiles");
    let imports: Vec<String> = module
        .imports()
        .map(|i| format!("{}::{}", i.module(), i.name()))
        .collect();
    assert_eq!(
        imports,
        Vec::<String>::new(),
        "the guest must import nothing"
    );

    let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
    for name in [
        "memory",
        "revguard_abi_version",
        "revguard_alloc",
        "revguard_dealloc",
        "revguard_check",
        "revguard_analyze",
        "revguard_last_panic",
    ] {
        assert!(
            exports.contains(&name),
            "missing export {name}: {exports:?}"
        );
    }
    assert!(
        exports
            .iter()
            .all(|e| *e == "memory" || e.starts_with("revguard_") || e.starts_with("__")),
        "unprefixed exports: {exports:?}"
    );

    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates with an empty linker");
    let version = instance
        .get_typed_func::<(), u32>(&mut store, "revguard_abi_version")
        .expect("abi version export")
        .call(&mut store, ())
        .expect("abi version call");
    assert_eq!(version, sandbox::ABI_VERSION);
}

#[test]
fn host_side_of_the_abi_round_trips_bytes() {
    let wasm = wat_fixture("echo.wat");
    let request = "RGC3 any bytes, café \0 \u{10FFFF}".as_bytes();
    for export in EXPORTS {
        let output = sandbox::run_module(&wasm, export, request, &Limits::default())
            .unwrap_or_else(|err| panic!("echo guest runs {export}: {err}"));
        assert_eq!(output, request, "{export}");
    }
}

#[test]
fn endless_loop_hits_the_time_limit() {
    let limits = small_limits();
    let (result, took) = run_fixture("endless_loop.wat", &limits);
    let err = result.expect_err("an endless loop must not finish");
    assert_eq!(
        err,
        SandboxError::TimeLimit {
            timeout: limits.timeout
        }
    );
    assert_eq!(err.to_string(), "sandbox: time limit of 200ms exceeded");
    assert!(took < BOUND, "the deadline took {took:?}");
}

#[test]
fn the_time_limit_is_deterministic_fuel() {
    // The same request consumes exactly the same fuel every time, so a
    // budget that passes once passes everywhere, and a smaller one fails
    // everywhere. (Fuel is checked at loop heads and calls, so a budget a few
    // units short can still finish; 1% short cannot.)
    let request = serde_json::to_vec(&linear_chain(500)).expect("serialises");
    let limits = Limits::default();
    let (first, stats) = sandbox::check_json_with_stats(&request, &limits).expect("fits");
    let (second, again) = sandbox::check_json_with_stats(&request, &limits).expect("fits");
    assert_eq!(first, second);
    assert_eq!(stats.fuel_consumed, again.fuel_consumed);
    assert!(stats.fuel_consumed > 0);

    let budget = |fuel: f64| Limits {
        timeout: Duration::from_secs_f64(fuel / sandbox::FUEL_PER_SECOND as f64),
        ..Limits::default()
    };
    let consumed = stats.fuel_consumed as f64;
    assert_eq!(
        sandbox::check_json(&request, &budget(consumed + 100.0)).expect("enough fuel"),
        first
    );
    assert!(matches!(
        sandbox::check_json(&request, &budget(consumed * 0.99)),
        Err(SandboxError::TimeLimit { .. })
    ));
}

#[test]
fn memory_hog_hits_the_memory_cap() {
    let limits = small_limits();
    let (result, took) = run_fixture("memory_hog.wat", &limits);
    let err = result.expect_err("growing without end must not finish");
    assert_eq!(
        err,
        SandboxError::MemoryLimit {
            max_bytes: 16 << 20
        }
    );
    assert_eq!(err.to_string(), "sandbox: memory limit of 16 MiB exceeded");
    assert!(took < BOUND, "the cap took {took:?}");
}

#[test]
fn a_request_larger_than_the_cap_is_refused_before_running() {
    let limits = Limits {
        max_memory_bytes: 1 << 20,
        ..Limits::default()
    };
    let request = revguard_core::Request {
        files: vec![crate::text_file("big.py", &" ".repeat(2 << 20))],
        ..revguard_core::Request::default()
    };
    let err = sandbox::check_request(&request, &[][..], &limits).expect_err("does not fit");
    assert_eq!(err.to_string(), "sandbox: memory limit of 1 MiB exceeded");
    let big: &[u8] = request.files[0].content.bytes().unwrap_or_default();
    let err = sandbox::analyze(
        &[big],
        revguard_core::python::PythonVersion::DEFAULT,
        &limits,
        2,
    )
    .expect_err("does not fit");
    assert_eq!(err.to_string(), "sandbox: memory limit of 1 MiB exceeded");
}

#[test]
fn the_real_guest_respects_the_memory_cap() {
    // 20,000 files need far more than 4 MiB of guest memory.
    let request = serde_json::to_vec(&linear_chain(20_000)).expect("serialises");
    let limits = Limits {
        max_memory_bytes: 4 << 20,
        ..Limits::default()
    };
    let err = sandbox::check_json(&request, &limits).expect_err("cannot fit");
    assert_eq!(err.to_string(), "sandbox: memory limit of 4 MiB exceeded");
}

#[test]
fn the_real_guest_respects_the_time_limit() {
    let request = serde_json::to_vec(&linear_chain(20_000)).expect("serialises");
    let limits = Limits {
        timeout: Duration::from_micros(100),
        ..Limits::default()
    };
    let err = sandbox::check_json(&request, &limits).expect_err("cannot finish");
    assert_eq!(err.to_string(), "sandbox: time limit of 100µs exceeded");
}

#[test]
fn a_guest_importing_a_host_function_is_refused() {
    let (result, took) = run_fixture("imports_host.wat", &Limits::default());
    let err = result.expect_err("imports are never linked");
    assert_eq!(err, SandboxError::Imports(vec!["env::read_file".into()]));
    assert_eq!(
        err.to_string(),
        "sandbox: module has imports (env::read_file)"
    );
    assert!(took < BOUND);
}

#[test]
fn runaway_recursion_is_a_trap_not_a_host_crash() {
    // Runs on the (small-stacked) test thread's behalf: the sandbox thread
    // must give wasm its whole max_wasm_stack.
    let (result, took) = run_fixture("deep_recursion.wat", &Limits::default());
    let err = result.expect_err("cannot finish");
    assert_eq!(
        err.to_string(),
        "sandbox: guest trapped: wasm trap: call stack exhausted"
    );
    assert!(took < BOUND);
}

#[test]
fn a_trap_in_the_per_file_phase_names_the_file() {
    let wasm = wat_fixture("traps_on_bel.wat");
    let version = revguard_core::python::PythonVersion::DEFAULT;
    let files: [&[u8]; 4] = [b"a = 1\n", b"b = 2\n", b"c = '\x07'\n", b"d = 4\n"];
    for jobs in [1, 2] {
        let err = sandbox::analyze_module(&wasm, &files, version, &Limits::default(), jobs)
            .expect_err("the third file traps");
        match &err {
            SandboxError::InFile { index, error } => {
                assert_eq!(*index, 2, "jobs {jobs}: the culprit is the third file");
                assert!(
                    matches!(**error, SandboxError::Trap { .. }),
                    "jobs {jobs}: {error}"
                );
            }
            other => panic!("jobs {jobs}: expected the file to be named, got {other}"),
        }
    }
    // Without the byte, every file gets its (empty) facts.
    let clean: [&[u8]; 3] = [b"a = 1\n", b"b = 2\n", b"d = 4\n"];
    let facts = sandbox::analyze_module(&wasm, &clean, version, &Limits::default(), 1)
        .expect("no file traps");
    assert_eq!(facts, vec![Vec::<u8>::new(); 3]);
}

#[test]
fn a_guest_panic_is_reported_with_its_message_on_one_line() {
    let (result, _) = run_fixture("panics.wat", &Limits::default());
    let err = result.expect_err("the guest panics");
    assert_eq!(
        err.to_string(),
        "sandbox: guest trapped: panicked at core/src/graph.rs:7:9: index out of bounds \
         (wasm trap: wasm `unreachable` instruction executed)"
    );
}

#[test]
fn a_guest_speaking_another_abi_is_refused() {
    let (result, _) = run_fixture("abi_v5.wat", &Limits::default());
    let err = result.expect_err("ABI mismatch");
    assert_eq!(err, SandboxError::AbiVersion { found: 5 });
    assert_eq!(
        err.to_string(),
        "sandbox: guest speaks ABI version 5, this host speaks 4"
    );
}

#[test]
fn every_error_message_is_one_line() {
    for name in [
        "endless_loop.wat",
        "memory_hog.wat",
        "imports_host.wat",
        "deep_recursion.wat",
        "panics.wat",
        "abi_v5.wat",
    ] {
        let (result, _) = run_fixture(name, &small_limits());
        let message = result.expect_err(name).to_string();
        assert!(message.starts_with("sandbox: "), "{name}: {message}");
        assert!(!message.contains('\n'), "{name}: {message:?}");
    }
}
