//! Every library crate of the workspace forbids `unsafe` code, but `iamc-hint`: the one crate
//! whose job is the CPU and OS hints that need it (prefetch, a zeroed huge-page table), each
//! `unsafe` block there with its reason. A new crate, or a crate root that loses the
//! attribute, fails here.

use std::path::Path;

/// Workspace members (from the root `Cargo.toml`) that are libraries.
fn library_crates(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("root Cargo.toml");
    let members = manifest
        .split("members = [")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .expect("a members list");
    members
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('"'))
        .map(|l| l.trim_matches(|c| c == '"' || c == ',').to_string())
        .filter(|m| root.join(m).join("src/lib.rs").exists())
        .collect()
}

#[test]
fn library_crates_forbid_unsafe_code_but_the_hint_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let crates = library_crates(&root);
    assert!(crates.len() >= 8, "{crates:?}");
    assert!(crates.iter().any(|c| c == "hint"), "{crates:?}");
    let mut missing = Vec::new();
    for c in &crates {
        let lib = std::fs::read_to_string(root.join(c).join("src/lib.rs")).expect("lib.rs");
        let forbids = lib.lines().any(|l| l.trim() == "#![forbid(unsafe_code)]");
        if c == "hint" {
            assert!(
                !forbids,
                "the hint crate is the one that may hold unsafe code"
            );
            assert!(lib.lines().any(|l| l.trim() == "#![deny(unsafe_code)]"));
        } else if !forbids {
            missing.push(c.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "crates without #![forbid(unsafe_code)]: {missing:?}"
    );
}
