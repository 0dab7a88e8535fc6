//! The guest ABI's binary tables (version 3): how file bytes, per-file facts
//! and options travel into a sandboxed guest without JSON or escaping.
//!
//! Two calls make a check (see `docs/performance.md`):
//!
//! 1. **analyze**, in any number of guests at once: a table of file bytes in,
//!    one encoded [`FileFacts`] per file out. Facts depend only on the bytes,
//!    the Python version and, when the request carries them, the
//!    deploy-safety settings (the lint runs here, per file), so the host
//!    caches them by content hash in a namespace of those settings.
//! 2. **check**, once: the files (paths, facts, and bytes where the check
//!    may need them) and the options in, the JSON report out.
//!
//! All integers are little-endian `u32`. A string or byte run is a `u32`
//! length followed by the bytes; `NONE` as a length means "absent".
//!
//! ```text
//! analyze request:  "RGA3" major:u8 minor:u8 safety:run(JSON of SafetySettings)|NONE
//!                   count:u32 {len:u32 bytes}*
//! analyze output:   "RGF2" count:u32 {len:u32 facts}*      or "RGE2" message
//! check request:    "RGC3" header:run(JSON of CheckHeader) count:u32 {file}*
//! file:             location:u32 path:run real_path:run|NONE
//!                   kind:u8 (0: read, then ptr:u32 len:u32 | 1: unread, then reason:run
//!                            | 2: read, bytes left out)
//!                   facts:run|NONE
//! check output:     the JSON report, or "RGN3" when it needs the left-out bytes
//! ```
//!
//! In a check request, a read file's bytes are not inline: `ptr`/`len` name
//! a buffer the host got from the guest's allocator and filled, which the
//! guest then owns, so each file crosses into the guest exactly once and is
//! never copied again. The core decodes the table and leaves taking those
//! buffers to the guest crate (the only place with `unsafe`).
//!
//! A file whose facts are given needs no bytes at all in most checks: the
//! facts carry its line table, so labels are placed without the text. When
//! [`crate::may_omit_bytes`] allows it, the host sends such a file as kind 2,
//! and a warm check of a clean history copies no file into the guest. Should
//! the check need one of those texts after all (a slice quoted in a message),
//! the guest answers [`NEEDS_BYTES`] instead of a report and the host sends
//! the request again with every file's bytes ([`crate::check_without`]).

use serde::{Deserialize, Serialize};

use crate::parse::FileFacts;
use crate::python::PythonVersion;
use crate::request::{Location, Options};
use crate::safety::SafetySettings;

/// Magic of an analyze request.
pub const ANALYZE_MAGIC: &[u8; 4] = b"RGA3";
/// Magic of an analyze output.
pub const FACTS_MAGIC: &[u8; 4] = b"RGF2";
/// Magic of an analyze error.
pub const ERROR_MAGIC: &[u8; 4] = b"RGE2";
/// Magic of a check request.
pub const CHECK_MAGIC: &[u8; 4] = b"RGC3";
/// A check's whole output when it needs the bytes it was not sent.
pub const NEEDS_BYTES: &[u8; 4] = b"RGN3";
/// The length that means "absent".
pub const NONE: u32 = u32::MAX;

/// The small, JSON-encoded part of a check request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckHeader {
    /// Version locations in configured order.
    pub locations: Vec<Location>,
    /// Options (policy, history, Python target...).
    pub options: Options,
}

/// A malformed table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Encode one file's facts (postcard: compact and fast to decode).
pub fn encode_facts(facts: &FileFacts) -> Vec<u8> {
    // Plain data into a Vec cannot fail.
    postcard::to_allocvec(facts).unwrap_or_default()
}

/// Decode one file's facts; `None` when the bytes are not facts of this build
/// (the caller then reads the file itself).
pub fn decode_facts(bytes: &[u8]) -> Option<FileFacts> {
    decode_whole(bytes)
}

/// Decode postcard bytes that must hold exactly one `T`: `None` for
/// anything else, trailing bytes included.
pub fn decode_whole<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}

/// Append a `u32`.
pub fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Append a length-prefixed run. Runs longer than `u32::MAX - 1` cannot be
/// encoded; the host refuses such inputs long before (size caps).
pub fn put_run(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, u32::try_from(bytes.len()).unwrap_or(NONE - 1));
    out.extend_from_slice(bytes);
}

/// Append an optional run.
pub fn put_opt_run(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => put_run(out, bytes),
        None => put_u32(out, NONE),
    }
}

