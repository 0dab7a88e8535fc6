//! revguard-guest: the core compiled to `wasm32-unknown-unknown` behind a raw,
//! linear-memory ABI, so the host can run it inside wasmtime with no
//! capabilities at all.
//!
//! The module has **zero imports**: it cannot reach files, clocks, the network
//! or the host. Everything it knows arrives as bytes in its own memory, and
//! everything it says leaves the same way. The host's test suite loads the
//! built module and asserts that its import list is empty.
//!
//! # ABI (version 4)
//!
//! All integers are wasm `i32`/`i64`, read as unsigned. Pointers are offsets
//! into the exported `memory`. The tables are defined in
//! `revguard_core::wire`.
//!
//! | export | signature | meaning |
//! |---|---|---|
//! | `memory` | memory | the guest's linear memory (exported by the linker) |
//! | `revguard_abi_version` | `() -> i32` | [`ABI_VERSION`]; the host refuses to run any other value |
//! | `revguard_alloc` | `(len: i32) -> i32` | allocate `len` bytes (alignment 1); returns `0` when out of memory; `len == 0` returns a non-zero dangling pointer that must not be read |
//! | `revguard_dealloc` | `(ptr: i32, len: i32)` | free a buffer from `revguard_alloc` or an output; `len == 0` is a no-op |
//! | `revguard_analyze` | `(ptr: i32, len: i32) -> i64` | the per-file phase: an analyze table (file bytes inline) at `ptr..ptr+len` in, `out_ptr << 32 \| out_len` of the facts table out |
//! | `revguard_check` | `(ptr: i32, len: i32) -> i64` | the check: a check table at `ptr..ptr+len` in, the JSON report (or `{"error": "..."}`, or `RGN3` when it needs bytes it was not sent) out, packed the same way |
//! | `revguard_django_read` | `(ptr: i32, len: i32) -> i64` | Django's per-file phase: an analyze table in, a facts table of each module's facts as postcard out (with its operations only when the analyze target carries lint settings) (`revguard_core::dialect::django::wire::read_table`) |
//! | `revguard_django_load` | `(ptr: i32, len: i32) -> i64` | Django's semantics: a project as JSON in, the verdict as JSON (or `{"error": "..."}`) out (`revguard_core::dialect::django::wire::load_json`) |
//! | `revguard_sql_read` | `(ptr: i32, len: i32) -> i64` | the SQL tools' per-file phase: an analyze table in, a facts table of each file's checksums and annotations as JSON out (`revguard_core::dialect::sql::wire::read_table`) |
//! | `revguard_sql_judge` | `(ptr: i32, len: i32) -> i64` | a SQL tool's semantics: a history as JSON in, the verdict as JSON (or `{"error": "..."}`) out (`revguard_core::dialect::sql::wire::judge_json`) |
//! | `revguard_last_panic` | `() -> i64` | after a trap: `msg_ptr << 32 \| msg_len` of the last panic message (UTF-8), or `0` if none |
//!
//! Version 3 lets a check table leave a file's bytes out when its facts are
//! given (the facts carry the file's line table); the check then answers
//! `RGN3` if it needs such a text after all, and the host sends every byte
//! again. Version 4 adds the deploy-safety settings to the analyze table
//! (`RGA3`): the lint runs in the per-file phase and its findings travel in
//! each file's facts, cached with them. The Django and SQL-tool exports
//! joined without a bump: they are additive (nothing above changed meaning),
//! and the host calls them only on the guest embedded in the same build.
//!
//! A call goes: the host calls `revguard_alloc(n)`, writes the table there,
//! calls the export, reads `out_len` bytes at `out_ptr`, then (optionally,
//! since the host drops the whole instance after its work) frees both
//! buffers with `revguard_dealloc`. `revguard_analyze` leaves its input
//! alone; `revguard_check` frees its input table once it has decoded it (the
//! host must not free it again).
//!
//! In a check table every read file's bytes that are sent sit in a buffer of their own,
//! from `revguard_alloc(len)`, which the guest takes over: the bytes are
//! never copied inside the guest. It only takes buffers it handed out and
//! that are still live, with their exact length, each once; anything else
//! is a malformed request, never undefined behaviour.
//!
//! The check's output is exactly the bytes of `revguard_core::to_json` of
//! `revguard_core::check_with_facts`, so it is byte-identical to the native
//! engine's; a malformed table gives `{"error": "invalid request: ..."}`.
//!
//! A panic cannot unwind (the profile is `panic = "abort"`), so it surfaces to
//! the host as an `unreachable` trap. A panic hook, installed on the first
//! call, first copies the panic message into a static buffer that the host
//! reads through `revguard_last_panic` on the trapped instance.
//!
//! All exports are prefixed `revguard_` so they can never clash with symbols
//! of the C runtime or of another crate. They exist only when compiled for
//! `wasm32`; a native build (e.g. `cargo clippy --workspace`) is an empty
//! library.

