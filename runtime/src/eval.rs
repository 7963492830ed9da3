//! The evaluator: one request against a compiled [`PolicySet`], following DESIGN.md
//! ("Evaluation, exactly") rule by rule, without allocating once the [`Scratch`] is warm.
//!
//! Steps: look the action up in the action index to get candidate statements (sorted into
//! canonical order); resolve the request context into one slot per interned key; test the
//! candidate Denies in order and stop at the first that applies (it decides, E-3); then test
//! the Allows, skipping every statement whose group is already satisfied; combine (E-5 … E-19).

use core::cell::{Cell, OnceCell};
use core::cmp::Ordering;

use crate::decision::{BuiltinRule, Deciding, Decision, Outcome, PolicyKind, StatementRef};
use crate::glob::{char_len, TokenBuf};
use crate::ir::{KeyId, OpKind, SetOp};
use crate::policy_set::{
    fold_chars, ArnVal, Cond, FxMap, Inner, LengthRange, MidTok, Middle, Part, Pattern, Piece,
    PolicySet, Principal, Split, Stmt, StrVal, Values,
};
use crate::request::{InternedRequest, Request, Value};
use crate::value::{self, Decimal, LowerName};

/// Reusable per-thread buffers for [`PolicySet::evaluate`].
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    cands: Vec<u32>,
    excluded: Vec<u32>,
    action: Vec<u8>,
    /// Lazy context resolution cache, one cell per key id (see `NamedCtx`).
    cache: Vec<Cell<u64>>,
    /// Counts decisions, in 32 bits (see [`Scratch::begin`]): the stamp of `cache` and
    /// `scp_ok` entries that belong to the current decision.
    generation: u64,
    /// Per SCP level: the generation of the last decision an Allow of it applied in (no
    /// clearing per decision).
    scp_ok: Vec<u64>,
    fields: [TokenBuf; 6],
}

impl Scratch {
    pub(crate) fn new(nkeys: usize, scp_levels: usize) -> Scratch {
        Scratch {
            cache: vec![Cell::new(0); nkeys],
            scp_ok: vec![0; scp_levels],
            ..Scratch::default()
        }
    }

    /// Start a decision for `inner`: size the scratch when it was made for another set (or
    /// is a `Scratch::default()`: a cache shorter than the set's keys would read present keys
    /// as absent, an SCP table of the wrong length would misjudge E-8; allocates only then),
    /// and move to the next generation, whose entries no earlier decision wrote.
    #[inline(always)]
    fn begin(&mut self, inner: &Inner) -> u64 {
        if self.cache.len() < inner.key_names.len()
            || self.scp_ok.len() != inner.scp_levels as usize
        {
            self.refit(inner);
        }
        self.generation = self.generation.wrapping_add(1) & 0xFFFF_FFFF;
        if self.generation == 0 {
            // Wrapped: old entries could look current.
            self.cache.iter().for_each(|c| c.set(0));
            self.scp_ok.iter_mut().for_each(|x| *x = 0);
            self.generation = 1;
        }
        self.generation
    }

    /// [`Scratch::begin`]'s sizing, when it must change something. Zeroed entries never
    /// look current: generations start at 1.
    #[cold]
    #[inline(never)]
    fn refit(&mut self, inner: &Inner) {
        if self.cache.len() < inner.key_names.len() {
            self.cache.resize(inner.key_names.len(), Cell::new(0));
        }
        if self.scp_ok.len() != inner.scp_levels as usize {
            self.scp_ok = vec![0; inner.scp_levels as usize];
        }
    }
}

/// How a resource-policy statement names the principal (DESIGN.md, "Principal part").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    None,
    Account,
    Role,
    Direct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PKind {
    User,
    Role,
    Session,
    Federated,
    Root,
    OtherArn,
    NonAccount,
}

/// What the evaluator needs to know about the principal, borrowed from its string.
struct PrincipalFacts<'a> {
    arn: &'a str,
    kind: PKind,
    /// Where the first five colons are, when the principal is an ARN.
    cuts: Option<[usize; 5]>,
    account: Option<&'a str>,
    /// For a session: the role name.
    role: &'a str,
}

impl<'a> PrincipalFacts<'a> {
    /// Built on every decision, so the fields are read as bytes at the colons, and only the
    /// account (and a session's role) are sliced as text; the partition waits for a
    /// `Principal` element that needs it.
    fn new(s: &'a str) -> PrincipalFacts<'a> {
        let mut f = PrincipalFacts {
            arn: s,
            kind: PKind::NonAccount,
            cuts: None,
            account: None,
            role: "",
        };
        let Some(c) = value::arn_cuts(s) else {
            return f;
        };
        f.cuts = Some(c);
        let b = s.as_bytes();
        f.account = s.get(c[3] + 1..c[4]).filter(|a| !a.is_empty());
        let service = b.get(c[1] + 1..c[2]).unwrap_or_default();
        let res = b.get(c[4] + 1..).unwrap_or_default();
        f.kind = if c[3] != c[2] + 1 {
            // IAM and STS principals have no region; anything else is some other ARN.
            PKind::OtherArn
        } else {
            match service {
                b"iam" if res == b"root" => PKind::Root,
                b"iam" if res.starts_with(b"user/") => PKind::User,
                b"iam" if res.starts_with(b"role/") => PKind::Role,
                b"sts" if res.starts_with(b"federated-user/") => PKind::Federated,
                b"sts" => match s
                    .get(c[4] + 1..)
                    .and_then(|r| r.strip_prefix("assumed-role/"))
                    .and_then(|r| r.split_once('/'))
                {
                    Some((role, _session)) if !role.is_empty() => {
                        f.role = role;
                        PKind::Session
                    }
                    _ => PKind::OtherArn,
                },
                _ => PKind::OtherArn,
            }
        };
        f
    }

    fn partition(&self) -> Option<&'a str> {
        self.cuts.and_then(|c| self.arn.get(c[0] + 1..c[1]))
    }

    /// `entry` is `arn:<partition>:iam::<account>:root` for this principal.
    fn is_root_entry(&self, entry: &str) -> bool {
        let (Some(part), Some(acct)) = (self.partition(), self.account) else {
            return false;
        };
        entry
            .strip_prefix("arn:")
            .and_then(|r| r.strip_prefix(part))
            .and_then(|r| r.strip_prefix(":iam::"))
            .and_then(|r| r.strip_prefix(acct))
            .is_some_and(|r| r == ":root")
    }

    /// `entry` is a role ARN whose sessions include this principal (E-14).
    fn is_role_entry(&self, entry: &str) -> bool {
        if self.kind != PKind::Session {
            return false;
        }
        let Some(f) = arn_fields(entry) else {
            return false;
        };
        let Some(path) = f[5].strip_prefix("role/") else {
            return false;
        };
        f[2] == "iam"
            && f[3].is_empty()
            && Some(f[1]) == self.partition()
            && Some(f[4]) == self.account
            && path.rsplit('/').next() == Some(self.role)
    }

