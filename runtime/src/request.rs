//! Requests as an authorizer holds them: borrowed strings, no copies.

use crate::ir::KeyId;

/// A context value (K-2): one string or a list of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Single-valued.
    Single(&'a str),
    /// Multivalued; an empty list is an absent key (C-15).
    Multi(&'a [&'a str]),
}

/// A request with context keys by name (looked up case-insensitively, C-2).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Principal ARN, service principal or `anonymous`.
    pub principal: &'a str,
    /// `prefix:Name`.
    pub action: &'a str,
    /// Resource ARN or `*`.
    pub resource: &'a str,
    /// The resource account, when known apart from the ARN (E-9).
    pub resource_account: Option<&'a str>,
    /// Context entries by key name.
    pub context: &'a [(&'a str, Value<'a>)],
}

/// A request whose context keys were resolved to ids once, with
/// [`crate::PolicySet::key_id`]; keys the set does not use are simply left out.
#[derive(Clone, Copy, Debug)]
pub struct InternedRequest<'a> {
    /// Principal ARN, service principal or `anonymous`.
    pub principal: &'a str,
    /// `prefix:Name`.
    pub action: &'a str,
    /// Resource ARN or `*`.
    pub resource: &'a str,
    /// The resource account, when known apart from the ARN (E-9).
    pub resource_account: Option<&'a str>,
    /// Context entries by key id.
    pub context: &'a [(KeyId, Value<'a>)],
}
