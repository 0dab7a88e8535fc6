//! A model of how `helm template` and `kustomize build` read their argv:
//! which file paths they would open. Written from the parsers' behaviour,
//! independently of revguard's checker (`host/src/argocd/args.rs`), so the
//! property in `renderer_args.rs` compares two readings of the same argv.
//!
//! - pflag (both tools): `--name=value`, `--name value`, `-xvalue`,
//!   `-x=value`, `-x value`; a value flag takes the next argument whatever
//!   it looks like; a boolean takes only an inline `=value`; `--` ends the
//!   flags; combined short flags continue after a boolean.
//! - Slice flags (`-f/--values`): the value is one CSV record (Go's
//!   `encoding/csv`, default settings): `,` separates, a field starting with
//!   `"` is quoted (`""` is a quote, `,` and line breaks stay inside), a bare
//!   quote elsewhere is an error, the record ends at a line break and blank
//!   lines before it are skipped. Repeats append.
//! - helm's `strvals` for `--set-file` (one `key=value[,key=value…]` per
//!   flag): `\` makes the next character literal in keys and values; a key
//!   runs to `=` (then a value), `,` (no value) or the end; `.` and `[i]`
//!   only nest it; a value starting with `{` is a `{a,b}` list whose every
//!   item is read as a file; a value runs to the next `,`.
//! - helm opens each `-f` and `--set-file` value through its getters: `-` is
//!   stdin, `http(s):`/`oci:` URLs are fetched (reported here as opened, so
//!   the property also forbids them), anything else is `os.ReadFile`.

/// What a parser opens: a local path (as written) or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    File(String),
    Url(String),
}

/// How a flag takes its value, and what the value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    /// A value that names no file.
    Text,
    /// A CSV list of files (`-f`).
    FileSlice,
    /// strvals `key=file` pairs (`--set-file`).
    StrvalsFiles,
    /// One path the tool reads or writes (kustomize `-o`, `--mount`, ...).
    Path,
}

type Table = &'static [(&'static str, Option<char>, Kind)];

/// `helm template` (3.x): every flag revguard could let through, plus the
/// ones that read files.
const HELM: Table = &[
    ("values", Some('f'), Kind::FileSlice),
    ("set-file", None, Kind::StrvalsFiles),
    ("set", None, Kind::Text),
    ("set-string", None, Kind::Text),
    ("set-json", None, Kind::Text),
    ("set-literal", None, Kind::Text),
    ("namespace", Some('n'), Kind::Text),
    ("name-template", None, Kind::Text),
    ("kube-version", None, Kind::Text),
    ("api-versions", Some('a'), Kind::Text),
    ("include-crds", None, Kind::Bool),
    ("skip-crds", None, Kind::Bool),
    ("skip-tests", None, Kind::Bool),
    ("skip-schema-validation", None, Kind::Bool),
    ("no-hooks", None, Kind::Bool),
    ("is-upgrade", None, Kind::Bool),
    ("show-only", Some('s'), Kind::Text),
    ("generate-name", Some('g'), Kind::Bool),
    ("output-dir", None, Kind::Path),
    ("post-renderer", None, Kind::Path),
    ("kubeconfig", None, Kind::Path),
    ("ca-file", None, Kind::Path),
    ("cert-file", None, Kind::Path),
    ("key-file", None, Kind::Path),
];

/// `kustomize build` (5.x).
const KUSTOMIZE: Table = &[
    ("enable-managedby-label", None, Kind::Bool),
    ("helm-api-versions", None, Kind::Text),
    ("helm-debug", None, Kind::Bool),
    ("helm-kube-version", None, Kind::Text),
    ("reorder", None, Kind::Text),
    ("as-current-user", None, Kind::Bool),
    ("enable-alpha-plugins", None, Kind::Bool),
    ("enable-exec", None, Kind::Bool),
    ("enable-helm", None, Kind::Bool),
    ("env", Some('e'), Kind::Text),
    ("helm-command", None, Kind::Path),
    ("load-restrictor", None, Kind::Text),
    ("mount", None, Kind::Path),
    ("network", None, Kind::Bool),
    ("network-name", None, Kind::Text),
    ("output", Some('o'), Kind::Path),
];

/// What `helm template . ARGS` opens (`Err`: helm refuses the argv; what it
/// opened before failing is still returned, being read already).
pub fn helm(args: &[String]) -> (Vec<Opened>, Result<(), String>) {
    tool(HELM, args)
}

/// What `kustomize build . ARGS` names as paths (positional arguments are
/// directories it would build).
pub fn kustomize(args: &[String]) -> (Vec<Opened>, Result<(), String>) {
    tool(KUSTOMIZE, args)
}

fn tool(table: Table, args: &[String]) -> (Vec<Opened>, Result<(), String>) {
    let mut opened = Vec::new();
    let result = pflag(table, args).and_then(|values| {
        for (kind, value) in values {
            match kind {
                Kind::Bool | Kind::Text => {}
                Kind::FileSlice => csv_record(&value)?
                    .into_iter()
                    .for_each(|p| open(&p, &mut opened)),
                Kind::StrvalsFiles => strvals_files(&value, &mut opened)?,
                Kind::Path => opened.push(Opened::File(value)),
            }
        }
        Ok(())
    });
    (opened, result)
}

