//! One-pass streaming reader of CloudTrail `{"Records":[...]}` files.
//!
//! The inflated bytes go through a window of [`CHUNK`] bytes (grown only when a single record
//! does not fit), so memory per file is bounded by the window and the largest record, not by
//! the file. Each element of `Records` is deserialized straight into a borrowed [`Event`]
//! (serde derive; strings borrow from the window, unread fields are skipped) and handed to the
//! caller, which decides it before the window moves on: a record is scanned once.
//!
//! The top-level object is walked by hand (whitespace, `{`, keys, `:`, `,`, `[`); values and
//! records are parsed with `serde_json`'s stream deserializer, which says where each one ends.
//! A record cut by the end of the window is parsed again from its start once more bytes are in.
//!
//! Never lose a record:
//! - a record that is valid JSON but not an event (a number where a string belongs, a
//!   duplicate field) is skipped with `IgnoredAny` and reported unreadable, and the records after
//!   it are still read;
//! - a syntax error or a truncated input ends the file: whatever follows the last readable
//!   record is one unreadable tail entry (the caller counts it), as the earlier whole-file
//!   splitter did;
//! - a non-UTF-8 byte is replaced by `?` in the window (same length, so offsets stay true) and
//!   the record containing it is reported unreadable; validation is one `str::from_utf8` pass
//!   over each window, after which `serde_json` reads from `&str` without validating again.
//! - a file that has no `Records` member (a single event, JSON lines named `.json`) is left to
//!   the caller ([`End::not_records`]) before any record has been passed on.

use std::borrow::Cow;
use std::io::Read;

use serde::de::IgnoredAny;
use serde_json::Deserializer;

use crate::event::Event;
use crate::input::Position;

/// The starting window size (bytes of inflated text).
pub const CHUNK: usize = 1 << 20;

/// How a stream ended.
#[derive(Debug, Default)]
pub struct End {
    /// No `Records` member in a top-level object: nothing was passed on; read it another way.
    pub not_records: bool,
    /// The read error (truncated or corrupt gzip, I/O) that ended the input early, if any.
    pub io_error: Option<String>,
    /// Whatever follows the last readable record when it cannot be read: where, and why.
    pub tail: Option<(Position, String)>,
    /// Records passed on (events and unreadable records).
    pub records: usize,
    /// The largest the window grew to (bytes).
    pub window: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    FirstKey,
    Key,
    ObjNext,
    ArrStart,
    Elem,
    ArrNext,
    AfterTop,
}

enum Stop {
    NeedMore,
    Fail(String),
    NotRecords,
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && matches!(b[p], b' ' | b'\n' | b'\r' | b'\t') {
        p += 1;
    }
    p
}

/// Replace invalid UTF-8 in `buf[from..]` by `?`, recording absolute offsets (`base` + index)
/// in `bad`. An incomplete sequence at the very end is left alone unless `eof`.
fn repair(buf: &mut [u8], from: usize, eof: bool, base: usize, bad: &mut Vec<usize>) {
    let mut at = from;
    while at < buf.len() {
        let e = match std::str::from_utf8(&buf[at..]) {
            Ok(_) => return,
            Err(e) => e,
        };
        let start = at + e.valid_up_to();
        let len = match e.error_len() {
            Some(n) => n,
            None if !eof => return,
            None => buf.len() - start,
        };
        buf[start..start + len].fill(b'?');
        bad.extend((start..start + len).map(|i| base + i));
        at = start + len;
    }
}

