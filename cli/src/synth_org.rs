//! `iamc synth-org`: write the synthetic organisation ([`iamc_access::synth`]) for tests,
//! benchmarks and examples.

use std::io::Write;
use std::path::PathBuf;

/// Arguments of `iamc synth-org`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Directory to write into (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The AWS managed policies (default
    /// $IAMC_SHARED/corpus/managed-policies/aws-managed-policies.jsonl).
    #[arg(long, value_name = "FILE")]
    pub managed_policies: Option<PathBuf>,
    /// The seed.
    #[arg(long, default_value_t = 20)]
    pub seed: u64,
    /// Accounts.
    #[arg(long, default_value_t = 20)]
    pub accounts: usize,
    /// Users and roles in all.
    #[arg(long, default_value_t = 10_000)]
    pub principals: usize,
}

/// Run `iamc synth-org`.
pub fn synth_org(args: SynthArgs, err: &mut dyn Write) -> std::io::Result<u8> {
    let path = args.managed_policies.unwrap_or_else(|| {
        let shared = std::env::var_os("IAMC_SHARED").unwrap_or_else(|| "../shared".into());
        PathBuf::from(shared).join("corpus/managed-policies/aws-managed-policies.jsonl")
    });
    let (managed, skipped) = match iamc_access::synth::read_managed(&path) {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "iamc synth-org: {e}")?;
            return Ok(crate::EXIT_INPUT);
        }
    };
    if args.accounts == 0 {
        writeln!(err, "iamc synth-org: --accounts must be at least 1")?;
        return Ok(crate::EXIT_INPUT);
    }
    let org = iamc_access::synth::generate(
        &iamc_access::synth::Config {
            seed: args.seed,
            accounts: args.accounts,
            principals: args.principals,
        },
        &managed,
    );
    if let Err(e) = org.write(&args.out) {
        writeln!(err, "iamc synth-org: {e}")?;
        return Ok(crate::EXIT_INPUT);
    }
    writeln!(
        err,
        "synth-org: {} accounts, {} principals, {} resource policies written to {} (arguments in args.txt); {} managed-policy lines without arn/document left out",
        org.accounts.len(),
        args.principals / args.accounts * args.accounts,
        org.resource_policies.len(),
        args.out.display(),
        skipped
    )?;
    Ok(0)
}
