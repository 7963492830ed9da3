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

/// The default limit on one record (and on one JSON line): CloudTrail records are at most a
/// few hundred KB, so 8 MiB leaves room for any real record while bounding the window.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 << 20;

/// How a stream ended.
#[derive(Debug, Default)]
pub struct End {
    /// No `Records` member in a top-level object: nothing was passed on; read it another way.
    pub not_records: bool,
    /// The read error (truncated or corrupt gzip, I/O) that ended the input early, if any.
    pub io_error: Option<String>,
    /// Whatever follows the last readable record when it cannot be read: where, why, and how
    /// many records it holds (values counted by their brackets, not parsed; 0 when the break
    /// is outside the Records array or nothing record-like follows).
    pub tail: Option<(Position, String, usize)>,
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
    /// The element at the stop position is not JSON: skip it by its structure, report it.
    Resync(String),
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

/// A byte-level scan of JSON structure (strings, escapes, bracket depth; nothing else), for
/// where the parser cannot go on: it finds where one value ends (a record that is not JSON
/// or is over the limit) or counts the values left in the array (after a break), in
/// constant memory and one pass, whatever the bytes are.
#[derive(Clone, Copy, Debug)]
struct Scan {
    /// Count values up to the array's end instead of finding one value's end.
    count: bool,
    depth: usize,
    in_str: bool,
    esc: bool,
    /// Value mode: the value's first byte (0 before it).
    first: u8,
    /// Count mode: a value may start here (at the start, after a comma at depth 0).
    expect: bool,
    /// Count mode: values started at depth 0 (the records lost).
    values: usize,
}

impl Scan {
    fn value() -> Scan {
        Scan {
            count: false,
            depth: 0,
            in_str: false,
            esc: false,
            first: 0,
            expect: true,
            values: 0,
        }
    }

    fn counting() -> Scan {
        Scan {
            count: true,
            ..Scan::value()
        }
    }

    /// Feed the next bytes; `Some(i)` when the scan ends before `b[i]`.
    fn feed(&mut self, b: &[u8]) -> Option<usize> {
        for (i, &c) in b.iter().enumerate() {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                    if !self.count && self.depth == 0 {
                        // A string value ends with its quote.
                        return Some(i + 1);
                    }
                }
                continue;
            }
            if self.count {
                // A value starts with one of these bytes; junk (a NUL, a stray letter) does
                // not count as a record.
                if self.depth == 0
                    && self.expect
                    && matches!(
                        c,
                        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                    )
                {
                    self.values += 1;
                    self.expect = false;
                }
                match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' if self.depth == 0 => return Some(i),
                    b'}' | b']' => self.depth -= 1,
                    b',' if self.depth == 0 => self.expect = true,
                    _ => {}
                }
                continue;
            }
            if self.first == 0 {
                if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                    continue;
                }
                self.first = c;
                match c {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_str = true,
                    // Nothing before a separator: an empty element.
                    b',' | b']' | b'}' => return Some(i),
                    _ => {}
                }
                continue;
            }
            if self.depth == 0 {
                // A scalar (number, literal or junk) ends at a separator or a space.
                if matches!(
                    c,
                    b',' | b']' | b'}' | b'{' | b'[' | b'"' | b' ' | b'\n' | b'\r' | b'\t'
                ) {
                    return Some(i);
                }
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// What a structural skip is for.
enum Skip {
    /// One record (starting at this absolute offset) that cannot be parsed: report it.
    Record(usize, String),
    /// Counting what is lost after a break: then end with this tail.
    Tail(Position, String),
}

/// The window over the inflated bytes.
struct Window {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset (in the inflated file) of `buf[0]`.
    base: usize,
    eof: bool,
    /// Absolute offsets of bytes replaced by `?` (invalid UTF-8), sorted.
    bad: Vec<usize>,
}

impl Window {
    /// Drop what is before `start`, grow when full (never past `max + 1` bytes: one more
    /// than the largest record, so an oversized one is seen as such), and read more.
    fn refill<R: Read>(&mut self, r: &mut R, max: usize, out: &mut End) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start;
            self.end -= self.start;
            self.start = 0;
            let base = self.base;
            self.bad.retain(|&b| b >= base);
        }
        if self.end == self.buf.len() {
            // Only reached with less than `max + 1` bytes pending (the callers check), so
            // this always grows.
            let want = (self.buf.len() * 2).min(max.saturating_add(1));
            let want = want.max(self.buf.len() + 1);
            self.buf.resize(want, 0);
        }
        out.window = out.window.max(self.buf.len());
        while self.end < self.buf.len() {
            match r.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.io_error = Some(e.to_string());
                    self.eof = true;
                    break;
                }
            }
        }
    }
}

