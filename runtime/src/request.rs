//! Requests as an authorizer holds them: borrowed strings, no copies, and a context that was
//! checked when it was built.
//!
//! A context naming one key twice, in any spelling (C-2), is malformed (K-2): which entry
//! counts would be an accident of the lookup, and a decision taken with the first could allow
//! what the second denies. [`Context::new`] refuses such a context, so no [`Request`] can hold
//! one: the check costs nothing per decision (the lazy lookup reads only the keys a decision
//! needs and stops at the first match, and finding a second match there would mean reading
//! every name for every key read). The same for [`InternedContext`], which
//! [`crate::PolicySet::intern_context`] builds after checking that every key was interned by
//! that set and none is given twice; a decision compares the context's set stamp with its
//! own once, so an interned context of another set fails closed.
//!
//! Trade-off: building a [`Context`] compares every pair of names (up to
//! [`PAIRWISE_MAX`] entries; a longer context is checked through a sorted list of folded
//! names, which allocates). That is O(n²) on small contexts, where it is cheapest; a caller
//! that decides one context many times builds it once.

use crate::fold::fold_chars;
use crate::ir::KeyId;

/// A context value (K-2): one string or a list of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Single-valued.
    Single(&'a str),
    /// Multivalued; an empty list is an absent key (C-15).
    Multi(&'a [&'a str]),
}

/// Why a request context was refused: it is malformed (K-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Entries `first` and `second` (0-based) name the same key, in any spelling (C-2).
    DuplicateKey {
        /// The earlier entry.
        first: usize,
        /// The later entry.
        second: usize,
    },
    /// Entry `index` holds a key interned by another policy set ([`InternedKey`]).
    ForeignKey {
        /// The entry.
        index: usize,
    },
}

impl core::fmt::Display for RequestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RequestError::DuplicateKey { first, second } => write!(
                f,
                "context entries {first} and {second} name the same key (K-2: keys are \
                 case-insensitive, C-2)"
            ),
            RequestError::ForeignKey { index } => write!(
                f,
                "context entry {index} holds a key interned by another policy set"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

/// Contexts up to this many entries are checked pair by pair, without allocating.
pub const PAIRWISE_MAX: usize = 64;

/// Whether two context key names are the same key (C-2): ASCII case for ASCII names, the
/// key fold ([`fold_chars`]) otherwise.
fn same_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.len() == b.len() && a.eq_ignore_ascii_case(b)
    } else {
        fold_chars(a).eq(fold_chars(b))
    }
}

/// The first two entries `same` calls equal, pair by pair (`n` at most [`PAIRWISE_MAX`]).
fn first_pair(n: usize, same: impl Fn(usize, usize) -> bool) -> Option<(usize, usize)> {
    (0..n).find_map(|j| (0..j).find(|&i| same(i, j)).map(|i| (i, j)))
}

/// A request context (K-2) whose names are pairwise distinct keys (C-2): built only by
/// [`Context::new`], which checks it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    entries: &'a [(&'a str, Value<'a>)],
}

impl<'a> Context<'a> {
    /// No entries.
    pub const EMPTY: Context<'static> = Context { entries: &[] };

    /// Check the entries: [`RequestError::DuplicateKey`] when two name the same key in any
    /// spelling (`aws:MultiFactorAuthPresent` and `AWS:MultiFactorAuthPresent`, K-2, C-2).
    /// Allocates only for contexts of more than 64 (`PAIRWISE_MAX`) entries.
    pub fn new(entries: &'a [(&'a str, Value<'a>)]) -> Result<Context<'a>, RequestError> {
        let pair = if entries.len() <= PAIRWISE_MAX {
            first_pair(entries.len(), |i, j| {
                match (entries.get(i), entries.get(j)) {
                    (Some((a, _)), Some((b, _))) => same_key(a, b),
                    _ => false,
                }
            })
        } else {
            let mut folded: Vec<(String, usize)> = entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (fold_chars(k).collect(), i))
                .collect();
            folded.sort_unstable();
            folded
                .windows(2)
                .filter_map(|w| match w {
                    [(a, i), (b, j)] if a == b => Some((*i.min(j), *i.max(j))),
                    _ => None,
                })
                .min_by_key(|&(_, j)| j)
        };
        match pair {
            Some((first, second)) => Err(RequestError::DuplicateKey { first, second }),
            None => Ok(Context { entries }),
        }
    }

