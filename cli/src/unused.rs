//! `iamc unused`: per principal, the actions granted (as can-what computes them) against the
//! actions its successful calls used; per statement, the calls it decided in a replay of the
//! logs through the audit, and the statements that decided none.

use std::io::Write;
use std::path::PathBuf;

use iamc_access::catalog::AccessLevel;
use iamc_access::org::{Org, OrgInputs};
use iamc_access::query::Facts;
use iamc_access::usage::{PrincipalUsage, StatementUse, Unused};
use iamc_audit::snapshot::{scp_arg, Snapshot};
use iamc_compiler::ast::PolicyKind;
use serde_json::{json, Value};

use crate::who_can::Format;

/// The log and snapshot options `iamc unused` shares with `iamc audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// `aws iam get-account-authorization-details` output (the snapshot).
    #[arg(long, value_name = "FILE")]
    pub account_details: PathBuf,
    /// CloudTrail logs: {"Records":[...]} files (.json, .json.gz), JSON lines (.jsonl,
    /// .jsonl.gz), or directories (searched recursively).
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub logs: Vec<PathBuf>,
    /// SCPs: [ACCOUNT=]FILE, each one level, root first.
    #[arg(long, value_name = "[ACCOUNT=]FILE")]
    pub scp: Vec<String>,
    /// RCPs: [ACCOUNT=]FILE, each one level, root first (an ACCOUNT= level applies to the
    /// replay only: granted actions are decided with the resource in no named account).
    #[arg(long, value_name = "[ACCOUNT=]FILE")]
    pub rcp: Vec<String>,
    /// The services RCPs apply to (E-10), as for `iamc audit`.
    #[arg(long, value_name = "FILE")]
    pub rcp_services: Option<PathBuf>,
    /// Resource policies: a JSON object {"arn": policy document, ...} (the replay's).
    #[arg(long, value_name = "FILE")]
    pub resource_policies: Option<PathBuf>,
    /// Resource tags: `aws resourcegroupstaggingapi get-resources` output (the replay's).
    #[arg(long, value_name = "FILE")]
    pub resource_tags: Option<PathBuf>,
    /// An IAM service reference (`iam-service-reference.json`) to use instead of the copy
    /// built into iamc: the actions granted are decided over it and the replay maps events
    /// with it.
    #[arg(long, value_name = "FILE")]
    pub service_reference: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The largest record (or JSON line) read, in bytes (default 8 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_record_bytes: Option<usize>,
}

impl LogArgs {
    /// The audit's options for a replay (no change, no event lines).
    pub fn audit_options(&self) -> iamc_audit::Options {
        iamc_audit::Options {
            account_details: self.account_details.clone(),
            logs: self.logs.clone(),
            scp: self.scp.clone(),
            rcp: self.rcp.clone(),
            rcp_services: self.rcp_services.clone(),
            resource_policies: self.resource_policies.clone(),
            resource_tags: self.resource_tags.clone(),
            service_reference: self.service_reference.clone(),
            summary_only: true,
            threads: self.threads,
            max_record_bytes: self.max_record_bytes,
            ..iamc_audit::Options::default()
        }
    }
}

/// Arguments of `iamc unused`.
#[derive(Debug, clap::Args)]
pub struct UnusedArgs {
    /// The snapshot and the logs.
    #[command(flatten)]
    pub logs: LogArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Entries listed per list (each list states its full count).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// List every entry of every list (overrides --top).
    #[arg(long)]
    pub all_lists: bool,
}

/// A list, capped: `{"count": N, "list": [...]}`.
fn capped<T: serde::Serialize>(items: &[T], top: usize) -> Value {
    json!({"count": items.len(), "list": &items[..items.len().min(top)]})
}

/// The org for can-what: the snapshot, its SCPs and the RCP levels for every account.
fn org(args: &LogArgs) -> Result<(Org, Vec<String>), String> {
    let snap = Snapshot::load(&args.account_details)?;
    let mut inputs = OrgInputs::default();
    let mut warnings = Vec::new();
    for s in &args.scp {
        let (acct, path) = scp_arg(s);
        let (p, _) = iamc_audit::snapshot::parse_file(&path, PolicyKind::Scp)?;
        match acct {
            Some(a) => inputs.scps_by_account.entry(a).or_default().push(vec![p]),
            None => inputs.scps.push(vec![p]),
        }
    }
    for s in &args.rcp {
        let (acct, path) = scp_arg(s);
        let (p, _) = iamc_audit::snapshot::parse_file(&path, PolicyKind::Rcp)?;
        match acct {
            Some(a) => warnings.push(format!(
                "--rcp {a}={}: applied in the replay; granted actions are decided without it",
                path.display()
            )),
            None => inputs.rcps.push(vec![p]),
        }
    }
    let org = Org::new(&[snap], inputs)?;
    warnings.extend(org.warnings.iter().cloned());
    Ok((org, warnings))
}

