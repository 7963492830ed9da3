//! `iamc compile`: parse policy files, compile them into one runtime policy set, and report
//! what was built.
//!
//! Every file is parsed as the `--kind` given (SCPs and RCPs: all files one level), a manifest
//! names kinds and levels per file, and every policy goes into one [`iamc_compiler::Compiler`],
//! which assembles the set, rejects what a set cannot hold (a second resource or session
//! policy, a gap in SCP/RCP levels) and builds an `iamc_runtime::PolicySet`. The report
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

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use iamc_compiler::ast::{JsonPath, Policy, PolicyKind};
use iamc_compiler::json::{self, Json};
use iamc_compiler::parse::{parse_lenient_json, parse_policy_with, ReadMode};
use iamc_compiler::{parse_policy, parse_policy_json, Compiler, Config, Error, ErrorKind, Limits};
use iamc_runtime::{BuildInfo, Stats};
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
    load_policies_with(path, kind, ReadMode::Strict)
}

/// [`load_policies`] in a [`ReadMode`]. Read leniently (G-21), a statement that breaks a G
/// rule becomes an opaque statement, and a document that cannot be read at all (not JSON,
/// over the size limit, no `Statement`) becomes one opaque statement that may allow or deny
/// anything; list them with [`opaque_reports`]. A file that cannot be opened, or a read that
/// fails, is still an error.
pub fn load_policies_with(
    path: &Path,
    kind: PolicyKind,
    mode: ReadMode,
) -> Result<Vec<Policy>, Vec<Error>> {
    let file = path.display().to_string();
    let limits = Limits::default();
    if !file.to_ascii_lowercase().ends_with(".jsonl") {
        let bytes = match crate::bounded::read_file(path, limits.max_policy_bytes as u64) {
            Ok(b) => b,
            Err(e @ crate::bounded::ReadError::TooLarge { .. }) if mode == ReadMode::Lenient => {
                let error = crate::bounded::to_error(&file, &e);
                return Ok(vec![unreadable_policy(&file, kind, error)]);
            }
            Err(e) => return Err(vec![crate::bounded::to_error(&file, &e)]),
        };
        return parse_policy_with(&file, &bytes, kind, &limits, mode).map(|p| vec![p.policy]);
    }
    let f = std::fs::File::open(path).map_err(|e| vec![io_error(&file, &e)])?;
    let mut reader = io::BufReader::new(f);
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    let mut line = Vec::new();
    let mut n = 0usize;
    // A line holds one policy, maybe wrapped (policy_line's own bound).
    let line_limit = limits.max_policy_bytes.saturating_mul(2);
    loop {
        match crate::bounded::read_line(&mut reader, &mut line, line_limit) {
            Ok(crate::bounded::Line::Eof) => break,
            Ok(crate::bounded::Line::Line) => {}
            Ok(crate::bounded::Line::TooLong) if mode == ReadMode::Lenient => {
                // G-21: an over-long line is a document that cannot be read.
                n += 1;
                let at = format!("{file}:{n}");
                let error = Error::new(
                    &Arc::from(at.as_str()),
                    &JsonPath::root(),
                    ErrorKind::TooLarge {
                        limit: line_limit,
                        size: line.len(),
                    },
                );
                policies.push(unreadable_policy(&at, kind, error));
                if line.last() != Some(&b'\n') {
                    if let Err(e) = crate::bounded::skip_rest_of_line(&mut reader) {
                        errors.push(io_error(&file, &e));
                        break;
                    }
                }
                continue;
            }
            Ok(crate::bounded::Line::TooLong) => {
                // The file fails to load anyway: stop here rather than read on.
                errors.push(Error::new(
                    &Arc::from(format!("{file}:{}", n + 1)),
                    &JsonPath::root(),
                    ErrorKind::Io(format!(
                        "line longer than the limit of {line_limit} bytes; the rest of the \
                         file is not read"
                    )),
                ));
                break;
            }
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
        match policy_line(&at, &line, kind, &limits, mode) {
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
    mode: ReadMode,
) -> Result<Policy, Vec<Error>> {
    let source: Arc<str> = Arc::from(at);
    if mode == ReadMode::Lenient {
        return Ok(policy_line_lenient(at, line, kind, limits));
    }
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

/// One `.jsonl` line read leniently (G-21): never an error.
fn policy_line_lenient(at: &str, line: &[u8], kind: PolicyKind, limits: &Limits) -> Policy {
    let lenient = |name: &str, bytes: &[u8]| {
        // A lenient read never fails; the fallback is for the type's sake.
        parse_policy_with(name, bytes, kind, limits, ReadMode::Lenient)
            .map(|p| p.policy)
            .unwrap_or_else(|mut e| unreadable_policy(name, kind, e.remove(0)))
    };
    let depth = limits.max_json_depth.saturating_add(LINE_WRAPPER_DEPTH);
    let Ok(doc) = json::parse_bytes(line, depth) else {
        return lenient(at, line);
    };
    match (doc.get("name"), doc.get("document")) {
        (Some(Json::String(name)), Some(document)) => match document {
            Json::Object(_) if document.get("PolicyVersion").is_none() => {
                match parse_policy_json(Arc::from(name.as_str()), document, kind, limits) {
                    Ok(p) => p.policy,
                    Err(_) => {
                        parse_lenient_json(Arc::from(name.as_str()), document, kind, limits).policy
                    }
                }
            }
            Json::Object(_) => lenient(name, document.to_json_string().as_bytes()),
            Json::String(text) => lenient(name, text.as_bytes()),
            _ => lenient(at, b""),
        },
        _ => lenient(at, line),
    }
}

/// G-21: a document that cannot be read at all, as one opaque statement that may allow or
/// deny anything, so the decisions it could influence come out indeterminate.
fn unreadable_policy(source: &str, kind: PolicyKind, error: Error) -> Policy {
    Policy {
        source: Arc::from(source),
        kind,
        version: iamc_compiler::ast::Version::V2012_10_17,
        version_written: false,
        id: None,
        statements: vec![iamc_compiler::ast::Statement::unknown(
            0,
            JsonPath::root(),
            kind,
            vec![error],
        )],
    }
}

/// G-21: one line per opaque statement of `policies`: `name: path: opaque statement (rule):
/// the violations`.
pub fn opaque_reports(policies: &[Policy]) -> Vec<String> {
    let mut out = Vec::new();
    for p in policies {
        for s in &p.statements {
            if let Some(o) = &s.opaque {
                let why: Vec<String> = o
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.path, e.kind))
                    .collect();
                out.push(format!(
                    "{}: {}: opaque statement ({}): {}",
                    p.source,
                    s.path,
                    o.rule(),
                    why.join("; ")
                ));
            }
        }
    }
    out
}

/// `$.Statement[0]` inside a `{"document":...}` line is `$.document.Statement[0]`.
fn prefixed(path: &JsonPath) -> JsonPath {
    let rest = path.as_str().strip_prefix('$').unwrap_or(path.as_str());
    let p = JsonPath::root().key("document");
    JsonPath(format!("{}{rest}", p.as_str()))
}

/// Options of `iamc compile`.
#[derive(Clone, Debug)]
pub struct CompileOptions<'a> {
    /// The kind every positional file is parsed as.
    pub kind: PolicyKind,
    /// One JSON object instead of text.
    pub json: bool,
    /// A manifest naming more policy files with their kinds (see [`read_manifest`]).
    pub manifest: Option<&'a Path>,
    /// Write the compiled set as an artifact (`iamc_runtime::artifact`) to this file.
    pub output: Option<&'a Path>,
    /// The services RCPs apply to (E-10); `None`: the default list.
    pub rcp_services: Option<Vec<String>>,
}

/// One policy file of a compile: its kind and level (SCP/RCP level, else 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The kind its policies are parsed as.
    pub kind: PolicyKind,
    /// SCP/RCP level, root = 0.
    pub level: usize,
    /// The file.
    pub path: PathBuf,
}

