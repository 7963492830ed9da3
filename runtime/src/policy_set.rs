//! The compiled, immutable policy set and how it is built from the [`ir`](crate::ir).
//!
//! Layout, chosen so a decision touches little memory:
//! - statements in one vector, sorted into the canonical order of DESIGN.md (identity,
//!   resource, boundary, session, SCP levels, RCP levels), so the first applicable Deny found
//!   is the deciding one and evaluation can stop there;
//! - an [`ActionIndex`] that maps a request's action to its candidate statements at once:
//!   exact names through a hash table per service, wildcard names through per-service glob
//!   lists, `*` and `NotAction` statements on lists of their own. A statement is never tested
//!   against an action whose service it does not name;
//! - condition keys interned to dense ids; a request's context is resolved into a slot per id
//!   once per decision;
//! - every policy value parsed into its type at build time (numbers, instants, CIDRs, bytes,
//!   globs, lower-cased strings).
//!
//! `PolicySet` is `Send + Sync` and cheap to clone (an `Arc` inside).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use rustc_hash::FxHasher;

use crate::automaton::{automaton_key, GlobDfa, MultiDfa};
use crate::decision::PolicyKind;
use crate::glob::{Glob, TokenBuf};
use crate::ir::{self, KeyId, OpKind, PolicySetIr, SetOp, TemplateIr, TemplatePartIr};
use crate::value::{self, Cidr, Decimal};

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Why an IR could not be built into a policy set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A key id out of range.
    KeyOutOfRange {
        /// The id.
        key: KeyId,
    },
    /// A level out of range.
    LevelOutOfRange {
        /// The level.
        level: u32,
    },
    /// A policy value that does not parse as its operator's type.
    InvalidValue {
        /// The value.
        value: String,
    },
    /// More statements than ids can hold.
    TooManyStatements,
    /// A glob automaton that does not deserialise, or is listed twice.
    InvalidAutomaton {
        /// The glob it is stored under.
        glob: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl core::fmt::Display for BuildError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BuildError::KeyOutOfRange { key } => write!(f, "condition key id {key} out of range"),
            BuildError::LevelOutOfRange { level } => write!(f, "level {level} out of range"),
            BuildError::InvalidValue { value } => write!(f, "invalid policy value {value:?}"),
            BuildError::TooManyStatements => write!(f, "too many statements"),
            BuildError::InvalidAutomaton { glob, reason } => {
                write!(f, "automaton for glob {glob:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// A string pattern part after build.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// Glob text (wildcards active in glob contexts), with its tokens pre-built so a
    /// template is assembled per request by copying tokens, not re-scanning text.
    Text(Box<str>, TokenBuf),
    /// Literal text.
    Lit(Box<str>),
    /// Variable with optional default.
    Var(KeyId, Option<Box<str>>),
}

/// A glob pattern: static (pre-compiled) or with variables (assembled per request).
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    Static(Glob),
    Template(Box<[Part]>),
}

/// An exact-compare string value: static or with variables.
#[derive(Clone, Debug)]
pub(crate) enum StrVal {
    Static(Box<str>),
    Template(Box<[Part]>),
}

/// An ARN-operator value: six field globs, or `None` when it has fewer than six fields (C-14).
#[derive(Clone, Debug)]
pub(crate) enum ArnVal {
    Static(Option<Box<[Glob; 6]>>),
    Template(Box<[Part]>),
}

/// Pre-typed policy values of one condition.
#[derive(Clone, Debug)]
pub(crate) enum Values {
    Str(Box<[StrVal]>),
    /// IgnoreCase: static values are stored lower-cased.
    StrCi(Box<[StrVal]>),
    Like(Box<[Pattern]>),
    /// Numbers kept as written; [`Decimal::parse`] borrows them, so comparing costs no copy.
    Num(Box<[Box<str>]>),
    Date(Box<[i128]>),
    Bool(Box<[bool]>),
    Binary(Box<[Box<[u8]>]>),
    Ip(Box<[Cidr]>),
    Arn(Box<[ArnVal]>),
    Null(Box<[bool]>),
}

/// One compiled condition.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    pub key: KeyId,
    pub set: Option<SetOp>,
    pub op: OpKind,
    pub negated: bool,
    pub if_exists: bool,
    pub values: Values,
}

/// A compiled principal part.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub negated: bool,
    pub wildcard: bool,
    pub entries: Box<[Box<str>]>,
}

/// One compiled statement.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub allow: bool,
    pub kind: PolicyKind,
    pub level: u32,
    pub policy: u32,
    pub index: u32,
    pub principal: Option<Principal>,
    pub not_resource: bool,
    pub resources: Box<[Pattern]>,
    pub conds: Box<[Cond]>,
}

