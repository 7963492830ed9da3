//! iamc-compiler: AWS IAM policy JSON → validated AST → compiled policy set.
//!
//! # Example
//! [`Compiler`] is the entry point: add documents with their kinds, build, decide with the
//! runtime ([`compiler`] has the details: [`Config`], every error in [`CompileErrors`]).
//! ```
//! use iamc_compiler::{ast::PolicyKind, Compiler};
//! use iamc_runtime::{Context, Decision, Request};
//!
//! let allow = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
//! let deny = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}"#;
//! let mut compiler = Compiler::default();
//! compiler.add(PolicyKind::Identity, 0, "allow.json", allow);
//! compiler.add(PolicyKind::Identity, 0, "deny.json", deny);
//! let set = compiler.build()?;
//! let req = Request { principal: "arn:aws:iam::111122223333:user/alice", action: "s3:DeleteObject",
//!     resource: "arn:aws:s3:::bucket/key", resource_account: None, context: Context::EMPTY };
//! assert_eq!(set.evaluate(&mut set.create_scratch(), &req).decision, Decision::ExplicitDeny);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline (each stage its own module):
//! 1. [`json`] reads the document strictly (duplicate keys kept, numbers as text, bounded depth);
//! 2. [`parse`] turns it into the validated [`ast`], rejecting everything spec group G rejects,
//!    with errors that name the source and the JSON path ([`error`]);
//! 3. [`check`] adds warnings for policies AWS accepts but that don't do what they seem;
//! 4. `lower` (private) lowers an [`ast::ParsedSet`] into the runtime's IR, with [`automata`]
//!    building the DFAs of general-shape globs;
//! 5. [`compiler`] ties them together behind [`Compiler`] and [`Config`]: the one public way
//!    to compile, from documents or from an assembled set ([`Compiler::from_set`]).
//!
//! # Untrusted input
//! Every input is treated as hostile: sizes, nesting, statement counts and pattern lengths are
//! bounded by [`Limits`]; nothing panics on bad input; every error names where it is.

#![forbid(unsafe_code)]

pub mod ast;
pub mod automata;
pub mod check;
pub mod compiler;
pub mod error;
pub mod json;
pub mod keys;
pub mod keys_multivalued;
pub mod limits;
mod lower;
pub mod parse;
pub mod rcp_services;

pub use compiler::{CompileError, CompileErrors, Compiler, Config};
pub use error::{Error, ErrorKind};
pub use limits::Limits;
pub use parse::{parse_policy, parse_policy_json, ReadMode};