/// A cursor over a table.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Start reading `bytes`, which must begin with `magic`.
    pub fn new(bytes: &'a [u8], magic: &[u8; 4]) -> Result<Reader<'a>, WireError> {
        match bytes.strip_prefix(magic.as_slice()) {
            Some(_) => Ok(Reader { bytes, at: 4 }),
            None => Err(WireError(format!(
                "not a {} table",
                String::from_utf8_lossy(magic)
            ))),
        }
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], WireError> {
        let end = self.at.checked_add(len).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(WireError(format!(
                "truncated table: {what} at byte {}",
                self.at
            )));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    /// A byte.
    pub fn u8(&mut self, what: &str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    /// A `u32`.
    pub fn u32(&mut self, what: &str) -> Result<u32, WireError> {
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A length-prefixed run.
    pub fn run(&mut self, what: &str) -> Result<&'a [u8], WireError> {
        self.opt_run(what)?
            .ok_or_else(|| WireError(format!("{what}: missing")))
    }

    /// An optional run.
    pub fn opt_run(&mut self, what: &str) -> Result<Option<&'a [u8]>, WireError> {
        match self.u32(what)? {
            NONE => Ok(None),
            len => self.take(len as usize, what).map(Some),
        }
    }

    /// A UTF-8 run.
    pub fn str(&mut self, what: &str) -> Result<&'a str, WireError> {
        std::str::from_utf8(self.run(what)?).map_err(|_| WireError(format!("{what}: not UTF-8")))
    }

    /// A count of items that each take at least `min_item` bytes: refused
    /// when the rest of the table cannot hold that many, so a forged count
    /// never makes the reader reserve memory.
    pub fn count(&mut self, min_item: usize, what: &str) -> Result<usize, WireError> {
        let count = self.u32(what)? as usize;
        let room = self.bytes.len() - self.at;
        if count.saturating_mul(min_item) > room {
            return Err(WireError(format!("{what}: {count} items cannot fit")));
        }
        Ok(count)
    }

    /// Fail unless the whole table was read.
    pub fn finish(self) -> Result<(), WireError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(WireError(format!(
                "{} bytes after the end of the table",
                self.bytes.len() - self.at
            )))
        }
    }
}

/// What every file of an analyze request is read under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzeTarget {
    /// The Python version files must compile under.
    pub version: PythonVersion,
    /// Lint each file for deploy safety under these settings (Alembic's
    /// reader only; other readers ignore them).
    pub safety: Option<SafetySettings>,
}

impl From<PythonVersion> for AnalyzeTarget {
    fn from(version: PythonVersion) -> Self {
        AnalyzeTarget {
            version,
            safety: None,
        }
    }
}

/// An analyze request: what to read the files under, and their bytes.
pub struct AnalyzeRequest<'a> {
    /// The target Python and the lint settings.
    pub target: AnalyzeTarget,
    /// The files' bytes, in request order.
    pub files: Vec<&'a [u8]>,
}

/// Encode an analyze request.
pub fn encode_analyze(target: &AnalyzeTarget, files: &[&[u8]]) -> Vec<u8> {
    let safety = target
        .safety
        .as_ref()
        .map(|settings| serde_json::to_vec(settings).unwrap_or_default());
    let total: usize = files.iter().map(|f| f.len() + 4).sum();
    let extra = safety.as_ref().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(total + extra + 14);
    out.extend_from_slice(ANALYZE_MAGIC);
    out.push(target.version.major);
    out.push(target.version.minor);
    put_opt_run(&mut out, safety.as_deref());
    put_u32(&mut out, u32::try_from(files.len()).unwrap_or(NONE - 1));
    for file in files {
        put_run(&mut out, file);
    }
    out
}

/// Decode an analyze request.
pub fn decode_analyze(bytes: &[u8]) -> Result<AnalyzeRequest<'_>, WireError> {
    let mut reader = Reader::new(bytes, ANALYZE_MAGIC)?;
    let (major, minor) = (reader.u8("major")?, reader.u8("minor")?);
    let version = PythonVersion::new(major, minor);
    if version < PythonVersion::OLDEST || version > PythonVersion::NEWEST {
        return Err(WireError(format!(
            "unsupported Python version {major}.{minor}"
        )));
    }
    let safety = match reader.opt_run("safety settings")? {
        Some(json) => Some(
            serde_json::from_slice::<SafetySettings>(json)
                .map_err(|err| WireError(format!("safety settings: {err}")))?,
        ),
        None => None,
    };
    let count = reader.count(4, "file count")?;
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        files.push(reader.run("file")?);
    }
    reader.finish()?;
    Ok(AnalyzeRequest {
        target: AnalyzeTarget { version, safety },
        files,
    })
}

/// The guest's whole analyze step for Alembic: facts (with the deploy-safety
/// lint when the request asks for it) for every file, or an error table.
pub fn analyze_table(request: &[u8]) -> Vec<u8> {
    analyze_table_under(request, |bytes, target| {
        encode_facts(&crate::parse::analyze_with(
            bytes,
            target.version,
            target.safety.as_ref(),
        ))
    })
}

