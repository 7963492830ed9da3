//! `iamc compile`: parse policy files, compile them into one runtime policy set, and report
//! what was built.
//!
//! Every file is parsed as the `--kind` given and all of them go into one
//! [`iamc_compiler::ast::PolicySet`] (SCPs and RCPs: all files one level), which
//! [`iamc_compiler::lower::compile`] turns into an `iamc_runtime::PolicySet`. The report
//! ([`iamc_runtime::Stats`] plus the compile time) is a human summary on stdout, or with
//! `--json` one JSON object.
//!
//! Policy files are read by [`load_policies`], which `iamc eval --policies` shares: a file is
//! one policy document (bare, a `PolicyVersion` wrapper, or URL-encoded), except that a
//! `.jsonl` file holds one document a line, or one `{"name":..., "document":{...}}` object a
//! line (the shape of `corpus/managed-policies/aws-managed-policies.jsonl`; other members
//! such as `arn` are ignored and `name` becomes the policy's name).
//!
//! Errors are printed as `file: path: message` on stderr and the exit status is non-zero;
//! nothing is compiled then.

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use iamc_compiler::ast::{JsonPath, Policy, PolicyKind, PolicySet};
use iamc_compiler::json::{self, Json};
use iamc_compiler::{parse_policy, parse_policy_json, Error, ErrorKind, Limits};
use serde_json::json;

/// Nesting a `.jsonl` line adds around a policy document (`{"document":`).
const LINE_WRAPPER_DEPTH: usize = 2;

/// An I/O error reading `file`, as a loader error.
fn io_error(file: &str, e: &io::Error) -> Error {
    Error::new(
        &Arc::from(file),
        &JsonPath::root(),
        ErrorKind::Io(e.to_string()),
    )
}

/// Read the policies of one file as policies of `kind`: one document, or for `.jsonl` files
/// one document (or `{"name","document"}` object) a line. Returns every error of the file.
pub fn load_policies(path: &Path, kind: PolicyKind) -> Result<Vec<Policy>, Vec<Error>> {
    let file = path.display().to_string();
    let limits = Limits::default();
    if !file.to_ascii_lowercase().ends_with(".jsonl") {
        let bytes = std::fs::read(path).map_err(|e| vec![io_error(&file, &e)])?;
        return parse_policy(&file, &bytes, kind, &limits).map(|p| vec![p.policy]);
    }
    let f = std::fs::File::open(path).map_err(|e| vec![io_error(&file, &e)])?;
    let mut reader = io::BufReader::new(f);
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errors.push(io_error(&file, &e));
                break;
            }
        }
        n += 1;
        // The line's own text, without its end (so JSON errors say "line 1").
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let at = format!("{file}:{n}");
        match policy_line(&at, &line, kind, &limits) {
            Ok(p) => policies.push(p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(policies)
    } else {
        Err(errors)
    }
}

/// One line of a `.jsonl` policy file; `at` is `file:line`.
fn policy_line(
    at: &str,
    line: &[u8],
    kind: PolicyKind,
    limits: &Limits,
) -> Result<Policy, Vec<Error>> {
    let source: Arc<str> = Arc::from(at);
    let root = JsonPath::root();
    if line.len() > limits.max_policy_bytes.saturating_mul(2) {
        return Err(vec![Error::new(
            &source,
            &root,
            ErrorKind::TooLarge {
                limit: limits.max_policy_bytes.saturating_mul(2),
                size: line.len(),
            },
        )]);
    }
    let depth = limits.max_json_depth.saturating_add(LINE_WRAPPER_DEPTH);
    let doc = json::parse_bytes(line, depth)
        .map_err(|e| vec![Error::new(&source, &root, ErrorKind::Json(e.to_string()))])?;
    match (doc.get("name"), doc.get("document")) {
        (Some(Json::String(name)), Some(document)) => {
            let parsed = match document {
                Json::Object(_) if document.get("PolicyVersion").is_none() => {
                    parse_policy_json(Arc::from(name.as_str()), document, kind, limits)
                }
                Json::Object(_) => {
                    parse_policy(name, document.to_json_string().as_bytes(), kind, limits)
                }
                Json::String(text) => parse_policy(name, text.as_bytes(), kind, limits),
                other => {
                    return Err(vec![Error::new(
                        &source,
                        &root.key("document"),
                        ErrorKind::WrongType {
                            expected: "a policy document",
                            found: other.type_name(),
                        },
                    )])
                }
            };
            // The policy keeps its name; errors point at the line (the name is not a file).
            parsed.map(|p| p.policy).map_err(|errors| {
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.source = Arc::clone(&source);
                        e.path = prefixed(&e.path);
                        e
                    })
                    .collect()
            })
        }
        _ => parse_policy(at, line, kind, limits).map(|p| p.policy),
    }
}

/// `$.Statement[0]` inside a `{"document":...}` line is `$.document.Statement[0]`.
fn prefixed(path: &JsonPath) -> JsonPath {
    let rest = path.as_str().strip_prefix('$').unwrap_or(path.as_str());
    let p = JsonPath::root().key("document");
    JsonPath(format!("{}{rest}", p.as_str()))
}

