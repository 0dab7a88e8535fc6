//! In-process benchmarks (`just bench`, or `cargo bench -p revguard --bench
//! check`): parse throughput in MB/s, and the full check natively
//! (`revguard_core::check_json`) and through the guest ABI (the embedded
//! wasm guest in wasmtime with fuel and the memory cap, exactly as the CLI
//! runs it) at 100 / 1,000 / 10,000 / 100,000 revisions of the realistic
//! generated corpus (`revguard_test_support::corpus`).
//!
//! `REVGUARD_BENCH_SIZES=100,1000` limits the sizes (the 100,000 case takes a
//! few minutes).

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use revguard::{engine, parallel, sandbox};
use revguard_core::{Content, InputFile, Location, Request};
use revguard_test_support::{cache, corpus};

fn sizes() -> Vec<usize> {
    std::env::var("REVGUARD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1_000, 10_000, 100_000])
}

fn request(n: usize) -> Request {
    let files = corpus::generate(&corpus::CorpusOptions::realistic(n, 1));
    Request {
        locations: vec![Location {
            path: "alembic/versions".into(),
        }],
        files: files
            .into_iter()
            .map(|f| InputFile {
                location: 0,
                path: f.name,
                real_path: None,
                content: Content::from_bytes(f.bytes),
            })
            .collect(),
        ..Request::default()
    }
}

fn benches(c: &mut Criterion) {
    // Before the first guest load, on the bench's only thread.
    cache::isolate_this_process();
    for n in sizes() {
        let request = request(n);
        let bytes: u64 = request
            .files
            .iter()
            .filter_map(|f| f.content.bytes())
            .map(|b| b.len() as u64)
            .sum();
        let json = serde_json::to_vec(&request).expect("request serialises");
        let limits = sandbox::Limits {
            timeout: Duration::from_secs(600),
            max_memory_bytes: 4 << 30,
        };

        let mut group = c.benchmark_group("parse");
        group.throughput(Throughput::Bytes(bytes));
        configure(&mut group, n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &request, |b, request| {
            b.iter(|| {
                for file in &request.files {
                    if let Some(bytes) = file.content.bytes() {
                        std::hint::black_box(revguard_core::parse::parse_module(bytes));
                    }
                }
            })
        });
        group.finish();

        let mut group = c.benchmark_group("check");
        group.throughput(Throughput::Bytes(bytes));
        configure(&mut group, n);
        group.bench_with_input(BenchmarkId::new("native", n), &json, |b, json| {
            b.iter(|| revguard_core::check_json(json))
        });
        // The two phases the CLI runs: the per-file facts in parallel guests
        // (cold), then the graph step in one guest with the facts given (warm:
        // what a run costs when every file's facts come from the cache).
        let version = request.options.python.version;
        let files: Vec<&[u8]> = request
            .files
            .iter()
            .filter_map(|f| f.content.bytes())
            .collect();
        let jobs = parallel::available_jobs();
        // What the engine sends: the lint runs per file when it is on.
        let target = revguard_core::wire::AnalyzeTarget {
            version,
            safety: Some(request.options.safety.clone()).filter(|s| s.enabled),
        };
        let facts =
            engine::analyze_wasm(&files, &target, &limits, jobs).expect("the guests analyze");
        let given: Vec<Option<&[u8]>> = facts.iter().map(|f| Some(f.as_slice())).collect();
        group.bench_with_input(BenchmarkId::new("guest-cold", n), &request, |b, request| {
            b.iter(|| {
                let facts = engine::analyze_wasm(&files, &target, &limits, jobs).expect("analyze");
                let given: Vec<Option<&[u8]>> = facts.iter().map(|f| Some(f.as_slice())).collect();
                sandbox::check_request(request, &given[..], &limits).expect("the guest checks")
            })
        });
        group.bench_with_input(BenchmarkId::new("guest-warm", n), &request, |b, request| {
            b.iter(|| {
                sandbox::check_request(request, &given[..], &limits).expect("the guest checks")
            })
        });
        group.bench_with_input(
            BenchmarkId::new("native-warm", n),
            &request,
            |b, request| {
                b.iter(|| {
                    let decoded = given
                        .iter()
                        .map(|f| f.and_then(revguard_core::wire::decode_facts));
                    revguard_core::check_with_facts(request, decoded.collect())
                })
            },
        );
        group.finish();
    }
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
) {
    if n >= 10_000 {
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 100_000 { 30 } else { 10 }));
    }
}

criterion_group!(check, benches);
criterion_main!(check);
