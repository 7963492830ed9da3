//! The runtime links lean into authorizers: it must never depend on the compiler, a JSON
//! parser or a regex compiler. This asks cargo for normal dependency trees.

use std::process::Command;

/// Crates an authorizer's build must not pull in.
const BANNED: [&str; 7] = [
    "iamc-compiler",
    "iamc-reference",
    "serde",
    "serde_json",
    "regex-syntax",
    "regex",
    "regex-automata",
];

/// The crate names in `cargo tree -p PACKAGE -e normal`.
fn normal_dependencies(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal",
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
    let crates: Vec<String> = String::from_utf8_lossy(&out.stdout)
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
    crates
}

#[test]
fn runtime_has_no_parser_or_compiler_dependencies() {
    assert_lean("iamc-runtime");
}

/// The example authorizer (`examples/authorizer`) loads compiled artifacts with the runtime
/// alone: its normal dependency tree holds no compiler, JSON parser, serde or regex compiler.
#[test]
fn example_authorizer_links_only_the_runtime() {
    let crates = assert_lean("iamc-authorizer-example");
    assert!(crates.iter().any(|c| c == "iamc-runtime"), "{crates:?}");
}