/// Wildcard action patterns of one service, and exact names.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceActions {
    pub exact: FxMap<Box<[u8]>, Vec<u32>>,
    /// Each wildcard pattern with its (tagged) statement id and its text.
    pub globs: Vec<(Glob, u32, Box<str>)>,
    /// All wildcard patterns in one DFA, when the compiler built one: pattern `i`'s tagged
    /// statement ids are `multi.1[i]`. Replaces the scan of `globs`.
    pub multi: Option<ActionDfa>,
}

impl ServiceActions {
    /// Push the (tagged) statements whose pattern matches `name` onto `out` (selected) or
    /// `excluded` (`NotAction`). Out of line: the common request never gets here (the
    /// precomputed table, or a service no policy names), and keeping it out of
    /// `candidates_into` keeps that caller's code as small as before the DFA.
    #[inline(never)]
    fn matching(&self, name: &[u8], out: &mut Vec<u32>, excluded: &mut Vec<u32>) {
        let mut take = |id: u32| {
            if id & EXCLUDE != 0 {
                excluded.push(id & !EXCLUDE);
            } else {
                out.push(id);
            }
        };
        if let Some(ids) = self.exact.get(name) {
            ids.iter().for_each(|&id| take(id));
        }
        match &self.multi {
            Some((dfa, tags)) => dfa.for_each_match(name, |i| {
                tags.get(i)
                    .into_iter()
                    .flat_map(|t| t.iter())
                    .for_each(|&id| take(id));
            }),
            None => {
                for (g, id, _) in &self.globs {
                    if g.matches(name) {
                        take(*id);
                    }
                }
            }
        }
    }
}

/// A service's multi-pattern DFA and, per pattern, its tagged statement ids.
pub(crate) type ActionDfa = (MultiDfa, Box<[Box<[u32]>]>);

/// A service's distinct wildcard action-name patterns, sorted: the pattern order of its
/// multi-pattern DFA.
fn distinct_patterns<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = texts.collect();
    set.into_iter().map(str::to_string).collect()
}

/// Every service's distinct wildcard action-name patterns (lower-cased, sorted), as the action
/// index holds them: what the compiler builds multi-pattern DFAs for.
pub fn action_patterns(ir: &PolicySetIr) -> Vec<(String, Vec<String>)> {
    action_patterns_min(ir, 1)
}

