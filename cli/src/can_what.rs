//! `iamc can-what`: what a principal may do, over every action of the service reference; with
//! `--all`, the whole organisation's matrix.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;

use iamc_access::catalog::AccessLevel;
use serde_json::json;

use crate::access_input::{deciding_text, grant_json, OrgArgs};
use crate::who_can::Format;

/// Arguments of `iamc can-what`.
#[derive(Debug, clap::Args)]
pub struct CanWhatArgs {
    /// The organisation.
    #[command(flatten)]
    pub org: OrgArgs,
    /// The principal: a user or role ARN of the snapshot (or a role's session ARN).
    #[arg(long, value_name = "ARN", required_unless_present = "all")]
    pub principal: Option<String>,
    /// Decide on this resource (else, per action, with the resource unknown: `allow` means on
    /// every resource, conditional with `resource` in `depends_on` means on some).
    #[arg(long, value_name = "ARN", conflicts_with = "all")]
    pub resource: Option<String>,
    /// Every principal of the organisation: JSON lines, one `profile` line per distinct
    /// answer, then one line per principal naming its profile.
    #[arg(long, conflicts_with = "principal")]
    pub all: bool,
    /// Output format (one principal).
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
}

/// Run `iamc can-what`; the exit status is 0, or 2 for an input that cannot be used.
pub fn can_what(
    args: CanWhatArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (org, catalog, facts, warnings) = match args.org.load() {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "iamc can-what: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    for w in &warnings {
        writeln!(err, "warning: {w}")?;
    }
    if args.all {
        let started = std::time::Instant::now();
        let profiles = iamc_access::query::can_what_all(&org, &catalog, &facts);
        let mut ids: HashMap<*const iamc_access::query::Profile, usize> = HashMap::new();
        let names = catalog.actions();
        let name = |i: &u32| names.get(*i as usize).map_or("?", |a| a.name.as_str());
        for (p, prof) in org.principals().iter().zip(&profiles) {
            let next = ids.len();
            let id = *ids.entry(Arc::as_ptr(prof)).or_insert_with(|| next);
            if id == next {
                writeln!(
                    out,
                    "{}",
                    json!({"profile": id,
                           "allowed": prof.allowed.iter().map(name).collect::<Vec<_>>(),
                           "conditional": prof.conditional.iter().map(name).collect::<Vec<_>>()})
                )?;
            }
            writeln!(
                out,
                "{}",
                json!({"principal": p.arn, "principal_type": p.kind(), "profile": id,
                       "allowed": prof.allowed.len(), "conditional": prof.conditional.len()})
            )?;
        }
        writeln!(
            err,
            "can-what --all: {} principals x {} actions, {} sets, {} classes decided, {} distinct profiles, {:.1} s",
            org.principals().len(),
            names.len(),
            org.sets().len(),
            org.classes(),
            ids.len(),
            started.elapsed().as_secs_f64()
        )?;
        return Ok(0);
    }
    let Some(arn) = args.principal.as_deref() else {
        writeln!(err, "iamc can-what: give --principal ARN or --all")?;
        return Ok(crate::EXIT_INPUT);
    };
    let Some(p) = org.principal(arn) else {
        writeln!(
            err,
            "iamc can-what: --principal {arn}: no such user or role in the snapshots"
        )?;
        return Ok(crate::EXIT_INPUT);
    };
    let grants =
        match iamc_access::query::can_what(&org, p, &catalog, args.resource.as_deref(), &facts) {
            Ok(g) => g,
            Err(e) => {
                writeln!(err, "iamc can-what: {e}")?;
                return Ok(crate::EXIT_INPUT);
            }
        };
    // Summary: service -> level -> (allowed, conditional).
    let mut summary: BTreeMap<&str, BTreeMap<&str, (usize, usize)>> = BTreeMap::new();
    for g in &grants {
        let svc = g.action.split(':').next().unwrap_or("");
        let e = summary
            .entry(svc)
            .or_default()
            .entry(g.level.as_str())
            .or_default();
        if g.decision == iamc_runtime::Decision::Allow {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    match args.format {
        Format::Jsonl => {
            for g in &grants {
                writeln!(out, "{}", grant_json(g))?;
            }
            let s: serde_json::Map<String, serde_json::Value> = summary
                .iter()
                .map(|(svc, levels)| {
                    let l: serde_json::Map<String, serde_json::Value> = levels
                        .iter()
                        .map(|(k, (a, c))| (k.to_string(), json!({"allowed": a, "conditional": c})))
                        .collect();
                    (svc.to_string(), serde_json::Value::Object(l))
                })
                .collect();
            writeln!(
                out,
                "{}",
                json!({"summary": {"principal": p.arn, "actions": catalog.actions().len(), "by_service": s}})
            )?;
        }
        Format::Table => {
            writeln!(
                out,
                "{:<28} {}",
                "service",
                AccessLevel::ALL
                    .map(|l| format!("{:>22}", l.as_str()))
                    .join("")
            )?;
            for (svc, levels) in &summary {
                let cells: String = AccessLevel::ALL
                    .iter()
                    .map(|l| match levels.get(l.as_str()) {
                        Some((a, 0)) => format!("{a:>22}"),
                        Some((a, c)) => format!("{:>22}", format!("{a} (+{c} cond.)")),
                        None => format!("{:>22}", "-"),
                    })
                    .collect();
                writeln!(out, "{svc:<28} {cells}")?;
            }
            let cond: Vec<_> = grants
                .iter()
                .filter(|g| g.decision != iamc_runtime::Decision::Allow)
                .collect();
            if !cond.is_empty() {
                writeln!(out, "\nconditional grants ({}):", cond.len())?;
                for g in cond {
                    writeln!(out, "  {:<45} {}", g.action, deciding_text(g))?;
                }
            }
        }
    }
    let allowed = grants
        .iter()
        .filter(|g| g.decision == iamc_runtime::Decision::Allow)
        .count();
    writeln!(
        err,
        "can-what {}: {} of {} actions allowed, {} conditional",
        p.arn,
        allowed,
        catalog.actions().len(),
        grants.len() - allowed
    )?;
    Ok(0)
}
