//! Shared helpers for iamc's integration tests.

use std::path::PathBuf;

/// The `shared/` folder beside the repository: `$IAMC_SHARED`, else `../shared` from the
/// workspace root.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