/// Every other dialect's per-file phase on the wire: decode an analyze
/// table, run `read` on each file's bytes (with the target Python) and put
/// what it encodes into a facts table, or answer an error table for a
/// malformed request.
pub fn analyze_table_with(
    request: &[u8],
    mut read: impl FnMut(&[u8], PythonVersion) -> Vec<u8>,
) -> Vec<u8> {
    analyze_table_under(request, |bytes, target| read(bytes, target.version))
}

/// [`analyze_table_with`] where `read` sees the whole target.
pub fn analyze_table_under(
    request: &[u8],
    mut read: impl FnMut(&[u8], &AnalyzeTarget) -> Vec<u8>,
) -> Vec<u8> {
    let request = match decode_analyze(request) {
        Ok(request) => request,
        Err(err) => {
            let mut out = ERROR_MAGIC.to_vec();
            out.extend_from_slice(format!("invalid analyze request: {err}").as_bytes());
            return out;
        }
    };
    let mut out = FACTS_MAGIC.to_vec();
    put_u32(&mut out, request.files.len() as u32);
    for bytes in request.files {
        put_run(&mut out, &read(bytes, &request.target));
    }
    out
}

/// Split an analyze output into one encoded facts run per file.
pub fn decode_analyze_output(bytes: &[u8]) -> Result<Vec<&[u8]>, WireError> {
    if let Some(message) = bytes.strip_prefix(ERROR_MAGIC.as_slice()) {
        return Err(WireError(String::from_utf8_lossy(message).into_owned()));
    }
    let mut reader = Reader::new(bytes, FACTS_MAGIC)?;
    let count = reader.count(4, "facts count")?;
    let mut runs = Vec::with_capacity(count);
    for _ in 0..count {
        runs.push(reader.run("facts")?);
    }
    reader.finish()?;
    Ok(runs)
}

/// How a file of a check request arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried<'a> {
    /// Its bytes are in a guest buffer (pointer, length).
    Buffer(u32, u32),
    /// The host did not read it, for this reason.
    Unread(&'a str),
    /// The host read it but left its bytes out: its facts stand in.
    Omitted,
}

/// One file of a check request (what [`encode_check`] writes and
/// [`decode_check`] reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord<'a> {
    /// Index into the locations.
    pub location: usize,
    /// Path relative to the location.
    pub path: &'a str,
    /// The resolved path, when different.
    pub real_path: Option<&'a str>,
    /// Where its bytes are.
    pub content: Carried<'a>,
    /// Its facts, encoded, when the per-file phase ran ahead.
    pub facts: Option<&'a [u8]>,
}

/// A check request, as decoded.
pub struct CheckTable<'a> {
    /// Locations and options.
    pub header: CheckHeader,
    /// The files, in request order.
    pub files: Vec<FileRecord<'a>>,
}