    fn strength(&self, p: &Principal) -> Strength {
        if p.wildcard {
            return Strength::Direct;
        }
        let mut best = Strength::None;
        for e in p.entries.iter() {
            let s = if **e == *self.arn {
                // E-13: a grant naming the role ARN is limited by the role's boundary and
                // session policy whoever calls, the role ARN itself included.
                if self.kind == PKind::Role {
                    Strength::Role
                } else {
                    Strength::Direct
                }
            } else if self.is_role_entry(e) {
                Strength::Role
            } else if self.is_root_entry(e) {
                Strength::Account
            } else {
                Strength::None
            };
            best = best.max(s);
            if best == Strength::Direct {
                break;
            }
        }
        best
    }

    /// E-15, E-16: whether a `NotPrincipal` list exempts this principal.
    fn exempt(&self, p: &Principal, has_boundary: bool) -> bool {
        // E-16 comes first: with a boundary, users, roles and sessions are never exempt,
        // whatever the list holds (the wildcard included).
        if has_boundary && matches!(self.kind, PKind::User | PKind::Role | PKind::Session) {
            return false;
        }
        if p.wildcard {
            return true;
        }
        let listed = |x: &str| p.entries.iter().any(|e| **e == *x);
        let root = || p.entries.iter().any(|e| self.is_root_entry(e));
        match self.kind {
            PKind::NonAccount => listed(self.arn),
            PKind::Root => root(),
            PKind::Session => {
                root() && (listed(self.arn) || p.entries.iter().any(|e| self.is_role_entry(e)))
            }
            PKind::User | PKind::Role | PKind::Federated | PKind::OtherArn => {
                root() && listed(self.arn)
            }
        }
    }

    fn is_service_linked_role(&self) -> bool {
        self.kind == PKind::Role && is_slr_arn(self.arn)
    }
}

/// The six fields of an ARN that starts with `arn:`.
fn arn_fields(s: &str) -> Option<[&str; 6]> {
    value::split_arn(s).filter(|f| f[0] == "arn")
}

/// `arn:P:iam::A:role/...` (no region).
fn is_role_arn(s: &str) -> bool {
    arn_fields(s).is_some_and(|f| f[2] == "iam" && f[3].is_empty() && f[5].starts_with("role/"))
}

/// Whether `:role/aws-service-role/` occurs in `s`, checked only at its few `/` bytes (cheaper
/// than a substring search on every decision).
fn has_slr_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'/' && b[..i].ends_with(b":role") && b[i + 1..].starts_with(b"aws-service-role/")
    })
}

/// E-12: a role whose path starts with `/aws-service-role/`.
fn is_slr_arn(s: &str) -> bool {
    // Cheap filter first: this runs on every decision of a set with SCPs or RCPs.
    has_slr_marker(s)
        && is_role_arn(s)
        && arn_fields(s).is_some_and(|f| f[5].starts_with("role/aws-service-role/"))
}

/// Context lookup by key id, over either request shape.
trait Ctx<'a> {
    fn value(&self, key: KeyId) -> Option<Value<'a>>;
}

/// A request context by name, resolved lazily: a key is looked up (case-insensitively, C-2)
/// only when a condition or variable needs it, and the answer is cached for the rest of the
/// decision. Most decisions touch a few keys of a dozen, so this beats resolving them all.
struct NamedCtx<'a, 'c> {
    entries: &'a [(&'a str, Value<'a>)],
    /// The set's folded key names → ids.
    keys: &'c FxMap<Box<str>, KeyId>,
    /// Per key id: `generation << 32 | (index + 1)` once resolved in this decision.
    cache: &'c [Cell<u64>],
    generation: u64,
    /// Scans so far in this decision, or [`RESOLVED`] / [`SCAN_ONLY`].
    state: Cell<u32>,
    /// Folded key names by id (for scans).
    names: &'c [LowerName],
    /// Per key id: the byte lengths of non-ASCII names that could fold to it.
    unicode: &'c [LengthRange],
}

