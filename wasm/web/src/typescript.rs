//! The TypeScript declarations of everything that crosses the boundary,
//! generated from the Rust types with ts-rs (feature `typescript`).
//!
//! `wasm/web/types.d.ts` is [`declarations`]'s output, checked in: `lib.rs`
//! embeds it as wasm-bindgen's TypeScript section, so it lands in the
//! `revguard_web.d.ts` next to the built module, and the playground's JSDoc
//! types import it. The host's `formats` suite (which every `cargo test` at
//! the repository root runs) fails when the file and the Rust types drift;
//! refresh it with
//! `REVGUARD_UPDATE_TYPES=1 cargo test -p revguard --test formats web_types`.

use std::any::TypeId;
use std::collections::HashSet;

use ts_rs::{Config, TS, TypeVisitor};

use crate::django::{DjangoInput, DjangoReportDto};
use crate::dto::{CheckInput, ReportDto};
use crate::sql::{SqlInput, SqlReportDto};

/// The header of the generated file.
const HEADER: &str = "// The TypeScript shapes of revguard-web's `check()`: what it takes and what\n\
// it returns. Generated from the Rust types (wasm/web/src/typescript.rs, ts-rs);\n\
// do not edit. Refresh: REVGUARD_UPDATE_TYPES=1 cargo test -p revguard --test formats web_types\n";

/// Every declaration reachable from the input and the report, each once,
/// sorted by name (ts-rs visits dependencies in no stable order), as one
/// `.d.ts` text.
pub fn declarations() -> String {
    let config = Config::new();
    let mut collect = Collect {
        config: &config,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    collect.visit::<CheckInput>();
    collect.visit::<ReportDto>();
    collect.visit::<SqlInput>();
    collect.visit::<SqlReportDto>();
    collect.visit::<DjangoInput>();
    collect.visit::<DjangoReportDto>();
    collect.out.sort();
    let mut text = String::from(HEADER);
    for (_, declaration) in collect.out {
        text.push('\n');
        text.push_str(&declaration);
    }
    text
}

/// Walks the dependency graph of the types, collecting each declaration
/// with its name.
struct Collect<'a> {
    config: &'a Config,
    seen: HashSet<TypeId>,
    out: Vec<(String, String)>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no declaration of their own.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let mut declaration = T::docs().unwrap_or_default();
        declaration.push_str("export ");
        declaration.push_str(&tidy(&T::decl(self.config)));
        declaration.push('\n');
        self.out.push((T::ident(self.config), declaration));
        T::visit_dependencies(self);
    }
}

/// One field a line, indented. ts-rs writes an object type as
/// `type X = { \n/** doc */\nname: T, \n…name: T, };`.
fn tidy(decl: &str) -> String {
    let Some((head, body)) = decl.split_once("{ \n") else {
        return decl.to_owned();
    };
    let Some(body) = body.strip_suffix(", };") else {
        return decl.to_owned();
    };
    let mut out = format!("{head}{{\n");
    for line in body.lines() {
        out.push_str("  ");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push_str(",\n};");
    out
}