/// What a manifest lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Policy files with their kinds, in order.
    pub entries: Vec<Entry>,
    /// `management-account ID`, if given (E-10, E-12).
    pub management_account: Option<String>,
}

/// Read a manifest: one `KIND[:LEVEL] PATH` line per policy file, where `KIND` is
/// `identity`, `resource`, `boundary`, `session`, `scp` or `rcp` and `LEVEL` (SCP/RCP only,
/// root = 0, default 0) is the organization level; relative paths are relative to the
/// manifest's folder. `management-account ID` names the management account. Blank lines and
/// lines starting with `#` are ignored. A gap in SCP or RCP levels (`scp:0` and `scp:2`
/// without `scp:1`) is an error when the set is built: an empty level allows nothing (E-11).
pub fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let bytes = crate::bounded::read_file(path, crate::bounded::MAX_MANIFEST_BYTES)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut m = Manifest::default();
    for (n, line) in text.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), n + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (head, rest) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{}: expected `KIND[:LEVEL] PATH`", at()))?;
        let rest = rest.trim();
        if head == "management-account" {
            m.management_account = Some(rest.to_string());
            continue;
        }
        let (kind, level) = match head.split_once(':') {
            Some((k, l)) => (
                k,
                l.parse::<usize>()
                    .ok()
                    .filter(|&l| l < 64)
                    .ok_or_else(|| format!("{}: bad level {l:?} (0 to 63)", at()))?,
            ),
            None => (head, 0),
        };
        let kind = match kind {
            "identity" => PolicyKind::Identity,
            "resource" => PolicyKind::Resource,
            "boundary" => PolicyKind::Boundary,
            "session" => PolicyKind::Session,
            "scp" => PolicyKind::Scp,
            "rcp" => PolicyKind::Rcp,
            other => return Err(format!("{}: unknown policy kind {other:?}", at())),
        };
        if level > 0 && !matches!(kind, PolicyKind::Scp | PolicyKind::Rcp) {
            return Err(format!("{}: only scp and rcp take a level", at()));
        }
        m.entries.push(Entry {
            kind,
            level,
            path: dir.join(rest),
        });
    }
    Ok(m)
}

