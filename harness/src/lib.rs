//! iamc-harness: what runs policies and requests through iamc's engines outside an authorizer —
//! the conformance runner, the differential tests, the fuzz targets, `iamc eval` and the audit.
//!
//! - [`scenario`] loads scenario files (the oracle's format, the spec cases);
//! - [`request`] is the owned request those files describe (the reference interpreter's input,
//!   re-exported from `iamc_reference`, which needs it and sits below this crate);
//! - [`adapter`] turns an owned request into the runtime's borrowed one and decides it with a
//!   compiled set, in the same terms as the reference interpreter;
//! - [`engine`] puts the engines behind one trait;
//! - [`gen`] holds the request and policy pools the differential tests and the fuzz targets
//!   share, and [`rng`] the one deterministic test RNG;
//! - [`shared_dir`] finds the shared data (`$IAMC_SHARED`, else `../shared`).
//!
//! The compiler and the runtime do not depend on this crate: nothing here is on a production
//! path, so it favours plain owned data over speed.
//!
//! # Example
//! ```
//! use iamc_harness::engine::{CompiledEngine, Engine};
//! use iamc_harness::scenario;
//!
//! let file = br#"{"identity_policies":[{"Version":"2012-10-17","Statement":[
//!     {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}],
//!   "requests":[{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject",
//!     "expect":"allow"}]}"#;
//! let loaded = scenario::load_bytes("example.json", file).map_err(|e| format!("{e:?}"))?;
//! let req = &loaded.scenarios[0].requests[0];
//! let prepared = CompiledEngine.prepare(&req.policies)?;
//! assert_eq!(Some(prepared.decide(&req.request)?.decision), req.expect);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

use std::path::PathBuf;

pub mod adapter;
pub mod engine;
pub mod gen;
pub mod principal_keys;
pub mod rng;
pub mod scenario;

pub use iamc_reference::request;

/// The `shared/` folder beside the repository: `$IAMC_SHARED`, else `../shared` from the
/// workspace root.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => repo_dir().join("../shared"),
    }
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
