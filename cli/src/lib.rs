//! Library side of the `iamc` tool: scenario evaluation, checks, compilation, printers.
//!
//! - [`engine`]: the engines `--engine` selects (the `Engine` trait and the engines are
//!   `iamc_harness::engine`'s, shared with the conformance runner);
//! - [`eval`]: `iamc eval`, scenario files through one or more engines, JSON lines out;
//! - [`check`]: `iamc check`, policy files through the parser and the policy checks;
//! - [`compile`]: `iamc compile`, policy files compiled into one runtime set, with its sizes,
//!   optionally written as an artifact (`-o set.iamc`);
//! - [`inspect`]: `iamc inspect`, what an artifact holds;
//! - [`bounded`]: file and line readers that stop at a size limit.
//!
//! [`run`] is the whole program behind `main`, with its output streams passed in so tests can
//! drive it in-process.
//!
//! # Example
//! Run `iamc eval` on the embedded example in-process and read its exit status and output:
//! ```
//! use clap::Parser;
//! use std::process::ExitCode;
//!
//! let cli = iamc::Cli::try_parse_from(["iamc", "eval", "--format", "table"])?;
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! assert_eq!(iamc::run(cli, &mut out, &mut err), ExitCode::SUCCESS); // every request agrees
//! let table = String::from_utf8(out)?;
//! assert!(table.starts_with("id ") && table.contains("explicit_deny"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod access_input;
pub mod audit;
pub mod bounded;
pub mod can_what;
pub mod check;
pub mod compile;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod generate_policy;
pub mod inspect;
pub mod render;
pub mod synth_org;
pub mod table;
pub mod unused;
pub mod who_can;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use iamc_compiler::ast::PolicyKind;
use iamc_compiler::check::Catalog;
use iamc_compiler::rcp_services::read_rcp_services;

use crate::engine::EngineChoice;
use crate::eval::{BulkPolicies, EvalOptions, Input};

