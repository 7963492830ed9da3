//! `iamc generate-policy`: a least-privilege identity policy from a principal's successful
//! calls in CloudTrail logs, proved by replaying those calls through the audit with the
//! policy as the principal's only identity policy.

use std::io::Write;
use std::path::PathBuf;

use iamc_access::generate::{generate, observed, prove, ProofInput};

/// Arguments of `iamc generate-policy`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// CloudTrail logs: {"Records":[...]} files (.json, .json.gz), JSON lines (.jsonl,
    /// .jsonl.gz), or directories (searched recursively).
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub logs: Vec<PathBuf>,
    /// The principal: a user or role ARN (its sessions' calls are its), or a role session ARN.
    #[arg(long, value_name = "ARN")]
    pub principal: String,
    /// `aws iam get-account-authorization-details` output: resolves the principal (a role's
    /// path) and gives the proof the other principals and trust policies; the principal's own
    /// policies are replaced by the generated one.
    #[arg(long, value_name = "FILE")]
    pub account_details: Option<PathBuf>,
    /// An IAM service reference for the replay's event mapping (default: the copy built
    /// into iamc).
    #[arg(long, value_name = "FILE")]
    pub service_reference: Option<PathBuf>,
    /// Resource policies: a JSON object {"arn": policy document, ...} (KMS key policies,
    /// bucket policies, trust policies), for both replays.
    #[arg(long, value_name = "FILE")]
    pub resource_policies: Option<PathBuf>,
    /// Write the policy to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print one JSON line for machines instead of the pretty policy: `{"principal",
    /// "policy", "calls", "actions", "statements", "proof": {"proved", "allowed", "of",
    /// "failures" (the first 20), "failures_omitted"}}` (the text summary stays on stderr).
    #[arg(long)]
    pub json: bool,
}

/// How many unreadable records and calls the proof did not allow are listed (text and JSON);
/// the rest are counted.
const MAX_LISTED: usize = 20;

/// An empty snapshot for a replay without `--account-details`.
const EMPTY: &[u8] =
    br#"{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}"#;

