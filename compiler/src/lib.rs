//! iamc-compiler: AWS IAM policy JSON → validated AST → compiled policy set.
//!
//! The pipeline (each stage its own module):
//! 1. [`json`] reads the document strictly (duplicate keys kept, numbers as text, bounded depth);
//! 2. [`parse`] turns it into the validated [`ast`], rejecting everything spec group G rejects,
//!    with errors that name the source and the JSON path ([`error`]);
//! 3. [`check`] adds warnings for policies AWS accepts but that don't do what they seem;
//! 4. [`lower`] compiles a [`ast::PolicySet`] into an immutable `iamc_runtime::PolicySet`,
//!    with [`automata`] building the DFAs of general-shape globs.
//!
//! # Untrusted input
//! Every input is treated as hostile: sizes, nesting, statement counts and pattern lengths are
//! bounded by [`Limits`]; nothing panics on bad input; every error names where it is.

#![forbid(unsafe_code)]

pub mod ast;
pub mod automata;
pub mod check;
pub mod decision;
pub mod error;
pub mod json;
pub mod keys;
pub mod keys_multivalued;
pub mod limits;
pub mod lower;
pub mod parse;
pub mod rcp_services;
pub mod request;
pub mod scenario;

pub use error::{Error, ErrorKind};
pub use limits::Limits;
pub use parse::{parse_policy, parse_policy_json};