struct InternedCtx<'a>(&'a [(KeyId, Value<'a>)]);

impl NamedCtx<'_, '_> {
    /// Resolve every context name at once, on the first lookup that is not cached: fold the
    /// name (C-2, as the set's key table is folded) into a reused buffer and look it up in the
    /// key table. O(context entries) per decision, however many conditions read the context.
    /// The first entry for a key wins, as in the reference. (A context with two names that
    /// fold to the same key is malformed, K-2; the loaders reject it.)
    #[cold]
    fn resolve_all(&self) -> bool {
        // Names are folded into a stack buffer; a name too long for it (or one that folds
        // into more bytes) makes this decision keep scanning instead.
        let mut buf = [0u8; 256];
        for (i, (k, _)) in self.entries.iter().enumerate() {
            let mut n = 0;
            if k.is_ascii() {
                let Some(dst) = buf.get_mut(..k.len()) else {
                    return false;
                };
                dst.copy_from_slice(k.as_bytes());
                dst.make_ascii_lowercase();
                n = k.len();
            } else {
                let mut tmp = [0u8; 4];
                for c in fold_chars(k) {
                    let e = c.encode_utf8(&mut tmp).as_bytes();
                    let Some(dst) = buf.get_mut(n..n + e.len()) else {
                        return false;
                    };
                    dst.copy_from_slice(e);
                    n += e.len();
                }
            }
            let folded = buf.get(..n).and_then(|b| core::str::from_utf8(b).ok());
            if let Some(&id) = folded.and_then(|f| self.keys.get(f)) {
                if let Some(cell) = self.cache.get(id as usize) {
                    if cell.get() >> 32 != self.generation {
                        cell.set(self.generation << 32 | (i as u64 + 1));
                    }
                }
            }
        }
        true
    }
}

/// Uncached lookups answered by scanning before [`NamedCtx::resolve_all`] takes over: a scan
/// of a dozen names costs about a tenth of resolving them all (callgrind: ~200 against ~2,000
/// instructions), and most decisions read only a few keys; a decision that reads many (one
/// statement with 200 conditions) resolves once and then reads from the cache.
const SCANS_BEFORE_RESOLVE: u32 = 8;
/// `NamedCtx::state`: every name resolved; an uncached key is absent.
const RESOLVED: u32 = u32::MAX;
/// `NamedCtx::state`: some name could not be resolved in bulk; keep scanning.
const SCAN_ONLY: u32 = u32::MAX - 1;

impl<'a> Ctx<'a> for NamedCtx<'a, '_> {
    /// A cached key costs a load and a compare in the caller; everything else is out of line.
    #[inline]
    fn value(&self, key: KeyId) -> Option<Value<'a>> {
        let cell = self.cache.get(key as usize)?;
        let c = cell.get();
        if c >> 32 != self.generation {
            return self.miss(key, cell);
        }
        self.entries
            .get(((c & 0xFFFF_FFFF) as usize).checked_sub(1)?)
            .map(|(_, v)| *v)
    }
}

impl<'a> NamedCtx<'a, '_> {
    /// A key not cached in this decision: scan for it, or resolve every name at once. The
    /// common case (one of the first scans) is kept lean here; everything else is in
    /// [`NamedCtx::miss_slow`].
    #[inline(never)]
    fn miss(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        let state = self.state.get();
        if state == RESOLVED {
            return None;
        }
        if state < SCANS_BEFORE_RESOLVE {
            self.state.set(state + 1);
            return self.scan_into(key, cell);
        }
        self.miss_slow(key, cell)
    }

    /// [`NamedCtx::miss`] after the first scans: resolve every name at once, or keep scanning.
    #[cold]
    #[inline(never)]
    fn miss_slow(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        if self.state.get() == SCAN_ONLY || !self.resolve_all() {
            self.state.set(SCAN_ONLY);
            return self.scan_into(key, cell);
        }
        self.state.set(RESOLVED);
        let c = cell.get();
        if c >> 32 != self.generation {
            return None;
        }
        self.entries
            .get(((c & 0xFFFF_FFFF) as usize).checked_sub(1)?)
            .map(|(_, v)| *v)
    }

    /// Scan for one key ([`NamedCtx::scan`]) and cache the answer for the decision.
    #[inline(always)]
    fn scan_into(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        let i = self.scan(key);
        cell.set(self.generation << 32 | i.map_or(0, |i| i as u64 + 1));
        self.entries.get(i?).map(|(_, v)| *v)
    }

    /// The entry of one key, by scanning the names: its first ASCII spelling
    /// ([`NamedCtx::position_ascii`]), else its first non-ASCII one where one could reach it
    /// ([`NamedCtx::position_non_ascii`]); `None` when absent.
    #[inline(always)]
    fn scan(&self, key: KeyId) -> Option<usize> {
        self.position_ascii(self.names.get(key as usize)?)
            .or_else(|| self.position_non_ascii(key))
    }

    /// The first entry whose name is the folded key name `folded` up to ASCII case: lengths
    /// first, then the comparison, eight bytes at a time ([`LowerName::eq_ascii`]).
    #[inline(always)]
    fn position_ascii(&self, folded: &LowerName) -> Option<usize> {
        let n = folded.len();
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if k.len() == n && folded.eq_ascii(k.as_bytes()) {
                return Some(i);
            }
        }
        None
    }

    /// The first non-ASCII entry whose name folds to the key (C-2). Only names of a length
    /// that could fold to it are read ([`crate::policy_set::non_ascii_lengths`]): an ASCII
    /// key's `k` spelt as a Kelvin sign makes its name two bytes longer, so the common miss of
    /// such a key (`kms:ViaService` absent) reads no name at all, and a key no non-ASCII name
    /// can reach is not scanned again.
    #[inline(always)]
    fn position_non_ascii(&self, key: KeyId) -> Option<usize> {
        let &(lo, hi) = self.unicode.get(key as usize)?;
        if lo > hi {
            return None;
        }
        self.fold_scan(key, lo, hi)
    }

    /// [`NamedCtx::position_non_ascii`]'s scan, out of line.
    #[cold]
    #[inline(never)]
    fn fold_scan(&self, key: KeyId, lo: usize, hi: usize) -> Option<usize> {
        let name = self.names.get(key as usize)?;
        self.entries.iter().position(|(k, _)| {
            (lo..=hi).contains(&k.len()) && !k.is_ascii() && fold_chars(k).eq(name.as_str().chars())
        })
    }
}

impl<'a> Ctx<'a> for InternedCtx<'a> {
    #[inline]
    fn value(&self, key: KeyId) -> Option<Value<'a>> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl PolicySet {
    /// Decide a request whose context keys are given by name.
    pub fn evaluate(&self, scratch: &mut Scratch, req: &Request<'_>) -> Outcome {
        let inner = &*self.inner;
        let generation = scratch.begin(inner);
        let cache = core::mem::take(&mut scratch.cache);
        let ctx = NamedCtx {
            entries: req.context,
            keys: &inner.keys,
            cache: &cache,
            generation,
            state: Cell::new(0),
            names: &inner.key_names,
            unicode: &inner.unicode_keys,
        };
        let out = evaluate_with(
            inner,
            scratch,
            req.principal,
            req.action,
            req.resource,
            req.resource_account,
            &ctx,
        );
        scratch.cache = cache;
        out
    }

    /// Decide a request whose context keys were resolved with [`PolicySet::key_id`].
    pub fn evaluate_interned(&self, scratch: &mut Scratch, req: &InternedRequest<'_>) -> Outcome {
        scratch.begin(&self.inner);
        evaluate_with(
            &self.inner,
            scratch,
            req.principal,
            req.action,
            req.resource,
            req.resource_account,
            &InternedCtx(req.context),
        )
    }
}

/// Give a taken candidate buffer back to the scratch, unless it is the empty stand-in used on
/// the precomputed path (replacing the scratch's buffer with it would drop its capacity and
/// make the next slow-path decision allocate).
fn restore(slot: &mut Vec<u32>, taken: Vec<u32>) {
    if taken.capacity() != 0 {
        *slot = taken;
    }
}

/// Lower-case the action's ASCII letters into the scratch buffer (A-2: actions match without
/// regard to ASCII case; any other character, a Kelvin sign `K` say, stays as it is, as in the
/// reference).
fn lower_action(scratch: &mut Scratch, action: &str) {
    scratch.action.clear();
    scratch.action.extend_from_slice(action.as_bytes());
    scratch.action.make_ascii_lowercase();
}

