//! `bench-phases`: time each phase of one check in-process, to explain the
//! whole-process numbers of `just bench`.
//!
//! ```text
//! cargo run --release --example bench-phases -- VERSIONS_DIR [ROUNDS]
//! ```
//!
//! Phases: read the files, serialise the request (what the host sends the
//! guest), deserialise it (what `check_json` does first), load + parse,
//! graph, checks, serialise the report, and the guest ABI end to end.

use std::time::Instant;

use revguard_core::{Content, InputFile, Location, Request};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: bench-phases VERSIONS_DIR [ROUNDS]");
    let rounds: usize = args.next().map_or(3, |r| r.parse().expect("ROUNDS"));
    let t = Instant::now();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("read_dir")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    names.sort();
    let files: Vec<InputFile> = names
        .iter()
        .map(|name| InputFile {
            location: 0,
            path: name.clone(),
            real_path: None,
            content: Content::from_bytes(std::fs::read(format!("{dir}/{name}")).expect("read")),
        })
        .collect();
    let bytes: usize = files
        .iter()
        .filter_map(|f| f.content.bytes())
        .map(<[u8]>::len)
        .sum();
    println!(
        "read            {:8.1} ms  ({} files, {:.1} MB)",
        ms(t),
        files.len(),
        bytes as f64 / 1e6
    );
    let request = Request {
        locations: vec![Location {
            path: "versions".into(),
        }],
        files,
        ..Request::default()
    };
    for round in 0..rounds {
        println!("-- round {round}");
        let t = Instant::now();
        let json = serde_json::to_vec(&request).expect("request json");
        println!(
            "request to json {:8.1} ms  ({:.1} MB)",
            ms(t),
            json.len() as f64 / 1e6
        );
        let t = Instant::now();
        let back: Request = serde_json::from_slice(&json).expect("request from json");
        println!("request parse   {:8.1} ms", ms(t));
        drop(back);
        let t = Instant::now();
        for file in &request.files {
            let _ = revguard_core::parse::parse_module(file.content.bytes().unwrap_or_default());
        }
        let bindings = ms(t);
        println!("bindings only   {bindings:8.1} ms  (nom reader, no validation)");
        let t = Instant::now();
        let version = request.options.python.version;
        for file in &request.files {
            let text = std::str::from_utf8(file.content.bytes().unwrap_or_default()).unwrap_or("");
            let _ = revguard_core::syntax::validate(text, version);
        }
        let full = ms(t);
        println!(
            "validation      {full:8.1} ms  (whole-file parse, {:.1} us a file)",
            full * 1e3 / request.files.len().max(1) as f64
        );
        let t = Instant::now();
        let loaded = revguard_core::load::load(&request);
        println!("load + parse    {:8.1} ms  (bindings + validation)", ms(t));
        let t = Instant::now();
        let graph = revguard_core::graph::RevisionGraph::build(&loaded);
        println!("graph           {:8.1} ms", ms(t));
        let t = Instant::now();
        let report = revguard_core::report::build(&request, &loaded, &graph);
        println!("checks + report {:8.1} ms", ms(t));
        let t = Instant::now();
        let out = revguard_core::to_json(&report);
        println!(
            "report to json  {:8.1} ms  ({:.1} MB)",
            ms(t),
            out.len() as f64 / 1e6
        );
        let t = Instant::now();
        let _ = revguard_core::check_json(&json);
        println!(
            "check_json      {:8.1} ms  (the guest ABI's work, natively)",
            ms(t)
        );
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
