//! Fuzz target (c, for now): arbitrary bytes → the scenario loader
//! (`iamc_compiler::scenario::load_bytes`) as a JSON file and as JSON lines. Must never panic
//! or hang; a rejected input comes with at least one error.
//!
//! Issue 7 (c) asks for the CloudTrail record reader and event → request mapping; that lives
//! in the audit crate, which had not landed when this target was written. The scenario loader
//! is the other reader of request-shaped JSON from outside (`iamc eval --scenarios`), so it
//! stands in until an `audit` target is added (see fuzz/README.md).

#![no_main]

use iamc_compiler::scenario;
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
