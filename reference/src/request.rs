//! Owned requests as scenario files and logs describe them.
//!
//! The reference interpreter's input, and the request model of the scenario loader
//! (`iamc_harness`), the CLI and the audit. The runtime has its own borrowed request type;
//! `iamc_harness::adapter` converts between the two.

/// A context value: a single string or a list of strings (K-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multivalued key; an empty list is an absent key (C-15).
    Multi(Vec<String>),
}

/// The request context: key/value pairs with case-insensitive key names (C-2, K-1).
///
/// Keys are kept as written; two keys that differ only in case are rejected by the loaders
/// (K-2), so a lookup finds at most one entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The entries in the order given.
    pub entries: Vec<(String, ContextValue)>,
}

impl Context {
    /// Look a key up case-insensitively (C-2). `None` when the context has no such key; an
    /// empty list is returned as given (callers apply C-15).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key) || unicode_eq_ignore_case(k, key))
            .map(|(_, v)| v)
    }

    /// The first two entries (0-based, in order) that name the same key, compared as
    /// [`Context::get`] compares (C-2): such a context is malformed (K-2). `None` when every
    /// name is a different key. Quadratic: for the reference interpreter and the loaders'
    /// tests, not for hot paths.
    pub fn duplicate(&self) -> Option<(usize, usize)> {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b) || unicode_eq_ignore_case(a, b);
        self.entries.iter().enumerate().find_map(|(j, (b, _))| {
            self.entries
                .get(..j)?
                .iter()
                .position(|(a, _)| same(a, b))
                .map(|i| (i, j))
        })
    }

    /// Add an entry (no duplicate check; loaders check K-2).
    pub fn insert(&mut self, key: impl Into<String>, value: ContextValue) {
        self.entries.push((key.into(), value));
    }
}

/// Key names match when they are equal after lower-casing every character with
/// `char::to_lowercase` and reading the final sigma `ς` as `σ` (C-2). Per character, not
/// `str::to_lowercase`, which writes a word-final `Σ` as `ς`: the same key must match however
/// it is spelt. Only needed when either name is not ASCII. This is the reference
/// interpreter's lookup, so it keeps its own fold rather than calling the runtime's
/// (`iamc_runtime::fold_key`, which the compiled path interns with).
fn unicode_eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    let fold = |s: &str| {
        s.chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'ς' { 'σ' } else { c })
            .collect::<String>()
    };
    fold(a) == fold(b)
}

/// One request to decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The principal ARN (`arn:aws:iam::A:user/u`, `arn:aws:sts::A:assumed-role/R/s`, a service
    /// principal such as `s3.amazonaws.com`, or `anonymous`).
    pub principal: String,
    /// The action, `prefix:Name`.
    pub action: String,
    /// The resource ARN or `*`.
    pub resource: String,
    /// The resource's account when given explicitly (E-9).
    pub resource_account: Option<String>,
    /// The request context (K-1).
    pub context: Context,
    /// The facts the caller declares unknown (K-13): neither absent nor present.
    pub unknown: Unknowns,
}

/// What a request declares unknown (K-13, E-21): context keys the caller cannot see (an
/// audit replaying CloudTrail cannot see resource tags), and the resource itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unknowns {
    /// Unknown context keys, as written (compared case-insensitively, C-2). A key may not
    /// also have a value in the context (the loaders reject that).
    pub context: Vec<String>,
    /// The resource is unknown (the request's `resource` is then not used).
    pub resource: bool,
}

impl Unknowns {
    /// Whether nothing is unknown.
    pub fn is_empty(&self) -> bool {
        self.context.is_empty() && !self.resource
    }

    /// Whether `key` is declared unknown (case-insensitive, C-2).
    pub fn has_key(&self, key: &str) -> bool {
        self.context
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key) || unicode_eq_ignore_case(k, key))
    }
}
