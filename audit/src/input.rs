//! Log inputs: CloudTrail `{"Records":[...]}` files (`.json`, `.json.gz`), JSON lines
//! (`.jsonl`, `.jsonl.gz`, `.ndjson`), and directories searched recursively.
//!
//! What is read: paths named on the command line when they are regular files or pipes
//! (process substitution); in directories, log-named regular files only. Links to
//! directories are not followed (a `self -> .` link would read everything again, two of them
//! without end); FIFOs, devices and sockets in a directory are not opened (a FIFO blocks for
//! ever, `/dev/zero` never ends). Each is reported in [`Found::skipped`]; a device or socket
//! named on the command line is an error.
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

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Found {
    /// Files to read, sorted within each directory.
    pub files: Vec<PathBuf>,
    /// Paths that could not be read (missing, unreadable directory, device named).
    pub errors: Vec<String>,
    /// Entries of directories deliberately not read, with why (links to directories, FIFOs,
    /// devices).
    pub skipped: Vec<String>,
}

/// The kind of a file that is neither a regular file nor a directory.
fn special_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = t;
    "a special file"
}

#[cfg(unix)]
fn is_fifo(t: std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&t)
}

#[cfg(not(unix))]
fn is_fifo(_: std::fs::FileType) -> bool {
    false
}

/// Expand the `--logs` paths: files as given (regular files and pipes), directories
/// recursively (log-named regular files only, links to directories not followed), sorted for
/// a stable order.
pub fn discover(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut found),
            Ok(m) if m.is_file() || is_fifo(m.file_type()) => found.files.push(p.clone()),
            Ok(m) => found.errors.push(format!(
                "{}: not read: {}, not a regular file or a pipe",
                p.display(),
                special_kind(m.file_type())
            )),
            Err(e) => found.errors.push(format!("{}: {e}", p.display())),
        }
    }
    found
}

fn walk(dir: &Path, found: &mut Found) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            found.errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut list: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, t) in list {
        // `DirEntry::file_type` does not follow links; fall back to `symlink_metadata`.
        let Some(t) = t.or_else(|| std::fs::symlink_metadata(&p).ok().map(|m| m.file_type()))
        else {
            found
                .errors
                .push(format!("{}: cannot tell what it is", p.display()));
            continue;
        };
        if t.is_dir() {
            walk(&p, found);
        } else if t.is_symlink() {
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => found.skipped.push(format!(
                    "{}: symbolic link to a directory, not followed (name it in --logs to \
                     read it)",
                    p.display()
                )),
                Ok(m) if m.is_file() && is_log_name(&p) => found.files.push(p),
                Ok(m) if m.is_file() => {}
                Ok(m) if is_log_name(&p) => found.skipped.push(format!(
                    "{}: symbolic link to {}, not a regular file: not read",
                    p.display(),
                    special_kind(m.file_type())
                )),
                Err(e) if is_log_name(&p) => found
                    .skipped
                    .push(format!("{}: broken symbolic link: {e}", p.display())),
                _ => {}
            }
        } else if t.is_file() {
            if is_log_name(&p) {
                found.files.push(p);
            }
        } else if is_log_name(&p) {
            found.skipped.push(format!(
                "{}: {}, not a regular file: not read",
                p.display(),
                special_kind(t)
            ));
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