fn statement_name(s: &StatementUse) -> String {
    match &s.sid {
        Some(sid) => format!("{}#{sid}", s.policy),
        None => format!("{}#{}", s.policy, s.index),
    }
}

fn principal_json(p: &PrincipalUsage, top: usize) -> Value {
    let used: Vec<Value> = p
        .used
        .iter()
        .map(|(a, u)| json!({"action": a, "calls": u.calls, "last_used": u.last_used}))
        .collect();
    let by_service: serde_json::Map<String, Value> = p
        .by_service
        .iter()
        .map(|(svc, levels)| {
            let l: serde_json::Map<String, Value> = levels
                .iter()
                .map(|(k, c)| {
                    (
                        k.to_string(),
                        json!({"allowed": c.allowed, "conditional": c.conditional, "used": c.used}),
                    )
                })
                .collect();
            (svc.clone(), Value::Object(l))
        })
        .collect();
    json!({
        "principal": p.arn,
        "principal_type": p.kind,
        "calls": p.calls,
        "failed_calls": p.failed,
        "no_permission_needed": p.e20,
        "last_used": p.last_used,
        "granted": {"allowed": p.allowed.len(), "conditional": p.conditional.len()},
        "used": capped(&used, top),
        "unused": {
            "allowed": capped(&p.unused_allowed, top),
            "conditional": capped(&p.unused_conditional, top),
        },
        "used_not_granted": capped(&p.used_not_granted, top),
        "by_service": by_service,
    })
}

fn statement_json(s: &StatementUse, top: usize) -> Value {
    let principals: Vec<&String> = s.principals.iter().collect();
    json!({
        "statement": {"policy": s.policy, "kind": s.kind, "index": s.index, "sid": s.sid,
                      "effect": s.effect},
        "used": s.decided > 0,
        "decided": s.decided,
        "allowed": s.allowed,
        "denied": s.denied,
        "principals": capped(&principals, top),
        "last_used": s.last_used,
    })
}

fn summary_json(u: &Unused, stats: &iamc_audit::Stats, top: usize, seconds: f64) -> Value {
    let unused: Vec<String> = u
        .statements
        .iter()
        .filter(|s| s.decided == 0)
        .map(statement_name)
        .collect();
    let outside: Vec<Value> = u
        .outside
        .iter()
        .map(|(p, n)| json!({"principal": p, "calls": n}))
        .collect();
    json!({"summary": {
        "principals": u.principals.len(),
        "principals_with_calls": u.principals.iter().filter(|p| p.calls + p.failed > 0).count(),
        "statements": u.statements.len(),
        "statements_used": u.statements.len() - unused.len(),
        "statements_unused": capped(&unused, top),
        "decided_by_rule": u.by_rule,
        "decided_without_statement": u.no_statement,
        "further_permissions_not_attributed": u.further_not_attributed,
        "outside_snapshot": capped(&outside, top),
        "events": {"read": stats.read, "decided": stats.decided, "unreadable": stats.unreadable,
                   "not_request": stats.not_request, "duplicates": stats.duplicates,
                   "file_errors": stats.file_errors},
        "seconds": seconds,
    }})
}