    /// The entries, in the order given.
    #[inline(always)]
    pub fn entries(&self) -> &'a [(&'a str, Value<'a>)] {
        self.entries
    }
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
    /// Context entries by key name, checked for duplicates ([`Context::new`]).
    pub context: Context<'a>,
}

/// A condition key interned by one policy set ([`crate::PolicySet::key_id`]): the key's id in
/// that set and a stamp unique to the set (shared by its clones). Only the set that made it
/// accepts it ([`crate::PolicySet::intern_context`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InternedKey {
    pub(crate) set: u64,
    pub(crate) id: KeyId,
}

impl InternedKey {
    /// The key's id in the set that interned it (an index into the IR's key table).
    pub fn id(self) -> KeyId {
        self.id
    }
}

/// A context of interned keys, checked by [`crate::PolicySet::intern_context`]: every key
/// of that set, none twice (K-2). A decision by another set fails closed.
#[derive(Clone, Copy, Debug)]
pub struct InternedContext<'a> {
    pub(crate) set: u64,
    pub(crate) entries: &'a [(InternedKey, Value<'a>)],
}

impl<'a> InternedContext<'a> {
    /// Check `entries` for the set of stamp `set` (see [`crate::PolicySet::intern_context`]).
    pub(crate) fn new(
        set: u64,
        entries: &'a [(InternedKey, Value<'a>)],
    ) -> Result<InternedContext<'a>, RequestError> {
        if let Some(index) = entries.iter().position(|(k, _)| k.set != set) {
            return Err(RequestError::ForeignKey { index });
        }
        let pair = if entries.len() <= PAIRWISE_MAX {
            first_pair(entries.len(), |i, j| {
                match (entries.get(i), entries.get(j)) {
                    (Some((a, _)), Some((b, _))) => a.id == b.id,
                    _ => false,
                }
            })
        } else {
            let mut ids: Vec<(KeyId, usize)> = entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.id, i))
                .collect();
            ids.sort_unstable();
            ids.windows(2)
                .filter_map(|w| match w {
                    [(a, i), (b, j)] if a == b => Some((*i, *j)),
                    _ => None,
                })
                .min_by_key(|&(_, j)| j)
        };
        match pair {
            Some((first, second)) => Err(RequestError::DuplicateKey { first, second }),
            None => Ok(InternedContext { set, entries }),
        }
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &'a [(InternedKey, Value<'a>)] {
        self.entries
    }
}

/// A request whose context keys were resolved to ids once, with
/// [`crate::PolicySet::key_id`] and [`crate::PolicySet::intern_context`]; keys the set does
/// not use are simply left out.
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
    /// Context entries by interned key.
    pub context: InternedContext<'a>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn names(list: &[&'static str]) -> Vec<(&'static str, Value<'static>)> {
        list.iter().map(|k| (*k, Value::Single("x"))).collect()
    }

    /// K-2, C-2: two spellings of one key are refused, in either order and however far
    /// apart, on both checks (pairwise and sorted).
    #[test]
    fn k2_duplicate_names_refused() {
        for dup in [
            ["aws:MultiFactorAuthPresent", "AWS:MultiFactorAuthPresent"],
            ["aws:multifactorauthpresent", "aws:MultiFactorAuthPresent"],
            // U+212A KELVIN SIGN folds to `k`.
            ["aws:PrincipalTag/k", "aws:PrincipalTag/\u{212A}"],
            ["aws:RequestTag/ΟΔΟΣ", "aws:requesttag/οδος"],
        ] {
            for filler in [0usize, 3, PAIRWISE_MAX + 5] {
                let fill: Vec<String> = (0..filler).map(|i| format!("k{i}")).collect();
                let mut list: Vec<&str> = fill.iter().map(String::as_str).collect();
                let at = list.len() / 2;
                list.insert(at, dup[0]);
                list.push(dup[1]);
                let entries: Vec<(&str, Value<'_>)> =
                    list.iter().map(|k| (*k, Value::Single("x"))).collect();
                assert_eq!(
                    Context::new(&entries).map(|_| ()),
                    Err(RequestError::DuplicateKey {
                        first: at,
                        second: list.len() - 1
                    }),
                    "{dup:?} with {filler}"
                );
                let one: Vec<(&str, Value<'_>)> = entries[..entries.len() - 1].to_vec();
                assert!(Context::new(&one).is_ok(), "{dup:?} with {filler}");
            }
        }
        assert!(Context::new(&names(&["aws:a", "aws:b", "aws:ab", "aws:A:"])).is_ok());
    }
}
