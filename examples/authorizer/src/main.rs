//! `iamc-authorizer-example [--sha256 HEX] SET.iamc < requests.tsv`: load a compiled artifact
//! and decide the requests on stdin, one output line per request (see the library docs for the
//! format). With `--sha256` (as `iamc inspect` prints it, delivered apart from the file), any
//! other bytes are refused before they are decoded: the header's CRC32C only catches
//! accidents.
//! The load time and a summary go to stderr. Exit status: 0, 1 when a line was malformed,
//! 2 when the artifact does not load or the command line is wrong.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use iamc_runtime::{artifact, LoadOptions, PolicySet};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: iamc-authorizer-example [--sha256 HEX] SET.iamc < requests.tsv";
    let (pin, path) = match args.as_slice() {
        [_, path] => (None, path),
        [_, flag, hex, path] if flag == "--sha256" => match artifact::parse_sha256(hex) {
            Some(d) => (Some(d), path),
            None => {
                eprintln!("--sha256: expected 64 hex digits, got {hex:?}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let opts = LoadOptions {
        expected_sha256: pin,
        ..LoadOptions::default()
    };
    let set = match PolicySet::from_bytes_with(&bytes, opts) {
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
