//! `iamc who-can`: every principal allowed (or conditionally allowed) an action on a resource.

use std::io::Write;

use iamc_access::catalog::AccessLevel;
use serde_json::json;

use crate::access_input::{deciding_text, grant_json, OrgArgs};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object a line.
    Jsonl,
    /// A readable table.
    Table,
}

/// Arguments of `iamc who-can`.
#[derive(Debug, clap::Args)]
pub struct WhoCanArgs {
    /// The organisation.
    #[command(flatten)]
    pub org: OrgArgs,
    /// Actions, separated by commas; wildcards (`s3:Get*`) expand over the service reference.
    #[arg(long, value_name = "A[,A...]", required = true, value_delimiter = ',')]
    pub action: Vec<String>,
    /// Resource ARNs, separated by commas.
    #[arg(
        long,
        value_name = "ARN[,ARN...]",
        required = true,
        value_delimiter = ','
    )]
    pub resource: Vec<String>,
    /// Group the answer by access level (List, Read, Write, Permissions management, Tagging).
    #[arg(long, value_name = "BY", value_parser = ["access-level"])]
    pub group_by: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
}

/// Run `iamc who-can`; the exit status is 0, or 2 for an input that cannot be used.
pub fn who_can(args: WhoCanArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let (org, catalog, facts, warnings) = match args.org.load() {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "iamc who-can: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    for w in &warnings {
        writeln!(err, "warning: {w}")?;
    }
    let mut actions = Vec::new();
    for a in &args.action {
        let found = catalog.expand(a);
        if found.is_empty() {
            writeln!(
                err,
                "iamc who-can: --action {a:?} matches no action of the service reference"
            )?;
            return Ok(crate::EXIT_INPUT);
        }
        actions.extend(found);
    }
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    actions.dedup_by(|a, b| a.name == b.name);
    let mut grants = match iamc_access::query::who_can(&org, &actions, &args.resource, &facts) {
        Ok(g) => g,
        Err(e) => {
            writeln!(err, "iamc who-can: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    if args.group_by.is_some() {
        grants.sort_by(|a, b| {
            (a.level, &a.resource, &a.principal, &a.action).cmp(&(
                b.level,
                &b.resource,
                &b.principal,
                &b.action,
            ))
        });
    }
    match args.format {
        Format::Jsonl => {
            for g in &grants {
                writeln!(out, "{}", grant_json(g))?;
            }
        }
        Format::Table => {
            let mut level = None;
            for g in &grants {
                if args.group_by.is_some() && level != Some(g.level) {
                    level = Some(g.level);
                    writeln!(out, "== {} ==", g.level.as_str())?;
                }
                writeln!(
                    out,
                    "{:<13} {:<60} {:<30} {:<45} {}",
                    g.decision.as_str(),
                    g.principal,
                    g.action,
                    g.resource,
                    deciding_text(g)
                )?;
            }
        }
    }
    let allowed = grants
        .iter()
        .filter(|g| g.decision == iamc_runtime::Decision::Allow)
        .count();
    let mut by_level = serde_json::Map::new();
    for l in AccessLevel::ALL {
        let n = grants.iter().filter(|g| g.level == l).count();
        if n > 0 {
            by_level.insert(l.as_str().into(), json!(n));
        }
    }
    writeln!(
        err,
        "who-can: {} principals, {} sets compiled, {} action(s) x {} resource(s): {} allowed, {} conditional (indeterminate); by access level {}",
        org.principals().len(),
        org.sets().len(),
        actions.len(),
        args.resource.len(),
        allowed,
        grants.len() - allowed,
        serde_json::Value::Object(by_level)
    )?;
    Ok(0)
}
