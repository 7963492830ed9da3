//! `iamc eval`: decide every request of some scenario files and compare with expectations.
//!
//! Output contract:
//! - **stdout**: one JSON object a line per (request, engine), fields in this order: `file`,
//!   `scenario`, `index`, `id`, `rule` (when given), `engine`, `decision`, `deciding`, and
//!   `expect` + `agrees` when the request has an expectation. `deciding` is the statement that
//!   decided (DESIGN.md, "The deciding statement"):
//!   `{"kind":"identity","level":0,"policy":1,"statement":2,"sid":"...","name":"file.json"}`
//!   (`name` is the policy's name: its file, or `file: scenario[i].identity_policies[j]`), or
//!   `null` for an implicit deny. An indeterminate decision (E-21) adds `possible` and
//!   `depends_on`. With `--explain` an `explain` object comes last ([`crate::explain`]).
//!   A request an engine cannot decide gets `"decision":"error"` and `"error"`.
//!   With `--json-summary` a last line `{"summary":{...}}` follows; it counts decisions by
//!   kind (`indeterminate` apart: never counted as allowed or denied), the possible outcomes
//!   of the indeterminate ones, and the opaque statements read (G-21).
//! - **stderr**: file errors as `file: path: message`, then a human summary.
//! - **exit status** ([`EvalSummary::exit_status`]): 2 when a file failed to load or a request
//!   line is malformed (the inputs, not what is judged); else 1 when any request disagrees with
//!   its expectation, any engine failed, or (with several engines) the engines disagree.
//! - With `--format table` ([`crate::table`]) stdout holds a readable table instead of the
//!   JSON lines; with `--derive-principal-keys` (the default in bulk mode) each request gets
//!   the principal keys its principal ARN determines ([`iamc_harness::principal_keys`]).
//!
//! Bulk mode ([`eval_bulk`], `--policies ... --requests FILE`): the policies come from policy
//! files and the requests from a JSON-lines file read a line at a time, one request object a
//! line; the output is the same, with `scenario` the requests file. A malformed line is
//! reported as `file:line: path: message`, counted, and makes the exit status non-zero.
//! With `--lenient` the policy files are read leniently (G-21): each opaque statement is
//! reported once on stderr (`file: path: opaque statement (rule): ...`) and counted, and a
//! document that cannot be read is one opaque statement that may allow or deny anything.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use iamc_compiler::ast::{JsonPath, ParsedSet, Policy, PolicyKind, PolicyRef};
use iamc_compiler::json;
use iamc_harness::scenario::{self, Loaded, ScenarioRequest};
use iamc_runtime::{Deciding, Decision, DependsOn, Outcome, Possible};
use serde_json::{json, Value};

use crate::compile::{load_policies_with, opaque_reports};
use crate::explain::{explain_json, explain_text, ExplainMode};
use crate::render::{depends_on_json, rcp_services_line};
use crate::table::Table;
use iamc_compiler::check::WarningKind;
use iamc_compiler::parse::ReadMode;
use iamc_harness::engine::{Engine, Prepared};
use iamc_harness::principal_keys;

/// The embedded default example (`corpus/seeds/rds_mfa_example.json`), run by `iamc eval`
/// without `--scenarios`.
pub const DEFAULT_EXAMPLE: &str = include_str!("../../corpus/seeds/rds_mfa_example.json");

/// The name the embedded example is reported under.
pub const DEFAULT_EXAMPLE_NAME: &str = "corpus/seeds/rds_mfa_example.json";

/// One scenario input: a name (for messages and the format) and where its bytes come from.
#[derive(Clone, Debug)]
pub enum Input {
    /// A file to read.
    File(std::path::PathBuf),
    /// Bytes in memory (the embedded example), with the name to report.
    Embedded {
        /// The name used in output and errors.
        name: String,
        /// The text.
        text: &'static str,
    },
}

impl Input {
    /// The embedded default example.
    pub fn default_example() -> Input {
        Input::Embedded {
            name: DEFAULT_EXAMPLE_NAME.to_string(),
            text: DEFAULT_EXAMPLE,
        }
    }

    fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Embedded { name, .. } => name.clone(),
        }
    }

    fn load(&self) -> Result<Loaded, Vec<iamc_compiler::Error>> {
        match self {
            Input::File(p) => {
                // scenario::load_file checks the size first, but a pipe or a device has none:
                // read with the bound here, then load the bytes.
                let name = p.display().to_string();
                let bytes = crate::bounded::read_file(p, scenario::MAX_SCENARIO_FILE_BYTES)
                    .map_err(|e| vec![crate::bounded::to_error(&name, &e)])?;
                scenario::load_bytes_as(
                    &name,
                    &bytes,
                    scenario::Format::for_name(&name),
                    &iamc_compiler::Limits::default(),
                )
            }
            Input::Embedded { name, text } => scenario::load_bytes(name, text.as_bytes()),
        }
    }
}

