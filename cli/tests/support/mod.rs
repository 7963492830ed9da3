//! Helpers every end-to-end test of the `iamc` binary shares: running it, reading its output,
//! writing inputs to temporary files and finding the shared data (`$IAMC_SHARED`).
//!
//! Each test file declares `mod support;`, so each test binary compiles this module and uses
//! a subset of it: `dead_code` is allowed here for the helpers a binary does not call.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// Run the `iamc` binary with `args`, failing the test if it cannot run or if it panicked.
pub fn iamc(args: &[&str]) -> Output {
    let out = match Command::new(env!("CARGO_BIN_EXE_iamc")).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run iamc: {e}"),
    };
    assert_no_panic(&out);
    out
}

/// Fail the test if `iamc` panicked (the message on stderr, or the panic exit status 101).
pub fn assert_no_panic(out: &Output) {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "iamc panicked:\n{err}");
    assert_ne!(out.status.code(), Some(101), "iamc panicked:\n{err}");
}

/// The shared data folder: `$IAMC_SHARED`, else `../shared` beside the repository.
pub fn shared() -> PathBuf {
    std::env::var_os("IAMC_SHARED").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        PathBuf::from,
    )
}

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Output bytes as text (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every line of stdout as JSON, failing the test on a line that is not.
pub fn lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A fresh file in the temp folder with `content`, named `iamc-test-<stem>-<pid>-<n>.<ext>`
/// (`.json` when `name` has no extension).
pub fn temp_file(name: &str, content: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "json"));
    let path = std::env::temp_dir().join(format!(
        "iamc-test-{stem}-{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    if let Err(e) = std::fs::write(&path, content) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}
