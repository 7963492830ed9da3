//! `iamc audit`: the command-line side of `iamc-audit` (argument parsing only; the work is in
//! the `iamc_audit` crate).

use std::io::Write;
use std::path::PathBuf;

/// Arguments of `iamc audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// `aws iam get-account-authorization-details` output (the snapshot).
    #[arg(long, value_name = "FILE")]
    pub account_details: PathBuf,
    /// CloudTrail logs: {"Records":[...]} files (.json, .json.gz), JSON lines (.jsonl,
    /// .jsonl.gz), or directories (searched recursively).
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub logs: Vec<PathBuf>,
    /// Proposed identity-policy files (the change), attached where --attach-to says.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub proposed: Vec<PathBuf>,
    /// Where the proposed policies go: user:NAME, role:NAME, group:NAME or all (repeatable).
    #[arg(long, value_name = "TARGET")]
    pub attach_to: Vec<String>,
    /// Instead of --attach-to: the proposed policies replace the managed (name or ARN) or
    /// inline policy NAME wherever it is attached (users, their groups, roles).
    #[arg(long, value_name = "NAME", conflicts_with = "attach_to")]
    pub replace: Option<String>,
    /// Proposed SCP files, added to the last SCP level.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub proposed_scp: Vec<PathBuf>,
    /// Current SCPs: [ACCOUNT=]FILE, each one level, root first.
    #[arg(long, value_name = "[ACCOUNT=]FILE")]
    pub scp: Vec<String>,
    /// Current RCPs: [ACCOUNT=]FILE, each one level, root first; with ACCOUNT, the level
    /// applies to that account's resources only.
    #[arg(long, value_name = "[ACCOUNT=]FILE")]
    pub rcp: Vec<String>,
    /// Proposed RCP files, added to the last RCP level (a level with RCPFullAWSAccess when
    /// there is none).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub proposed_rcp: Vec<PathBuf>,
    /// The services RCPs apply to (E-10), a JSON array or prefixes separated by commas,
    /// spaces or lines; default s3, sts, kms, sqs, secretsmanager, ecr, aoss.
    #[arg(long, value_name = "FILE")]
    pub rcp_services: Option<PathBuf>,
    /// Resource policies: a JSON object {"arn": policy document, ...}; a role's is its trust
    /// policy, as IAM stores it (the snapshot's AssumeRolePolicyDocument otherwise).
    #[arg(long, value_name = "FILE")]
    pub resource_policies: Option<PathBuf>,
    /// Resource tags: `aws resourcegroupstaggingapi get-resources` output (pages one after
    /// the other or one a line). Tag keys (aws:ResourceTag/K, ec2:ResourceTag/K,
    /// rds:db-tag/K, …) of a resource in the file are known; of any other, unknown.
    #[arg(long, value_name = "FILE")]
    pub resource_tags: Option<PathBuf>,
    /// An IAM service reference (`iam-service-reference.json`) to use instead of the copy
    /// built into iamc (the same from any working directory).
    #[arg(long, value_name = "FILE")]
    pub service_reference: Option<PathBuf>,
    /// Groups (principal, action) listed per newly denied / newly allowed table in the human
    /// summary (the --json summary lists all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub top: usize,
    /// List every group in the human summary (overrides --top).
    #[arg(long)]
    pub all_groups: bool,
    /// Print a JSON summary object as the last line of stdout.
    #[arg(long)]
    pub json: bool,
    /// No per-event lines.
    #[arg(long)]
    pub summary_only: bool,
    /// Only inflate and parse the records (the throughput bound).
    #[arg(long)]
    pub parse_only: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar (it is drawn on stderr only when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// The largest record (or JSON line) read, in bytes; a larger one is reported unreadable
    /// and skipped (default 8 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_record_bytes: Option<usize>,
}

/// Run `iamc audit`; returns the exit status: 2 when an input cannot be used (the snapshot,
/// a policy or log path that cannot be read, unreadable records or damaged files), else 1
/// when the change alters a decision (newly denied or newly allowed calls: the findings),
/// else 0.
pub fn audit(args: AuditArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let opts = iamc_audit::Options {
        account_details: args.account_details,
        logs: args.logs,
        proposed: args.proposed,
        attach_to: args.attach_to,
        replace: args.replace,
        proposed_scp: args.proposed_scp,
        scp: args.scp,
        rcp: args.rcp,
        proposed_rcp: args.proposed_rcp,
        rcp_services: args.rcp_services,
        resource_policies: args.resource_policies,
        resource_tags: args.resource_tags,
        service_reference: args.service_reference,
        json: args.json,
        summary_only: args.summary_only,
        parse_only: args.parse_only,
        threads: args.threads,
        progress: !args.no_progress,
        max_record_bytes: args.max_record_bytes,
        top: (!args.all_groups).then_some(args.top),
    };
    match iamc_audit::run(&opts, out, err) {
        Ok(s) if s.unreadable > 0 || !s.file_errors.is_empty() => Ok(crate::EXIT_INPUT),
        Ok(s) if s.changed > 0 => Ok(crate::EXIT_FAILED),
        Ok(_) => Ok(0),
        Err(e) => {
            writeln!(err, "iamc audit: {e}")?;
            Ok(crate::EXIT_INPUT)
        }
    }
}
