//! iamc-access: who can do what, answered exhaustively over whole IAM snapshots.
//!
//! - [`catalog`]: the actions of the IAM service reference, with access levels and resource
//!   types; wildcard expansion.
//! - [`org`]: users and roles of one or more `get-account-authorization-details` snapshots
//!   (read by the audit's snapshot reader), SCPs, RCPs, resource policies; every distinct
//!   policy set compiled once and shared.
//! - [`query`]: `who-can`, `can-what`, and the organisation's matrix.
//! - [`synth`]: a deterministic synthetic organisation for tests and benchmarks.
//!
//! Decisions that depend on facts a query does not fix are `indeterminate` with what they
//! depend on (E-21), never allowed.

#![forbid(unsafe_code)]

pub mod catalog;
pub mod generate;
pub mod org;
pub mod query;
pub mod synth;
pub mod usage;