/// `--format`: how decisions are printed on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object a line (the contract in the module documentation).
    #[default]
    Json,
    /// A readable table ([`crate::table`]).
    Table,
}

/// Options of `iamc eval`.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalOptions {
    /// How decisions are printed on stdout.
    pub format: OutputFormat,
    /// Add the principal keys the principal ARN determines (K-7,
    /// [`iamc_harness::principal_keys`]) to each request that does not give them.
    pub derive_principal_keys: bool,
    /// Print a JSON summary line last on stdout.
    pub json_summary: bool,
    /// List the parser warnings about the scenario files' policies (otherwise only counted).
    pub show_warnings: bool,
    /// `--explain`: explain every decision (see [`crate::explain`]); `None`: never computed.
    pub explain: Option<ExplainMode>,
    /// Bulk mode `--lenient`: read the policy files leniently (G-21).
    pub lenient: bool,
}

/// One request whose decision differs from its expectation (or between engines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// The scenario file.
    pub file: String,
    /// The scenario name.
    pub scenario: String,
    /// The request's index in its scenario.
    pub index: usize,
    /// The request's id.
    pub id: String,
    /// The engine.
    pub engine: String,
    /// What was expected (the expectation, or the first engine's decision).
    pub expected: String,
    /// What the engine decided.
    pub got: String,
    /// The deciding statement by policy name and Sid ([`deciding_text`]); `None` when
    /// nothing decided (implicit deny).
    pub deciding: Option<String>,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: scenario {:?} request {} (id {:?}): expected {}, got {}{} [{}]",
            self.file,
            self.scenario,
            self.index,
            self.id,
            self.expected,
            self.got,
            self.deciding
                .as_ref()
                .map(|d| format!(" by {d}"))
                .unwrap_or_default(),
            self.engine
        )
    }
}

/// What a run of `iamc eval` found.
#[derive(Clone, Debug, Default)]
pub struct EvalSummary {
    /// Scenario or requests files read.
    pub files: usize,
    /// Bulk mode: policy files read.
    pub policy_files: usize,
    /// Principal keys derived from the principal ARN (K-7), over all requests.
    pub derived_keys: usize,
    /// Files that failed to load.
    pub files_failed: usize,
    /// Errors in those files.
    pub file_errors: usize,
    /// Parser warnings about the files' policies.
    pub warnings: usize,
    /// Requests loaded.
    pub requests: usize,
    /// Decisions made (one per request per engine), by kind: allow, explicit, implicit.
    pub decisions: [usize; 4],
    /// Requests an engine could not decide (or sets it could not prepare).
    pub engine_errors: usize,
    /// Decisions compared with an expectation.
    pub checked: usize,
    /// Of those, how many agreed.
    pub agreed: usize,
    /// Every disagreement, in output order.
    pub disagreements: Vec<Disagreement>,
    /// Bulk mode: request lines that could not be read (each reported with `file:line`).
    pub bad_lines: usize,
    /// E-10: every distinct list of RCP services used by a set that had RCPs (printed in
    /// the summary, so a reader knows which services the RCPs covered).
    pub rcp_services: std::collections::BTreeSet<Vec<String>>,
    /// Decisions made by the built-in rule E-20 rather than by a statement.
    pub by_builtin_rule: usize,
    /// G-21: opaque statements in the policies read (each reported once on stderr).
    pub opaque_statements: usize,
    /// E-21: of the indeterminate decisions, how many have `allow`, `explicit_deny`,
    /// `implicit_deny` among their possible outcomes (never counted as allowed or denied).
    pub possible: [usize; 3],
}

impl EvalSummary {
    /// Whether the run succeeded (exit status 0).
    pub fn ok(&self) -> bool {
        self.files_failed == 0
            && self.engine_errors == 0
            && self.disagreements.is_empty()
            && self.bad_lines == 0
    }

    /// Whether an input could not be used: a file that failed to load, a malformed request
    /// line.
    pub fn input_error(&self) -> bool {
        self.files_failed > 0 || self.bad_lines > 0
    }

    /// The exit status: 2 when an input could not be used, else 1 when a decision disagrees
    /// (with its expectation, or between engines) or an engine failed, else 0.
    pub fn exit_status(&self) -> u8 {
        if self.input_error() {
            crate::EXIT_INPUT
        } else if self.ok() {
            0
        } else {
            crate::EXIT_FAILED
        }
    }