/// A policy set holding `policies` as `kind` (SCPs and RCPs: one level).
pub fn set_of(kind: PolicyKind, policies: Vec<Policy>) -> PolicySet {
    let mut set = PolicySet::default();
    match kind {
        PolicyKind::Identity => set.identity = policies,
        PolicyKind::Boundary => set.boundaries = policies,
        PolicyKind::Scp => set.scps = vec![policies],
        PolicyKind::Rcp => set.rcps = vec![policies],
        // One resource or session policy per set: the first; more are an error upstream.
        PolicyKind::Resource => set.resource = policies.into_iter().next(),
        PolicyKind::Session => set.session = policies.into_iter().next(),
    }
    set
}

/// Options of `iamc compile`.
#[derive(Clone, Copy, Debug)]
pub struct CompileOptions {
    /// The kind every file is parsed as.
    pub kind: PolicyKind,
    /// One JSON object instead of text.
    pub json: bool,
}

/// Compile `files`, writing the report to `out` and errors to `err`. Returns whether it
/// succeeded (exit status 0).
pub fn compile(
    files: &[std::path::PathBuf],
    opts: CompileOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let mut policies = Vec::new();
    let mut errors = 0usize;
    for path in files {
        match load_policies(path, opts.kind) {
            Ok(mut p) => policies.append(&mut p),
            Err(es) => {
                errors += es.len();
                for e in &es {
                    writeln!(err, "{e}")?;
                }
            }
        }
    }
    let single = matches!(opts.kind, PolicyKind::Resource | PolicyKind::Session);
    if single && policies.len() > 1 {
        writeln!(
            err,
            "iamc compile: a policy set holds one {} policy; {} given",
            opts.kind.as_str(),
            policies.len()
        )?;
        errors += 1;
    }
    if errors > 0 {
        writeln!(err, "iamc compile: {errors} error(s); nothing compiled")?;
        return Ok(false);
    }
    let set = set_of(opts.kind, policies);
    let start = Instant::now();
    let compiled = match iamc_compiler::lower::compile(&set) {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "iamc compile: cannot compile: {e}")?;
            return Ok(false);
        }
    };
    let elapsed = start.elapsed();
    let st = compiled.stats();
    let micros = elapsed.as_secs_f64() * 1e6;
    if opts.json {
        let obj = json!({
            "files": files.len(),
            "kind": opts.kind.as_str(),
            "policies": st.policies,
            "statements": st.statements,
            "exact_actions": st.exact_actions,
            "wildcard_actions": st.wildcard_actions,
            "services": st.services,
            "any_action_statements": st.any_action_statements,
            "not_action_statements": st.not_action_statements,
            "resource_patterns": {
                "any": st.resource_patterns[0],
                "exact": st.resource_patterns[1],
                "prefix": st.resource_patterns[2],
                "general": st.resource_patterns[3],
                "with_variables": st.resource_patterns[4],
            },
            "conditions": st.conditions,
            "keys": st.keys,
            "scp_levels": st.scp_levels,
            "rcp_levels": st.rcp_levels,
            "memory_bytes": st.memory_bytes,
            "compile_micros": micros.round(),
        });
        writeln!(out, "{obj}")?;
    } else {
        let r = &st.resource_patterns;
        writeln!(
            out,
            "iamc compile: {} file(s), kind {}",
            files.len(),
            opts.kind.as_str()
        )?;
        writeln!(out, "  policies:           {}", st.policies)?;
        writeln!(out, "  statements:         {}", st.statements)?;
        writeln!(
            out,
            "  actions:            {} exact, {} wildcard pattern(s), {} service(s)",
            st.exact_actions, st.wildcard_actions, st.services
        )?;
        writeln!(
            out,
            "  action statements:  {} with \"*\", {} NotAction",
            st.any_action_statements, st.not_action_statements
        )?;
        writeln!(
            out,
            "  resource patterns:  {} any, {} exact, {} prefix, {} general, {} with variables",
            r[0], r[1], r[2], r[3], r[4]
        )?;
        writeln!(out, "  conditions:         {}", st.conditions)?;
        writeln!(out, "  condition keys:     {}", st.keys)?;
        if st.scp_levels + st.rcp_levels > 0 {
            writeln!(
                out,
                "  levels:             {} SCP, {} RCP",
                st.scp_levels, st.rcp_levels
            )?;
        }
        writeln!(out, "  memory:             ~{} bytes", st.memory_bytes)?;
        if micros >= 10_000.0 {
            writeln!(out, "  compile time:       {:.1} ms", micros / 1000.0)?;
        } else {
            writeln!(out, "  compile time:       {micros:.0} µs")?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn jsonl_line_with_name_and_document() {
        let p = policy_line(
            "m.jsonl:1",
            br#"{"name":"ReadOnly","arn":"x","document":{"Version":"2012-10-17",
                "Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}}"#,
            PolicyKind::Identity,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(&*p.source, "ReadOnly");
        assert_eq!(p.statements.len(), 1);

        let e = policy_line(
            "m.jsonl:2",
            br#"{"name":"Bad","document":{"Statement":[{"Effect":"Alow","Action":"*"}]}}"#,
            PolicyKind::Identity,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(&*e[0].source, "m.jsonl:2");
        assert!(
            e[0].path.as_str().starts_with("$.document.Statement[0]"),
            "{e:?}"
        );
    }
}
