//! Ordered parallel map over a slice, on a fixed number of threads.
//!
//! Workers take the next item from a shared counter (so uneven items balance
//! themselves) and results land at their item's index, so the output never
//! depends on how many threads ran or how they were scheduled.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of threads `--jobs 0` (the default) means: every core.
pub fn available_jobs() -> usize {
    // Asked once: each answer reads the cgroup's CPU quota files.
    static JOBS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *JOBS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `f` over files whose work is mostly system calls (listing, reading), in
/// item order: on up to four threads (more only contend for the file
/// system), or on this thread when the items are too few to pay for
/// starting any. Fails only when a thread cannot be started or `f` panics.
pub fn map_files<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, String> {
    let jobs = available_jobs().min(4);
    if items.len() < 64 || jobs < 2 {
        return Ok(items.iter().map(f).collect());
    }
    map(items, jobs, 1 << 20, f)
}

/// `f` over every item on up to `jobs` threads (each with a native stack of
/// `stack` bytes), results in item order. Fails only when a thread cannot be
/// started or `f` panics.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stack: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, String> {
    let threads = jobs.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let result = f(item);
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(result);
            }
        }
    };
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let handle = std::thread::Builder::new()
                .name("revguard-worker".into())
                .stack_size(stack)
                .spawn_scoped(scope, work)
                .map_err(|err| format!("cannot start a worker thread: {err}"))?;
            handles.push(handle);
        }
        for handle in handles {
            handle
                .join()
                .map_err(|_| "a worker thread panicked".to_owned())?;
        }
        Ok::<(), String>(())
    })?;
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .ok_or_else(|| "a worker thread failed".to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn results_keep_item_order_for_any_job_count() {
        let items: Vec<u64> = (0..1000).collect();
        let expected: Vec<u64> = items.iter().map(|i| i * i).collect();
        for jobs in [1, 2, 3, 8, 5000] {
            assert_eq!(
                super::map(&items, jobs, 1 << 20, |i| i * i).unwrap(),
                expected
            );
        }
        assert!(
            super::map(&Vec::<u8>::new(), 4, 1 << 20, |_| 0)
                .unwrap()
                .is_empty()
        );
    }
}
