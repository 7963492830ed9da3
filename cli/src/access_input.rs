//! What `iamc who-can` and `iamc can-what` share: loading the organisation (snapshots, SCPs,
//! RCPs, resource policies), the catalog, `--context`, and JSON for a grant.

use std::path::{Path, PathBuf};

use iamc_access::catalog::Catalog;
use iamc_access::org::{Org, OrgInputs};
use iamc_access::query::{Facts, Grant};
use iamc_audit::snapshot::{parse_file, scp_arg, Snapshot};
use iamc_compiler::ast::PolicyKind;
use serde_json::{json, Value};

/// The organisation's inputs, as both commands take them.
#[derive(Debug, Clone, clap::Args)]
pub struct OrgArgs {
    /// `aws iam get-account-authorization-details` output, one or more (one per account).
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub account_details: Vec<PathBuf>,
    /// SCPs: [ACCOUNT=]FILE, each one level, root first (ACCOUNT= for one account's levels).
    #[arg(long, value_name = "[ACCOUNT=]FILE")]
    pub scp: Vec<String>,
    /// RCPs: FILE, each one level, root first (E-10).
    #[arg(long, value_name = "FILE")]
    pub rcp: Vec<PathBuf>,
    /// Resource policies: a JSON object {ARN: policy} (an S3 bucket's covers its objects).
    #[arg(long, value_name = "FILE")]
    pub resource_policies: Option<PathBuf>,
    /// The organisation's management account (SCPs do not restrict it, E-12).
    #[arg(long, value_name = "ACCOUNT")]
    pub management_account: Option<String>,
    /// Request context the query fixes: KEY=VALUE (repeatable). Keys the policies read that
    /// neither this nor the principal fixes are unknown: decisions on them are conditional.
    #[arg(long, value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// The resource's account when its ARN does not name it (S3), E-9.
    #[arg(long, value_name = "ACCOUNT")]
    pub resource_account: Option<String>,
    /// An IAM service reference (`iam-service-reference.json`) to use instead of the copy
    /// built into iamc.
    #[arg(long, value_name = "FILE")]
    pub service_reference: Option<PathBuf>,
}

/// Read a policy file leniently (G-21), warnings to `warnings`.
fn policy(
    path: &Path,
    kind: PolicyKind,
    warnings: &mut Vec<String>,
) -> Result<std::sync::Arc<iamc_compiler::ast::Policy>, String> {
    let (p, notes) = parse_file(path, kind)?;
    warnings.extend(
        notes
            .into_iter()
            .map(|n| format!("{}: {n}", path.display())),
    );
    Ok(p)
}

impl OrgArgs {
    /// Load the org, the catalog and the query facts; warnings (opaque statements, missing
    /// managed policies) are returned to be printed.
    pub fn load(&self) -> Result<(Org, Catalog, Facts, Vec<String>), String> {
        let mut warnings = Vec::new();
        let snaps = self
            .account_details
            .iter()
            .map(|p| Snapshot::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut inputs = OrgInputs {
            management_account: self.management_account.clone(),
            ..OrgInputs::default()
        };
        for s in &self.scp {
            let (acct, path) = scp_arg(s);
            let level = vec![policy(&path, PolicyKind::Scp, &mut warnings)?];
            match acct {
                Some(a) => inputs.scps_by_account.entry(a).or_default().push(level),
                None => inputs.scps.push(level),
            }
        }
        for r in &self.rcp {
            inputs
                .rcps
                .push(vec![policy(r, PolicyKind::Rcp, &mut warnings)?]);
        }
        if let Some(path) = &self.resource_policies {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let v: Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            let map = v.as_object().ok_or_else(|| {
                format!("{}: $: expected an object {{ARN: policy}}", path.display())
            })?;
            for (arn, doc) in map {
                let (p, notes) = iamc_audit::snapshot::parse_doc(
                    &format!("resource:{arn}"),
                    doc,
                    PolicyKind::Resource,
                );
                warnings.extend(
                    notes
                        .into_iter()
                        .map(|n| format!("{}: $[{arn:?}]: {n}", path.display())),
                );
                inputs.resource_policies.insert(arn.clone(), p);
            }
        }
        let org = Org::new(&snaps, inputs)?;
        warnings.extend(org.warnings.iter().cloned());
        // The copy of the service reference built into the binary unless a file is given.
        let catalog = match &self.service_reference {
            Some(p) => Catalog::load(p)?,
            None => Catalog::embedded()?,
        };
        let mut facts = Facts {
            resource_account: self.resource_account.clone(),
            ..Facts::default()
        };
        for c in &self.context {
            let (k, v) = c
                .split_once('=')
                .ok_or_else(|| format!("--context {c:?}: expected KEY=VALUE"))?;
            // K-2: a request names a key once, in any spelling.
            if facts.context.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                return Err(format!(
                    "--context {k:?} is given twice (keys are case-insensitive)"
                ));
            }
            facts.context.push((k.to_string(), v.to_string()));
        }
        Ok((org, catalog, facts, warnings))
    }
}

/// One grant as a JSON object.
pub fn grant_json(g: &Grant) -> Value {
    let mut v = json!({
        "principal": g.principal,
        "principal_type": g.principal_kind,
        "action": g.action,
        "access_level": g.level.as_str(),
        "resource": g.resource,
        "decision": g.decision.as_str(),
    });
    if let Some(d) = &g.deciding {
        v["deciding"] =
            json!({"policy": d.policy, "kind": d.kind, "sid": d.sid, "statement": d.statement});
    }
    if let iamc_runtime::Decision::Indeterminate(p) = g.decision {
        v["possible"] = json!(p.names().collect::<Vec<_>>());
    }
    if let Some(d) = &g.depends_on {
        v["depends_on"] = json!({
            "keys": d.keys,
            "resource": d.resource,
            "opaque": d.opaque.len(),
        });
    }
    if let Some(a) = g.assumes {
        v["assumes"] = json!(a);
    }
    v
}

/// The deciding statement for a table: `policy#Sid` or `policy#statement`.
pub fn deciding_text(g: &Grant) -> String {
    match &g.deciding {
        Some(d) => match &d.sid {
            Some(s) => format!("{}#{s}", d.policy),
            None => format!("{}#{}", d.policy, d.statement),
        },
        None => match &g.depends_on {
            Some(d) => {
                let mut on: Vec<&str> = d.keys.iter().map(String::as_str).collect();
                if d.resource {
                    on.push("the resource");
                }
                if !d.opaque.is_empty() {
                    on.push("opaque statements");
                }
                format!("depends on {}", on.join(", "))
            }
            None => String::new(),
        },
    }
}