/// The ABI version this guest implements; bump it on any change to the
/// exports above or to the meaning of their arguments.
pub const ABI_VERSION: u32 = 4;

#[cfg(target_arch = "wasm32")]
mod abi {
    use std::alloc::{Layout, alloc, dealloc};
    use std::collections::BTreeMap;
    use std::ptr::NonNull;
    use std::sync::{Mutex, Once};

    use revguard_core::parse::FileFacts;
    use revguard_core::wire::{self, Carried};
    use revguard_core::{Content, InputFile, Request};

    use super::ABI_VERSION;

    /// The message of the last panic, kept for `revguard_last_panic`.
    static LAST_PANIC: Mutex<String> = Mutex::new(String::new());
    static PANIC_HOOK: Once = Once::new();
    /// Live buffers handed to the host (pointer -> length), so a check table
    /// can only give the guest back buffers it really allocated.
    static LIVE: Mutex<BTreeMap<u32, u32>> = Mutex::new(BTreeMap::new());

    /// Pack a (pointer, length) pair into the ABI's `u64`.
    fn pack(ptr: *const u8, len: usize) -> u64 {
        // wasm32: pointers and lengths are 32-bit, so both halves fit.
        ((ptr as usize as u64) << 32) | (len as u64)
    }

    /// Hand a buffer to the host; it reads it or frees it with `revguard_dealloc`.
    fn leak(bytes: Vec<u8>) -> u64 {
        let bytes = bytes.into_boxed_slice();
        let len = bytes.len();
        // A non-empty boxed slice of `u8` has `Layout::array::<u8>(len)`,
        // the layout `revguard_dealloc` uses.
        let ptr = Box::into_raw(bytes) as *const u8;
        pack(ptr, len)
    }

