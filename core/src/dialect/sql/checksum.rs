//! The checksums the tools store, computed as each tool computes them.

use sha2::{Digest, Sha256, Sha384};

/// Flyway's `ChecksumCalculator`: the file is read as UTF-8 text line by
/// line (`BufferedReader.readLine`, which ends a line at `\n`, `\r` or
/// `\r\n`), a BOM at the start of the first line is dropped, and a CRC32 is
/// updated with each line's UTF-8 bytes without its terminator. Empty lines
/// add nothing, so this is the CRC32 of the text with every `\r` and `\n`
/// removed. Java returns it as a signed `int`.
pub fn flyway_crc32(bytes: &[u8]) -> i32 {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut crc = !0u32;
    for piece in text.split(['\r', '\n']) {
        for &byte in piece.as_bytes() {
            crc = CRC32_TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
        }
    }
    !crc as i32
}

/// The CRC-32 of `java.util.zip.CRC32` (IEEE 802.3, reflected polynomial
/// `0xEDB88320`), one byte at a time through a 1 KB table built at compile
/// time. Hand-written rather than crc32fast: its slice-by-16 tables are
/// 16 KB of the browser's first module (about 12 KB gzipped), and
/// migration files are small enough that a byte at a time costs nothing.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// SHA-256 of the bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-384 of the bytes, lower-case hex (sqlx's `Migration::checksum`).
pub fn sha384_hex(bytes: &[u8]) -> String {
    hex(&Sha384::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_ignores_line_endings_and_the_bom() {
        let unix = flyway_crc32(b"CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n");
        assert_eq!(
            unix,
            flyway_crc32(b"CREATE TABLE a (id int);\r\nINSERT INTO a VALUES (1);\r\n")
        );
        assert_eq!(
            unix,
            flyway_crc32(b"\xef\xbb\xbfCREATE TABLE a (id int);\rINSERT INTO a VALUES (1);")
        );
        assert_ne!(
            unix,
            flyway_crc32(b"CREATE TABLE a (id int); INSERT INTO a VALUES (1);")
        );
        // java.util.zip.CRC32 of "abc" is 0x352441c2, an empty file 0.
        assert_eq!(flyway_crc32(b"abc\n"), 0x3524_41c2_u32 as i32);
        assert_eq!(flyway_crc32(b""), 0);
        // A value above i32::MAX comes out negative, as Java's (int) cast.
        assert_eq!(flyway_crc32(b"a"), 0xe8b7_be43_u32 as i32);
        assert!(flyway_crc32(b"a") < 0);
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(flyway_crc32(b"123456789"), 0xcbf4_3926_u32 as i32);
    }

    #[test]
    fn digests_are_the_standard_ones() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha384_hex(b"abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
    }
}