/// Where the walk is in the document.
struct Cursor {
    st: State,
    /// A `Records` member was found.
    found: bool,
    /// The next record's index.
    index: usize,
    /// Absolute end of the last record.
    last_end: usize,
    /// The largest record (and top-level member) in bytes.
    max: usize,
    /// The window holds the end of the input: an error near its end is an error, not a cut.
    eof: bool,
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Read `{"Records":[...]}` from `r`, calling `f` with each record's position and its event
/// (or why it is unreadable), in order. A record over `max_record` bytes is reported
/// unreadable and skipped without being held whole; so is one that is not JSON (a raw NUL, a
/// stray byte), found by its brackets, and the records after it are still read.
pub fn for_each_record<R: Read>(
    mut r: R,
    chunk: usize,
    max_record: usize,
    f: &mut dyn FnMut(Position, Result<&Event<'_>, String>),
) -> End {
    let mut w = Window {
        buf: vec![0u8; chunk.max(64)],
        start: 0,
        end: 0,
        base: 0,
        eof: false,
        bad: Vec::new(),
    };
    let mut out = End::default();
    let mut c = Cursor {
        st: State::Start,
        found: false,
        index: 0,
        last_end: 0,
        max: max_record.max(1),
        eof: false,
    };
    let mut skip: Option<(Scan, Skip)> = None;
    loop {
        if let Some((scan, _)) = &mut skip {
            let hit = scan.feed(&w.buf[w.start..w.end]);
            match hit {
                Some(i) => w.start += i,
                None => w.start = w.end,
            }
            if hit.is_none() && !w.eof {
                w.refill(&mut r, c.max, &mut out);
                continue;
            }
            let at = w.base + w.start;
            let Some((scan, why)) = skip.take() else {
                continue;
            };
            match why {
                Skip::Record(s, why) => {
                    let why = if hit.is_none() {
                        format!("{why}; no end before the end of the input")
                    } else {
                        why
                    };
                    f(Position::Record(c.index, s), Err(why));
                    c.index += 1;
                    out.records += 1;
                    c.last_end = at;
                    c.st = State::ArrNext;
                }
                Skip::Tail(pos, why) => {
                    let n = scan.values;
                    let why = if n == 0 {
                        format!("{why} (no record lost)")
                    } else {
                        format!(
                            "unreadable from here on: {why}; {n} record{} lost (counted by \
                             their brackets, not parsed)",
                            plural(n)
                        )
                    };
                    out.tail = Some((pos, why, n));
                    return out;
                }
            }
            continue;
        }
        c.eof = w.eof;
        let (consumed, stop) = match std::str::from_utf8(&w.buf[w.start..w.end]) {
            Ok(text) => walk(text, w.base + w.start, &mut c, &w.bad, &mut out, f),
            Err(e) if e.error_len().is_none() && !w.eof => {
                // A character cut by the end of the window: walk up to it.
                let v = w.start + e.valid_up_to();
                let text = std::str::from_utf8(&w.buf[w.start..v]).unwrap_or("");
                walk(text, w.base + w.start, &mut c, &w.bad, &mut out, f)
            }
            Err(e) => {
                let from = w.start + e.valid_up_to();
                repair(&mut w.buf[..w.end], from, w.eof, w.base, &mut w.bad);
                continue;
            }
        };
        w.start += consumed;
        let stop = match stop {
            // More than the limit is pending and still incomplete: the record (or member) is
            // over it, whatever follows.
            Stop::NeedMore if w.end - w.start > c.max => {
                if c.st == State::Elem {
                    let why = format!(
                        "record larger than the limit of {} bytes (--max-record-bytes); skipped",
                        c.max
                    );
                    skip = Some((Scan::value(), Skip::Record(w.base + w.start, why)));
                    continue;
                }
                Stop::Fail(format!(
                    "a member of the top-level object at byte {} is larger than the limit of \
                     {} bytes",
                    w.base + w.start,
                    c.max
                ))
            }
            Stop::NeedMore if !w.eof => {
                w.refill(&mut r, c.max, &mut out);
                continue;
            }
            Stop::Resync(why) => {
                skip = Some((Scan::value(), Skip::Record(w.base + w.start, why)));
                continue;
            }
            stop => stop,
        };
        let why = match stop {
            Stop::NotRecords => {
                out.not_records = true;
                return out;
            }
            Stop::Fail(msg) => msg,
            _ if !c.found => {
                out.not_records = true;
                return out;
            }
            _ if c.st == State::AfterTop => return out,
            _ => "the input ends inside the Records object".to_string(),
        };
        if !c.found {
            out.not_records = true;
            return out;
        }
        let pos = Position::Tail(c.index, c.last_end);
        if matches!(c.st, State::Elem | State::ArrNext | State::ArrStart) {
            // Inside the array: count the records that are lost with the rest.
            skip = Some((Scan::counting(), Skip::Tail(pos, why)));
            continue;
        }
        out.tail = Some((pos, format!("{why} (no record lost)"), 0));
        return out;
    }
}

/// Whether a parse error of `rest` happened at its very end, where more input could have
/// made it valid (`1.` or `-` cut by the window are syntax errors to `serde_json`, not EOF).
/// At the end of the input only a real end-of-input error counts: `[1]` ending the file is a
/// record that is not an event, not a cut one.
fn at_end(rest: &str, e: &serde_json::Error, eof: bool) -> bool {
    if e.is_eof() {
        return true;
    }
    if eof {
        return false;
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
fn walk(
    text: &str,
    at: usize,
    c: &mut Cursor,
    bad: &[usize],
    out: &mut End,
    f: &mut dyn FnMut(Position, Result<&Event<'_>, String>),
) -> (usize, Stop) {
    let b = text.as_bytes();
    let mut p = 0usize;
    let stop = loop {
        p = skip_ws(b, p);
        let Some(&ch) = b.get(p) else {
            break Stop::NeedMore;
        };
        match c.st {
            State::Start => {
                if ch != b'{' {
                    break Stop::NotRecords;
                }
                p += 1;
                c.st = State::FirstKey;
            }
            State::FirstKey => {
                if ch == b'}' {
                    p += 1;
                    c.st = State::AfterTop;
                } else {
                    c.st = State::Key;
                }
            }
            State::Key => {
                if ch != b'"' {
                    break Stop::Fail(format!("expected a key at byte {}", at + p));
                }
                let mut it = Deserializer::from_str(&text[p..]).into_iter::<Cow<'_, str>>();
                let key = match it.next() {
                    Some(Ok(k)) => k,
                    Some(Err(e)) if at_end(&text[p..], &e, c.eof) => break Stop::NeedMore,
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
                if key == "Records" {
                    // Every `Records` member is read, a second one too: JSON parsers disagree
                    // on which duplicate wins, and skipping one would lose its records.
                    match b.get(q) {
                        None => break Stop::NeedMore,
                        Some(b'[') => {
                            c.found = true;
                            p = q + 1;
                            c.st = State::ArrStart;
                        }
                        Some(_) => {
                            // `{"Records":null}` is a Records file that holds no records: say
                            // so, rather than read it as one event.
                            c.found = true;
                            break Stop::Fail(format!(
                                "Records is not an array (byte {}): not a CloudTrail log",
                                at + q
                            ));
                        }
                    }
                } else {
                    let mut it = Deserializer::from_str(&text[q..]).into_iter::<IgnoredAny>();
                    match it.next() {
                        Some(Ok(_)) => {
                            if q + it.byte_offset() - p > c.max {
                                // The same verdict as a window that could not hold it.
                                break Stop::Fail(format!(
                                    "a member of the top-level object at byte {} is larger \
                                     than the limit of {} bytes",
                                    at + p,
                                    c.max
                                ));
                            }
                            p = q + it.byte_offset();
                            c.st = State::ObjNext;
                        }
                        Some(Err(e)) if at_end(&text[q..], &e, c.eof) => break Stop::NeedMore,
                        Some(Err(e)) => break Stop::Fail(e.to_string()),
                        None => break Stop::NeedMore,
                    }
                }
            }
            State::ObjNext => match ch {
                b',' => {
                    p += 1;
                    c.st = State::Key;
                }
                b'}' => {
                    p += 1;
                    c.st = State::AfterTop;
                }
                _ => break Stop::Fail(format!("expected ',' or '}}' at byte {}", at + p)),
            },
            State::ArrStart => {
                if ch == b']' {
                    p += 1;
                    c.st = State::ObjNext;
                } else {
                    c.st = State::Elem;
                }
            }
            State::Elem => {
                let s = at + p;
                let mut it = Deserializer::from_str(&text[p..]).into_iter::<Event<'_>>();
                let (len, res) = match it.next() {
                    Some(Ok(ev)) => {
                        let len = it.byte_offset();
                        if len > c.max {
                            // Whole in this window, but a smaller window would have given up
                            // on it: the same verdict either way.
                            let why = format!(
                                "record larger than the limit of {} bytes \
                                 (--max-record-bytes); skipped",
                                c.max
                            );
                            (len, Err(why))
                        } else {
                            match bad_in(bad, s, s + len) {
                                Some(x) => (len, Err(format!("invalid UTF-8 at byte {x}"))),
                                None => {
                                    f(Position::Record(c.index, s), Ok(&ev));
                                    (len, Ok(()))
                                }
                            }
                        }
                    }
                    Some(Err(e)) if at_end(&text[p..], &e, c.eof) => break Stop::NeedMore,
                    Some(Err(e)) if e.is_syntax() => {
                        break Stop::Resync(format!("malformed record (not JSON): {e}"))
                    }
                    None => break Stop::NeedMore,
                    Some(Err(e)) => {
                        // Valid JSON, not an event: find where it ends and report it.
                        let mut skip = Deserializer::from_str(&text[p..]).into_iter::<IgnoredAny>();
                        match skip.next() {
                            Some(Ok(_)) => {
                                let len = skip.byte_offset();
                                let why = match bad_in(bad, s, s + len) {
                                    Some(x) => format!("invalid UTF-8 at byte {x}"),
                                    None if len > c.max => format!(
                                        "record larger than the limit of {} bytes \
                                         (--max-record-bytes); skipped",
                                        c.max
                                    ),
                                    None => format!("malformed record: {e}"),
                                };
                                (len, Err(why))
                            }
                            Some(Err(e2)) if at_end(&text[p..], &e2, c.eof) => {
                                break Stop::NeedMore
                            }
                            Some(Err(e2)) => {
                                break Stop::Resync(format!("malformed record (not JSON): {e2}"))
                            }
                            None => break Stop::NeedMore,
                        }
                    }
                };
                if let Err(why) = res {
                    f(Position::Record(c.index, s), Err(why));
                }
                c.index += 1;
                out.records += 1;
                p += len;
                c.last_end = s + len;
                c.st = State::ArrNext;
            }
            State::ArrNext => match ch {
                b',' => {
                    p += 1;
                    c.st = State::Elem;
                }
                b']' => {
                    p += 1;
                    c.st = State::ObjNext;
                }
                _ => break Stop::Fail(format!("expected ',' or ']' at byte {}", at + p)),
            },
            State::AfterTop => {
                if c.found {
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
        run_max(text, chunk, DEFAULT_MAX_RECORD_BYTES)
    }

    fn run_max(text: &[u8], chunk: usize, max: usize) -> (Vec<String>, End) {
        let mut got = Vec::new();
        let end = for_each_record(text, chunk, max, &mut |pos, ev| {
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
            matches!(end.tail, Some((Position::Tail(1, _), _, 1))),
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

    #[test]
    fn every_records_member_is_read() {
        let text = br#"{"Records":[{"eventName":"A"}],"x":1,"Records":[{"eventName":"B"},{"eventName":"C"}]}"#;
        for chunk in 64..text.len() + 2 {
            let (got, end) = run(text, chunk);
            assert_eq!(got.len(), 3, "{chunk}: {got:?}");
            assert!(got[1].starts_with("record 1 ") && got[2].ends_with(": C"));
            assert!(end.tail.is_none(), "{end:?}");
        }
        // A Records member that is not an array: a Records file with nothing in it.
        for t in [&br#"{"Records":null}"#[..], br#"{"Records":{}}"#] {
            let (got, end) = run(t, 64);
            assert!(got.is_empty() && !end.not_records, "{end:?}");
            let (_, why, lost) = end.tail.expect("reported");
            assert!(
                why.contains("Records is not an array") && lost == 0,
                "{why}"
            );
        }
    }

    #[test]
    fn records_over_the_limit_are_skipped_in_any_window() {
        let big = format!(
            r#"{{"eventName":"{}","o":{{"a":["]}}\""]}}}}"#,
            "x".repeat(300)
        );
        let text = format!(
            r#"{{"Records":[{{"eventName":"A"}},{big} , {{"eventName":"C"}}, "{}", {{"eventName":"E"}}]}}"#,
            "s".repeat(300)
        );
        for chunk in [64, 100, 256, 1000, 4096] {
            let (got, end) = run_max(text.as_bytes(), chunk, 200);
            assert_eq!(got.len(), 5, "{chunk}: {got:?}");
            assert!(
                got[1].contains("ERR record larger than the limit of 200"),
                "{got:?}"
            );
            assert!(got[2].ends_with(": C"), "{got:?}");
            assert!(got[3].contains("ERR record larger"), "{got:?}");
            assert!(got[4].ends_with(": E"), "{got:?}");
            assert!(end.tail.is_none(), "{end:?}");
            // The window never holds more than the limit and one byte, beyond the first.
            assert!(end.window <= chunk.max(201), "{chunk}: {end:?}");
        }
    }

    #[test]
    fn a_record_that_is_not_json_is_skipped_by_its_brackets() {
        let text = b"{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\0\",\"k\":[1,{}]},{\"eventName\":\"C\"}]}";
        for chunk in 64..text.len() + 2 {
            let (got, end) = run(text, chunk);
            assert_eq!(got.len(), 3, "{chunk}: {got:?}");
            assert!(
                got[1].contains("ERR malformed record (not JSON)"),
                "{got:?}"
            );
            assert!(got[2].ends_with(": C"), "{got:?}");
            assert!(end.tail.is_none(), "{end:?}");
        }
    }

    #[test]
    fn a_break_in_the_array_counts_the_records_lost() {
        let text = b"{\"Records\":[{\"eventName\":\"A\"}\0,{\"eventName\":\"B\",\"o\":{\"x\":\"{\"}},{\"eventName\":\"C\"}]}";
        for chunk in 64..text.len() + 2 {
            let (got, end) = run(text, chunk);
            assert_eq!(got.len(), 1, "{chunk}: {got:?}");
            let (pos, why, lost) = end.tail.expect("a tail");
            assert_eq!((pos, lost), (Position::Tail(1, 29), 2), "{why}");
            assert!(why.contains("2 records lost"), "{why}");
        }
        // A record that is not an event, ending the input: reported, not taken for a cut.
        let (got, end) = run(br#"{"Records":[{"eventName":"A"},1]}"#, 64);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(end.tail.is_none(), "{end:?}");
        // A truncated scalar is a record that is not an event; the cut loses nothing more.
        let (got, end) = run(br#"{"Records":[{"eventName":"A"},12"#, 64);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(end.tail.map(|t| t.2), Some(0));
        // A truncated string is counted lost.
        let (got, end) = run(br#"{"Records":[{"eventName":"A"},"ab"#, 64);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(end.tail.map(|t| t.2), Some(1));
        // NULs after a whole record (space allocated, never written): nothing lost.
        let mut t = br#"{"Records":[{"eventName":"A"}"#.to_vec();
        t.extend_from_slice(&[0; 300]);
        let (got, end) = run(&t, 64);
        assert_eq!(got.len(), 1);
        let (_, why, lost) = end.tail.expect("a tail");
        assert_eq!(lost, 0, "{why}");
        assert!(why.contains("no record lost"), "{why}");
    }

    #[test]
    fn a_huge_member_before_records_is_over_the_limit() {
        let text = format!(
            r#"{{"x":"{}","Records":[{{"eventName":"A"}}]}}"#,
            "y".repeat(500)
        );
        for chunk in [64, 4096] {
            let (got, end) = run_max(text.as_bytes(), chunk, 200);
            // Not yet known to be a Records file: left to the caller (read as lines, where
            // the one line is over the limit too).
            assert!(got.is_empty() && end.not_records, "{chunk}: {end:?}");
        }
    }
}
