//! iamc-runtime: evaluate compiled AWS IAM policy sets, fast and without allocating.
//!
//! This crate holds the compiled form a `iamc-compiler` produces and the evaluator that decides
//! requests against it. It depends on no JSON parser and no regex compiler, so an authorizer can
//! link it lean.

pub mod value;