/// The `iamc compile` name and version written into artifacts.
pub fn compiler_version() -> String {
    format!("iamc {}", env!("CARGO_PKG_VERSION"))
}

/// Creation time for artifacts: `$SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn creation_time() -> u64 {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half an artifact.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Compile `files` (as `opts.kind`) and the manifest's files, writing the report to `out`,
/// errors to `err`, and with `opts.output` the artifact. Returns the exit status: 0 compiled,
/// 1 a policy has an error (the policies are what `compile` judges), 2 an input that cannot
/// be used (a file or manifest that cannot be read, no files, an artifact that cannot be
/// written).
pub fn compile(
    files: &[PathBuf],
    opts: CompileOptions<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let mut entries: Vec<Entry> = files
        .iter()
        .map(|p| Entry {
            kind: opts.kind,
            level: 0,
            path: p.clone(),
        })
        .collect();
    let mut management_account = None;
    if let Some(m) = opts.manifest {
        match read_manifest(m) {
            Ok(mut m) => {
                entries.append(&mut m.entries);
                management_account = m.management_account;
            }
            Err(e) => {
                writeln!(err, "iamc compile: {e}")?;
                return Ok(crate::EXIT_INPUT);
            }
        }
    }
    if entries.is_empty() {
        writeln!(
            err,
            "iamc compile: no policy files (give FILE... or --manifest)"
        )?;
        return Ok(crate::EXIT_INPUT);
    }
    let mut config = Config::new().management_account(management_account);
    if let Some(list) = &opts.rcp_services {
        config = config.rcp_services(list.iter().cloned());
    }
    let mut compiler = Compiler::new(config);
    // Errors are printed as they are found, file by file: the loader's, then the set's.
    let mut errors = 0usize;
    let mut unreadable = false;
    let mut printed = 0usize;
    for e in &entries {
        match load_policies(&e.path, e.kind) {
            Ok(policies) => {
                for p in policies {
                    compiler.add_policy(e.kind, e.level, p);
                }
            }
            Err(es) => {
                errors += es.len();
                // A file that cannot be opened is an input error; what is in a file that
                // opens (bad JSON, a G-rule, a document over the limit) is a policy error,
                // as `iamc check` counts them.
                unreadable |= std::fs::File::open(&e.path).is_err();
                for e in &es {
                    writeln!(err, "{e}")?;
                }
            }
        }
        for e in compiler.errors().get(printed..).unwrap_or_default() {
            writeln!(err, "iamc compile: {e}")?;
        }
        printed = compiler.errors().len();
    }
    // What only the whole set shows (level gaps), counted with the rest.
    if let Err(es) = compiler.check() {
        for e in es.errors().get(printed..).unwrap_or_default() {
            writeln!(err, "iamc compile: {e}")?;
        }
        errors += es.len();
    }
    if errors > 0 {
        writeln!(err, "iamc compile: {errors} error(s); nothing compiled")?;
        return Ok(if unreadable {
            crate::EXIT_INPUT
        } else {
            crate::EXIT_FAILED
        });
    }
    let start = Instant::now();
    let compiled = match compiler.build() {
        Ok(c) => c,
        Err(es) => {
            for e in es.errors() {
                writeln!(err, "iamc compile: {e}")?;
            }
            return Ok(crate::EXIT_FAILED);
        }
    };
    let elapsed = start.elapsed();
    let mut artifact = None;
    if let Some(path) = opts.output {
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
        let build = BuildInfo {
            compiler_version: compiler_version(),
            created_unix_secs: creation_time(),
            producer: match opts.manifest {
                Some(m) => format!("iamc compile --manifest {}", m.display()),
                None => format!("iamc compile --kind {}", opts.kind.as_str()),
            },
            inputs: entries
                .iter()
                .zip(&kinds)
                .map(|(e, k)| match e.kind {
                    PolicyKind::Scp | PolicyKind::Rcp => {
                        format!("{k}:{} {}", e.level, e.path.display())
                    }
                    _ => format!("{k} {}", e.path.display()),
                })
                .collect(),
        };
        let bytes = compiled.to_bytes_with(&build);
        if let Err(e) = write_atomically(path, &bytes) {
            writeln!(err, "iamc compile: cannot write {}: {e}", path.display())?;
            return Ok(crate::EXIT_INPUT);
        }
        artifact = Some((path, bytes.len()));
    }
    let st = compiled.stats();
    let has_rcps = st.rcp_levels > 0;
    let rcp_services = compiler.config().get_rcp_services();
    let micros = elapsed.as_secs_f64() * 1e6;
    let kind = if opts.manifest.is_some() {
        "manifest"
    } else {
        opts.kind.as_str()
    };
    if opts.json {
        let mut obj = json!({
            "files": entries.len(),
            "kind": kind,
            "compile_micros": micros.round(),
        });
        merge(&mut obj, stats_json(&st));
        if let (true, Some(o)) = (has_rcps, obj.as_object_mut()) {
            o.insert("rcp_services".into(), json!(rcp_services));
        }
        if let (Some((path, bytes)), Some(o)) = (artifact, obj.as_object_mut()) {
            o.insert(
                "artifact".into(),
                json!({"path": path.display().to_string(), "bytes": bytes}),
            );
        }
        writeln!(out, "{obj}")?;
    } else {
        writeln!(out, "iamc compile: {} file(s), kind {kind}", entries.len(),)?;
        print_stats(out, &st)?;
        if has_rcps {
            writeln!(out, "  {}", crate::render::rcp_services_line(rcp_services))?;
        }
        if micros >= 10_000.0 {
            writeln!(out, "  compile time:       {:.1} ms", micros / 1000.0)?;
        } else {
            writeln!(out, "  compile time:       {micros:.0} µs")?;
        }
        if let Some((path, bytes)) = artifact {
            writeln!(
                out,
                "  artifact:           {} ({bytes} bytes)",
                path.display()
            )?;
        }
    }
    Ok(0)
}

