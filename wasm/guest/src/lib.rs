//! revguard-guest: the core compiled to `wasm32-unknown-unknown` behind a raw,
//! linear-memory ABI, so the host can run it inside wasmtime with no
//! capabilities at all.
//!
//! The module has **zero imports**: it cannot reach files, clocks, the network
//! or the host. Everything it knows arrives as bytes in its own memory, and
//! everything it says leaves the same way. The host's test suite loads the
//! built module and asserts that its import list is empty.
//!
//! # ABI (version 1)
//!
//! All integers are wasm `i32`/`i64`, read as unsigned. Pointers are offsets
//! into the exported `memory`.
//!
//! | export | signature | meaning |
//! |---|---|---|
//! | `memory` | memory | the guest's linear memory (exported by the linker) |
//! | `revguard_abi_version` | `() -> i32` | [`ABI_VERSION`]; the host refuses to run any other value |
//! | `revguard_alloc` | `(len: i32) -> i32` | allocate `len` bytes (alignment 1); returns `0` when out of memory; `len == 0` returns a non-zero dangling pointer that must not be read |
//! | `revguard_dealloc` | `(ptr: i32, len: i32)` | free a buffer from `revguard_alloc` or the output of `revguard_check`; `len == 0` is a no-op |
//! | `revguard_check` | `(ptr: i32, len: i32) -> i64` | run the checker on the request bytes at `ptr..ptr+len`; returns `out_ptr << 32 \| out_len` |
//! | `revguard_last_panic` | `() -> i64` | after a trap: `msg_ptr << 32 \| msg_len` of the last panic message (UTF-8), or `0` if none |
//!
//! A call goes: the host calls `revguard_alloc(n)`, writes the request there,
//! calls `revguard_check(ptr, n)`, reads `out_len` bytes at `out_ptr`, then
//! (optionally, since the host drops the whole instance after each check)
//! frees both buffers with `revguard_dealloc`. `revguard_check` does not free
//! its input.
//!
//! The request is a JSON `revguard_core::Request`; the output is exactly the
//! bytes of `revguard_core::check_json`: a JSON `Report`, or
//! `{"error": "..."}` for a malformed request. The output is therefore
//! byte-identical to the native engine's.
//!
//! A panic cannot unwind (the profile is `panic = "abort"`), so it surfaces to
//! the host as an `unreachable` trap. A panic hook, installed on the first
//! `revguard_check`, first copies the panic message into a static buffer that
//! the host reads through `revguard_last_panic` on the trapped instance.
//!
//! All exports are prefixed `revguard_` so they can never clash with symbols
//! of the C runtime or of another crate. They exist only when compiled for
//! `wasm32`; a native build (e.g. `cargo clippy --workspace`) is an empty
//! library.

/// The ABI version this guest implements; bump it on any change to the
/// exports above or to the meaning of their arguments.
pub const ABI_VERSION: u32 = 1;

#[cfg(target_arch = "wasm32")]
mod abi {
    use std::alloc::{Layout, alloc, dealloc};
    use std::ptr::NonNull;
    use std::sync::{Mutex, Once};

    use super::ABI_VERSION;

    /// The message of the last panic, kept for `revguard_last_panic`.
    static LAST_PANIC: Mutex<String> = Mutex::new(String::new());
    static PANIC_HOOK: Once = Once::new();

    /// Pack a (pointer, length) pair into the ABI's `u64`.
    fn pack(ptr: *const u8, len: usize) -> u64 {
        // wasm32: pointers and lengths are 32-bit, so both halves fit.
        ((ptr as usize as u64) << 32) | (len as u64)
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
        let ptr = unsafe { alloc(layout) };
        ptr as usize as u32
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_dealloc(ptr: u32, len: u32) {
        if len == 0 || ptr == 0 {
            return;
        }
        let Ok(layout) = Layout::array::<u8>(len as usize) else {
            return;
        };
        // SAFETY: the ABI contract: `ptr` came from `revguard_alloc(len)` or
        // is the output of `revguard_check` with length `len`; both were
        // allocated by the global allocator with exactly this layout.
        unsafe { dealloc(ptr as usize as *mut u8, layout) }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn revguard_check(ptr: u32, len: u32) -> u64 {
        PANIC_HOOK.call_once(|| std::panic::set_hook(Box::new(remember_panic)));
        let request: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: the ABI contract: the host wrote `len` bytes at `ptr`,
            // inside a buffer it got from `revguard_alloc(len)`.
            unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
        };
        let report = revguard_core::check_json(request).into_boxed_slice();
        let out_len = report.len();
        // Leaked on purpose: the host reads it, then frees it with
        // `revguard_dealloc(out_ptr, out_len)` or drops the whole instance.
        // A non-empty boxed slice of `u8` has `Layout::array::<u8>(len)`, the
        // layout `revguard_dealloc` uses.
        let out_ptr = Box::into_raw(report) as *const u8;
        pack(out_ptr, out_len)
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
