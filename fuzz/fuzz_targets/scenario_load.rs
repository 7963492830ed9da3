//! Fuzz target: arbitrary bytes → the scenario loader (`iamc_harness::scenario::load_bytes`)
//! as a JSON file and as JSON lines — what `iamc eval --scenarios` reads from outside. Must
//! never panic or hang; a rejected input comes with at least one error.
//!
//! (Written as the stand-in for issue 7 (c) while the audit crate had not landed; the
//! CloudTrail reader has its own target now, `cloudtrail`.)

#![no_main]

use iamc_harness::scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.json", "fuzz.jsonl"] {
        match scenario::load_bytes(name, data) {
            Ok(loaded) => {
                let _ = loaded.request_count();
                for w in &loaded.warnings {
                    let _ = w.to_string();
                }
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "rejected without an error");
                for e in &errors {
                    let _ = e.to_string();
                }
            }
        }
    }
});