#[allow(clippy::too_many_arguments)]
fn evaluate_with<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    principal: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    ctx: &impl Ctx<'a>,
) -> Outcome {
    // E-20: no policy decides `sts:GetCallerIdentity`. One length test on every other action.
    if is_get_caller_identity(action) {
        return Outcome {
            decision: Decision::Allow,
            deciding: Some(Deciding::Rule(BuiltinRule::GetCallerIdentity)),
        };
    }
    // `Vec::new()` does not allocate; `taken` holds the scratch list only on the slow path.
    let mut taken: Vec<u32> = Vec::new();
    // The action is looked up as it is: the table folds ASCII case and compares every other
    // byte exactly. An action the table does not hold is lower-cased for the general path.
    let hit = inner.actions.precomputed.get(action.as_bytes());
    if hit.is_none() {
        lower_action(scratch, action);
    }
    let cands: &[u32] = match hit {
        Some(list) => list,
        None => {
            inner.actions.candidates_into(
                &scratch.action,
                &mut scratch.cands,
                &mut scratch.excluded,
            );
            taken = core::mem::take(&mut scratch.cands);
            &taken
        }
    };
    if cands.is_empty() {
        restore(&mut scratch.cands, taken);
        return Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        };
    }
    // The principal's facts and the accounts, read when first needed: a decision an identity
    // Deny settles (without a `Principal` part) needs none of them.
    let facts_known = OnceCell::new();
    let facts = || facts_known.get_or_init(|| PrincipalFacts::new(principal));
    // E-9
    let res_account_known = OnceCell::new();
    let res_account = || {
        *res_account_known.get_or_init(|| {
            resource_account
                .or_else(|| value::arn_account(resource))
                .or(facts().account)
        })
    };
    // E-12, decided when first needed: its context lookup is wasted on the many decisions an
    // identity Deny settles before any SCP or RCP statement is reached.
    let org = inner.scp_levels > 0 || inner.rcp_levels > 0;
    let slr_known: Cell<Option<bool>> = Cell::new(None);
    let slr = || match slr_known.get() {
        Some(v) => v,
        None => {
            let v = org
                && (facts().is_service_linked_role()
                    || matches!(ctx.value(inner.principal_arn_key),
                        Some(Value::Single(s)) if s != principal && is_slr_arn(s)));
            slr_known.set(Some(v));
            v
        }
    };
    let mgmt = inner.management_account.as_deref();
    let scp_applies =
        || facts().account.is_some() && (mgmt.is_none() || facts().account != mgmt) && !slr();
    let rcp_applies = || (mgmt.is_none() || res_account() != mgmt) && !slr();

    let in_scope = |s: &Stmt| match s.kind {
        PolicyKind::Scp => scp_applies(),
        PolicyKind::Rcp => rcp_applies() && rcp_covers(&inner.rcp_services, action),
        _ => true,
    };

    // Denies first, in canonical order: the first that applies decides (E-3). Statement ids
    // put every Deny before every Allow, so the sorted candidates are the Denies, then the
    // Allows.
    // Allows, into which the Deny loop stops.
    let mut allows: &[u32] = &[];
    for (i, &id) in cands.iter().enumerate() {
        if id >= inner.first_allow {
            allows = cands.get(i..).unwrap_or_default();
            break;
        }
        let Some(s) = inner.stmts.get(id as usize) else {
            continue;
        };
        debug_assert!(!s.allow);
        let principal_ok = || match &s.principal {
            None => true,
            Some(p) if p.negated => !facts().exempt(p, inner.has_boundary),
            Some(p) => facts().strength(p) >= Strength::Account,
        };
        // None of the three tests changes what the others answer (they only fill caches), so
        // their order is free: whether an SCP or RCP applies to the request at all (the
        // principal's facts, E-12's context lookup) is asked last, as a deny "unless ..." that
        // does not apply (the root-user SCP on a user's request, say) then never needs it.
        // With the early return after the Allows, a decision that nothing grants and no
        // `Principal` element names may never read the principal.
        if principal_ok() && (s.always || applies(inner, scratch, s, resource, ctx)) && in_scope(s)
        {
            restore(&mut scratch.cands, taken);
            return Outcome {
                decision: Decision::ExplicitDeny,
                deciding: Some(Deciding::Statement(stmt_ref(s))),
            };
        }
    }

    // Allows.
    let mut identity_allow: Option<&Stmt> = None;
    let mut boundary_ok = !inner.has_boundary;
    let mut session_ok = !inner.has_session;
    let mut grant = Strength::None;
    let mut grant_stmt: Option<&Stmt> = None;
    // SCP levels whose Allows applied in this decision: the levels stamped with its
    // generation (`Scratch::begin`).
    let stamp = scratch.generation;
    let mut scp_levels_ok = 0usize;
    for &id in allows {
        let Some(s) = inner.stmts.get(id as usize) else {
            continue;
        };
        debug_assert!(s.allow);
        // Identity and resource statements come first (canonical order). Past them, with
        // neither granting, no guard can turn the result into an allow: stop here.
        if matches!(
            s.kind,
            PolicyKind::Boundary | PolicyKind::Session | PolicyKind::Scp | PolicyKind::Rcp
        ) && identity_allow.is_none()
            && grant == Strength::None
        {
            break;
        }
        let needed = match s.kind {
            PolicyKind::Identity => identity_allow.is_none(),
            PolicyKind::Boundary => !boundary_ok,
            PolicyKind::Session => !session_ok,
            PolicyKind::Resource => grant < Strength::Direct,
            PolicyKind::Scp => {
                scp_applies()
                    && scratch
                        .scp_ok
                        .get(s.level as usize)
                        .is_some_and(|&x| x != stamp)
            }
            // RCPFullAWSAccess is always attached: RCP Allows change nothing (E-10).
            PolicyKind::Rcp => false,
        };
        if !needed {
            continue;
        }
        let strength = match &s.principal {
            Some(p) if s.kind == PolicyKind::Resource => {
                let st = facts().strength(p);
                if st <= grant {
                    continue;
                }
                st
            }
            _ => Strength::None,
        };
        if !s.always && !applies(inner, scratch, s, resource, ctx) {
            continue;
        }
        match s.kind {
            PolicyKind::Identity => identity_allow = Some(s),
            PolicyKind::Boundary => boundary_ok = true,
            PolicyKind::Session => session_ok = true,
            PolicyKind::Resource => {
                grant = strength;
                grant_stmt = Some(s);
            }
            PolicyKind::Scp => {
                // `needed` saw this level not yet stamped.
                if let Some(x) = scratch.scp_ok.get_mut(s.level as usize) {
                    *x = stamp;
                    scp_levels_ok += 1;
                }
            }
            PolicyKind::Rcp => {}
        }
    }
    restore(&mut scratch.cands, taken);

    // Nothing granted: an implicit deny, whatever the principal's facts would say below.
    if identity_allow.is_none() && grant == Strength::None {
        return Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        };
    }
    let identity_side = identity_allow.is_some() && boundary_ok && session_ok;
    let scp_ok = || scp_levels_ok == scratch.scp_ok.len() || !scp_applies();
    // Only a principal that is not an ARN is a non-account principal (DESIGN.md, "Request
    // facts"); an ARN without an account field is never in the resource's account.
    let facts = facts();
    let same_account = facts.account.is_some() && facts.account == res_account();
    let granted = if facts.kind == PKind::NonAccount {
        grant == Strength::Direct
    } else if same_account {
        // Where E-19 makes a difference: an identity-side grant alone, with no resource-policy
        // grant of account strength or more. Read only then: most decisions never need it.
        grant == Strength::Direct
            || (grant == Strength::Role && boundary_ok && session_ok)
            || (identity_side
                && (grant == Strength::Account || !resource_required(action, resource)))
    } else {
        identity_side && grant != Strength::None
    };
    if granted && scp_ok() {
        let deciding = if identity_side {
            identity_allow
        } else {
            grant_stmt
        };
        Outcome {
            decision: Decision::Allow,
            deciding: deciding.map(|s| Deciding::Statement(stmt_ref(s))),
        }
    } else {
        Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        }
    }
}

/// E-20: the one action that needs no permission (ASCII case folded, A-2).
fn is_get_caller_identity(action: &str) -> bool {
    const GCI: &str = "sts:GetCallerIdentity";
    action.len() == GCI.len() && action.eq_ignore_ascii_case(GCI)
}