/// Read `{"Records":[...]}` from `r`, calling `f` with each record's position and its event
/// (or why it is unreadable), in order.
pub fn for_each_record<R: Read>(
    mut r: R,
    chunk: usize,
    f: &mut dyn FnMut(Position, Result<&Event<'_>, String>),
) -> End {
    let mut buf = vec![0u8; chunk.max(64)];
    let (mut start, mut end) = (0usize, 0usize);
    // Absolute offset (in the inflated file) of buf[0].
    let mut base = 0usize;
    let mut eof = false;
    let mut out = End::default();
    let mut bad: Vec<usize> = Vec::new();
    let mut st = State::Start;
    let mut found = false;
    let mut index = 0usize;
    let mut last_end = 0usize;
    loop {
        let (consumed, stop) = match std::str::from_utf8(&buf[start..end]) {
            Ok(text) => walk(
                text,
                base + start,
                &mut st,
                &mut found,
                &mut index,
                &mut last_end,
                &bad,
                &mut out,
                f,
            ),
            Err(e) if e.error_len().is_none() && !eof => {
                // A character cut by the end of the window: walk up to it.
                let v = start + e.valid_up_to();
                let text = std::str::from_utf8(&buf[start..v]).unwrap_or("");
                walk(
                    text,
                    base + start,
                    &mut st,
                    &mut found,
                    &mut index,
                    &mut last_end,
                    &bad,
                    &mut out,
                    f,
                )
            }
            Err(e) => {
                let from = start + e.valid_up_to();
                repair(&mut buf[..end], from, eof, base, &mut bad);
                continue;
            }
        };
        start += consumed;
        match stop {
            Stop::NeedMore if !eof => {
                // Keep the unread part, drop what is behind it, read more.
                if start > 0 {
                    buf.copy_within(start..end, 0);
                    base += start;
                    end -= start;
                    start = 0;
                    bad.retain(|&b| b >= base);
                }
                if end == buf.len() {
                    // One record larger than the window: grow it.
                    buf.resize(buf.len() * 2, 0);
                }
                out.window = out.window.max(buf.len());
                while end < buf.len() {
                    match r.read(&mut buf[end..]) {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(n) => end += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            out.io_error = Some(e.to_string());
                            eof = true;
                            break;
                        }
                    }
                }
            }
            Stop::NeedMore => {
                if !found {
                    out.not_records = true;
                } else if st != State::AfterTop {
                    out.tail = Some((
                        Position::Tail(index, last_end),
                        "unreadable from here on: the input ends inside the Records object".into(),
                    ));
                }
                return out;
            }
            Stop::NotRecords => {
                out.not_records = true;
                return out;
            }
            Stop::Fail(msg) => {
                if found {
                    out.tail = Some((
                        Position::Tail(index, last_end),
                        format!("unreadable from here on: {msg}"),
                    ));
                } else {
                    out.not_records = true;
                }
                return out;
            }
        }
    }
}

/// Whether a parse error of `rest` happened at its very end, where more input could have
/// made it valid (`1.` or `-` cut by the window are syntax errors to `serde_json`, not EOF).
fn at_end(rest: &str, e: &serde_json::Error) -> bool {
    if e.is_eof() {
        return true;
    }
    let line_start = if e.line() <= 1 {
        0
    } else {
        match rest.match_indices('\n').nth(e.line() - 2) {
            Some((i, _)) => i + 1,
            None => return false,
        }
    };
    line_start + e.column() + 4 >= rest.len()
}

fn bad_in(bad: &[usize], s: usize, e: usize) -> Option<usize> {
    let i = bad.partition_point(|&b| b < s);
    bad.get(i).copied().filter(|&b| b < e)
}