/// iamc: a compiler and runtime for AWS IAM policies.
#[derive(Debug, Parser)]
#[command(name = "iamc", version, about, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide every request of scenario files and compare with their expectations.
    ///
    /// Prints one JSON line per request (stdout; a table with --format table) and a summary
    /// (stderr). Without --scenarios, runs the embedded example
    /// (corpus/seeds/rds_mfa_example.json).
    ///
    /// Bulk mode: --requests FILE (one request object a line) decided against the policies
    /// of --policies, --boundary, --scp, --rcp, --resource-policy and --session-policy (at
    /// least one is required).
    ///
    /// Exit status: 0 every decision agrees, 1 a decision disagrees with its expectation (or
    /// between engines, or an engine failed), 2 a usage error or an input that cannot be used
    /// (a missing or unreadable file, bad JSON in a scenario, policy or request line, no
    /// policy in bulk mode).
    Eval {
        /// Scenario files: {"scenarios":[...]}, one scenario, an array, or JSON lines (.jsonl).
        #[arg(long, short = 's', value_name = "FILE", num_args = 1.., conflicts_with = "requests")]
        scenarios: Vec<PathBuf>,
        /// Bulk mode: a JSON-lines file of requests ({"id","principal","action","resource",
        /// "resource_account","context","expect"} a line), read a line at a time.
        #[arg(long, value_name = "FILE")]
        requests: Option<PathBuf>,
        /// Bulk mode: identity-policy files (a .jsonl file holds one policy a line).
        #[arg(long, value_name = "FILE", num_args = 1.., requires = "requests")]
        policies: Vec<PathBuf>,
        /// Bulk mode: a permissions-boundary file (repeatable).
        #[arg(long, value_name = "FILE", requires = "requests")]
        boundary: Vec<PathBuf>,
        /// Bulk mode: an SCP file; each occurrence is one level, root first.
        #[arg(long, value_name = "FILE", requires = "requests")]
        scp: Vec<PathBuf>,
        /// Bulk mode: an RCP file; each occurrence is one level, root first.
        #[arg(long, value_name = "FILE", requires = "requests")]
        rcp: Vec<PathBuf>,
        /// Bulk mode: the services RCPs apply to (E-10), a JSON array or prefixes separated
        /// by commas, spaces or lines; default s3, sts, kms, sqs, secretsmanager, ecr, aoss.
        /// (Scenario files name theirs in `rcp_services`.)
        #[arg(long, value_name = "FILE", requires = "requests")]
        rcp_services: Option<PathBuf>,
        /// Bulk mode: the resource-policy file.
        #[arg(long, value_name = "FILE", requires = "requests")]
        resource_policy: Option<PathBuf>,
        /// Bulk mode: the session-policy file.
        #[arg(long, value_name = "FILE", requires = "requests")]
        session_policy: Option<PathBuf>,
        /// The engine that decides.
        #[arg(long, value_enum, default_value_t = EngineChoice::Compiled)]
        engine: EngineChoice,
        /// How decisions are printed on stdout: `json` (one object a line, the default) or
        /// `table` (id, principal, action, resource, decision, deciding policy and Sid).
        #[arg(long, value_enum, default_value_t = eval::OutputFormat::Json)]
        format: eval::OutputFormat,
        /// Add the principal keys AWS sets for an authenticated principal and its ARN
        /// determines (K-7): aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
        /// aws:username (IAM users only) and aws:userid (root: the account id; federated
        /// users: ACCOUNT:NAME; not derivable for IAM users and roles, whose unique ids are
        /// not in the ARN: give it in the context). A key the request gives wins. On by
        /// default for --requests, off for scenario files (which spell out their context);
        /// `--derive-principal-keys=false` / `=true` to choose.
        #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
              default_missing_value = "true")]
        derive_principal_keys: Option<bool>,
        /// Also print a JSON summary as the last line of stdout.
        #[arg(long)]
        json_summary: bool,
        /// List the parser warnings about the scenarios' policies (otherwise only counted).
        #[arg(long)]
        warnings: bool,
        /// Explain every decision (computed on request by the reference interpreter): the
        /// deciding statement by policy name and Sid; for implicit_deny the near misses
        /// (action and resource matched) with the first failed condition and why (key
        /// absent, value differs, value unparseable) and what an identity Allow lacked
        /// (boundary, session, SCP, cross-account grant, E-19); for indeterminate the
        /// unknowns. `--explain` / `--explain=json`: an "explain" object in each JSON line
        /// on stdout, and a readable trace per request on stderr. `--explain=text`: only
        /// the readable trace, on stdout (no JSON lines).
        #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1,
              require_equals = true, default_missing_value = "json")]
        explain: Option<crate::explain::ExplainMode>,
        /// Bulk mode: read the policy files leniently (G-21): a statement that breaks a G
        /// rule becomes an opaque statement and a document that cannot be read becomes one
        /// that may allow or deny anything, so decisions they could change come out
        /// indeterminate; each is reported once on stderr and counted in the summary.
        #[arg(long, requires = "requests")]
        lenient: bool,
    },
    /// Parse policy files and report every error and warning with its JSON path, line and
    /// column, stable code (UNKNOWN_ACTION, INVALID_EFFECT, …) and severity (error,
    /// security_warning, warning, suggestion).
    ///
    /// Checks actions and condition keys against the embedded IAM service reference unless
    /// --catalog or --no-catalog says otherwise. Exit status: 0 no errors, 1 a document has an
    /// error (or a warning, with --deny-warnings), 2 an input cannot be read or a usage error.
    Check {
        /// Policy files: a bare document, URL-encoded, `aws iam get-policy-version` output
        /// (PolicyVersion), `get-role-policy` / `get-user-policy` / `get-group-policy` output
        /// (PolicyDocument), or .jsonl with one document or {"name","document"} a line;
        /// `-` reads one document from standard input.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// One JSON line per diagnostic, then a summary line.
        #[arg(long)]
        json: bool,
        /// The kind of policy the files are (decides e.g. whether Principal is allowed).
        #[arg(long, value_enum, default_value_t = KindArg::Identity)]
        kind: KindArg,
        /// The IAM service reference (iam-service-reference.json) for the action and
        /// condition-key checks, instead of the embedded one.
        #[arg(long, value_name = "FILE", conflicts_with = "no_catalog")]
        catalog: Option<PathBuf>,
        /// Skip the checks that need the service reference (unknown actions and keys, keys
        /// no action carries).
        #[arg(long)]
        no_catalog: bool,
        /// Warnings of every severity fail the run (exit status 1).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Replay CloudTrail logs against the current policies of an account snapshot and a
    /// proposed change; report which past calls the change breaks (or newly allows).
    ///
    /// Exit status: 0 no decision changes, 1 the change alters decisions (newly denied or
    /// newly allowed calls), 2 a usage error or an input that cannot be used (snapshot or
    /// policy unreadable, unreadable records or damaged log files).
    Audit(Box<audit::AuditArgs>),
    /// Who can perform actions on resources: every user and role of the snapshots allowed,
    /// with the deciding statement, and principals outside them a resource policy names;
    /// conditional grants are `indeterminate` with what they depend on (E-21).
    WhoCan(Box<who_can::WhoCanArgs>),
    /// What a principal can do, over every action of the IAM service reference, summarised by
    /// service and access level; `--all` for the whole organisation's matrix.
    CanWhat(Box<can_what::CanWhatArgs>),
    /// Per principal, the actions granted (as can-what computes them, by service and access
    /// level) against the actions its successful calls in CloudTrail logs used, with last
    /// use; per statement, the calls it decided in the replay, and the statements never used.
    ///
    /// Exit status: 0 the report was written, 2 a usage error or an input that cannot be used
    /// (snapshot, policy or service reference unreadable, unreadable records or damaged log
    /// files).
    Unused(Box<unused::UnusedArgs>),
    /// A least-privilege identity policy from a principal's successful calls in CloudTrail
    /// logs, proved by replaying those calls through the audit with the policy as the
    /// principal's only identity policy ("proved: N of N successful calls allowed").
    ///
    /// Exit status: 0 proved, 1 a successful call is not allowed by the policy, 2 a usage
    /// error or an input that cannot be used (a file, unreadable records, no successful call
    /// of the principal).
    GeneratePolicy(Box<generate_policy::GenerateArgs>),
    /// Write a deterministic synthetic organisation (snapshots per account, SCPs, an RCP,
    /// resource policies) drawn from the AWS managed policies.
    SynthOrg(synth_org::SynthArgs),
    /// Compile policy files into one policy set and report what was built.
    ///
    /// Prints policies, statements, the action index, resource patterns by strategy,
    /// conditions, keys, approximate size and compile time.
    ///
    /// Exit status: 0 compiled, 1 a policy has an error (all are listed), 2 a usage error or
    /// an input that cannot be used (a file or manifest that cannot be read, an artifact that
    /// cannot be written).
    Compile {
        /// Policy files: a document (bare, PolicyVersion wrapper, URL-encoded), or .jsonl with
        /// one document or {"name":...,"document":{...}} a line.
        #[arg(value_name = "FILE", required_unless_present = "manifest")]
        files: Vec<PathBuf>,
        /// The kind every policy is parsed as (SCPs/RCPs: all files one level).
        #[arg(long, value_enum, default_value_t = KindArg::Identity)]
        kind: KindArg,
        /// One JSON object instead of the human summary.
        #[arg(long)]
        json: bool,
        /// A manifest of more policy files with their kinds: `KIND[:LEVEL] PATH` a line
        /// (identity, resource, boundary, session, scp, rcp; levels for scp/rcp, root 0),
        /// `management-account ID`, `#` comments; paths relative to the manifest.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Write the compiled set as a binary artifact (load it with
        /// `PolicySet::from_bytes`, show it with `iamc inspect`).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// The services RCPs apply to (E-10), a JSON array or prefixes separated by commas,
        /// spaces or lines; default s3, sts, kms, sqs, secretsmanager, ecr, aoss.
        #[arg(long, value_name = "FILE")]
        rcp_services: Option<PathBuf>,
    },
    /// Show what a compiled artifact holds: format, build info, policies, sizes.
    ///
    /// Loads it as an authorizer would (every byte checked); exits 2 when it cannot be read
    /// or does not load.
    Inspect {
        /// The artifact (from `iamc compile -o`).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `--kind` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Identity-based policy.
    Identity,
    /// Resource-based policy.
    Resource,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
}

impl From<KindArg> for PolicyKind {
    fn from(k: KindArg) -> PolicyKind {
        match k {
            KindArg::Identity => PolicyKind::Identity,
            KindArg::Resource => PolicyKind::Resource,
            KindArg::Boundary => PolicyKind::Boundary,
            KindArg::Session => PolicyKind::Session,
            KindArg::Scp => PolicyKind::Scp,
            KindArg::Rcp => PolicyKind::Rcp,
        }
    }
}

/// Exit status for a run that found problems (disagreements, policy errors, breaking changes).
pub const EXIT_FAILED: u8 = 1;

/// Exit status for a usage error (clap's) or an input that cannot be used (a missing file, an
/// artifact that does not load, a catalog that does not parse).
pub const EXIT_INPUT: u8 = 2;

/// Exit status when standard output is closed before the run ends (`iamc … | head`): the
/// status of a process ended by SIGPIPE (128 + 13), as `yes | head` gives, without a message.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// The exit-status convention, printed after the top-level `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status (every command):
  0    success: no findings
  1    findings: policy errors (check, compile; warnings too with check --deny-warnings),
       disagreements with expectations or between engines (eval), changed decisions (audit)
  2    usage error, or an input that cannot be used (missing or unreadable file, bad JSON
       in a scenario or request line (eval), no policy for eval --requests, an artifact
       that does not load, a bad --catalog, unreadable CloudTrail records)
  141  standard output was closed early (`iamc ... | head`); nothing more is printed";

/// Parse `args` (including the program name) and run; clap reports usage errors itself
/// (exit status 2).
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let stdout = std::io::stdout();
    // stderr is not locked for the whole run: `iamc audit` draws its progress bar on stderr
    // from a worker thread, and a lock held here would block that thread for ever while the
    // main thread waits on its results (the terminal deadlock). `Stderr` locks per write.
    run(cli, &mut stdout.lock(), &mut std::io::stderr())
}