/// Add `extra`'s members to the object `obj`.
pub(crate) fn merge(obj: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(o), serde_json::Value::Object(e)) = (obj.as_object_mut(), extra) {
        o.extend(e);
    }
}

/// The sizes of a compiled set as JSON members (shared with `iamc inspect`).
pub(crate) fn stats_json(st: &Stats) -> serde_json::Value {
    json!({
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
        "automata": {
            "count": st.automata,
            "action_services": st.action_automata,
            "states": st.automaton_states,
            "bytes": st.automaton_bytes,
            "general_globs_dfa": st.general_globs[0],
            "general_globs_linear": st.general_globs[1],
        },
    })
}

/// The sizes of a compiled set as indented lines (shared with `iamc inspect`).
pub(crate) fn print_stats(out: &mut dyn Write, st: &Stats) -> io::Result<()> {
    let r = &st.resource_patterns;
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
    writeln!(
        out,
        "  automata:           {} glob DFA(s) ({} states), {} service action DFA(s), {} bytes; general globs: {} by DFA, {} linear",
        st.automata,
        st.automaton_states,
        st.action_automata,
        st.automaton_bytes,
        st.general_globs[0],
        st.general_globs[1]
    )?;
    writeln!(out, "  memory:             ~{} bytes", st.memory_bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn lenient_jsonl_lines_never_fail() {
        let limits = Limits::default();
        let lenient = |at: &str, line: &[u8]| {
            policy_line(at, line, PolicyKind::Identity, &limits, ReadMode::Lenient).unwrap()
        };
        // A bad statement in a named document: the name stays, one opaque statement.
        let p = lenient(
            "m.jsonl:1",
            br#"{"name":"Bad","document":{"Version":"2012-10-17","Statement":[
                {"Effect":"Deny","Action":"s3:*","Resource":"*"},
                {"Effect":"Alow","Action":"*","Resource":"*"}]}}"#,
        );
        assert_eq!(&*p.source, "Bad");
        assert!(p.statements[0].opaque.is_none());
        assert!(p.statements[1].opaque.is_some());
        // A line that is not JSON: one opaque statement that may be anything.
        let p = lenient("m.jsonl:2", b"{not json");
        assert_eq!(p.statements.len(), 1);
        assert!(p.statements[0].opaque.as_ref().unwrap().effect_unknown);
        let reports = opaque_reports(&[p]);
        assert_eq!(reports.len(), 1);
        assert!(
            reports[0].starts_with("m.jsonl:2: $: opaque statement ("),
            "{reports:?}"
        );
    }

    #[test]
    fn jsonl_line_with_name_and_document() {
        let p = policy_line(
            "m.jsonl:1",
            br#"{"name":"ReadOnly","arn":"x","document":{"Version":"2012-10-17",
                "Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}}"#,
            PolicyKind::Identity,
            &Limits::default(),
            ReadMode::Strict,
        )
        .unwrap();
        assert_eq!(&*p.source, "ReadOnly");
        assert_eq!(p.statements.len(), 1);

        let e = policy_line(
            "m.jsonl:2",
            br#"{"name":"Bad","document":{"Statement":[{"Effect":"Alow","Action":"*"}]}}"#,
            PolicyKind::Identity,
            &Limits::default(),
            ReadMode::Strict,
        )
        .unwrap_err();
        assert_eq!(&*e[0].source, "m.jsonl:2");
        assert!(
            e[0].path.as_str().starts_with("$.document.Statement[0]"),
            "{e:?}"
        );
    }
}