    fn to_json(&self, engines: &[Box<dyn Engine>]) -> Value {
        json!({"summary": {
            "engines": engines.iter().map(|e| e.name()).collect::<Vec<_>>(),
            "files": self.files,
            "policy_files": self.policy_files,
            "derived_principal_keys": self.derived_keys,
            "files_failed": self.files_failed,
            "file_errors": self.file_errors,
            "warnings": self.warnings,
            "requests": self.requests,
            "decisions": {
                "allow": self.decisions[0],
                "explicit_deny": self.decisions[1],
                "implicit_deny": self.decisions[2],
                "indeterminate": self.decisions[3],
            },
            "indeterminate_possible": {
                "allow": self.possible[0],
                "explicit_deny": self.possible[1],
                "implicit_deny": self.possible[2],
            },
            "opaque_statements": self.opaque_statements,
            "engine_errors": self.engine_errors,
            "checked": self.checked,
            "agree": self.agreed,
            "disagree": self.disagreements.len(),
            "bad_lines": self.bad_lines,
            "rcp_services": self.rcp_services,
            "by_builtin_rule": self.by_builtin_rule,
            "ok": self.ok(),
        }})
    }
}

fn decision_slot(d: Decision) -> usize {
    match d {
        Decision::Allow => 0,
        Decision::ExplicitDeny => 1,
        Decision::ImplicitDeny => 2,
        Decision::Indeterminate(_) => 3,
    }
}

/// The `deciding` field as JSON text, fields in a fixed order: where the deciding statement
/// is and its Sid from the AST; `{"kind":"builtin","rule":"E-20",...}` for a built-in rule;
/// `null` when nothing decided (implicit deny).
pub fn deciding_json(set: &ParsedSet, deciding: Option<Deciding>) -> String {
    let s = match deciding {
        None => return "null".to_string(),
        Some(Deciding::Rule(rule)) => {
            let mut obj = String::new();
            field(&mut obj, "kind", &json!("builtin"));
            field(&mut obj, "rule", &json!(rule.id()));
            field(&mut obj, "reason", &json!(rule.describe()));
            obj.push('}');
            return obj;
        }
        Some(Deciding::Statement(s)) => s,
    };
    let sid = set
        .policy(PolicyRef::of(s))
        .and_then(|p| {
            p.statements
                .iter()
                .find(|st| st.index == s.statement as usize)
        })
        .and_then(|st| st.sid.clone());
    let mut obj = String::new();
    field(&mut obj, "kind", &json!(s.kind.as_str()));
    field(&mut obj, "level", &json!(s.level));
    field(&mut obj, "policy", &json!(s.policy));
    field(&mut obj, "statement", &json!(s.statement));
    field(&mut obj, "sid", &json!(sid));
    let name = set.policy(PolicyRef::of(s)).map(|p| p.source.to_string());
    field(&mut obj, "name", &json!(name));
    obj.push('}');
    obj
}

/// Append `"key":value` to a JSON object under construction (keeps the field order stable,
/// which serde_json's default map does not).
fn field(line: &mut String, key: &str, value: &Value) {
    field_raw(line, key, &value.to_string());
}

/// Append `"key":<raw JSON text>`.
fn field_raw(line: &mut String, key: &str, raw: &str) {
    line.push(if line.is_empty() { '{' } else { ',' });
    line.push_str(&Value::String(key.to_string()).to_string());
    line.push(':');
    line.push_str(raw);
}

/// Prepared sets, one per distinct `Arc<ParsedSet>` and engine. Requests that share the
/// scenario's set share its `Arc`, so each set is prepared once.
struct PreparedCache {
    entries: HashMap<(usize, usize), CacheEntry>,
}

/// A prepared set (or why it could not be prepared), with the `Arc` it was prepared from.
type CacheEntry = (Arc<ParsedSet>, Result<Box<dyn Prepared>, String>);

impl PreparedCache {
    fn get(
        &mut self,
        engine_index: usize,
        engine: &dyn Engine,
        set: &Arc<ParsedSet>,
    ) -> &Result<Box<dyn Prepared>, String> {
        // Keyed by address; the entry keeps the `Arc` alive so the address is not reused.
        let key = (engine_index, Arc::as_ptr(set) as usize);
        &self
            .entries
            .entry(key)
            .or_insert_with(|| (Arc::clone(set), engine.prepare(set)))
            .1
    }
}