/// Encode a check request.
pub fn encode_check(header: &CheckHeader, files: &[FileRecord<'_>]) -> Vec<u8> {
    let json = serde_json::to_vec(header).unwrap_or_default();
    let mut out = Vec::with_capacity(json.len() + files.len() * 96);
    out.extend_from_slice(CHECK_MAGIC);
    put_run(&mut out, &json);
    put_u32(&mut out, u32::try_from(files.len()).unwrap_or(NONE - 1));
    for file in files {
        put_u32(&mut out, u32::try_from(file.location).unwrap_or(NONE - 1));
        put_run(&mut out, file.path.as_bytes());
        put_opt_run(&mut out, file.real_path.map(str::as_bytes));
        match file.content {
            Carried::Buffer(ptr, len) => {
                out.push(0);
                put_u32(&mut out, ptr);
                put_u32(&mut out, len);
            }
            Carried::Unread(reason) => {
                out.push(1);
                put_run(&mut out, reason.as_bytes());
            }
            Carried::Omitted => out.push(2),
        }
        put_opt_run(&mut out, file.facts);
    }
    out
}

/// Decode a check request.
pub fn decode_check(bytes: &[u8]) -> Result<CheckTable<'_>, WireError> {
    let mut reader = Reader::new(bytes, CHECK_MAGIC)?;
    let header = serde_json::from_slice::<CheckHeader>(reader.run("header")?)
        .map_err(|err| WireError(format!("header: {err}")))?;
    // location + path + real_path + kind + facts: at least 13 bytes.
    let count = reader.count(13, "file count")?;
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        let location = reader.u32("location")? as usize;
        let path = reader.str("path")?;
        let real_path = match reader.opt_run("real path")? {
            Some(bytes) => Some(
                std::str::from_utf8(bytes).map_err(|_| WireError("real path: not UTF-8".into()))?,
            ),
            None => None,
        };
        let content = match reader.u8("content kind")? {
            0 => Carried::Buffer(reader.u32("pointer")?, reader.u32("length")?),
            1 => Carried::Unread(reader.str("reason")?),
            2 => Carried::Omitted,
            other => return Err(WireError(format!("unknown content kind {other}"))),
        };
        let facts = reader.opt_run("facts")?;
        files.push(FileRecord {
            location,
            path,
            real_path,
            content,
            facts,
        });
    }
    reader.finish()?;
    Ok(CheckTable { header, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyze_round_trip() {
        let files: [&[u8]; 3] = [b"revision = 'a'\n", b"", b"x = (\n"];
        let table = encode_analyze(&PythonVersion::DEFAULT.into(), &files);
        let decoded = decode_analyze(&table).expect("decodes");
        assert_eq!(decoded.files, files);
        let output = analyze_table(&table);
        let runs = decode_analyze_output(&output).expect("facts");
        assert_eq!(runs.len(), 3);
        let facts: Vec<FileFacts> = runs
            .iter()
            .map(|r| decode_facts(r).expect("facts"))
            .collect();
        assert!(facts[0].get(crate::parse::Attr::Revision).is_some());
        assert!(facts[2].syntax_error.is_some());
        assert_eq!(
            facts[0],
            crate::parse::analyze(files[0], PythonVersion::DEFAULT)
        );
    }

    #[test]
    fn check_round_trip() {
        let header = CheckHeader::default();
        let files = [
            FileRecord {
                location: 0,
                path: "a.py",
                real_path: None,
                content: Carried::Buffer(64, 10),
                facts: Some(b"xyz"),
            },
            FileRecord {
                location: 1,
                path: "b.pyc",
                real_path: Some("x/b.pyc"),
                content: Carried::Unread("compiled"),
                facts: None,
            },
            FileRecord {
                location: 0,
                path: "c.py",
                real_path: None,
                content: Carried::Omitted,
                facts: Some(b"abc"),
            },
        ];
        let table = encode_check(&header, &files);
        let decoded = decode_check(&table).expect("decodes");
        assert_eq!(decoded.header, header);
        assert_eq!(decoded.files[0].content, Carried::Buffer(64, 10));
        assert_eq!(decoded.files[0].facts, Some(&b"xyz"[..]));
        assert_eq!(decoded.files[1].real_path, Some("x/b.pyc"));
        assert_eq!(decoded.files[1].content, Carried::Unread("compiled"));
        assert_eq!(decoded.files[2].content, Carried::Omitted);
        assert_eq!(decoded.files[2].facts, Some(&b"abc"[..]));
    }

    #[test]
    fn malformed_tables_are_errors_not_panics() {
        let target = AnalyzeTarget {
            version: PythonVersion::DEFAULT,
            safety: Some(SafetySettings::default()),
        };
        let table = encode_analyze(&target, &[b"abc"]);
        for cut in 0..table.len() {
            assert!(decode_analyze(&table[..cut]).is_err(), "cut at {cut}");
        }
        // A file count far beyond what the table holds.
        let plain = encode_analyze(&PythonVersion::DEFAULT.into(), &[b"abc"]);
        let mut forged = plain.clone();
        forged[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_analyze(&forged).is_err());
        // Settings that are not JSON of the settings.
        let mut forged = plain[..6].to_vec();
        put_run(&mut forged, b"{\"enabled\": 3}");
        forged.extend_from_slice(&plain[10..]);
        assert!(decode_analyze(&forged).is_err_and(|e| e.0.starts_with("safety settings")));
        let check = encode_check(&CheckHeader::default(), &[]);
        for cut in 0..check.len() {
            assert!(decode_check(&check[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode_analyze_output(b"RGE2boom").is_err_and(|e| e.0 == "boom"));
        assert!(decode_facts(b"\xff\xff\xff").is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_to_a_table_or_an_error(bytes: Vec<u8>, magic in 0usize..3) {
            let prefixed = [ANALYZE_MAGIC, CHECK_MAGIC, FACTS_MAGIC][magic]
                .iter()
                .chain(&bytes)
                .copied()
                .collect::<Vec<u8>>();
            let _ = decode_analyze(&prefixed);
            let _ = decode_check(&prefixed);
            let _ = decode_analyze_output(&prefixed);
            let _ = decode_facts(&bytes);
            let out = analyze_table(&prefixed);
            proptest::prop_assert!(out.starts_with(FACTS_MAGIC) || out.starts_with(ERROR_MAGIC));
        }

        #[test]
        fn facts_survive_the_wire(text in "[ -~\n]{0,200}") {
            let source = format!("revision = 'a'\ndown_revision = None\n{text}");
            let facts = crate::parse::analyze(source.as_bytes(), PythonVersion::DEFAULT);
            proptest::prop_assert_eq!(decode_facts(&encode_facts(&facts)), Some(facts));
        }
    }
}
