//! Log inputs: CloudTrail `{"Records":[...]}` files (`.json`, `.json.gz`), JSON lines
//! (`.jsonl`, `.jsonl.gz`, `.ndjson`), and directories searched recursively.
//!
//! Trade-offs:
//! - A Records file is streamed through a bounded window and parsed in one pass
//!   ([`crate::records`]): a syntax error or a truncation loses only what follows it, a record
//!   that is not an event only itself.
//! - JSON-lines files are read in blocks of whole lines decided in parallel (memory stays
//!   bounded for any file size).
//! - A `.json` file without a `Records` member (a single event, JSON lines) is read again as
//!   JSON lines; a line with a non-UTF-8 byte is reported unreadable.
//! - [`read_all`] and [`repair_utf8`] (replace invalid UTF-8 by `?`, same length, so offsets
//!   stay true) are kept for callers that want a whole file, such as the fuzz target.
//! - A truncated or corrupt `.gz` keeps what was inflated before the damage; the damage is
//!   reported as a file error and the partial trailing record as unreadable.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a file holds its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `{"Records":[...]}`.
    Records,
    /// One JSON object a line.
    Lines,
}

/// The format a file name implies.
pub fn format_of(path: &Path) -> Format {
    let name = path.to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Format::Lines
    } else {
        Format::Records
    }
}

fn is_log_name(path: &Path) -> bool {
    let name = path.to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// Expand the `--logs` paths: files as given, directories recursively (log-named files only),
/// sorted for a stable order. Paths that cannot be read are returned as errors.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut files, &mut errors),
            Ok(_) => files.push(p.clone()),
            Err(e) => errors.push(format!("{}: {e}", p.display())),
        }
    }
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut list: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    list.sort();
    for p in list {
        if p.is_dir() {
            walk(&p, files, errors);
        } else if is_log_name(&p) {
            files.push(p);
        }
    }
}

/// Open a file, inflating `.gz`.
pub fn open(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    let f = std::fs::File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(256 * 1024, f),
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// Read a whole file (inflated). On a read error the bytes read before it are kept and the
/// error is returned beside them.
pub fn read_all(path: &Path) -> (Vec<u8>, Option<String>) {
    let mut buf = Vec::new();
    let mut r = match open(path) {
        Ok(r) => r,
        Err(e) => return (buf, Some(e.to_string())),
    };
    match r.read_to_end(&mut buf) {
        Ok(_) => (buf, None),
        Err(e) => (buf, Some(e.to_string())),
    }
}

/// Replace every byte of an invalid UTF-8 sequence by `?`; returns their offsets (sorted).
pub fn repair_utf8(buf: &mut [u8]) -> Vec<usize> {
    let mut bad = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        match std::str::from_utf8(&buf[at..]) {
            Ok(_) => break,
            Err(e) => {
                let start = at + e.valid_up_to();
                let len = e.error_len().unwrap_or(buf.len() - start);
                buf[start..start + len].fill(b'?');
                bad.extend(start..start + len);
                at = start + len;
            }
        }
    }
    bad
}

/// Where a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// Index in `Records` (0-based) and byte offset in the inflated file.
    Record(usize, usize),
    /// Line number (1-based).
    Line(usize),
    /// After the last readable record of a Records file.
    Tail(usize, usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Record(i, b) => write!(f, "record {i} (byte {b})"),
            Position::Line(l) => write!(f, "line {l}"),
            Position::Tail(i, b) => write!(f, "after record {i} (byte {b})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_repair_marks_offsets() {
        let mut b = b"ab\xffc\xe2\x82".to_vec();
        let bad = repair_utf8(&mut b);
        assert_eq!(bad, vec![2, 4, 5]);
        assert_eq!(&b, b"ab?c??");
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(format_of(Path::new("a.jsonl.gz")), Format::Lines);
        assert_eq!(format_of(Path::new("a.json.gz")), Format::Records);
        assert!(is_log_name(Path::new("x/a.json")));
        assert!(!is_log_name(Path::new("x/a.txt")));
    }
}