/// Walk `text` (at absolute offset `at`) as far as it goes; returns the bytes consumed and why
/// it stopped.
#[allow(clippy::too_many_arguments)]
fn walk(
    text: &str,
    at: usize,
    st: &mut State,
    found: &mut bool,
    index: &mut usize,
    last_end: &mut usize,
    bad: &[usize],
    out: &mut End,
    f: &mut dyn FnMut(Position, Result<&Event<'_>, String>),
) -> (usize, Stop) {
    let b = text.as_bytes();
    let mut p = 0usize;
    let stop = loop {
        p = skip_ws(b, p);
        let Some(&c) = b.get(p) else {
            break Stop::NeedMore;
        };
        match *st {
            State::Start => {
                if c != b'{' {
                    break Stop::NotRecords;
                }
                p += 1;
                *st = State::FirstKey;
            }
            State::FirstKey => {
                if c == b'}' {
                    p += 1;
                    *st = State::AfterTop;
                } else {
                    *st = State::Key;
                }
            }
            State::Key => {
                if c != b'"' {
                    break Stop::Fail(format!("expected a key at byte {}", at + p));
                }
                let mut it = Deserializer::from_str(&text[p..]).into_iter::<Cow<'_, str>>();
                let key = match it.next() {
                    Some(Ok(k)) => k,
                    Some(Err(e)) if at_end(&text[p..], &e) => break Stop::NeedMore,
                    Some(Err(e)) => break Stop::Fail(e.to_string()),
                    None => break Stop::NeedMore,
                };
                let q = skip_ws(b, p + it.byte_offset());
                match b.get(q) {
                    None => break Stop::NeedMore,
                    Some(b':') => {}
                    Some(_) => break Stop::Fail(format!("expected ':' at byte {}", at + q)),
                }
                let q = skip_ws(b, q + 1);
                if key == "Records" && !*found {
                    match b.get(q) {
                        None => break Stop::NeedMore,
                        Some(b'[') => {
                            *found = true;
                            p = q + 1;
                            *st = State::ArrStart;
                        }
                        Some(_) => {
                            break Stop::Fail(format!("Records is not an array (byte {})", at + q))
                        }
                    }
                } else {
                    let mut it = Deserializer::from_str(&text[q..]).into_iter::<IgnoredAny>();
                    match it.next() {
                        Some(Ok(_)) => {
                            p = q + it.byte_offset();
                            *st = State::ObjNext;
                        }
                        Some(Err(e)) if at_end(&text[q..], &e) => break Stop::NeedMore,
                        Some(Err(e)) => break Stop::Fail(e.to_string()),
                        None => break Stop::NeedMore,
                    }
                }
            }
            State::ObjNext => match c {
                b',' => {
                    p += 1;
                    *st = State::Key;
                }
                b'}' => {
                    p += 1;
                    *st = State::AfterTop;
                }
                _ => break Stop::Fail(format!("expected ',' or '}}' at byte {}", at + p)),
            },
            State::ArrStart => {
                if c == b']' {
                    p += 1;
                    *st = State::ObjNext;
                } else {
                    *st = State::Elem;
                }
            }
            State::Elem => {
                let s = at + p;
                let mut it = Deserializer::from_str(&text[p..]).into_iter::<Event<'_>>();
                let (len, res) = match it.next() {
                    Some(Ok(ev)) => {
                        let len = it.byte_offset();
                        match bad_in(bad, s, s + len) {
                            Some(x) => (len, Err(format!("invalid UTF-8 at byte {x}"))),
                            None => {
                                f(Position::Record(*index, s), Ok(&ev));
                                (len, Ok(()))
                            }
                        }
                    }
                    Some(Err(e)) if at_end(&text[p..], &e) => break Stop::NeedMore,
                    Some(Err(e)) if e.is_syntax() => break Stop::Fail(e.to_string()),
                    None => break Stop::NeedMore,
                    Some(Err(e)) => {
                        // Valid JSON, not an event: find where it ends and report it.
                        let mut skip = Deserializer::from_str(&text[p..]).into_iter::<IgnoredAny>();
                        match skip.next() {
                            Some(Ok(_)) => {
                                let len = skip.byte_offset();
                                let why = match bad_in(bad, s, s + len) {
                                    Some(x) => format!("invalid UTF-8 at byte {x}"),
                                    None => format!("malformed record: {e}"),
                                };
                                (len, Err(why))
                            }
                            Some(Err(e2)) if at_end(&text[p..], &e2) => break Stop::NeedMore,
                            Some(Err(e2)) => break Stop::Fail(e2.to_string()),
                            None => break Stop::NeedMore,
                        }
                    }
                };
                if let Err(why) = res {
                    f(Position::Record(*index, s), Err(why));
                }
                *index += 1;
                out.records += 1;
                p += len;
                *last_end = s + len;
                *st = State::ArrNext;
            }
            State::ArrNext => match c {
                b',' => {
                    p += 1;
                    *st = State::Elem;
                }
                b']' => {
                    p += 1;
                    *st = State::ObjNext;
                }
                _ => break Stop::Fail(format!("expected ',' or ']' at byte {}", at + p)),
            },
            State::AfterTop => {
                if *found {
                    break Stop::Fail(format!(
                        "trailing characters after the Records object at byte {}",
                        at + p
                    ));
                }
                break Stop::NotRecords;
            }
        }
    };
    (p, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &[u8], chunk: usize) -> (Vec<String>, End) {
        let mut got = Vec::new();
        let end = for_each_record(text, chunk, &mut |pos, ev| {
            got.push(match ev {
                Ok(e) => format!("{pos}: {}", e.event_name.as_deref().unwrap_or("-")),
                Err(w) => format!("{pos}: ERR {w}"),
            })
        });
        (got, end)
    }

    #[test]
    fn records_in_any_window_size() {
        let text = br#" {"x":[1,{"Records":2.5e1}], "Records" : [ {"eventName":"A","n":-1.25e-3} ,
            {"eventName":"B\u00e9","m":[true,false,null,-0.5]},
            {"eventName":5,"k":12345.678},{"eventName":"C"}], "y":null} "#;
        for chunk in 64..text.len() + 2 {
            let (got, end) = run(text, chunk);
            assert_eq!(got.len(), 4, "{chunk}: {got:?}");
            assert!(got[0].ends_with(": A"));
            assert!(got[1].ends_with(": Bé"));
            assert!(got[2].contains("ERR malformed record"), "{got:?}");
            assert!(got[3].ends_with(": C"));
            assert!(end.tail.is_none() && !end.not_records, "{chunk}: {end:?}");
        }
    }

    #[test]
    fn memory_is_bounded_by_the_window_not_the_file() {
        let rec = r#"{"eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"}}"#;
        let body = format!("{{\"Records\":[{}]}}", vec![rec; 20_000].join(","));
        let (got, end) = run(body.as_bytes(), 4096);
        assert_eq!(got.len(), 20_000);
        assert!(body.len() > 1_000_000);
        assert_eq!(end.window, 4096, "{end:?}");
        // A record larger than the window grows it, to fit that record only.
        let big = format!(r#"{{"eventName":"{}"}}"#, "x".repeat(10_000));
        let body = format!("{{\"Records\":[{rec},{big},{rec}]}}");
        let (got, end) = run(body.as_bytes(), 4096);
        assert_eq!(got.len(), 3);
        assert_eq!(end.window, 16_384, "{end:?}");
    }

    #[test]
    fn truncation_and_syntax_errors_end_in_a_tail() {
        let (got, end) = run(br#"{"Records":[{"eventName":"A"},{"eventName":"#, 64);
        assert_eq!(got.len(), 1);
        assert!(
            matches!(end.tail, Some((Position::Tail(1, _), _))),
            "{end:?}"
        );
        let (got, end) = run(
            br#"{"Records":[{"eventName":"A"} x {"eventName":"B"}]}"#,
            64,
        );
        assert_eq!(got.len(), 1);
        assert!(end.tail.is_some());
        let (got, end) = run(br#"{"Records":[]} junk"#, 64);
        assert!(got.is_empty());
        assert!(end.tail.is_some());
    }

    #[test]
    fn non_utf8_marks_only_its_record() {
        let mut t =
            br#"{"Records":[{"eventName":"A"},{"eventName":"B?"},{"eventName":"C"}]}"#.to_vec();
        let at = t.iter().position(|&c| c == b'?').unwrap_or(0);
        t[at] = 0xFF;
        for chunk in [64, 1000] {
            let (got, end) = run(&t, chunk);
            assert_eq!(got.len(), 3);
            assert!(
                got[1].contains(&format!("ERR invalid UTF-8 at byte {at}")),
                "{got:?}"
            );
            assert!(got[2].ends_with(": C"));
            assert!(end.tail.is_none());
        }
    }

    #[test]
    fn not_records_files_are_left_to_the_caller() {
        for t in [
            &br#"{"eventName":"A"}"#[..],
            br#"{"eventName":"A"}
{"eventName":"B"}"#,
            b"[1,2]",
            b"",
        ] {
            let (got, end) = run(t, 64);
            assert!(got.is_empty());
            assert!(end.not_records, "{t:?}");
        }
    }
}
