//! The workspace's own build of wasm-bindgen's command-line tools.
//!
//! The binaries `bindgen` and `bindgen-test-runner` (wasm-bindgen's
//! `wasm-bindgen` and `wasm-bindgen-test-runner`) are thin
//! wrappers around the `wasm-bindgen-cli` library, so their version and
//! every transitive dependency come from this repository's `Cargo.lock`
//! (never from the CLI's published lock file). `wasm/playground/build.sh`
//! builds them with `cargo build --locked -p revguard-wasm-bindgen` and calls
//! them by path from the target directory, never from `PATH`.

#[cfg(test)]
mod tests {
    /// The CLI must be exactly the `wasm-bindgen` crate's version: the
    /// module embeds a schema version and the CLI refuses any other.
    #[test]
    fn cli_matches_the_web_crates_wasm_bindgen() {
        let pin = |manifest: &str, name: &str| -> String {
            let text = std::fs::read_to_string(manifest).expect("manifest");
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{name} = ")))
                .unwrap_or_else(|| panic!("{manifest} has no `{name} = ` line"));
            let start = line.find("\"=").expect("an exact `=` pin") + 2;
            let rest = &line[start..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        };
        let here = env!("CARGO_MANIFEST_DIR");
        let cli = pin(&format!("{here}/Cargo.toml"), "wasm-bindgen-cli");
        let crate_pin = pin(&format!("{here}/../web/Cargo.toml"), "wasm-bindgen");
        assert_eq!(
            cli, crate_pin,
            "wasm/bindgen and wasm/web pin different wasm-bindgen versions"
        );
    }
}