fn table(
    u: &Unused,
    stats: &iamc_audit::Stats,
    top: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<70} {:>5} {:>8} {:>6} {:>5} {:>8} {:>6} {:>10}  last used",
        "principal", "type", "allowed", "cond.", "used", "unused", "calls", "not grntd"
    )?;
    for p in &u.principals {
        writeln!(
            out,
            "{:<70} {:>5} {:>8} {:>6} {:>5} {:>8} {:>6} {:>10}  {}",
            p.arn,
            p.kind,
            p.allowed.len(),
            p.conditional.len(),
            p.used.len(),
            p.unused_allowed.len() + p.unused_conditional.len(),
            p.calls,
            p.used_not_granted.len(),
            p.last_used.as_deref().unwrap_or("never")
        )?;
    }
    for p in u.principals.iter().filter(|p| !p.used.is_empty()) {
        writeln!(out, "\n{} — used {} actions:", p.arn, p.used.len())?;
        for (a, use_) in p.used.iter().take(top) {
            writeln!(
                out,
                "  {a:<50} {:>6} calls, last {}",
                use_.calls, use_.last_used
            )?;
        }
        if p.used.len() > top {
            writeln!(out, "  … {} more", p.used.len() - top)?;
        }
        for (svc, levels) in &p.by_service {
            let used: usize = levels.values().map(|c| c.used).sum();
            if used == 0 {
                continue;
            }
            let cells: Vec<String> = AccessLevel::ALL
                .iter()
                .filter_map(|l| {
                    let c = levels.get(l.as_str())?;
                    Some(format!(
                        "{} {}/{}{}",
                        l.as_str(),
                        c.used,
                        c.allowed + c.conditional,
                        if c.conditional > 0 {
                            format!(" ({} cond.)", c.conditional)
                        } else {
                            String::new()
                        }
                    ))
                })
                .collect();
            writeln!(out, "  {svc:<20} used/granted: {}", cells.join(", "))?;
        }
    }
    writeln!(
        out,
        "\n{:>7} {:>7} {:>7}  {:<24}  statement",
        "calls", "allowed", "denied", "last used"
    )?;
    for s in u.statements.iter().filter(|s| s.decided > 0) {
        writeln!(
            out,
            "{:>7} {:>7} {:>7}  {:<24}  {} ({})",
            s.decided,
            s.allowed,
            s.denied,
            s.last_used.as_deref().unwrap_or(""),
            statement_name(s),
            s.effect
        )?;
    }
    let never: Vec<&StatementUse> = u.statements.iter().filter(|s| s.decided == 0).collect();
    writeln!(
        out,
        "\nstatements never used: {} of {}",
        never.len(),
        u.statements.len()
    )?;
    for s in never.iter().take(top) {
        writeln!(out, "  {} ({})", statement_name(s), s.effect)?;
    }
    if never.len() > top {
        writeln!(out, "  … {} more", never.len() - top)?;
    }
    if !u.outside.is_empty() {
        writeln!(
            out,
            "\nprincipals of the logs not in the snapshot: {}",
            u.outside.len()
        )?;
        for (p, n) in u.outside.iter().take(top) {
            writeln!(out, "  {p:<70} {n:>6} successful calls")?;
        }
        if u.outside.len() > top {
            writeln!(out, "  … {} more", u.outside.len() - top)?;
        }
    }
    writeln!(
        out,
        "\nevents: {} read, {} decided, {} unreadable",
        stats.read, stats.decided, stats.unreadable
    )
}

/// Run `iamc unused`; the exit status is 0, or 2 for an input that cannot be used (the
/// snapshot, a policy, the service reference, unreadable records or damaged log files).
pub fn unused(args: UnusedArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let started = std::time::Instant::now();
    let top = if args.all_lists { usize::MAX } else { args.top };
    let opts = args.logs.audit_options();
    let aud = match iamc_audit::load(&opts) {
        Ok(a) => a,
        Err(e) => {
            writeln!(err, "iamc unused: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    let (org, warnings) = match org(&args.logs) {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "iamc unused: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    // The embedded service reference unless --service-reference names a file (the replay
    // below uses the same one).
    let catalog = match &args.logs.service_reference {
        Some(p) => iamc_access::catalog::Catalog::load(p),
        None => iamc_access::catalog::Catalog::embedded(),
    };
    let catalog = match catalog {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "iamc unused: --service-reference {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.logs.threads.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            writeln!(err, "iamc unused: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    let (r, u) = pool.install(|| {
        let r = iamc_access::usage::replay(&aud, &args.logs.logs);
        let u = iamc_access::usage::unused(&org, &catalog, &Facts::default(), &aud, &r.calls);
        (r, u)
    });
    for w in warnings.iter().chain(&r.stats.warnings) {
        writeln!(err, "warning: {w}")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    match args.format {
        Format::Jsonl => {
            for p in &u.principals {
                writeln!(out, "{}", principal_json(p, top))?;
            }
            for s in &u.statements {
                writeln!(out, "{}", statement_json(s, top))?;
            }
            writeln!(out, "{}", summary_json(&u, &r.stats, top, seconds))?;
        }
        Format::Table => table(&u, &r.stats, top, out)?,
    }
    for e in &r.stats.file_errors {
        writeln!(err, "error: {e}")?;
    }
    for x in r.stats.unreadable_list.iter().take(top) {
        writeln!(err, "unreadable: {}: {}: {}", x.file, x.position, x.reason)?;
    }
    let never = u.statements.iter().filter(|s| s.decided == 0).count();
    writeln!(
        err,
        "unused: {} principals, {} events decided; {} of {} statements never decided a call; {:.2} s",
        u.principals.len(),
        r.stats.decided,
        never,
        u.statements.len(),
        seconds
    )?;
    if u.further_not_attributed > 0 {
        writeln!(
            err,
            "  {} allowed calls needed further permissions (iam:PassRole, …) whose statements \
             are not attributed: a statement shown as never used may have allowed one",
            u.further_not_attributed
        )?;
    }
    if r.stats.unreadable > 0 || !r.stats.file_errors.is_empty() {
        return Ok(crate::EXIT_INPUT);
    }
    Ok(0)
}