/// E-10: whether RCPs apply to `action`'s service (`services` lower-case; the prefix is
/// compared without regard to ASCII case, A-2).
fn rcp_covers(services: &[Box<str>], action: &str) -> bool {
    let prefix = action.split_once(':').map_or(action, |(p, _)| p);
    services.iter().any(|s| s.eq_ignore_ascii_case(prefix))
}

fn stmt_ref(s: &Stmt) -> StatementRef {
    StatementRef {
        kind: s.kind,
        level: s.level,
        policy: s.policy,
        statement: s.index,
    }
}

/// E-19: KMS keys and role assumption need the resource policy.
fn resource_required(action: &str, resource: &str) -> bool {
    let assume = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action));
    // Without `assume`, only a `kms` service field can make it required: a cheap look at
    // the third field before splitting the ARN.
    if !assume && !kms_field(resource) {
        return false;
    }
    let Some(f) = arn_fields(resource) else {
        return false;
    };
    if f[2] == "kms" && f[5].starts_with("key/") {
        return true;
    }
    assume && is_role_arn(resource)
}

/// Whether the third `:`-separated field of `s` is `kms` (as `arn_fields(s)?[2] == "kms"`
/// finds it, when `s` is an ARN).
fn kms_field(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(first) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let rest = b.get(first + 1..).unwrap_or_default();
    let Some(second) = rest.iter().position(|&c| c == b':') else {
        return false;
    };
    rest.get(second + 1..)
        .is_some_and(|t| t.starts_with(b"kms:"))
}

/// Resource part and conditions of a statement (its action matched already).
fn applies<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    s: &Stmt,
    resource: &str,
    ctx: &impl Ctx<'a>,
) -> bool {
    let mut any = false;
    for p in s.resources.iter() {
        if pattern_matches(p, resource.as_bytes(), ctx) {
            any = true;
            break;
        }
    }
    // R-6, V-6: an unresolved pattern (None) matches nothing and excludes nothing.
    if any == s.not_resource {
        return false;
    }
    s.conds.iter().all(|c| condition(inner, scratch, c, ctx))
}

/// Resolve one variable (V-1, V-5, V-9): a single string, else the default, else unresolved.
fn resolve<'a, 'b>(key: KeyId, default: &'b Option<Box<str>>, ctx: &impl Ctx<'a>) -> Option<&'b str>
where
    'a: 'b,
{
    match ctx.value(key) {
        Some(Value::Single(s)) => Some(s),
        _ => default.as_deref(),
    }
}

/// Assemble a template into `buf` as glob tokens. `None` when a variable is unresolved.
/// (The evaluator matches templates split, [`split_matches`]; this is the tests' oracle.)
#[cfg(test)]
fn assemble<'a>(buf: &mut TokenBuf, parts: &[Part], glob: bool, ctx: &impl Ctx<'a>) -> Option<()> {
    buf.clear();
    for p in parts {
        match p {
            Part::Text(t) if glob => buf.push_glob(t.as_bytes()),
            Part::Text(t) | Part::Lit(t) => buf.push_lit(t.as_bytes()),
            Part::Var(k, d) => buf.push_lit(resolve(*k, d, ctx)?.as_bytes()),
        }
    }
    Some(())
}

/// Whether a pattern matches; an unresolved variable matches nothing (R-6, V-6). Inlined so
/// a static glob costs no call; templates are out of line ([`split_matches`]).
#[inline]
fn pattern_matches<'a>(p: &Pattern, text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    match p {
        Pattern::Static(g) => g.matches(text),
        Pattern::Template(t) => split_matches(t, text, ctx),
    }
}

/// The text of one piece: literal, or the variable's value (V-1); `None` when unresolved.
#[inline]
fn piece_text<'a, 'b>(p: &'b Piece, ctx: &impl Ctx<'a>) -> Option<&'b str>
where
    'a: 'b,
{
    match p {
        Piece::Lit(t) => Some(t),
        Piece::Var(k, d) => resolve(*k, d, ctx),
    }
}

/// `text` after the pieces, which it must start with in order; `None` when it does not or a
/// variable is unresolved.
fn strip_pieces_prefix<'t, 'a>(
    text: &'t [u8],
    pieces: &[Piece],
    ctx: &impl Ctx<'a>,
) -> Option<&'t [u8]> {
    pieces.iter().try_fold(text, |rest, p| {
        rest.strip_prefix(piece_text(p, ctx)?.as_bytes())
    })
}

/// `text` before the pieces, which it must end with in order (compared from the end).
fn strip_pieces_suffix<'t, 'a>(
    text: &'t [u8],
    pieces: &[Piece],
    ctx: &impl Ctx<'a>,
) -> Option<&'t [u8]> {
    pieces.iter().rev().try_fold(text, |rest, p| {
        rest.strip_suffix(piece_text(p, ctx)?.as_bytes())
    })
}

/// A [`Split`] template against `text`, without assembling it: the prefix is stripped from
/// the front, the suffix from what remains (so the two never overlap), and the middle must
/// match the rest. Prefix and suffix end on character boundaries (they are whole strings), so
/// a `?` in the middle still consumes one UTF-8 character. Any unresolved variable
/// makes the answer `false` whichever check fails first (R-6, V-6).
#[inline(never)]
fn split_matches<'a>(t: &Split, text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    let Some(rest) = strip_pieces_prefix(text, &t.prefix, ctx) else {
        return false;
    };
    let Some(mid) = strip_pieces_suffix(rest, &t.suffix, ctx) else {
        return false;
    };
    match &t.middle {
        Middle::None => mid.is_empty(),
        Middle::Glob(g) => g.matches(mid),
        Middle::Toks(toks) => match_middle(toks, mid, ctx),
    }
}

/// One wildcard-free token of a middle at `x`: where it ends, a mismatch, or a variable
/// that does not resolve (then nothing matches, R-6, V-6).
enum Step {
    Next(usize),
    Miss,
    Unresolved,
}

/// Whether `text[x..]` starts with the pieces' concatenation, compared piece by piece.
fn pieces_at<'a>(text: &[u8], x: usize, pieces: &[Piece], ctx: &impl Ctx<'a>) -> Step {
    let mut x = x;
    for p in pieces {
        let Some(s) = piece_text(p, ctx) else {
            return Step::Unresolved;
        };
        if !text.get(x..).is_some_and(|t| t.starts_with(s.as_bytes())) {
            return Step::Miss;
        }
        x += s.len();
    }
    Step::Next(x)
}

/// The first byte of the pieces' concatenation: `Some(None)` when it is empty, `None` when a
/// variable does not resolve.
fn first_byte<'a>(pieces: &[Piece], ctx: &impl Ctx<'a>) -> Option<Option<u8>> {
    for p in pieces {
        if let Some(&b) = piece_text(p, ctx)?.as_bytes().first() {
            return Some(Some(b));
        }
    }
    Some(None)
}