/// [`action_patterns`] of the services with at least `min` distinct patterns. A first pass
/// counts distinct wildcard patterns by service prefix as written and stops there when no
/// prefix reaches `min` (the common case; it runs on every compile). A service written in
/// several cases could be undercounted; it then keeps its per-pattern scan.
pub fn action_patterns_min(ir: &PolicySetIr, min: usize) -> Vec<(String, Vec<String>)> {
    // Distinct (service, name) pairs as written; a service reaching `min` of them is a
    // candidate (lower-casing can only merge names, never split them).
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for p in &ir.policies {
        for s in &p.statements {
            for a in s.actions.iter().filter(|a| a.contains(['*', '?'])) {
                if let Some(pair) = a.split_once(':') {
                    pairs.push(pair);
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let reached = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .any(|names| names.len() >= min);
    if !reached {
        return Vec::new();
    }
    let mut by_service: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for p in &ir.policies {
        for s in &p.statements {
            for a in s.actions.iter().filter(|a| a.contains(['*', '?'])) {
                if let Some((service, name, true)) = split_action(a) {
                    by_service.entry(service).or_default().push(name);
                }
            }
        }
    }
    by_service
        .into_iter()
        .map(|(svc, names)| (svc, distinct_patterns(names.iter().map(String::as_str))))
        .filter(|(_, d)| d.len() >= min)
        .collect()
}

/// A lower-cased action pattern as the index files it: `(service, name, wildcard)`; `None`
/// for `*`-only patterns and patterns without a colon.
fn split_action(p: &str) -> Option<(String, String, bool)> {
    let p = lower_str(p);
    if p.bytes().all(|b| b == b'*') {
        return None;
    }
    let (service, name) = p.split_once(':')?;
    let wildcard = name.contains(['*', '?']);
    Some((service.to_string(), name.to_string(), wildcard))
}

/// Marks, in the action index, a `NotAction` statement whose list the pattern belongs to:
/// a match *excludes* the statement instead of selecting it.
pub(crate) const EXCLUDE: u32 = 1 << 31;

/// Action → candidate statements.
///
/// `Action` patterns and `NotAction` patterns live in the same per-service tables; a
/// `NotAction` entry carries [`EXCLUDE`]. One lookup of the request's action yields the
/// statements it selects and the `NotAction` statements it excludes; the candidates are the
/// selected ones plus every statement of `always` (`*` actions and `NotAction` statements)
/// that was not excluded.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionIndex {
    /// Lower-cased service prefix → its actions.
    pub services: FxMap<Box<[u8]>, ServiceActions>,
    /// Statements whose action list holds `*`, and every `NotAction` statement; sorted.
    pub always: Vec<u32>,
    /// Number of `NotAction` statements (for stats).
    pub not_action_count: usize,
    /// Complete, sorted candidate lists for every action some policy names exactly
    /// (`service:name`, lower-cased), computed at build time so the common request needs one
    /// hash lookup and no sorting. Other actions take the general path.
    pub precomputed: FxMap<Box<[u8]>, Box<[u32]>>,
}

/// Most candidate ids the precomputed table may hold in all (bounds its memory to ~16 MB).
const PRECOMPUTED_LIMIT: usize = 4 << 20;

impl ActionIndex {
    /// Candidates for a lower-cased action into `out` (sorted, deduplicated), using
    /// `excluded` as scratch. The one definition of which statements an action selects
    /// (A-2 … A-7), used at build time for the precomputed table and at run time otherwise.
    pub(crate) fn candidates_into(
        &self,
        lower: &[u8],
        out: &mut Vec<u32>,
        excluded: &mut Vec<u32>,
    ) {
        out.clear();
        excluded.clear();
        if let Some(colon) = lower.iter().position(|&b| b == b':') {
            let (service, name) = (&lower[..colon], &lower[colon + 1..]);
            if let Some(svc) = self.services.get(service) {
                svc.matching(name, out, excluded);
            }
        }
        if excluded.is_empty() {
            out.extend_from_slice(&self.always);
        } else {
            out.extend(self.always.iter().filter(|id| !excluded.contains(id)));
        }
        out.sort_unstable();
        out.dedup();
    }

    fn precompute(&mut self) {
        let mut names: Vec<Vec<u8>> = Vec::new();
        for (service, svc) in &self.services {
            for name in svc.exact.keys() {
                let mut full = service.to_vec();
                full.push(b':');
                full.extend_from_slice(name);
                names.push(full);
            }
        }
        let (mut out, mut excluded) = (Vec::new(), Vec::new());
        let mut total = 0;
        let mut table = FxMap::default();
        for full in names {
            self.candidates_into(&full, &mut out, &mut excluded);
            total += out.len();
            if total > PRECOMPUTED_LIMIT {
                return;
            }
            table.insert(full.into_boxed_slice(), out.as_slice().into());
        }
        self.precomputed = table;
    }
}

/// Metadata of one policy, for reports.
#[derive(Clone, Debug)]
pub struct PolicyInfo {
    /// Kind.
    pub kind: PolicyKind,
    /// SCP/RCP level.
    pub level: u32,
    /// Index within kind and level.
    pub index: u32,
    /// Name for reports.
    pub name: String,
    /// Sids by statement index.
    pub sids: Vec<Option<String>>,
}

pub(crate) struct Inner {
    pub stmts: Vec<Stmt>,
    pub actions: ActionIndex,
    pub keys: FxMap<Box<str>, KeyId>,
    pub key_names: Vec<Box<str>>,
    /// Per key: a non-ASCII context name could fold to it (see `eval::NamedCtx::scan`).
    pub unicode_keys: Vec<bool>,
    pub multivalued: Vec<bool>,
    pub principal_arn_key: KeyId,
    pub scp_levels: u32,
    pub rcp_levels: u32,
    pub has_boundary: bool,
    pub has_session: bool,
    pub management_account: Option<Box<str>>,
    pub policies: Vec<PolicyInfo>,
    /// The encoded IR and build info, for writing the set as an artifact (`artifact.rs`).
    pub source: crate::artifact::Source,
}

/// An immutable compiled policy set. Build one with [`PolicySet::new`] from a compiler's IR;
/// decide requests with [`PolicySet::evaluate`].
#[derive(Clone)]
pub struct PolicySet {
    pub(crate) inner: Arc<Inner>,
}

impl core::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PolicySet")
            .field("statements", &self.inner.stmts.len())
            .field("keys", &self.inner.key_names.len())
            .finish()
    }
}

/// Sizes of what was built, for `iamc compile` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Policies.
    pub policies: usize,
    /// Statements.
    pub statements: usize,
    /// Distinct exact action names in the index.
    pub exact_actions: usize,
    /// Wildcard action patterns in the index.
    pub wildcard_actions: usize,
    /// Services named by actions.
    pub services: usize,
    /// Statements whose action is `*`.
    pub any_action_statements: usize,
    /// `NotAction` statements.
    pub not_action_statements: usize,
    /// Resource patterns by strategy: any, exact, prefix, general, with variables.
    pub resource_patterns: [usize; 5],
    /// Conditions (operator, key) entries.
    pub conditions: usize,
    /// Interned condition keys.
    pub keys: usize,
    /// SCP levels.
    pub scp_levels: usize,
    /// RCP levels.
    pub rcp_levels: usize,
    /// Approximate heap bytes held.
    pub memory_bytes: usize,
    /// Glob DFAs loaded (one per distinct general-shape static glob that has one).
    pub automata: usize,
    /// Services whose wildcard action patterns are matched by one multi-pattern DFA.
    pub action_automata: usize,
    /// States of those DFAs, in all.
    pub automaton_states: usize,
    /// Heap bytes of all DFAs (glob and action), in all.
    pub automaton_bytes: usize,
    /// Uses of general-shape static globs (resources, `StringLike`, ARN fields) matched by a
    /// DFA, and by the linear matcher (no DFA: size limit, budget, or none in the IR).
    pub general_globs: [usize; 2],
}