/// Run `inputs` through `engines`, writing request lines to `out` and messages to `err`.
pub fn eval(
    inputs: &[Input],
    engines: &[Box<dyn Engine>],
    opts: EvalOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<EvalSummary> {
    let mut sum = EvalSummary {
        files: inputs.len(),
        ..EvalSummary::default()
    };
    let mut table = Table::new(engines.len() > 1);
    for input in inputs {
        let file = input.name();
        let mut loaded = match input.load() {
            Ok(l) => l,
            Err(errors) => {
                sum.files_failed += 1;
                sum.file_errors += errors.len();
                for e in &errors {
                    writeln!(err, "{e}")?;
                }
                continue;
            }
        };
        sum.warnings += loaded.warnings.len();
        for w in &loaded.warnings {
            // G-21: opaque statements are always reported (once each) and counted.
            let opaque = matches!(w.kind, WarningKind::OpaqueStatement(_));
            sum.opaque_statements += usize::from(opaque);
            if opts.show_warnings || opaque {
                writeln!(err, "warning: {w}")?;
            }
        }
        let mut cache = PreparedCache {
            entries: HashMap::new(),
        };
        for sc in &mut loaded.scenarios {
            for req in &mut sc.requests {
                if opts.derive_principal_keys {
                    sum.derived_keys += principal_keys::add_derived(&mut req.request);
                }
                let rule = req.rule.as_deref().or(sc.rule.as_deref());
                decide_request(
                    &file, &sc.name, req, rule, engines, opts, &mut cache, &mut sum, out, err,
                    &mut table,
                )?;
            }
        }
    }
    table.flush(out)?;
    if opts.json_summary {
        writeln!(out, "{}", sum.to_json(engines))?;
    }
    write_human_summary(&sum, engines, err)?;
    Ok(sum)
}

/// The policies of a bulk run (`iamc eval --policies ... --requests ...`).
#[derive(Clone, Debug, Default)]
pub struct BulkPolicies {
    /// Identity-policy files (`--policies`).
    pub identity: Vec<PathBuf>,
    /// Permissions-boundary files (`--boundary`).
    pub boundaries: Vec<PathBuf>,
    /// SCP files, one level each, root first (`--scp`).
    pub scps: Vec<PathBuf>,
    /// RCP files, one level each, root first (`--rcp`).
    pub rcps: Vec<PathBuf>,
    /// The services RCPs apply to (`--rcp-services`, E-10); `None`: the default list.
    pub rcp_services: Option<Vec<String>>,
    /// The resource-policy file (`--resource-policy`).
    pub resource: Option<PathBuf>,
    /// The session-policy file (`--session-policy`).
    pub session: Option<PathBuf>,
}

impl BulkPolicies {
    fn file_count(&self) -> usize {
        self.identity.len()
            + self.boundaries.len()
            + self.scps.len()
            + self.rcps.len()
            + usize::from(self.resource.is_some())
            + usize::from(self.session.is_some())
    }

    /// Load every file into one policy set (leniently with `lenient`, G-21); `Err` holds
    /// every error.
    fn load(
        &self,
        sum: &mut EvalSummary,
        lenient: bool,
    ) -> Result<ParsedSet, Vec<iamc_compiler::Error>> {
        let mut errors = Vec::new();
        let mode = if lenient {
            ReadMode::Lenient
        } else {
            ReadMode::Strict
        };
        let mut load =
            |path: &PathBuf, kind: PolicyKind, errors: &mut Vec<_>| match load_policies_with(
                path, kind, mode,
            ) {
                Ok(p) => p,
                Err(mut e) => {
                    sum.files_failed += 1;
                    errors.append(&mut e);
                    Vec::new()
                }
            };
        let mut set = ParsedSet::default();
        for p in &self.identity {
            set.identity
                .extend(load(p, PolicyKind::Identity, &mut errors));
        }
        for p in &self.boundaries {
            set.boundaries
                .extend(load(p, PolicyKind::Boundary, &mut errors));
        }
        for p in &self.scps {
            set.scps.push(load(p, PolicyKind::Scp, &mut errors));
        }
        for p in &self.rcps {
            set.rcps.push(load(p, PolicyKind::Rcp, &mut errors));
        }
        if let Some(list) = &self.rcp_services {
            set.rcp_services = list.clone();
        }
        let mut single = |path: &Option<PathBuf>, kind: PolicyKind, errors: &mut Vec<_>| {
            let path = path.as_ref()?;
            let mut policies = load(path, kind, errors);
            if policies.len() > 1 {
                errors.push(iamc_compiler::Error::new(
                    &Arc::from(path.display().to_string()),
                    &JsonPath::root(),
                    iamc_compiler::ErrorKind::Scenario(format!(
                        "{} policies in the file; a {} policy is one document",
                        policies.len(),
                        kind.as_str()
                    )),
                ));
                return None;
            }
            policies.pop()
        };
        set.resource = single(&self.resource, PolicyKind::Resource, &mut errors);
        set.session = single(&self.session, PolicyKind::Session, &mut errors);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }
}

/// Bulk mode: decide every line of `requests` (one request object a line, the shape of a
/// scenario's `requests` items) against the policies of `policies`, with the same output as
/// [`eval`]: `file` and `scenario` are the requests file, `index` is the 0-based line index.
/// The file is streamed a line at a time; a malformed line is reported as
/// `file:line: path: message` and counted ([`EvalSummary::bad_lines`]), and the run goes on.
/// When a policy file fails to load nothing is decided.
pub fn eval_bulk(
    policies: &BulkPolicies,
    requests: &Path,
    engines: &[Box<dyn Engine>],
    opts: EvalOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<EvalSummary> {
    let mut sum = EvalSummary {
        files: 1,
        policy_files: policies.file_count(),
        ..EvalSummary::default()
    };
    let mut table = Table::new(engines.len() > 1);
    let file = requests.display().to_string();
    let set = match policies.load(&mut sum, opts.lenient) {
        Ok(set) => {
            // G-21: each opaque statement reported once, and counted.
            let all: Vec<Policy> = set.iter().map(|(_, p)| p.clone()).collect();
            for line in opaque_reports(&all) {
                sum.opaque_statements += 1;
                writeln!(err, "warning: {line}")?;
            }
            Some(Arc::new(set))
        }
        Err(errors) => {
            sum.file_errors += errors.len();
            sum.files_failed = sum.files_failed.max(1);
            for e in &errors {
                writeln!(err, "{e}")?;
            }
            if !opts.lenient {
                writeln!(
                    err,
                    "iamc eval: nothing decided; --lenient reads policies as AWS holds them \
                     (G-21: what breaks a rule becomes an opaque statement, reported and \
                     counted)"
                )?;
            }
            None
        }
    };
    let reader = match (&set, std::fs::File::open(requests)) {
        (None, _) => None,
        (Some(_), Ok(f)) => Some(io::BufReader::new(f)),
        (Some(_), Err(e)) => {
            sum.files_failed += 1;
            sum.file_errors += 1;
            writeln!(err, "{file}: $: cannot read: {e}")?;
            None
        }
    };
    if let (Some(set), Some(mut reader)) = (set, reader) {
        let mut cache = PreparedCache {
            entries: HashMap::new(),
        };
        let depth = iamc_compiler::Limits::default()
            .max_json_depth
            .saturating_add(2);
        let mut line = Vec::new();
        let mut n = 0usize;
        loop {
            let limit = crate::bounded::MAX_REQUEST_LINE_BYTES;
            let read = crate::bounded::read_line(&mut reader, &mut line, limit).and_then(|l| {
                // An over-long line is reported and read past, never held whole.
                if l == crate::bounded::Line::TooLong && line.last() != Some(&b'\n') {
                    crate::bounded::skip_rest_of_line(&mut reader)?;
                }
                Ok(l)
            });
            match read {
                Ok(crate::bounded::Line::Eof) => break,
                Ok(crate::bounded::Line::Line) => {}
                Ok(crate::bounded::Line::TooLong) => {
                    n += 1;
                    sum.bad_lines += 1;
                    writeln!(
                        err,
                        "{file}:{n}: $: line longer than the limit of {limit} bytes for a \
                         request line; skipped"
                    )?;
                    continue;
                }
                Err(e) => {
                    sum.files_failed += 1;
                    sum.file_errors += 1;
                    writeln!(err, "{file}:{}: $: cannot read: {e}", n + 1)?;
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
            let parsed = match json::parse_bytes(&line, depth) {
                Ok(doc) => scenario::parse_request(&at, &doc, &JsonPath::root(), n - 1),
                Err(e) => Err(vec![iamc_compiler::Error::new(
                    &Arc::from(at.as_str()),
                    &JsonPath::root(),
                    iamc_compiler::ErrorKind::Json(e.to_string()),
                )]),
            };
            match parsed {
                Ok((mut request, expect, id)) => {
                    if opts.derive_principal_keys {
                        sum.derived_keys += principal_keys::add_derived(&mut request);
                    }
                    let req = ScenarioRequest {
                        index: n - 1,
                        id,
                        rule: None,
                        policies: Arc::clone(&set),
                        request,
                        expect,
                    };
                    decide_request(
                        &file, &file, &req, None, engines, opts, &mut cache, &mut sum, out, err,
                        &mut table,
                    )?;
                }
                Err(errors) => {
                    sum.bad_lines += 1;
                    for e in &errors {
                        writeln!(err, "{e}")?;
                    }
                }
            }
        }
    }
    table.flush(out)?;
    if opts.json_summary {
        writeln!(out, "{}", sum.to_json(engines))?;
    }
    write_human_summary(&sum, engines, err)?;
    Ok(sum)
}

/// Decide one request with every engine: write its lines to `out`, count it in `sum`, and
/// report engine errors to `err`.
#[allow(clippy::too_many_arguments)] // the pieces of one evaluation step, all needed
fn decide_request(
    file: &str,
    scenario: &str,
    req: &ScenarioRequest,
    rule: Option<&str>,
    engines: &[Box<dyn Engine>],
    opts: EvalOptions,
    cache: &mut PreparedCache,
    sum: &mut EvalSummary,
    out: &mut dyn Write,
    err: &mut dyn Write,
    table: &mut Table,
) -> io::Result<()> {
    sum.requests += 1;
    if !req.policies.rcps.is_empty() && !sum.rcp_services.contains(&req.policies.rcp_services) {
        sum.rcp_services.insert(req.policies.rcp_services.clone());
    }
    let mut first: Option<Decision> = None;
    // Computed only on request, once per request, by the reference over the AST.
    let explanation = opts
        .explain
        .map(|_| iamc_reference::explain::explain(&req.policies, &req.request));
    if let (Some(mode), Some(e)) = (opts.explain, &explanation) {
        let heading = format!(
            "{file}: scenario {scenario:?} request {} (id {:?})",
            req.index, req.id
        );
        let text = explain_text(&heading, &req.request, &req.policies, e);
        match mode {
            ExplainMode::Json => write!(err, "{text}")?,
            ExplainMode::Text => write!(out, "{text}")?,
        }
    }
    let explain_field = match (opts.explain, &explanation) {
        (Some(ExplainMode::Json), Some(e)) => Some(explain_json(&req.policies, e)),
        _ => None,
    };
    for (ei, engine) in engines.iter().enumerate() {
        let result = match cache.get(ei, engine.as_ref(), &req.policies) {
            Ok(prepared) => {
                let r = prepared.decide(&req.request);
                // E-21: what an indeterminate decision depends on, computed only for those.
                let depends = match &r {
                    Ok(o) if matches!(o.decision, Decision::Indeterminate(_)) => {
                        prepared.depends_on(&req.request)
                    }
                    _ => Ok(DependsOn::default()),
                };
                r.and_then(|o| depends.map(|d| (o, d)))
            }
            Err(e) => Err(format!("cannot prepare the policy set: {e}")),
        };
        let mut line = request_line(file, scenario, req, rule, engine.name(), &result);
        if let Some(x) = &explain_field {
            line.pop(); // the closing brace
            field(&mut line, "explain", x);
            line.push('}');
        }
        let result = result.map(|(o, _)| o);
        if opts.format == OutputFormat::Table {
            table.push(out, table_cells(req, &result), engine.name())?;
        } else if opts.explain != Some(ExplainMode::Text) {
            writeln!(out, "{line}")?;
        }
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                sum.engine_errors += 1;
                writeln!(
                    err,
                    "{file}: scenario {:?} request {} (id {:?}): engine {}: {e}",
                    scenario,
                    req.index,
                    req.id,
                    engine.name()
                )?;
                continue;
            }
        };
        sum.decisions[decision_slot(outcome.decision)] += 1;
        if let Decision::Indeterminate(p) = outcome.decision {
            for (slot, one) in [
                Possible::ALLOW,
                Possible::EXPLICIT_DENY,
                Possible::IMPLICIT_DENY,
            ]
            .into_iter()
            .enumerate()
            {
                sum.possible[slot] += usize::from(p.contains(one));
            }
        }
        if matches!(outcome.deciding, Some(Deciding::Rule(_))) {
            sum.by_builtin_rule += 1;
        }
        let mut disagree = |expected: Decision| {
            sum.disagreements.push(Disagreement {
                file: file.to_string(),
                scenario: scenario.to_string(),
                index: req.index,
                id: req.id.clone(),
                engine: engine.name().to_string(),
                expected: expected.to_string(),
                got: outcome.decision.to_string(),
                deciding: outcome
                    .deciding
                    .map(|d| deciding_text(&req.policies, Some(d))),
            })
        };
        match req.expect {
            Some(expected) => {
                sum.checked += 1;
                if expected == outcome.decision {
                    sum.agreed += 1;
                } else {
                    disagree(expected);
                }
            }
            // Without an expectation, several engines are checked against the first one.
            None => match first {
                Some(f) if f != outcome.decision => disagree(f),
                _ => {}
            },
        }
        first.get_or_insert(outcome.decision);
    }
    Ok(())
}

/// The cells of a `--format table` row ([`crate::table`]).
fn table_cells(req: &ScenarioRequest, result: &Result<Outcome, String>) -> [String; 6] {
    let r = &req.request;
    let (decision, deciding) = match result {
        Ok(o) => {
            let mut d = o.decision.to_string();
            if let Decision::Indeterminate(p) = o.decision {
                d = format!(
                    "indeterminate ({})",
                    p.names().collect::<Vec<_>>().join("|")
                );
            }
            if let Some(expected) = req.expect.filter(|e| *e != o.decision) {
                d = format!("{d} (expected {expected})");
            }
            (d, deciding_text(&req.policies, o.deciding))
        }
        Err(e) => ("error".to_string(), e.clone()),
    };
    [
        req.id.clone(),
        r.principal.clone(),
        r.action.clone(),
        if r.unknown.resource {
            "(unknown)".to_string()
        } else {
            r.resource.clone()
        },
        decision,
        deciding,
    ]
}

/// The deciding statement for people: the policy's name and the statement's Sid (or its
/// index when it has none); `builtin E-20` for a built-in rule; `-` when nothing decided.
pub fn deciding_text(set: &ParsedSet, deciding: Option<Deciding>) -> String {
    let s = match deciding {
        None => return "-".to_string(),
        Some(Deciding::Rule(rule)) => return format!("builtin {}", rule.id()),
        Some(Deciding::Statement(s)) => s,
    };
    let policy = set.policy(PolicyRef::of(s));
    let sid = policy
        .and_then(|p| {
            p.statements
                .iter()
                .find(|st| st.index == s.statement as usize)
        })
        .and_then(|st| st.sid.clone());
    let name = policy.map_or_else(
        || format!("{} policy {}", s.kind.as_str(), s.policy),
        |p| p.source.to_string(),
    );
    match sid {
        Some(sid) => format!("{name} Sid {sid:?}"),
        None => format!("{name} statement {}", s.statement),
    }
}

fn request_line(
    file: &str,
    scenario: &str,
    req: &ScenarioRequest,
    rule: Option<&str>,
    engine: &str,
    result: &Result<(Outcome, DependsOn), String>,
) -> String {
    let mut line = String::new();
    field(&mut line, "file", &json!(file));
    field(&mut line, "scenario", &json!(scenario));
    field(&mut line, "index", &json!(req.index));
    field(&mut line, "id", &json!(req.id));
    if let Some(rule) = rule {
        field(&mut line, "rule", &json!(rule));
    }
    field(&mut line, "engine", &json!(engine));
    match result {
        Ok((outcome, depends)) => {
            field(&mut line, "decision", &json!(outcome.decision.as_str()));
            if let Decision::Indeterminate(p) = outcome.decision {
                field(&mut line, "possible", &json!(p.names().collect::<Vec<_>>()));
                field(
                    &mut line,
                    "depends_on",
                    &depends_on_json(&req.policies, depends),
                );
            }
            field_raw(
                &mut line,
                "deciding",
                &deciding_json(&req.policies, outcome.deciding),
            );
            if let Some(expected) = req.expect {
                field(&mut line, "expect", &json!(expected.as_str()));
                if let Decision::Indeterminate(p) = expected {
                    field(
                        &mut line,
                        "expect_possible",
                        &json!(p.names().collect::<Vec<_>>()),
                    );
                }
                field(&mut line, "agrees", &json!(expected == outcome.decision));
            }
        }
        Err(e) => {
            field(&mut line, "decision", &json!("error"));
            field(&mut line, "error", &json!(e));
            if let Some(expected) = req.expect {
                field(&mut line, "expect", &json!(expected.as_str()));
                field(&mut line, "agrees", &json!(false));
            }
        }
    }
    line.push('}');
    line
}

fn write_human_summary(
    sum: &EvalSummary,
    engines: &[Box<dyn Engine>],
    err: &mut dyn Write,
) -> io::Result<()> {
    let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
    let policies = if sum.policy_files > 0 {
        format!(", policies from {} file(s)", sum.policy_files)
    } else {
        String::new()
    };
    writeln!(
        err,
        "iamc eval: {} request(s) from {} file(s){policies}, engine {}",
        sum.requests,
        sum.files,
        names.join(", ")
    )?;
    if sum.derived_keys > 0 {
        writeln!(
            err,
            "  principal keys derived from the principal ARN (K-7): {} \
             (--derive-principal-keys=false to leave them out)",
            sum.derived_keys
        )?;
    }
    writeln!(
        err,
        "  decisions: allow {}, explicit_deny {}, implicit_deny {}, indeterminate {}",
        sum.decisions[0], sum.decisions[1], sum.decisions[2], sum.decisions[3]
    )?;
    if sum.decisions[3] > 0 {
        writeln!(
            err,
            "  indeterminate (neither allowed nor denied), possible outcomes: allow {}, \
             explicit_deny {}, implicit_deny {}",
            sum.possible[0], sum.possible[1], sum.possible[2]
        )?;
    }
    if sum.opaque_statements > 0 {
        writeln!(
            err,
            "  opaque statements: {} (G-21, listed above; decisions they could change are \
             indeterminate)",
            sum.opaque_statements
        )?;
    }
    writeln!(
        err,
        "  expectations: {} checked, {} agree, {} disagree",
        sum.checked,
        sum.agreed,
        sum.disagreements.len()
    )?;
    if sum.warnings > 0 {
        writeln!(
            err,
            "  warnings: {} about the scenario policies (list them with --warnings)",
            sum.warnings
        )?;
    }
    if sum.engine_errors > 0 {
        writeln!(err, "  engine errors: {}", sum.engine_errors)?;
    }
    if sum.files_failed > 0 {
        writeln!(
            err,
            "  files that failed to load: {} ({} error(s), listed above)",
            sum.files_failed, sum.file_errors
        )?;
    }
    if sum.bad_lines > 0 {
        writeln!(
            err,
            "  malformed request lines: {} (listed above)",
            sum.bad_lines
        )?;
    }
    if sum.by_builtin_rule > 0 {
        writeln!(
            err,
            "  decided by the built-in rule E-20 (sts:GetCallerIdentity needs no permission, \
             whatever the policies say): {}",
            sum.by_builtin_rule
        )?;
    }
    for list in &sum.rcp_services {
        writeln!(err, "  {}", rcp_services_line(list))?;
    }
    if !sum.disagreements.is_empty() {
        writeln!(err, "  disagreements:")?;
        for d in &sum.disagreements {
            writeln!(err, "    {d}")?;
        }
    }
    writeln!(err, "  result: {}", if sum.ok() { "ok" } else { "FAILED" })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::engine::EngineChoice;

    fn run(inputs: &[Input]) -> (EvalSummary, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let sum = eval(
            inputs,
            &EngineChoice::Reference.engines(),
            EvalOptions {
                json_summary: true,
                ..EvalOptions::default()
            },
            &mut out,
            &mut err,
        )
        .unwrap();
        (
            sum,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn default_example_agrees_and_names_deciding_statements() {
        let (sum, out, err) = run(&[Input::default_example()]);
        assert!(sum.ok(), "{err}");
        assert!(sum.requests >= 8);
        assert_eq!(sum.checked, sum.requests);
        assert!(sum.decisions[..3].iter().all(|&n| n > 0), "{sum:?}");
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), sum.requests + 1);
        // seed 004: BlockMostAccessUnlessSignedInWithMFA denies without MFA (C-5).
        let no_mfa = lines
            .iter()
            .find(|l| l["id"] == "rds_describe_without_mfa")
            .unwrap();
        assert_eq!(no_mfa["decision"], "explicit_deny");
        assert_eq!(
            no_mfa["deciding"]["sid"],
            "BlockMostAccessUnlessSignedInWithMFA"
        );
        assert_eq!(no_mfa["deciding"]["kind"], "identity");
        let summary = &lines[lines.len() - 1]["summary"];
        assert_eq!(summary["disagree"], 0);
    }

    #[test]
    fn disagreement_and_file_errors_fail() {
        let wrong = r#"{"identity_policies":[],"requests":[
            {"id":"x","principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject",
             "expect":"allow"}]}"#;
        let (sum, out, err) = run(&[Input::Embedded {
            name: "wrong.json".into(),
            text: wrong,
        }]);
        assert!(!sum.ok());
        assert_eq!(sum.disagreements.len(), 1);
        assert!(out.contains(r#""agrees":false"#), "{out}");
        assert!(
            err.contains(
                r#"wrong.json: scenario "scenario" request 0 (id "x"): expected allow, got implicit_deny"#
            ),
            "{err}"
        );

        let (sum, _, err) = run(&[
            Input::Embedded {
                name: "bad.json".into(),
                text: r#"{"requests":[{"principal":"p"}]}"#,
            },
            Input::default_example(),
        ]);
        assert_eq!(sum.files_failed, 1);
        assert!(sum.requests >= 8, "the other file still runs");
        assert!(
            err.contains(r#"bad.json: $.requests[0]: missing required element "action""#),
            "{err}"
        );
    }
}
