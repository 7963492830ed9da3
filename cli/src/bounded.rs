//! Reading inputs with a bound: a whole file up to a limit, or one line up to a limit.
//!
//! Every input of the CLI has a size limit (the policy limit, the scenario-file limit, the
//! request-line limit; `docs/limits.md`). Checking the size after reading the whole input
//! is too late: a 3 GB file, a 3 GB line or a pipe that never ends would be held in memory
//! first (or never end). These readers stop one byte past the limit, so memory stays bounded
//! by the limit and the refusal comes at once, naming the limit.

use std::io::{self, BufRead, Read};
use std::path::Path;

/// The largest request line of `iamc eval --requests` (bytes, without the line end). A
/// request line holds one request; 16 MiB leaves room for megabyte context values (the
/// runtime decides them in linear time) while bounding what one line can hold in memory.
pub const MAX_REQUEST_LINE_BYTES: usize = 16 << 20;

/// The largest `--manifest` file (bytes): one line per policy file.
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// Why a bounded read failed.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(io::Error),
    /// The input is over the limit: its size when known before reading (a regular file),
    /// `None` when reading stopped one byte past the limit (a pipe).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The size, when known.
        size: Option<u64>,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge {
                limit,
                size: Some(size),
            } => write!(f, "{size} bytes, over the limit of {limit} bytes"),
            ReadError::TooLarge { limit, size: None } => write!(
                f,
                "over the limit of {limit} bytes (reading stopped one byte past it)"
            ),
        }
    }
}

/// Read the whole of `path`, refusing it when it is over `limit` bytes: a regular file by
/// its size before reading anything, anything else (a pipe, a device) once `limit + 1`
/// bytes have been read.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    if let Ok(m) = f.metadata() {
        if m.is_file() && m.len() > limit {
            return Err(ReadError::TooLarge {
                limit,
                size: Some(m.len()),
            });
        }
    }
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit, size: None });
    }
    Ok(bytes)
}

/// `e` as a loader error of `file` (at the document's root).
pub fn to_error(file: &str, e: &ReadError) -> iamc_compiler::Error {
    let kind = match e {
        ReadError::TooLarge {
            limit,
            size: Some(size),
        } => iamc_compiler::ErrorKind::TooLarge {
            limit: usize::try_from(*limit).unwrap_or(usize::MAX),
            size: usize::try_from(*size).unwrap_or(usize::MAX),
        },
        e => iamc_compiler::ErrorKind::Io(e.to_string()),
    };
    iamc_compiler::Error::new(
        &std::sync::Arc::from(file),
        &iamc_compiler::ast::JsonPath::root(),
        kind,
    )
}

/// What [`read_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The end of the input: nothing was read.
    Eof,
    /// One line in the buffer (with its end, if it had one).
    Line,
    /// A line longer than the limit: the buffer holds its first bytes only, and the rest of
    /// it has not been read (see [`skip_rest_of_line`]).
    TooLong,
}

/// Read one line into `buf` (cleared first), holding at most `limit + 2` bytes: a line
/// whose text (without `\n` or `\r\n`) is over `limit` bytes is [`Line::TooLong`].
pub fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    buf.clear();
    let cap = limit.saturating_add(2);
    let n = r.by_ref().take(cap as u64).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    let complete = buf.last() == Some(&b'\n');
    let mut text = buf.len() - usize::from(complete);
    if complete && text > 0 && buf[text - 1] == b'\r' {
        text -= 1;
    }
    if text > limit {
        if complete {
            // Over by a byte or two, but whole: nothing more to skip.
            buf.clear();
            buf.push(b'\n');
        }
        return Ok(Line::TooLong);
    }
    Ok(Line::Line)
}

/// After [`Line::TooLong`] (when the buffer does not end in `\n`): read past the rest of
/// the line without keeping it; returns the bytes skipped.
pub fn skip_rest_of_line<R: BufRead>(r: &mut R) -> io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let (used, done) = {
            let b = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if b.is_empty() {
                return Ok(skipped);
            }
            match b.iter().position(|&c| c == b'\n') {
                Some(i) => (i + 1, true),
                None => (b.len(), false),
            }
        };
        r.consume(used);
        skipped += used as u64;
        if done {
            return Ok(skipped);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn lines_are_read_up_to_the_limit() {
        let text = b"abc\nabcdef\r\nabcdefgh\nxy\nabcdefghijklmnop";
        let mut r = io::BufReader::with_capacity(4, &text[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line(&mut r, &mut buf, 6).unwrap() {
                Line::Eof => break,
                Line::Line => got.push(String::from_utf8(buf.clone()).unwrap()),
                Line::TooLong => {
                    got.push("TOO LONG".into());
                    if buf.last() != Some(&b'\n') {
                        skip_rest_of_line(&mut r).unwrap();
                    }
                }
            }
            assert!(buf.len() <= 8);
        }
        assert_eq!(got, ["abc\n", "abcdef\r\n", "TOO LONG", "xy\n", "TOO LONG"]);
    }

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        let p = std::env::temp_dir().join(format!("iamc-bounded-{}", std::process::id()));
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_file(&p, 10).unwrap().len(), 10);
        match read_file(&p, 9) {
            Err(ReadError::TooLarge {
                limit: 9,
                size: Some(10),
            }) => {}
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(&p).ok();
    }
}