fn kind_rank(k: PolicyKind) -> u8 {
    match k {
        PolicyKind::Identity => 0,
        PolicyKind::Resource => 1,
        PolicyKind::Boundary => 2,
        PolicyKind::Session => 3,
        PolicyKind::Scp => 4,
        PolicyKind::Rcp => 5,
    }
}

/// A condition key name folded for case-insensitive lookup (C-2): `char::to_lowercase` of
/// every character, and the final sigma `ς` read as `σ`. The compiler interns keys with
/// `str::to_lowercase`, which writes a word-final `Σ` as `ς`, while a request's key is folded
/// character by character (`Σ` → `σ`); without the second step a key such as
/// `aws:RequestTag/ΟΔΟΣ` would never be found, however it is spelt.
pub(crate) fn fold_key(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_chars(s).collect()
}

/// The characters of a key name folded as [`fold_key`] folds them: the one definition of the
/// fold, used for interning and for every lookup of a request's names.
pub(crate) fn fold_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
}

pub(crate) fn lower_str(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.chars().flat_map(char::to_lowercase).collect()
    }
}

fn parts(t: &TemplateIr, nkeys: usize) -> Result<Box<[Part]>, BuildError> {
    t.parts
        .iter()
        .map(|p| match p {
            TemplatePartIr::Text(s) => {
                let mut toks = TokenBuf::default();
                toks.push_glob(s.as_bytes());
                Ok(Part::Text(s.as_str().into(), toks))
            }
            TemplatePartIr::Literal(s) => Ok(Part::Lit(s.as_str().into())),
            TemplatePartIr::Variable { key, default } => {
                if *key as usize >= nkeys {
                    return Err(BuildError::KeyOutOfRange { key: *key });
                }
                Ok(Part::Var(*key, default.as_deref().map(Box::from)))
            }
        })
        .collect()
}

fn has_var(t: &TemplateIr) -> bool {
    t.parts
        .iter()
        .any(|p| matches!(p, TemplatePartIr::Variable { .. }))
}

/// Static glob tokens from template parts without variables (Literal parts stay literal).
fn static_tokens(t: &TemplateIr) -> TokenBuf {
    let mut buf = TokenBuf::default();
    for p in &t.parts {
        match p {
            TemplatePartIr::Text(s) => buf.push_glob(s.as_bytes()),
            TemplatePartIr::Literal(s) => buf.push_lit(s.as_bytes()),
            TemplatePartIr::Variable { .. } => {}
        }
    }
    buf
}

/// The loaded automata of a set, by [`automaton_key`].
#[derive(Default)]
pub(crate) struct Automata {
    by_key: FxMap<Box<str>, GlobDfa>,
}

impl Automata {
    /// Deserialise every automaton of the IR (validated by `DFA::from_bytes`).
    fn load(list: &[ir::AutomatonIr]) -> Result<Automata, BuildError> {
        let mut by_key = FxMap::default();
        for a in list {
            let bad = |reason| BuildError::InvalidAutomaton {
                glob: a.glob.clone(),
                reason,
            };
            if by_key.len() >= crate::automaton::MAX_AUTOMATA {
                return Err(bad("more automata than a set may hold"));
            }
            if let Some(dfa) = GlobDfa::load(&a.dfa).map_err(bad)? {
                if by_key.insert(a.glob.as_str().into(), dfa).is_some() {
                    return Err(bad("listed twice"));
                }
            }
        }
        Ok(Automata { by_key })
    }

    /// `g` with its automaton, when it is general and the set has one for it.
    fn attach(&self, g: Glob) -> Glob {
        match g {
            Glob::General { prefix, buf } if !self.by_key.is_empty() => {
                let dfa = self.by_key.get(automaton_key(&buf).as_str()).cloned();
                let g = Glob::General { prefix, buf };
                match dfa {
                    Some(dfa) => g.with_dfa(dfa),
                    None => g,
                }
            }
            g => g,
        }
    }
}

/// Static glob from template parts without variables, with its automaton if it has one.
fn static_glob(t: &TemplateIr, autos: &Automata) -> Glob {
    autos.attach(Glob::from_tokens(static_tokens(t)))
}