/// [`crate::glob::match_tokens`] over a middle whose literals are pieces (variables between
/// wildcards), reading variable values in place instead of assembling them: the same greedy
/// matcher that remembers only the last `*` (O(text × pattern), no allocation), `?` consuming
/// one UTF-8 character. A variable that does not resolve makes it `false` (R-6, V-6); a
/// `true` has read every variable, since every literal token was matched.
fn match_middle<'a>(toks: &[MidTok], text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    let (mut ti, mut x) = (0usize, 0usize);
    // (token index after the last star, text position it is tried at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        match toks.get(ti) {
            Some(MidTok::Star) => {
                if ti + 1 == toks.len() {
                    return true;
                }
                star = Some((ti + 1, x));
                ti += 1;
                continue;
            }
            Some(MidTok::Quest) => {
                if let Some(&b) = text.get(x) {
                    x = (x + char_len(b)).min(text.len());
                    ti += 1;
                    continue;
                }
            }
            Some(MidTok::Lit(pieces)) => match pieces_at(text, x, pieces, ctx) {
                Step::Next(nx) => {
                    x = nx;
                    ti += 1;
                    continue;
                }
                Step::Unresolved => return false,
                Step::Miss => {}
            },
            None if x == text.len() => return true,
            None => {}
        }
        // Mismatch: the last star swallows one more character, or jumps to the next place
        // the following literal's first byte occurs (a character boundary: values are text).
        let Some((sti, sx)) = star else {
            return false;
        };
        let Some(&b) = text.get(sx) else {
            return false;
        };
        let mut nx = (sx + char_len(b)).min(text.len());
        if let Some(MidTok::Lit(pieces)) = toks.get(sti) {
            match first_byte(pieces, ctx) {
                None => return false,
                Some(None) => {}
                Some(Some(first)) => {
                    match text
                        .get(nx..)
                        .and_then(|t| t.iter().position(|&c| c == first))
                    {
                        Some(p) => nx += p,
                        None => return false,
                    }
                }
            }
        }
        star = Some((sti, nx));
        ti = sti;
        x = nx;
    }
}

/// The text of one template part, as [`substitute`] writes it; `None` when unresolved.
#[inline]
fn part_text<'a, 'b>(p: &'b Part, ctx: &impl Ctx<'a>) -> Option<&'b str>
where
    'a: 'b,
{
    match p {
        Part::Text(t) | Part::Lit(t) => Some(t),
        Part::Var(k, d) => resolve(*k, d, ctx),
    }
}

/// StringEquals with variables (C-6): `r` is the substituted template, compared part by part
/// in place. `false` when a variable is unresolved (V-6).
fn template_eq<'a>(r: &str, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    let rest = parts
        .iter()
        .try_fold(r, |rest, p| rest.strip_prefix(part_text(p, ctx)?));
    rest.is_some_and(str::is_empty)
}

/// StringEqualsIgnoreCase with variables (C-7): both sides lower-cased character by
/// character, the template's parts chained in place. `false` when a variable is unresolved.
fn template_eq_ci<'a>(r: &str, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    if !parts.iter().all(|p| part_text(p, ctx).is_some()) {
        return false;
    }
    let policy = parts
        .iter()
        .flat_map(|p| part_text(p, ctx).unwrap_or_default().chars())
        .flat_map(char::to_lowercase);
    r.chars().flat_map(char::to_lowercase).eq(policy)
}

/// Substitute a template into `out` as exact text. `false` when unresolved. (The evaluator
/// compares in place, [`template_eq`]; this is the tests' oracle.)
#[cfg(test)]
fn substitute<'a>(out: &mut String, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    out.clear();
    for p in parts {
        match p {
            Part::Text(t) | Part::Lit(t) => out.push_str(t),
            Part::Var(k, d) => match resolve(*k, d, ctx) {
                Some(v) => out.push_str(v),
                None => return false,
            },
        }
    }
    true
}

/// One condition entry (C-1 … C-24), as DESIGN.md orders the rules.
fn condition<'a>(inner: &Inner, scratch: &mut Scratch, c: &Cond, ctx: &impl Ctx<'a>) -> bool {
    let v = ctx.value(c.key);
    let absent = match v {
        None => true,
        Some(Value::Multi(list)) => list.is_empty(),
        Some(Value::Single(_)) => false,
    };
    // C-15
    if let Values::Null(vals) = &c.values {
        return vals.contains(&absent);
    }
    if absent {
        // C-5, C-22, C-20, C-21, C-3
        return if c.if_exists {
            true
        } else {
            match c.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => c.negated,
            }
        };
    }
    let multivalued = match v {
        Some(Value::Multi(_)) => true,
        _ => inner
            .multivalued
            .get(c.key as usize)
            .copied()
            .unwrap_or(false),
    };
    match (c.set, v) {
        // C-24
        (None, _) if multivalued => false,
        (None, Some(Value::Single(r))) => match_value(scratch, c, r, ctx),
        (Some(SetOp::ForAnyValue), Some(Value::Single(r))) => match_value(scratch, c, r, ctx),
        (Some(SetOp::ForAllValues), Some(Value::Single(r))) => match_value(scratch, c, r, ctx),
        (Some(SetOp::ForAnyValue), Some(Value::Multi(list))) => {
            list.iter().any(|r| match_value(scratch, c, r, ctx))
        }
        (Some(SetOp::ForAllValues), Some(Value::Multi(list))) => {
            list.iter().all(|r| match_value(scratch, c, r, ctx))
        }
        _ => false,
    }
}

/// `match(r)` of DESIGN.md: C-17 parse failure → false; else hit (positive) or !hit (negated).
fn match_value<'a>(scratch: &mut Scratch, c: &Cond, r: &str, ctx: &impl Ctx<'a>) -> bool {
    match positive(scratch, c, r, ctx) {
        None => false,
        Some(hit) => hit != c.negated,
    }
}