    /// The input table at `ptr..ptr+len`.
    ///
    /// # Safety
    /// The ABI contract: the host wrote `len` bytes at `ptr`, inside a buffer
    /// it got from `revguard_alloc(len)`.
    unsafe fn input<'a>(ptr: u32, len: u32) -> &'a [u8] {
        if len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_abi_version() -> u32 {
        ABI_VERSION
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_alloc(len: u32) -> u32 {
        if len == 0 {
            return NonNull::<u8>::dangling().as_ptr() as usize as u32;
        }
        let Ok(layout) = Layout::array::<u8>(len as usize) else {
            return 0;
        };
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc(layout) } as usize as u32;
        if ptr != 0
            && let Ok(mut live) = LIVE.lock()
        {
            live.insert(ptr, len);
        }
        ptr
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_dealloc(ptr: u32, len: u32) {
        if len == 0 || ptr == 0 {
            return;
        }
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&ptr);
        }
        let Ok(layout) = Layout::array::<u8>(len as usize) else {
            return;
        };
        // SAFETY: the ABI contract: `ptr` came from `revguard_alloc(len)` or
        // is an output of length `len`; both were allocated by the global
        // allocator with exactly this layout.
        unsafe { dealloc(ptr as usize as *mut u8, layout) }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_analyze(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_analyze`.
        let table = unsafe { input(ptr, len) };
        leak(wire::analyze_table(table))
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_check(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_check`.
        let table = unsafe { input(ptr, len) };
        let decoded = decode(table);
        // Everything decoded is owned: give the table's memory back to the
        // allocator, where the graph and the report reuse it.
        revguard_dealloc(ptr, len);
        let output = match decoded {
            Ok((request, facts, omitted)) => {
                match revguard_core::check_without(&request, facts, &omitted) {
                    Some(report) => {
                        // The files' buffers are free again before the JSON grows.
                        drop(request);
                        revguard_core::to_json(&report)
                    }
                    None => wire::NEEDS_BYTES.to_vec(),
                }
            }
            Err(err) => {
                let error = serde_json::json!({ "error": format!("invalid request: {err}") });
                serde_json::to_vec(&error).unwrap_or_default()
            }
        };
        leak(output)
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_django_read(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_django_read`.
        let table = unsafe { input(ptr, len) };
        leak(revguard_core::dialect::django::wire::read_table(table))
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_django_load(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_django_load`.
        let request = unsafe { input(ptr, len) };
        leak(revguard_core::dialect::django::wire::load_json(request))
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_sql_read(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_sql_read`.
        let table = unsafe { input(ptr, len) };
        leak(revguard_core::dialect::sql::wire::read_table(table))
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_sql_judge(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        // SAFETY: the ABI contract for `revguard_sql_judge`.
        let request = unsafe { input(ptr, len) };
        leak(revguard_core::dialect::sql::wire::judge_json(request))
    }

    /// The request, the per-file facts a check table carries and which
    /// files' bytes were left out.
    type Decoded = (Request, Vec<Option<FileFacts>>, Vec<bool>);

    /// See [`Decoded`].
    fn decode(table: &[u8]) -> Result<Decoded, String> {
        let table = wire::decode_check(table).map_err(|err| err.to_string())?;
        let mut files = Vec::with_capacity(table.files.len());
        let mut facts = Vec::with_capacity(table.files.len());
        let mut omitted = Vec::with_capacity(table.files.len());
        for (index, record) in table.files.into_iter().enumerate() {
            let content = match record.content {
                // Raw bytes: the core decodes the text once, when it reads the file.
                Carried::Buffer(ptr, len) => Content::Bytes(take(ptr, len, index)?),
                Carried::Unread(reason) => Content::Unread(reason.to_owned()),
                Carried::Omitted => Content::Bytes(Vec::new()),
            };
            omitted.push(record.content == Carried::Omitted);
            files.push(InputFile {
                location: record.location,
                path: record.path.to_owned(),
                real_path: record.real_path.map(str::to_owned),
                content,
            });
            facts.push(record.facts.and_then(wire::decode_facts));
        }
        let request = Request {
            locations: table.header.locations,
            files,
            options: table.header.options,
        };
        Ok((request, facts, omitted))
    }

    /// Take over a file's buffer: only a live one from `revguard_alloc`, with
    /// its exact length, and only once.
    fn take(ptr: u32, len: u32, index: usize) -> Result<Vec<u8>, String> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut live = LIVE
            .lock()
            .map_err(|_| "allocator registry poisoned".to_owned())?;
        if live.get(&ptr) != Some(&len) {
            return Err(format!(
                "file {index}: {len} bytes at {ptr} are not a live buffer from revguard_alloc"
            ));
        }
        live.remove(&ptr);
        // SAFETY: `ptr` was returned by `revguard_alloc(len)` (checked just
        // above against the registry, and removed from it so it is taken
        // once), which allocated it with `Layout::array::<u8>(len)`: exactly
        // the allocation a `Vec<u8>` of capacity `len` owns.
        Ok(unsafe { Vec::from_raw_parts(ptr as usize as *mut u8, len as usize, len as usize) })
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_last_panic() -> u64 {
        // `try_lock`: a panic raised while the lock was held must not turn
        // this read into a second trap.
        match LAST_PANIC.try_lock() {
            Ok(message) if !message.is_empty() => pack(message.as_ptr(), message.len()),
            _ => 0,
        }
    }

    fn remember_panic(info: &std::panic::PanicHookInfo<'_>) {
        if let Ok(mut last) = LAST_PANIC.try_lock() {
            last.clear();
            last.push_str(&info.to_string());
        }
    }
}