/// The token lists of the general-shape static globs of a set (resources, `StringLike`
/// values, ARN-operator fields) that `keep` accepts (it is given the tokens), deduplicated by
/// [`automaton_key`], in first-seen order: what the compiler builds DFAs for. Cheap on sets
/// without such globs: it runs on every compile.
pub fn general_globs(
    ir: &PolicySetIr,
    min_wildcards: usize,
    mut keep: impl FnMut(&TokenBuf) -> bool,
) -> Vec<(String, TokenBuf)> {
    // Skip, without tokenising, every template that cannot hold a general glob (that needs a
    // `?` or two `*`) or cannot pass a `keep` that wants a `?` after a `*` or at least
    // `min_wildcards` wildcards (counted in the text, where `**` counts twice: never fewer
    // than in the tokens).
    fn may_be_general(t: &TemplateIr, min_wildcards: usize) -> bool {
        let (mut stars, mut quests, mut star_then_quest) = (0, 0, false);
        for p in &t.parts {
            match p {
                TemplatePartIr::Text(s) => {
                    if let Some(q) = s.rfind('?') {
                        star_then_quest |= stars > 0 || s[..q].contains('*');
                    }
                    stars += s.bytes().filter(|&b| b == b'*').count();
                    quests += s.bytes().filter(|&b| b == b'?').count();
                }
                TemplatePartIr::Variable { .. } => return false,
                TemplatePartIr::Literal(_) => {}
            }
        }
        (quests > 0 || stars >= 2) && (star_then_quest || stars + quests >= min_wildcards)
    }
    let mut seen: std::collections::HashSet<String, BuildHasherDefault<FxHasher>> =
        Default::default();
    let mut out = Vec::new();
    let mut add = |buf: TokenBuf| {
        if Glob::is_general(&buf) && keep(&buf) {
            let key = automaton_key(&buf);
            if !seen.contains(&key) {
                seen.insert(key.clone());
                out.push((key, buf));
            }
        }
    };
    for p in &ir.policies {
        for s in &p.statements {
            for t in s
                .resources
                .iter()
                .filter(|t| may_be_general(t, min_wildcards))
            {
                add(static_tokens(t));
            }
            for c in &s.conditions {
                if !matches!(c.op, OpKind::StringLike | OpKind::Arn) {
                    continue;
                }
                for t in c.values.iter().filter(|t| may_be_general(t, min_wildcards)) {
                    if c.op == OpKind::StringLike {
                        add(static_tokens(t));
                    } else if let Some(fields) = arn_field_tokens(t) {
                        fields.into_iter().for_each(&mut add);
                    }
                }
            }
        }
    }
    out
}

/// Static exact text from template parts without variables.
fn static_text(t: &TemplateIr) -> String {
    let mut s = String::new();
    for p in &t.parts {
        match p {
            TemplatePartIr::Text(x) | TemplatePartIr::Literal(x) => s.push_str(x),
            TemplatePartIr::Variable { .. } => {}
        }
    }
    s
}

fn pattern(t: &TemplateIr, nkeys: usize, autos: &Automata) -> Result<Pattern, BuildError> {
    if has_var(t) {
        Ok(Pattern::Template(parts(t, nkeys)?))
    } else {
        Ok(Pattern::Static(static_glob(t, autos)))
    }
}

/// Split static ARN-operator text into six field globs at the first five colons (C-14).
/// Colons are never wildcards, so splitting the token list equals splitting the text.
fn arn_fields(t: &TemplateIr, autos: &Automata) -> Option<Box<[Glob; 6]>> {
    let globs: Vec<Glob> = arn_field_tokens(t)?
        .into_iter()
        .map(|f| autos.attach(Glob::from_tokens(f)))
        .collect();
    let arr: [Glob; 6] = globs.try_into().ok()?;
    Some(Box::new(arr))
}

