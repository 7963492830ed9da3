//! `iamc-authorizer-example SET.iamc < requests.tsv`: load a compiled artifact and decide
//! the requests on stdin, one output line per request (see the library docs for the format).
//! The load time and a summary go to stderr. Exit status: 0, 1 when a line was malformed,
//! 2 when the artifact does not load or the command line is wrong.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use iamc_runtime::PolicySet;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, path] = args.as_slice() else {
        eprintln!("usage: iamc-authorizer-example SET.iamc < requests.tsv");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let set = match PolicySet::from_bytes(&bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let loaded = start.elapsed();
    let st = set.stats();
    eprintln!(
        "loaded {path}: {} bytes, {} policies, {} statements in {:.3} ms",
        bytes.len(),
        st.policies,
        st.statements,
        loaded.as_secs_f64() * 1e3
    );
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let start = Instant::now();
    let result = iamc_authorizer_example::run(&set, io::stdin().lock(), &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(c), Ok(())) => {
            let n: usize = c.decisions.iter().sum();
            eprintln!(
                "{n} request(s) in {:.3} ms: {} allow, {} explicit_deny, {} implicit_deny, {} malformed",
                start.elapsed().as_secs_f64() * 1e3,
                c.decisions[0],
                c.decisions[1],
                c.decisions[2],
                c.errors
            );
            if c.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("iamc-authorizer-example: {e}");
            ExitCode::from(1)
        }
    }
}
