//! Typed readings of condition values, without allocation.
//!
//! The compiler uses these to check and pre-parse policy values (G-18); the runtime uses them on
//! request values, where a value that does not parse satisfies neither a positive nor a negated
//! operator (C-17). Every function here borrows its input and allocates nothing.
//!
//! - [`Decimal`] — C-9 numbers: `-?digits(.digits)?`, compared exactly (no float rounding).
//! - [`parse_date`] — C-10 instants: W3C ISO 8601 profiles or epoch seconds, as nanoseconds.
//! - [`parse_bool`] — C-11/C-15 `true`/`false`, any case.
//! - [`Cidr`] — C-13 IPv4/IPv6 blocks as integer ranges.
//! - [`base64_eq`] — C-12 comparison of decoded bytes.
//! - [`split_arn`] — C-14 six fields at the first five colons.
//!
//! One file per job: [`decimal`], [`boolean`], [`date`], [`ip`], [`base64`], [`arn`], and
//! [`ascii`] (the word-at-a-time case compare of key names, shared with the lookup).

mod arn;
mod ascii;
mod base64;
mod boolean;
mod date;
mod decimal;
mod ip;

pub(crate) use arn::arn_cuts;
pub use arn::{arn_account, split_arn};
pub(crate) use ascii::{eq_ascii_lower, LowerName};
pub use base64::{base64_decode, base64_decoded_len, base64_eq};
pub use boolean::parse_bool;
pub use date::parse_date;
pub use decimal::{Decimal, DecimalBuf};
pub use ip::{parse_ip, Cidr};