fn cmp_ok(op: OpKind, ord: Ordering) -> bool {
    match op {
        OpKind::NumericEquals | OpKind::DateEquals => ord == Ordering::Equal,
        OpKind::NumericLessThan | OpKind::DateLessThan => ord == Ordering::Less,
        OpKind::NumericLessThanEquals | OpKind::DateLessThanEquals => ord != Ordering::Greater,
        OpKind::NumericGreaterThan | OpKind::DateGreaterThan => ord == Ordering::Greater,
        OpKind::NumericGreaterThanEquals | OpKind::DateGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}

fn chars_lower_eq(a: &str, lowered: &str) -> bool {
    if a.is_ascii() && lowered.is_ascii() {
        return a.len() == lowered.len()
            && a.bytes()
                .zip(lowered.bytes())
                .all(|(x, y)| x.to_ascii_lowercase() == y);
    }
    a.chars().flat_map(char::to_lowercase).eq(lowered.chars())
}

/// Whether the request value hits some resolvable policy value; `None` when it does not parse
/// as the operator's type (C-17).
fn positive<'a>(scratch: &mut Scratch, c: &Cond, r: &str, ctx: &impl Ctx<'a>) -> Option<bool> {
    Some(match &c.values {
        Values::Str(vals) => vals.iter().any(|v| match v {
            StrVal::Static(s) => **s == *r,
            StrVal::Template(parts) => template_eq(r, parts, ctx),
        }),
        Values::StrCi(vals) => vals.iter().any(|v| match v {
            StrVal::Static(s) => chars_lower_eq(r, s),
            StrVal::Template(parts) => template_eq_ci(r, parts, ctx),
        }),
        Values::Like(vals) => vals.iter().any(|p| pattern_matches(p, r.as_bytes(), ctx)),
        Values::Num(vals) => {
            let x = Decimal::parse(r)?;
            vals.iter().any(|v| cmp_ok(c.op, x.compare(&v.get())))
        }
        Values::Date(vals) => {
            let x = value::parse_date(r)?;
            vals.iter().any(|v| cmp_ok(c.op, x.cmp(v)))
        }
        Values::Bool(vals) => {
            let x = value::parse_bool(r)?;
            vals.contains(&x)
        }
        Values::Binary(vals) => {
            value::base64_decoded_len(r)?;
            vals.iter().any(|v| value::base64_eq(r, v) == Some(true))
        }
        Values::Ip(vals) => {
            let ip = value::parse_ip(r)?;
            vals.iter().any(|v| v.contains(ip))
        }
        Values::Arn(vals) => {
            let rf = value::split_arn(r)?;
            let mut hit = false;
            for v in vals.iter() {
                let ok = match v {
                    ArnVal::Static(None) => false,
                    ArnVal::Static(Some(globs)) => globs
                        .iter()
                        .zip(rf.iter())
                        .all(|(g, f)| g.matches(f.as_bytes())),
                    ArnVal::Template(parts) => {
                        arn_template_matches(&mut scratch.fields, parts, &rf, ctx)
                    }
                };
                if ok {
                    hit = true;
                    break;
                }
            }
            hit
        }
        Values::Null(_) => false,
    })
}