/// The six field token lists of static ARN-operator text, or `None` with fewer fields.
fn arn_field_tokens(t: &TemplateIr) -> Option<Vec<TokenBuf>> {
    // Rebuild with a marker-free approach: split each part's text at colons.
    let mut fields: Vec<TokenBuf> = vec![TokenBuf::default()];
    for p in &t.parts {
        let (text, glob) = match p {
            TemplatePartIr::Text(s) => (s.as_str(), true),
            TemplatePartIr::Literal(s) => (s.as_str(), false),
            TemplatePartIr::Variable { .. } => continue,
        };
        let mut rest = text;
        loop {
            let cut = if fields.len() < 6 {
                rest.find(':')
            } else {
                None
            };
            let (head, tail) = match cut {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let cur = fields.last_mut()?;
            if glob {
                cur.push_glob(head.as_bytes());
            } else {
                cur.push_lit(head.as_bytes());
            }
            match tail {
                Some(t) => {
                    fields.push(TokenBuf::default());
                    rest = t;
                }
                None => break,
            }
        }
    }
    if fields.len() != 6 {
        return None;
    }
    Some(fields)
}

fn invalid(t: &TemplateIr) -> BuildError {
    BuildError::InvalidValue {
        value: static_text(t),
    }
}

fn values(
    op: OpKind,
    vals: &[TemplateIr],
    nkeys: usize,
    autos: &Automata,
) -> Result<Values, BuildError> {
    let texts = || vals.iter().map(static_text);
    Ok(match op {
        OpKind::StringEquals => Values::Str(
            vals.iter()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(static_text(t).into()))
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        OpKind::StringEqualsIgnoreCase => Values::StrCi(
            vals.iter()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(lower_str(&static_text(t)).into()))
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        OpKind::StringLike => Values::Like(
            vals.iter()
                .map(|t| pattern(t, nkeys, autos))
                .collect::<Result<_, _>>()?,
        ),
        OpKind::NumericEquals
        | OpKind::NumericLessThan
        | OpKind::NumericLessThanEquals
        | OpKind::NumericGreaterThan
        | OpKind::NumericGreaterThanEquals => Values::Num(
            vals.iter()
                .map(|t| {
                    let s = static_text(t);
                    match Decimal::parse(&s) {
                        Some(_) => Ok(s.into_boxed_str()),
                        None => Err(invalid(t)),
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        OpKind::DateEquals
        | OpKind::DateLessThan
        | OpKind::DateLessThanEquals
        | OpKind::DateGreaterThan
        | OpKind::DateGreaterThanEquals => Values::Date(
            vals.iter()
                .map(|t| value::parse_date(&static_text(t)).ok_or_else(|| invalid(t)))
                .collect::<Result<_, _>>()?,
        ),
        OpKind::Bool | OpKind::Null => {
            let b: Box<[bool]> = vals
                .iter()
                .map(|t| value::parse_bool(&static_text(t)).ok_or_else(|| invalid(t)))
                .collect::<Result<_, _>>()?;
            if op == OpKind::Bool {
                Values::Bool(b)
            } else {
                Values::Null(b)
            }
        }
        OpKind::Binary => Values::Binary(
            vals.iter()
                .map(|t| {
                    value::base64_decode(&static_text(t))
                        .map(Vec::into_boxed_slice)
                        .ok_or_else(|| invalid(t))
                })
                .collect::<Result<_, _>>()?,
        ),
        OpKind::Ip => Values::Ip(
            texts()
                .zip(vals)
                .map(|(s, t)| Cidr::parse(&s).ok_or_else(|| invalid(t)))
                .collect::<Result<_, _>>()?,
        ),
        OpKind::Arn => Values::Arn(
            vals.iter()
                .map(|t| {
                    if has_var(t) {
                        Ok(ArnVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(ArnVal::Static(arn_fields(t, autos)))
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

impl PolicySet {
    /// Build the compiled set from IR: sort statements canonically, index actions, type and
    /// compile every value. Fails only on inconsistent IR (ids out of range, a value that does
    /// not parse), which a correct compiler never produces.
    pub fn new(ir: &PolicySetIr) -> Result<PolicySet, BuildError> {
        PolicySet::build(ir, crate::artifact::Source::from_ir(ir))
    }

    /// [`PolicySet::new`], keeping `source` (what `to_bytes` writes; see `artifact.rs`).
    pub(crate) fn build(
        ir: &PolicySetIr,
        source: crate::artifact::Source,
    ) -> Result<PolicySet, BuildError> {
        let nkeys = ir.keys.len();
        let autos = Automata::load(&ir.automata)?;
        let mut keys: FxMap<Box<str>, KeyId> = FxMap::default();
        let mut key_names: Vec<Box<str>> = Vec::with_capacity(nkeys + 1);
        let mut multivalued = Vec::with_capacity(nkeys + 1);
        for (i, k) in ir.keys.iter().enumerate() {
            let name = fold_key(&k.name);
            keys.entry(name.clone().into_boxed_str())
                .or_insert(i as KeyId);
            key_names.push(name.into_boxed_str());
            multivalued.push(k.multivalued);
        }
        // E-12 needs aws:PrincipalArn from the context even when no condition uses it.
        let principal_arn_key = match keys.get("aws:principalarn") {
            Some(&id) => id,
            None => {
                let id = key_names.len() as KeyId;
                keys.insert("aws:principalarn".into(), id);
                key_names.push("aws:principalarn".into());
                multivalued.push(false);
                id
            }
        };

        let mut order: Vec<&ir::PolicyIr> = ir.policies.iter().collect();
        order.sort_by_key(|p| (kind_rank(p.kind), p.level, p.index));
        let mut stmts = Vec::new();
        let mut policies = Vec::with_capacity(order.len());
        let mut actions = ActionIndex::default();
        for p in order {
            match p.kind {
                PolicyKind::Scp if p.level >= ir.scp_levels => {
                    return Err(BuildError::LevelOutOfRange { level: p.level })
                }
                PolicyKind::Rcp if p.level >= ir.rcp_levels => {
                    return Err(BuildError::LevelOutOfRange { level: p.level })
                }
                _ => {}
            }
            policies.push(PolicyInfo {
                kind: p.kind,
                level: p.level,
                index: p.index,
                name: p.name.clone(),
                sids: p.statements.iter().map(|s| s.sid.clone()).collect(),
            });
            for s in &p.statements {
                let id = u32::try_from(stmts.len()).map_err(|_| BuildError::TooManyStatements)?;
                index_actions(&mut actions, id, s.not_action, &s.actions);
                let conds = s
                    .conditions
                    .iter()
                    .map(|c| {
                        if c.key as usize >= nkeys {
                            return Err(BuildError::KeyOutOfRange { key: c.key });
                        }
                        Ok(Cond {
                            key: c.key,
                            set: c.set,
                            op: c.op,
                            negated: c.negated,
                            if_exists: c.if_exists,
                            values: values(c.op, &c.values, nkeys, &autos)?,
                        })
                    })
                    .collect::<Result<_, _>>()?;
                stmts.push(Stmt {
                    allow: s.allow,
                    kind: p.kind,
                    level: p.level,
                    policy: p.index,
                    index: s.index,
                    principal: s.principal.as_ref().map(|pr| Principal {
                        negated: pr.negated,
                        wildcard: pr.wildcard,
                        entries: pr.entries.iter().map(|e| e.as_str().into()).collect(),
                    }),
                    not_resource: s.not_resource,
                    resources: s
                        .resources
                        .iter()
                        .map(|t| pattern(t, nkeys, &autos))
                        .collect::<Result<_, _>>()?,
                    conds,
                });
            }
        }
        for list in actions.services.values_mut() {
            for v in list.exact.values_mut() {
                v.sort_unstable();
                v.dedup();
            }
        }
        attach_action_automata(&mut actions, &ir.action_automata)?;
        actions.always.sort_unstable();
        actions.precompute();
        // Among non-ASCII characters only U+212A KELVIN SIGN lower-cases to an ASCII letter
        // (`k`), so only non-ASCII keys and keys with a `k` can be reached by Unicode folding.
        let unicode_keys = key_names
            .iter()
            .map(|k| !k.is_ascii() || k.contains('k'))
            .collect();
        let has_boundary = ir.policies.iter().any(|p| p.kind == PolicyKind::Boundary);
        let has_session = ir.policies.iter().any(|p| p.kind == PolicyKind::Session);
        Ok(PolicySet {
            inner: Arc::new(Inner {
                stmts,
                actions,
                keys,
                key_names,
                unicode_keys,
                multivalued,
                principal_arn_key,
                scp_levels: ir.scp_levels,
                rcp_levels: ir.rcp_levels,
                has_boundary,
                has_session,
                management_account: ir.management_account.as_deref().map(Box::from),
                policies,
                source,
            }),
        })
    }

    /// The id of a condition key (case-insensitive, C-2), for building
    /// [`crate::InternedRequest`]s; `None` when no policy in the set uses the key.
    pub fn key_id(&self, name: &str) -> Option<KeyId> {
        if name.bytes().all(|b| !b.is_ascii_uppercase()) && name.is_ascii() {
            return self.inner.keys.get(name).copied();
        }
        self.inner.keys.get(fold_key(name).as_str()).copied()
    }

    /// Metadata of every policy, in canonical order.
    pub fn policies(&self) -> &[PolicyInfo] {
        &self.inner.policies
    }

    /// The Sid of a statement, if it has one.
    pub fn sid(&self, r: &crate::decision::StatementRef) -> Option<&str> {
        self.inner
            .policies
            .iter()
            .find(|p| p.kind == r.kind && p.level == r.level && p.index == r.policy)
            .and_then(|p| p.sids.get(r.statement as usize))
            .and_then(|s| s.as_deref())
    }

    /// What was built, with sizes.
    pub fn stats(&self) -> Stats {
        let i = &self.inner;
        let mut st = Stats {
            policies: i.policies.len(),
            statements: i.stmts.len(),
            services: i.actions.services.len(),
            any_action_statements: i.actions.always.len() - i.actions.not_action_count,
            not_action_statements: i.actions.not_action_count,
            keys: i.key_names.len(),
            scp_levels: i.scp_levels as usize,
            rcp_levels: i.rcp_levels as usize,
            ..Stats::default()
        };
        let mut mem = i.stmts.capacity() * core::mem::size_of::<Stmt>();
        for s in i.actions.services.values() {
            st.exact_actions += s.exact.len();
            st.wildcard_actions += s.globs.len();
            mem += s
                .exact
                .iter()
                .map(|(k, v)| k.len() + v.capacity() * 4 + 32)
                .sum::<usize>();
            mem += s
                .globs
                .iter()
                .map(|(g, _, t)| g.memory_usage() + t.len() + 56)
                .sum::<usize>();
            if let Some((dfa, tags)) = &s.multi {
                st.action_automata += 1;
                st.automaton_bytes += dfa.memory_usage();
                mem += tags.iter().map(|t| t.len() * 4 + 16).sum::<usize>();
            }
        }
        for s in &i.stmts {
            st.conditions += s.conds.len();
            mem += s.conds.len() * core::mem::size_of::<Cond>();
            for r in s.resources.iter() {
                mem += core::mem::size_of::<Pattern>();
                let slot = match r {
                    Pattern::Static(Glob::Any) => 0,
                    Pattern::Static(Glob::Exact(_)) => 1,
                    Pattern::Static(Glob::Prefix(_) | Glob::Suffix(_) | Glob::PrefixSuffix(..)) => {
                        2
                    }
                    Pattern::Static(Glob::General { .. } | Glob::Dfa { .. }) => 3,
                    Pattern::Template(_) => 4,
                };
                if let Pattern::Static(g) = r {
                    mem += g.memory_usage();
                }
                st.resource_patterns[slot] += 1;
            }
        }
        mem += i.key_names.iter().map(|k| k.len() * 2 + 24).sum::<usize>();
        let mut tables = std::collections::HashSet::new();
        let mut count = |g: &Glob| match g {
            Glob::Dfa { dfa, .. } => {
                st.general_globs[0] += 1;
                if tables.insert(dfa.table_ptr()) {
                    st.automata += 1;
                    st.automaton_states += dfa.state_count();
                    st.automaton_bytes += dfa.memory_usage();
                }
            }
            Glob::General { .. } => st.general_globs[1] += 1,
            _ => {}
        };
        for s in &i.stmts {
            for r in s.resources.iter() {
                if let Pattern::Static(g) = r {
                    count(g);
                }
            }
            for c in s.conds.iter() {
                match &c.values {
                    Values::Like(ps) => ps.iter().for_each(|p| {
                        if let Pattern::Static(g) = p {
                            count(g);
                        }
                    }),
                    Values::Arn(vs) => vs.iter().for_each(|v| {
                        if let ArnVal::Static(Some(fields)) = v {
                            fields.iter().for_each(&mut count);
                        }
                    }),
                    _ => {}
                }
            }
        }
        mem += st.automaton_bytes;
        st.memory_bytes = mem;
        st
    }

    /// Create the per-thread scratch space [`PolicySet::evaluate`] needs. Reuse it across
    /// calls: after its buffers have grown once, evaluation allocates nothing.
    pub fn create_scratch(&self) -> crate::Scratch {
        crate::Scratch::new(self.inner.key_names.len(), self.inner.scp_levels as usize)
    }
}

/// Load the services' multi-pattern DFAs into the action index. Each must list exactly the
/// service's distinct wildcard patterns, in [`action_patterns`] order.
fn attach_action_automata(
    idx: &mut ActionIndex,
    list: &[ir::ActionAutomatonIr],
) -> Result<(), BuildError> {
    let mut seen = std::collections::HashSet::new();
    for a in list {
        let bad = |reason| BuildError::InvalidAutomaton {
            glob: format!("actions of {}", a.service),
            reason,
        };
        if !seen.insert(a.service.as_str()) {
            return Err(bad("listed twice"));
        }
        let Some(svc) = idx.services.get_mut(a.service.as_bytes()) else {
            return Err(bad("no such service"));
        };
        if distinct_patterns(svc.globs.iter().map(|g| &*g.2)) != a.patterns {
            return Err(bad("patterns differ from the service's"));
        }
        let Some(dfa) = MultiDfa::load(&a.dfa, a.patterns.len()).map_err(bad)? else {
            continue;
        };
        let mut tags = vec![Vec::new(); a.patterns.len()];
        for (_, tag, text) in &svc.globs {
            if let Ok(i) = a.patterns.binary_search_by(|p| p.as_str().cmp(text)) {
                tags[i].push(*tag);
            }
        }
        svc.multi = Some((dfa, tags.into_iter().map(Vec::into_boxed_slice).collect()));
    }
    Ok(())
}

/// Index one statement's action patterns (A-2 case-folded, A-3 globs, A-7 NotAction).
fn index_actions(idx: &mut ActionIndex, id: u32, not_action: bool, patterns: &[String]) {
    let tag = if not_action { id | EXCLUDE } else { id };
    let mut any = false;
    for p in patterns {
        let p = lower_str(p);
        if p.bytes().all(|b| b == b'*') {
            any = true;
            continue;
        }
        let (service, name) = match p.split_once(':') {
            Some(x) => x,
            // G-9 rejects these; an IR without a colon can match only the same literal text,
            // which a request action (always `prefix:name`) never is.
            None => continue,
        };
        // Look up before inserting: `entry()` would allocate an owned key every time.
        if !idx.services.contains_key(service.as_bytes()) {
            idx.services
                .insert(service.as_bytes().into(), ServiceActions::default());
        }
        let Some(entry) = idx.services.get_mut(service.as_bytes()) else {
            continue;
        };
        if name.contains(['*', '?']) {
            entry.globs.push((Glob::new(name), tag, name.into()));
        } else if let Some(ids) = entry.exact.get_mut(name.as_bytes()) {
            ids.push(tag);
        } else {
            entry.exact.insert(name.as_bytes().into(), vec![tag]);
        }
    }
    if not_action {
        idx.not_action_count += 1;
        // `NotAction: "*"` excludes every action: the statement is never a candidate.
        if !any {
            idx.always.push(id);
        }
    } else if any {
        idx.always.push(id);
    }
}