/// Run `iamc generate-policy`: 0 when the proof holds, 1 when a call is not allowed by the
/// generated policy, 2 for an input that cannot be used (a file, unreadable records, no
/// successful call of the principal).
pub fn generate_policy(
    args: GenerateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let started = std::time::Instant::now();
    let empty = PathBuf::from("<no account details>");
    let opts = iamc_audit::Options {
        account_details: args.account_details.clone().unwrap_or(empty.clone()),
        logs: args.logs.clone(),
        service_reference: args.service_reference.clone(),
        resource_policies: args.resource_policies.clone(),
        summary_only: true,
        ..iamc_audit::Options::default()
    };
    let aud = match iamc_audit::load_with(&opts, &|p| {
        if p == empty {
            Ok(EMPTY.to_vec())
        } else {
            std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
        }
    }) {
        Ok(a) => a,
        Err(e) => {
            writeln!(err, "iamc generate-policy: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    let r = iamc_access::usage::replay(&aud, &args.logs);
    for e in &r.stats.file_errors {
        writeln!(err, "error: {e}")?;
    }
    for x in r.stats.unreadable_list.iter().take(MAX_LISTED) {
        writeln!(err, "unreadable: {}: {}: {}", x.file, x.position, x.reason)?;
    }
    if r.stats.unreadable > MAX_LISTED as u64 {
        writeln!(
            err,
            "unreadable: … {} more records",
            r.stats.unreadable - MAX_LISTED as u64
        )?;
    }
    let damaged = r.stats.unreadable > 0 || !r.stats.file_errors.is_empty();
    let calls = observed(&r.calls, &args.principal);
    // The principal as the snapshot has it (a role's path), for the proof's snapshot.
    let entity = calls
        .iter()
        .find(|c| c.in_snapshot)
        .map_or(args.principal.as_str(), |c| c.principal.as_str())
        .to_string();
    let Some(policy) = generate(&calls) else {
        writeln!(
            err,
            "iamc generate-policy: --principal {}: no successful call that needs a permission \
             in the logs ({} successful calls, {} events decided)",
            args.principal,
            calls.len(),
            r.stats.decided
        )?;
        return Ok(crate::EXIT_INPUT);
    };
    let input = ProofInput {
        logs: args.logs.clone(),
        account_details: args.account_details.clone(),
        service_reference: args.service_reference.clone(),
        resource_policies: args.resource_policies.clone(),
    };
    let proof = match prove(&input, &entity, &policy) {
        Ok(p) => p,
        Err(e) => {
            writeln!(err, "iamc generate-policy: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    let text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, format!("{text}\n")) {
                writeln!(err, "iamc generate-policy: {}: {e}", path.display())?;
                return Ok(crate::EXIT_INPUT);
            }
        }
        None if !args.json => writeln!(out, "{text}")?,
        None => {}
    }
    let statements = policy["Statement"].as_array().map_or(0, Vec::len);
    let actions: usize = policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["Action"].as_array().map_or(1, Vec::len))
        .sum();
    // The proof replays the same logs: it must find the same calls.
    let holds = proof.holds() && proof.calls == calls.len() as u64;
    if args.json {
        let failures: Vec<serde_json::Value> = proof
            .failures
            .iter()
            .take(MAX_LISTED)
            .map(|(id, action, resources, d)| {
                serde_json::json!({
                    "event_id": id, "action": action, "resources": resources,
                    "decision": d.as_str(),
                })
            })
            .collect();
        let line = serde_json::json!({
            "principal": entity,
            "policy": policy,
            "calls": calls.len(),
            "actions": actions,
            "statements": statements,
            "proof": {
                "proved": holds,
                "allowed": proof.allowed,
                "of": proof.calls,
                "failures": failures,
                "failures_omitted": proof.failures.len().saturating_sub(MAX_LISTED),
            },
        });
        writeln!(out, "{line}")?;
    }
    writeln!(
        err,
        "generate-policy {}: {} successful calls, {} actions in {} statements ({} bytes), {:.2} s",
        entity,
        calls.len(),
        actions,
        statements,
        text.len(),
        started.elapsed().as_secs_f64()
    )?;
    if holds {
        writeln!(
            err,
            "proved: {} of {} successful calls allowed",
            proof.allowed, proof.calls
        )?;
    } else {
        writeln!(
            err,
            "NOT proved: {} of {} successful calls allowed ({} observed before the proof)",
            proof.allowed,
            proof.calls,
            calls.len()
        )?;
        // The calls the snapshot's own policies do not allow in the replay either: what
        // allowed them (a key policy, a trust policy) is not in the inputs.
        if args.account_details.is_some() {
            let denied_before: std::collections::HashSet<&str> = calls
                .iter()
                .filter(|c| c.decision != iamc_runtime::Decision::Allow)
                .filter_map(|c| c.event_id.as_deref())
                .collect();
            let both = proof
                .failures
                .iter()
                .filter(|f| denied_before.contains(f.0.as_str()))
                .count();
            writeln!(
                err,
                "  {both} of the {} not allowed are not allowed by the snapshot's current \
                 policies in the replay either (what allowed them is not in the inputs: a key \
                 or trust policy? give --resource-policies)",
                proof.failures.len()
            )?;
        }
        for (id, action, resources, d) in proof.failures.iter().take(MAX_LISTED) {
            writeln!(
                err,
                "  {id} {action} {} -> {}",
                resources.join(","),
                d.as_str()
            )?;
        }
        if proof.failures.len() > MAX_LISTED {
            writeln!(err, "  … {} more", proof.failures.len() - MAX_LISTED)?;
        }
    }
    if damaged {
        return Ok(crate::EXIT_INPUT);
    }
    Ok(if holds { 0 } else { crate::EXIT_FAILED })
}
