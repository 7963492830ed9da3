//! The committed multivalued-key table (`compiler/src/keys_multivalued.rs`) is up to date with
//! the IAM service reference (C-24, K-11).
//!
//! Re-implements the selection of `corpus/generators/multivalued_keys.py` in Rust: every
//! condition key typed `ArrayOf...` by every service that lists it, lower-cased, sorted by
//! bytes. Skips (with a note) when the shared corpus is absent.

use std::collections::BTreeSet;

use iamc_compiler::keys::is_multivalued;
use iamc_compiler::keys_multivalued::SERVICE_MULTIVALUED;

fn reference_path() -> std::path::PathBuf {
    iamc_tests::shared_dir().join("corpus/service-reference/iam-service-reference.json")
}

/// The selection, from the JSON.
fn expected_table(json: &serde_json::Value) -> Vec<String> {
    let mut array = BTreeSet::new();
    let mut scalar = BTreeSet::new();
    let services = json.as_object().expect("service reference is an object");
    for service in services.values() {
        let Some(keys) = service.get("conditionKeys").and_then(|k| k.as_object()) else {
            continue;
        };
        for key in keys.values() {
            let name = key["key"].as_str().expect("key name").to_lowercase();
            let ty = key.get("type").and_then(|t| t.as_str()).unwrap_or("");
            if ty.starts_with("ArrayOf") {
                array.insert(name);
            } else {
                scalar.insert(name);
            }
        }
    }
    // BTreeSet<String> iterates in byte order, the order the table is searched in.
    array.difference(&scalar).cloned().collect()
}

// C-24: the table is generated, committed, and must match the service reference.
#[test]
fn c24_keys_multivalued_table_is_current() {
    let path = reference_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "note: {} not found; skipping the multivalued-key table check",
            path.display()
        );
        return;
    };
    let json: serde_json::Value = serde_json::from_str(&text).expect("service reference JSON");
    let expected = expected_table(&json);
    let committed: Vec<String> = SERVICE_MULTIVALUED.iter().map(|s| s.to_string()).collect();
    if expected != committed {
        let e: BTreeSet<_> = expected.iter().collect();
        let c: BTreeSet<_> = committed.iter().collect();
        let missing: Vec<_> = e.difference(&c).collect();
        let extra: Vec<_> = c.difference(&e).collect();
        panic!(
            "compiler/src/keys_multivalued.rs is stale (missing {missing:?}, extra {extra:?}, \
             or order differs); regenerate with `python3 corpus/generators/multivalued_keys.py`"
        );
    }
    // Every entry is reachable through is_multivalued, in any case (C-2).
    for key in SERVICE_MULTIVALUED {
        let instance = key.replace("${", "").replace('}', "");
        assert!(is_multivalued(&instance), "{key} -> {instance}");
        assert!(is_multivalued(&instance.to_uppercase()), "{key} upper");
    }
}
