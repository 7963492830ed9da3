//! An example authorizer: load a compiled policy set (`iamc compile ... -o set.iamc`) and
//! decide requests, with nothing but `iamc-runtime` linked — no compiler, no JSON parser, no
//! regex engine.
//!
//! Requests come one a line, tab-separated (no JSON parser needed):
//!
//! ```text
//! principal <TAB> action <TAB> resource [<TAB> context [<TAB> resource_account]]
//! context = key=value;key=value;key[]=v1,v2      (key[]= gives a list; key[]= alone is empty)
//! ```
//!
//! Values cannot hold a tab or `;` (and list items no `,`): this is a demonstration format,
//! not an escaping scheme. Blank lines and lines starting with `#` are skipped.
//!
//! One line is printed per request: the decision, the deciding policy's name (as compiled:
//! its file, or the `name` of a `.jsonl` line) and the statement's Sid (`statement N` when it
//! has none), tab-separated; `-` twice when nothing decided (implicit deny), `builtin` and the
//! rule for a built-in rule (E-20). A malformed line (not a request, not UTF-8, over [`MAX_LINE_BYTES`]) gives
//! `error<TAB>line N: message` and the run goes on.
//!
//! The point is the shape of an authorizer: load once ([`iamc_runtime::PolicySet::from_bytes`]
//! checks every byte), keep one [`iamc_runtime::Scratch`] per thread, decide from borrowed
//! strings without allocating in the runtime.
//!
//! # Example
//! ```
//! # use iamc_runtime::ir::{PolicyIr, PolicySetIr, StatementIr, TemplateIr, TemplatePartIr};
//! # let statement = StatementIr { index: 0, sid: Some("Read".into()), allow: true,
//! #     principal: None, not_action: false, actions: vec!["s3:Get*".into()],
//! #     not_resource: false,
//! #     resources: vec![TemplateIr { parts: vec![TemplatePartIr::Text("*".into())] }],
//! #     conditions: vec![], opaque: None };
//! # let policy = PolicyIr { kind: iamc_runtime::PolicyKind::Identity, level: 0, index: 0,
//! #     name: "read.json".into(), statements: vec![statement] };
//! # let ir = PolicySetIr { policies: vec![policy], ..PolicySetIr::default() };
//! # let bytes = iamc_runtime::PolicySet::new(&ir)?.to_bytes();
//! // `bytes`: an artifact from `iamc compile read.json -o set.iamc`.
//! let set = iamc_runtime::PolicySet::from_bytes(&bytes)?;
//! let input = "arn:aws:iam::1:user/a\ts3:GetObject\tarn:aws:s3:::b/k\n";
//! let mut out = Vec::new();
//! iamc_authorizer_example::run(&set, input.as_bytes(), &mut out)?;
//! assert_eq!(String::from_utf8(out)?, "allow\tread.json\tRead\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

use std::io::{self, BufRead, Write};

use iamc_runtime::{Context, Decision, Outcome, PolicySet, Request, Value};

/// A context value of a request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    /// `key=value`.
    Single(&'a str),
    /// `key[]=a,b`.
    Multi(Vec<&'a str>),
}

/// One parsed request line, borrowing from the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The principal.
    pub principal: &'a str,
    /// The action.
    pub action: &'a str,
    /// The resource.
    pub resource: &'a str,
    /// The resource account, if given.
    pub resource_account: Option<&'a str>,
    /// Context entries.
    pub context: Vec<(&'a str, Entry<'a>)>,
}

/// Parse one request line.
pub fn parse_line(line: &str) -> Result<RequestLine<'_>, String> {
    let mut fields = line.split('\t');
    let mut next = |what: &str| match fields.next() {
        Some(f) if !f.is_empty() => Ok(f),
        _ => Err(format!("missing {what}")),
    };
    let principal = next("principal")?;
    let action = next("action")?;
    let resource = next("resource")?;
    let context_field = fields.next().unwrap_or("");
    let resource_account = fields.next().filter(|s| !s.is_empty());
    if fields.next().is_some() {
        return Err("more than five tab-separated fields".into());
    }
    let mut context = Vec::new();
    for item in context_field.split(';').filter(|s| !s.is_empty()) {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| format!("context entry {item:?} has no '='"))?;
        let entry = match key.strip_suffix("[]") {
            Some(k) => (
                k,
                Entry::Multi(value.split(',').filter(|v| !v.is_empty()).collect()),
            ),
            None => (key, Entry::Single(value)),
        };
        if entry.0.is_empty() {
            return Err(format!("context entry {item:?} has no key"));
        }
        context.push(entry);
    }
    Ok(RequestLine {
        principal,
        action,
        resource,
        resource_account,
        context,
    })
}