/// Run a parsed command line.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let result = match cli.command {
        Command::Eval {
            scenarios,
            requests,
            policies,
            boundary,
            scp,
            rcp,
            rcp_services,
            resource_policy,
            session_policy,
            engine,
            format,
            derive_principal_keys,
            json_summary,
            warnings,
            explain,
            lenient,
        } => {
            if format == eval::OutputFormat::Table
                && explain == Some(crate::explain::ExplainMode::Text)
            {
                let _ = writeln!(
                    err,
                    "iamc eval: --format table and --explain=text both print on stdout; use \
                     --explain (traces on stderr) with the table"
                );
                return ExitCode::from(EXIT_INPUT);
            }
            let opts = EvalOptions {
                format,
                derive_principal_keys: derive_principal_keys.unwrap_or(requests.is_some()),
                json_summary,
                show_warnings: warnings,
                explain,
                lenient,
            };
            if let Some(requests) = requests {
                let rcp_services = match rcp_services.map(|p| read_rcp_services(&p)).transpose() {
                    Ok(list) => list,
                    Err(e) => {
                        let _ = writeln!(err, "iamc eval: {e}");
                        return ExitCode::from(EXIT_INPUT);
                    }
                };
                // An empty set denies everything: deciding against it is never what was meant.
                if policies.is_empty()
                    && boundary.is_empty()
                    && scp.is_empty()
                    && rcp.is_empty()
                    && resource_policy.is_none()
                    && session_policy.is_none()
                {
                    let _ = writeln!(
                        err,
                        "iamc eval: --requests needs policies to decide against: give \
                         --policies, --resource-policy, --boundary, --scp, --rcp or \
                         --session-policy"
                    );
                    return ExitCode::from(EXIT_INPUT);
                }
                let bulk = BulkPolicies {
                    identity: policies,
                    boundaries: boundary,
                    scps: scp,
                    rcps: rcp,
                    rcp_services,
                    resource: resource_policy,
                    session: session_policy,
                };
                eval::eval_bulk(&bulk, &requests, &engine.engines(), opts, out, err)
                    .map(|s| s.exit_status())
            } else {
                let inputs: Vec<Input> = if scenarios.is_empty() {
                    vec![Input::default_example()]
                } else {
                    scenarios.into_iter().map(Input::File).collect()
                };
                eval::eval(&inputs, &engine.engines(), opts, out, err).map(|s| s.exit_status())
            }
        }
        Command::Audit(args) => audit::audit(*args, out, err),
        Command::WhoCan(args) => who_can::who_can(*args, out, err),
        Command::CanWhat(args) => can_what::can_what(*args, out, err),
        Command::Unused(args) => unused::unused(*args, out, err),
        Command::GeneratePolicy(args) => generate_policy::generate_policy(*args, out, err),
        Command::SynthOrg(args) => synth_org::synth_org(args, err),
        Command::Compile {
            files,
            kind,
            json,
            manifest,
            output,
            rcp_services,
        } => {
            let rcp_services = match rcp_services.map(|p| read_rcp_services(&p)).transpose() {
                Ok(list) => list,
                Err(e) => {
                    let _ = writeln!(err, "iamc compile: {e}");
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            let opts = compile::CompileOptions {
                kind: kind.into(),
                json,
                manifest: manifest.as_deref(),
                output: output.as_deref(),
                rcp_services,
            };
            compile::compile(&files, opts, out, err)
        }
        Command::Inspect { file, json } => {
            inspect::inspect(&file, inspect::InspectOptions { json }, out, err).map(|loaded| {
                if loaded {
                    0
                } else {
                    EXIT_INPUT
                }
            })
        }
        Command::Check {
            files,
            json,
            kind,
            catalog,
            no_catalog,
            deny_warnings,
        } => {
            let catalog = match (catalog, no_catalog) {
                (_, true) => Ok(None),
                (Some(p), false) => Catalog::load(&p).map(Some),
                (None, false) => check::embedded_catalog().map(Some),
            };
            let catalog = match catalog {
                Ok(c) => c,
                Err(e) => {
                    // Best effort: stderr may be closed too.
                    let _ = writeln!(err, "iamc check: --catalog {e}");
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            let opts = check::CheckOptions {
                kind: kind.into(),
                json,
                catalog: catalog.as_ref(),
            };
            check::check(&files, opts, out, err).map(|s| s.exit_status(deny_warnings))
        }
    };
    finish(result, out, err)
}

/// The exit status of a run: the command's own, unless writing its output failed. A closed
/// stdout (`iamc inspect | head`) ends the run quietly with [`EXIT_BROKEN_PIPE`]; any other
/// output error is reported (if stderr still works) with status 1.
fn finish(result: io::Result<u8>, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let flushed = out.flush().and_then(|()| err.flush());
    let e = match (result, flushed) {
        (Ok(s), Ok(())) => return ExitCode::from(s),
        (Ok(s), Err(e)) => {
            if s != 0 && e.kind() != io::ErrorKind::BrokenPipe {
                return ExitCode::from(s);
            }
            e
        }
        (Err(e), _) => e,
    };
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::from(EXIT_BROKEN_PIPE);
    }
    let _ = writeln!(err, "iamc: cannot write output: {e}");
    ExitCode::from(EXIT_FAILED)
}