/// ARN operator with variables: substitute, split at the first five colons, glob per field.
fn arn_template_matches<'a>(
    fields: &mut [TokenBuf; 6],
    parts: &[Part],
    rf: &[&str; 6],
    ctx: &impl Ctx<'a>,
) -> bool {
    for f in fields.iter_mut() {
        f.clear();
    }
    let mut fi = 0usize;
    let mut push = |fields: &mut [TokenBuf; 6], text: &str, glob: bool| {
        let mut rest = text;
        loop {
            let cut = if fi < 5 { rest.find(':') } else { None };
            let (head, tail) = match cut {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            if let Some(f) = fields.get_mut(fi) {
                if glob {
                    f.push_glob(head.as_bytes());
                } else {
                    f.push_lit(head.as_bytes());
                }
            }
            match tail {
                Some(t) => {
                    fi += 1;
                    rest = t;
                }
                None => break,
            }
        }
    };
    for p in parts {
        match p {
            Part::Text(t) => push(fields, t, true),
            Part::Lit(t) => push(fields, t, false),
            Part::Var(k, d) => match resolve(*k, d, ctx) {
                Some(v) => push(fields, v, false),
                None => return false,
            },
        }
    }
    if fi != 5 {
        return false;
    }
    fields
        .iter()
        .zip(rf.iter())
        .all(|(g, f)| g.matches(f.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::PartView;
    use crate::policy_set::split;
    use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

    /// Characters templates, values and texts are drawn from: wildcards, a separator and a
    /// two-byte character, so `?` and prefix/suffix cuts meet multi-byte text.
    const CHARS: [char; 6] = ['a', 'b', 'é', '/', '*', '?'];

    fn pick(g: &mut Gen, n: usize) -> usize {
        usize::arbitrary(g) % n.max(1)
    }

    fn word(g: &mut Gen, max: usize) -> String {
        let n = pick(g, max + 1);
        (0..n).map(|_| CHARS[pick(g, CHARS.len())]).collect()
    }

    /// One template part: glob text, literal text (`*` `?` literal) or a variable of key
    /// 0..3 with an optional default.
    #[derive(Clone, Debug)]
    enum TPart {
        Text(String),
        Lit(String),
        Var(KeyId, Option<String>),
    }

    /// A template, the context (per key: absent, one value or a list, which does not
    /// resolve, V-5) and a text built from the template so it often matches.
    #[derive(Clone, Debug)]
    struct Case {
        parts: Vec<TPart>,
        values: Vec<(KeyId, Option<String>, bool)>,
        text: String,
    }

    impl Case {
        fn resolved(&self, k: KeyId, d: &Option<String>) -> Option<String> {
            match self.values.iter().find(|(key, ..)| *key == k) {
                Some((_, Some(v), false)) => Some(v.clone()),
                _ => d.clone(),
            }
        }
    }

    impl Arbitrary for Case {
        fn arbitrary(g: &mut Gen) -> Case {
            let parts: Vec<TPart> = (0..pick(g, 7))
                .map(|_| match pick(g, 4) {
                    0 => TPart::Text(word(g, 4)),
                    // Wildcards around variables: the middle with variables.
                    1 => TPart::Text(["*", "?", "*/", "/*", "?a"][pick(g, 5)].into()),
                    2 => TPart::Lit(word(g, 2)),
                    _ => {
                        let d = bool::arbitrary(g).then(|| word(g, 2));
                        TPart::Var(pick(g, 3) as KeyId, d)
                    }
                })
                .collect();
            let mut values = Vec::new();
            for k in 0..3 {
                if pick(g, 4) != 0 {
                    values.push((k as KeyId, Some(word(g, 3)), pick(g, 5) == 0));
                }
            }
            let mut case = Case {
                parts,
                values,
                text: String::new(),
            };
            // The text: each part as it would match, wildcards replaced at random.
            let mut text = String::new();
            for p in case.parts.clone() {
                match p {
                    TPart::Text(t) => {
                        for c in t.chars() {
                            match c {
                                '*' => text.push_str(&word(g, 3)),
                                '?' => text.push_str(&word(g, 1)),
                                c => text.push(c),
                            }
                        }
                    }
                    TPart::Lit(t) => text.push_str(&t),
                    TPart::Var(k, d) => match case.resolved(k, &d) {
                        Some(v) if pick(g, 6) != 0 => text.push_str(&v),
                        _ => text.push_str(&word(g, 2)),
                    },
                }
            }
            // Near misses: a character dropped or added, or a run cut out of the middle (so
            // prefix and suffix would overlap).
            let mut cs: Vec<char> = text.chars().collect();
            let i = pick(g, cs.len() + 1);
            match pick(g, 6) {
                0 if i < cs.len() => drop(cs.remove(i)),
                1 => cs.insert(i, CHARS[pick(g, CHARS.len())]),
                2 => drop(cs.drain(i..(i + 1 + pick(g, 3)).min(cs.len()))),
                _ => {}
            }
            text = cs.into_iter().collect();
            if pick(g, 8) == 0 {
                text = text.to_uppercase();
            }
            case.text = text;
            case
        }
    }

    fn views(case: &Case) -> Vec<PartView<'_>> {
        case.parts
            .iter()
            .map(|p| match p {
                TPart::Text(t) => PartView::Text(t),
                TPart::Lit(t) => PartView::Literal(t),
                TPart::Var(k, d) => PartView::Variable(*k, d.as_deref()),
            })
            .collect()
    }

    fn built_split(case: &Case) -> Split {
        split(&views(case), 3).unwrap_or_else(|e| panic!("{e}"))
    }

    fn built_parts(case: &Case) -> Vec<Part> {
        case.parts
            .iter()
            .map(|p| match p {
                TPart::Text(t) => Part::Text(t.as_str().into()),
                TPart::Lit(t) => Part::Lit(t.as_str().into()),
                TPart::Var(k, d) => Part::Var(*k, d.as_deref().map(Box::from)),
            })
            .collect()
    }

    /// The split matcher equals assembling the template and matching the tokens (R-3, R-6,
    /// V-1, V-6), and in-place StringEquals(IgnoreCase) equal substituting first (C-6, C-7).
    fn templates_agree(case: Case) -> TestResult {
        let lists: Vec<[&str; 2]> = case
            .values
            .iter()
            .map(|(_, v, _)| [v.as_deref().unwrap_or_default(), "x"])
            .collect();
        let ctx_vals: Vec<(KeyId, Value<'_>)> = case
            .values
            .iter()
            .zip(&lists)
            .map(|((k, v, multi), list)| match (v, multi) {
                (Some(v), false) => (*k, Value::Single(v)),
                _ => (*k, Value::Multi(list)),
            })
            .collect();
        let ctx = InternedCtx(&ctx_vals);
        let parts = built_parts(&case);
        let text = case.text.as_bytes();
        let mut buf = TokenBuf::default();
        let want = assemble(&mut buf, &parts, true, &ctx).is_some() && buf.matches(text);
        let got = split_matches(&built_split(&case), text, &ctx);
        if want != got {
            eprintln!("glob: assembled {want}, split {got}: {case:?}");
            return TestResult::failed();
        }
        let mut s = String::new();
        let subst = substitute(&mut s, &parts, &ctx);
        let eq = subst && s == case.text;
        if eq != template_eq(&case.text, &parts, &ctx) {
            eprintln!("StringEquals: substituted {eq}: {case:?}");
            return TestResult::failed();
        }
        let ci = subst
            && case
                .text
                .chars()
                .flat_map(char::to_lowercase)
                .eq(s.chars().flat_map(char::to_lowercase));
        if ci != template_eq_ci(&case.text, &parts, &ctx) {
            eprintln!("StringEqualsIgnoreCase: substituted {ci}: {case:?}");
            return TestResult::failed();
        }
        TestResult::passed()
    }

    #[test]
    fn split_templates_agree_with_assembling() {
        QuickCheck::new()
            .tests(20_000)
            .max_tests(40_000)
            .quickcheck(templates_agree as fn(Case) -> TestResult);
    }

    /// The shapes of the realistic set, and the edges: empty values, a `*` in a value, a
    /// variable next to `*`, prefix and suffix that would overlap.
    #[test]
    fn split_template_examples() {
        let user = |v: &str| Case {
            parts: Vec::new(),
            values: vec![(0, Some(v.to_string()), false)],
            text: String::new(),
        };
        let cases: [(&[TPart], &str, &str, bool); 9] = [
            (
                &[
                    TPart::Text("arn:aws:rds:*:1:db:".into()),
                    TPart::Var(0, None),
                    TPart::Text("*".into()),
                ],
                "bob",
                "arn:aws:rds:us-east-1:1:db:bob-7",
                true,
            ),
            (
                &[TPart::Text("dbuser:*/".into()), TPart::Var(0, None)],
                "bob",
                "dbuser:x/bob",
                true,
            ),
            (
                &[TPart::Text("dbuser:*/".into()), TPart::Var(0, None)],
                "bob",
                "dbuser:x/bobby",
                false,
            ),
            (
                &[
                    TPart::Text("home/".into()),
                    TPart::Var(0, None),
                    TPart::Text("/*".into()),
                ],
                "",
                "home//x",
                true,
            ),
            (
                &[TPart::Text("a/".into()), TPart::Var(0, None)],
                "*",
                "a/b",
                false,
            ),
            (
                &[TPart::Text("a/".into()), TPart::Var(0, None)],
                "*",
                "a/*",
                true,
            ),
            (
                &[
                    TPart::Var(0, None),
                    TPart::Text("*".into()),
                    TPart::Var(0, None),
                ],
                "a",
                "a",
                false,
            ),
            (
                &[
                    TPart::Var(0, None),
                    TPart::Text("?".into()),
                    TPart::Var(0, None),
                ],
                "a",
                "aéa",
                true,
            ),
            (
                &[TPart::Var(1, None), TPart::Text("*".into())],
                "a",
                "a",
                false,
            ),
        ];
        for (parts, v, text, want) in cases {
            let mut case = user(v);
            case.parts = parts.to_vec();
            case.text = text.to_string();
            let r = templates_agree(case.clone());
            assert!(!r.is_failure(), "{case:?}");
            let ctx_vals = [(0, Value::Single(v))];
            let got = split_matches(
                &built_split(&case),
                text.as_bytes(),
                &InternedCtx(&ctx_vals),
            );
            assert_eq!(got, want, "{case:?}");
        }
    }

    /// E-19 as it was written before `kms_field` (a substring search, then the ARN split).
    fn resource_required_slow(action: &str, resource: &str) -> bool {
        let assume = [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action));
        if !assume && !resource.contains(":kms:") {
            return false;
        }
        let Some(f) = arn_fields(resource) else {
            return false;
        };
        if f[2] == "kms" && f[5].starts_with("key/") {
            return true;
        }
        assume && is_role_arn(resource)
    }

    #[test]
    fn e19_fast_check_agrees() {
        let parts = [
            "arn", "aws", "kms", "KMS", "kms:", "", "key/", "key/1", "iam", "role/x", ":", "x",
            "s3",
        ];
        let mut rng = crate::test_rng::Lcg::new(1u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..200_000 {
            let k = next(8);
            let r: Vec<&str> = (0..k).map(|_| parts[next(parts.len())]).collect();
            let sep = if next(4) == 0 { "" } else { ":" };
            let resource = r.join(sep);
            for action in ["s3:GetObject", "sts:assumerole", "kms:Decrypt"] {
                assert_eq!(
                    resource_required(action, &resource),
                    resource_required_slow(action, &resource),
                    "{action} {resource}"
                );
            }
        }
    }
}
