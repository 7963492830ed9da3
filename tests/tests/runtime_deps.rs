//! The runtime links lean into authorizers: it must never depend on the compiler, a JSON
//! parser or a regex compiler. This asks cargo for normal dependency trees.
//!
//! `regex-automata` is allowed with its search-only features (`dfa-search`, `std`, `alloc`):
//! the runtime deserialises and walks glob DFAs the compiler built (`runtime::automaton`), and
//! must not get the NFA compiler, the determiniser or `regex-syntax` (`dfa-build`, `syntax`,
//! `nfa-*`, `hybrid`, `meta`, …).

use std::process::Command;

/// Crates an authorizer's build must not pull in.
const BANNED: [&str; 6] = [
    "iamc-compiler",
    "iamc-reference",
    "serde",
    "serde_json",
    "regex-syntax",
    "regex",
];

/// The only `regex-automata` features the runtime may enable.
const REGEX_AUTOMATA_FEATURES: [&str; 3] = ["alloc", "std", "dfa-search"];

/// The lines of `cargo tree -p PACKAGE -e EDGES --prefix none`.
fn tree(package: &str, edges: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            edges,
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(iamc_tests::repo_dir())
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The crate names in `cargo tree -p PACKAGE -e normal`.
fn normal_dependencies(package: &str) -> Vec<String> {
    let crates: Vec<String> = tree(package, "normal")
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(
        crates.iter().any(|c| c == package),
        "unexpected output: {crates:?}"
    );
    crates
}

fn assert_lean(package: &str) -> Vec<String> {
    let crates = normal_dependencies(package);
    for banned in BANNED {
        assert!(
            !crates.iter().any(|c| c == banned),
            "{package} depends on {banned}: {crates:?}"
        );
    }
    // `regex-automata feature "dfa-search"` lines.
    let features = tree(package, "normal,features");
    let enabled: Vec<&str> = features
        .lines()
        .filter_map(|l| l.strip_prefix("regex-automata feature \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    for f in &enabled {
        assert!(
            REGEX_AUTOMATA_FEATURES.contains(f),
            "{package} enables regex-automata feature {f:?}: {enabled:?}"
        );
    }
    crates
}

#[test]
fn runtime_has_no_parser_or_compiler_dependencies() {
    let crates = assert_lean("iamc-runtime");
    // It does use regex-automata, search-only (the check above would be vacuous otherwise).
    assert!(crates.iter().any(|c| c == "regex-automata"), "{crates:?}");
    let features = tree("iamc-runtime", "normal,features");
    assert!(
        features.contains("regex-automata feature \"dfa-search\""),
        "{features}"
    );
}

/// The example authorizer (`examples/authorizer`) loads compiled artifacts with the runtime
/// alone: its normal dependency tree holds no compiler, JSON parser, serde or regex compiler.
#[test]
fn example_authorizer_links_only_the_runtime() {
    let crates = assert_lean("iamc-authorizer-example");
    assert!(crates.iter().any(|c| c == "iamc-runtime"), "{crates:?}");
}