/// Decide one parsed line.
pub fn decide(
    set: &PolicySet,
    scratch: &mut iamc_runtime::Scratch,
    r: &RequestLine<'_>,
) -> Outcome {
    let context: Vec<(&str, Value<'_>)> = r
        .context
        .iter()
        .map(|(k, e)| {
            let v = match e {
                Entry::Single(s) => Value::Single(s),
                Entry::Multi(l) => Value::Multi(l),
            };
            (*k, v)
        })
        .collect();
    // K-2: a line naming a context key twice (in any spelling) is malformed; it is denied
    // by the rule, never decided by whichever entry comes first.
    let Ok(context) = Context::new(&context) else {
        return Outcome::MALFORMED;
    };
    set.evaluate(
        scratch,
        &Request {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            resource_account: r.resource_account,
            context,
        },
    )
}

/// Counts of a run: `[allow, explicit_deny, implicit_deny, indeterminate]` and malformed
/// lines. An indeterminate decision (E-21: the set holds opaque statements) is its own count,
/// never an allow or a deny.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Decisions by kind.
    pub decisions: [usize; 4],
    /// Malformed lines.
    pub errors: usize,
}

/// The longest request line read (bytes, without its end): a longer one is reported as
/// malformed and read past without being held, so one line cannot take unbounded memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One line of input: its text, or why it is malformed (not UTF-8, too long).
fn next_line<'a, R: BufRead>(
    input: &mut R,
    buf: &'a mut Vec<u8>,
) -> io::Result<Option<Result<&'a str, String>>> {
    buf.clear();
    let n = io::Read::take(&mut *input, MAX_LINE_BYTES as u64 + 2).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if n == MAX_LINE_BYTES + 2 {
        // Cut by the bound: read past the rest of the line.
        loop {
            let (used, done) = {
                let b = input.fill_buf()?;
                match b.iter().position(|&c| c == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (b.len(), b.is_empty()),
                }
            };
            input.consume(used);
            if done {
                break;
            }
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.len() > MAX_LINE_BYTES {
        return Ok(Some(Err(format!(
            "longer than the limit of {MAX_LINE_BYTES} bytes"
        ))));
    }
    Ok(Some(std::str::from_utf8(buf).map_err(|e| {
        format!("not UTF-8 (byte {})", e.valid_up_to())
    })))
}

/// Decide every line of `input`, writing one line per request to `out`. A malformed line
/// (not UTF-8, over [`MAX_LINE_BYTES`], not a request) gives an `error` line and the run goes
/// on; only a read error ends it.
pub fn run(set: &PolicySet, mut input: impl BufRead, mut out: impl Write) -> io::Result<Counts> {
    let mut scratch = set.create_scratch();
    let mut counts = Counts::default();
    // Policy names by (kind, level, index), looked up once per decision rather than by a
    // scan of every policy.
    let names: std::collections::HashMap<(&str, u32, u32), &str> = set
        .policies()
        .iter()
        .map(|p| ((p.kind.as_str(), p.level, p.index), p.name.as_str()))
        .collect();
    let mut buf = Vec::new();
    let mut n = 0usize;
    while let Some(line) = next_line(&mut input, &mut buf)? {
        n += 1;
        let parsed = line.and_then(|line| {
            if line.trim().is_empty() || line.starts_with('#') {
                Ok(None)
            } else {
                parse_line(line).map(Some)
            }
        });
        let r = match parsed {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                counts.errors += 1;
                writeln!(out, "error\tline {n}: {e}")?;
                continue;
            }
        };
        let o = decide(set, &mut scratch, &r);
        counts.decisions[match o.decision {
            Decision::Allow => 0,
            Decision::ExplicitDeny => 1,
            Decision::ImplicitDeny => 2,
            Decision::Indeterminate(_) => 3,
        }] += 1;
        match o.deciding {
            Some(iamc_runtime::Deciding::Rule(rule)) => {
                writeln!(out, "{}\tbuiltin:{}\t-", o.decision, rule.id())?
            }
            Some(iamc_runtime::Deciding::Statement(d)) => {
                let name = names
                    .get(&(d.kind.as_str(), d.level, d.policy))
                    .copied()
                    .unwrap_or("-");
                match set.sid(&d) {
                    Some(sid) => writeln!(out, "{}\t{name}\t{sid}", o.decision)?,
                    None => writeln!(out, "{}\t{name}\tstatement {}", o.decision, d.statement)?,
                }
            }
            None => writeln!(out, "{}\t-\t-", o.decision)?,
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use iamc_runtime::ir::{
        ConditionIr, KeyIr, OpKind, PolicyIr, PolicySetIr, StatementIr, TemplateIr, TemplatePartIr,
    };
    use iamc_runtime::PolicyKind;

    fn text(s: &str) -> TemplateIr {
        TemplateIr {
            parts: vec![TemplatePartIr::Text(s.into())],
        }
    }

    /// Allow s3:Get* on bucket b from 10.0.0.0/8; deny s3:DeleteObject.
    fn artifact() -> Vec<u8> {
        let stmt = |index, allow, action: &str, conditions| StatementIr {
            index,
            sid: Some(format!("S{index}")),
            allow,
            principal: None,
            not_action: false,
            actions: vec![action.into()],
            not_resource: false,
            resources: vec![text("arn:aws:s3:::b/*")],
            conditions,
            opaque: None,
        };
        let ir = PolicySetIr {
            policies: vec![PolicyIr {
                kind: PolicyKind::Identity,
                level: 0,
                index: 0,
                name: "policies/read.json".into(),
                statements: vec![
                    stmt(
                        0,
                        true,
                        "s3:Get*",
                        vec![ConditionIr {
                            key: 0,
                            set: None,
                            op: OpKind::Ip,
                            negated: false,
                            if_exists: false,
                            values: vec![text("10.0.0.0/8")],
                        }],
                    ),
                    stmt(1, false, "s3:DeleteObject", vec![]),
                ],
            }],
            keys: vec![KeyIr {
                name: "aws:sourceip".into(),
                multivalued: false,
            }],
            ..PolicySetIr::default()
        };
        PolicySet::new(&ir).unwrap().to_bytes()
    }

    #[test]
    fn parses_lines() {
        let r = parse_line("p\ts3:GetObject\tarn:x\ta=1;b[]=x,y;c[]=\t111").unwrap();
        assert_eq!(r.resource_account, Some("111"));
        assert_eq!(
            r.context,
            vec![
                ("a", Entry::Single("1")),
                ("b", Entry::Multi(vec!["x", "y"])),
                ("c", Entry::Multi(vec![])),
            ]
        );
        assert!(parse_line("p\ts3:GetObject").is_err());
        assert!(parse_line("p\ta\tr\tnoequals").is_err());
        assert!(parse_line("p\ta\tr\t=v").is_err());
    }

    #[test]
    fn decides_lines_from_a_loaded_artifact() {
        let set = PolicySet::from_bytes(&artifact()).unwrap();
        let input = "# comment\n\
            arn:aws:iam::1:user/a\ts3:GetObject\tarn:aws:s3:::b/k\taws:SourceIp=10.1.2.3\n\
            arn:aws:iam::1:user/a\ts3:GetObject\tarn:aws:s3:::b/k\taws:SourceIp=192.0.2.1\n\
            arn:aws:iam::1:user/a\ts3:DeleteObject\tarn:aws:s3:::b/k\n\
            broken\n";
        let mut out = Vec::new();
        let counts = run(&set, input.as_bytes(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            vec![
                "allow\tpolicies/read.json\tS0",
                "implicit_deny\t-\t-",
                "explicit_deny\tpolicies/read.json\tS1",
                "error\tline 5: missing action",
            ]
        );
        assert_eq!(
            counts,
            Counts {
                decisions: [1, 1, 1, 0],
                errors: 1
            }
        );
    }

    #[test]
    fn a_non_utf8_line_is_reported_and_the_run_goes_on() {
        let set = PolicySet::from_bytes(&artifact()).unwrap();
        let mut input = b"arn:aws:iam::1:user/a\ts3:GetObject\tarn:aws:s3:::b/\xff\n".to_vec();
        input.extend_from_slice(b"arn:aws:iam::1:user/a\ts3:DeleteObject\tarn:aws:s3:::b/k\n");
        let mut out = Vec::new();
        let counts = run(&set, &input[..], &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            vec![
                "error\tline 1: not UTF-8 (byte 50)",
                "explicit_deny\tpolicies/read.json\tS1",
            ]
        );
        assert_eq!(
            counts,
            Counts {
                decisions: [0, 1, 0, 0],
                errors: 1
            }
        );
    }
}
