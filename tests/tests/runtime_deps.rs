//! The runtime links lean into authorizers: it must never depend on the compiler, a JSON
//! parser or a regex compiler. This asks cargo for its normal dependency tree.

use std::process::Command;

#[test]
fn runtime_has_no_parser_or_compiler_dependencies() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "iamc-runtime",
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
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("iamc-runtime"), "unexpected output:\n{tree}");
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for banned in [
        "iamc-compiler",
        "iamc-reference",
        "serde",
        "serde_json",
        "regex-syntax",
    ] {
        assert!(
            !crates.contains(&banned),
            "iamc-runtime depends on {banned}:\n{tree}"
        );
    }
}

/// The example authorizer (`examples/authorizer`) loads compiled artifacts with the runtime
/// alone: its normal dependency tree holds no compiler, JSON parser, serde or regex compiler.
#[test]
fn example_authorizer_links_only_the_runtime() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "iamc-authorizer-example",
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
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"iamc-authorizer-example") && crates.contains(&"iamc-runtime"),
        "unexpected output:\n{tree}"
    );
    for banned in [
        "iamc-compiler",
        "iamc-reference",
        "serde",
        "serde_json",
        "regex-syntax",
        "regex",
        "regex-automata",
    ] {
        assert!(
            !crates.contains(&banned),
            "iamc-authorizer-example depends on {banned}:\n{tree}"
        );
    }
}