/// pflag: every flag's kind and value, in order; positional arguments come
/// back as `Kind::Path`.
fn pflag(table: Table, args: &[String]) -> Result<Vec<(Kind, String)>, String> {
    let by_long = |name: &str| table.iter().find(|f| f.0 == name).map(|f| f.2);
    let by_short = |c: char| table.iter().find(|f| f.1 == Some(c)).map(|f| f.2);
    let mut out = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            out.extend(rest.by_ref().map(|a| (Kind::Path, a.clone())));
        } else if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let kind = by_long(name).ok_or(format!("unknown flag: --{name}"))?;
            let value = match (kind, inline) {
                (_, Some(v)) => v,
                (Kind::Bool, None) => "true".into(),
                (_, None) => rest.next().ok_or("flag needs an argument")?.clone(),
            };
            out.push((kind, value));
        } else if arg.len() > 1 && arg.starts_with('-') {
            let mut shorts = &arg[1..];
            while let Some(c) = shorts.chars().next() {
                let kind = by_short(c).ok_or(format!("unknown shorthand flag: '{c}'"))?;
                let after = &shorts[c.len_utf8()..];
                let (value, remaining) =
                    if let Some(v) = after.strip_prefix('=').filter(|v| !v.is_empty()) {
                        (v.to_string(), "")
                    } else if kind == Kind::Bool {
                        ("true".to_string(), after)
                    } else if !after.is_empty() {
                        (after.to_string(), "")
                    } else {
                        let next = rest.next().ok_or("flag needs an argument")?;
                        (next.clone(), "")
                    };
                out.push((kind, value));
                shorts = remaining;
            }
        } else {
            out.push((Kind::Path, arg.clone()));
        }
    }
    Ok(out)
}

/// Go's `csv.NewReader(value).Read()`: the first record.
fn csv_record(value: &str) -> Result<Vec<String>, String> {
    let mut chars = value.chars().peekable();
    // Blank lines before the record are skipped.
    while chars.peek() == Some(&'\n') {
        chars.next();
    }
    if chars.peek().is_none() {
        return Ok(Vec::new());
    }
    let mut fields = Vec::new();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("extraneous or missing \" in quoted-field".into()),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            match chars.next() {
                None | Some('\n') => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return Err("extraneous or missing \" in quoted-field".into()),
            }
        } else {
            loop {
                match chars.next() {
                    None | Some('\n') => {
                        fields.push(field.trim_end_matches('\r').to_string());
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err("bare \" in non-quoted-field".into()),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// strvals with a file reader (`--set-file`): every value read as a file.
fn strvals_files(value: &str, opened: &mut Vec<Opened>) -> Result<(), String> {
    let mut chars = value.chars().peekable();
    loop {
        // The key: to `=`, `,` or the end; `.` and `[i]` only nest it.
        let (key, last) = until(&mut chars, &['=', ',']);
        match last {
            None if key.is_empty() => return Ok(()),
            None => return Err(format!("key {key:?} has no value")),
            Some(',') => continue,
            _ => {}
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            loop {
                let (item, last) = until(&mut chars, &[',', '}']);
                match last {
                    None => return Err("list must terminate with '}'".into()),
                    Some('}') => {
                        open(&item, opened);
                        // A `,` after the list is consumed; anything else
                        // starts the next key.
                        if chars.peek() == Some(&',') {
                            chars.next();
                        }
                        break;
                    }
                    _ => open(&item, opened),
                }
            }
        } else {
            let (item, last) = until(&mut chars, &[',']);
            open(&item, opened);
            if last.is_none() {
                return Ok(());
            }
        }
    }
}

/// strvals' `runesUntil`: characters up to one of `stop` (returned), with
/// `\` making the next character literal.
fn until(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    stop: &[char],
) -> (String, Option<char>) {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else if stop.contains(&c) {
            return (out, Some(c));
        } else {
            out.push(c);
        }
    }
    (out, None)
}

/// helm's `readFile`: stdin, a getter's URL, or a local file.
fn open(path: &str, opened: &mut Vec<Opened>) {
    if path.trim() == "-" || path.is_empty() {
        return;
    }
    let scheme = path.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https" | "oci") => opened.push(Opened::Url(path.to_string())),
        _ => opened.push(Opened::File(path.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn files(opened: &[Opened]) -> Vec<&str> {
        opened
            .iter()
            .map(|o| match o {
                Opened::File(p) | Opened::Url(p) => p.as_str(),
            })
            .collect()
    }

    /// The model reads the attacks the way helm does.
    #[test]
    fn the_model_reads_helm_escapes_like_helm() {
        for (args, expected) in [
            (&["--set-file", "a=\\/etc/passwd"][..], &["/etc/passwd"][..]),
            (&["--set-file", "a={/etc/passwd,x}"], &["/etc/passwd", "x"]),
            (&["--set-file", "a\\=b=/etc/passwd"], &["/etc/passwd"]),
            (&["-f", "\"/etc/passwd\""], &["/etc/passwd"]),
            (&["-f", "\"a,/etc/passwd\",b"], &["a,/etc/passwd", "b"]),
            (&["--values=a,b", "-fc", "-f=d"], &["a", "b", "c", "d"]),
            (&["-f="], &["="]),
            (&["--set-file=k.x[0]=v.yaml,j=w"], &["v.yaml", "w"]),
            (&["--set-file", "a,b=c"], &["c"]),
            (&["--set-file", "a={x}b=y"], &["x", "y"]),
            (&["-f", "a\nb"], &["a"]),
            (&["--set", "a=/etc/passwd", "-n", "-f"], &[]),
        ] {
            let (opened, _) = helm(&argv(args));
            assert_eq!(files(&opened), expected, "{args:?}");
        }
        let (_, result) = helm(&argv(&["-f", "a\"b"]));
        assert!(result.is_err(), "a bare quote is a CSV error");
        let (opened, _) = kustomize(&argv(&["--reorder", "x", "-o/tmp/y", "dir"]));
        assert_eq!(files(&opened), ["/tmp/y", "dir"]);
    }
}
