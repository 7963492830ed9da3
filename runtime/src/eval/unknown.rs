//! Three-valued evaluation (E-21, K-13, G-21): a request with unknown context keys or an
//! unknown resource, or a set with opaque statements.
//!
//! Each candidate statement's applicability is yes, no or unknown (Kleene logic); the possible
//! outcomes follow directly: `explicit_deny` iff some in-scope Deny is yes or unknown (a yes
//! decides at once), `allow` iff granted with every unknown Allow taken as applying,
//! `implicit_deny` iff not granted with every unknown Allow taken as not applying. One
//! possible outcome is the decision; several make it `Indeterminate`.
//!
//! Trade-off: this path is kept apart from the two-valued one ([`super::evaluate_with`]) so a
//! request with nothing unknown on a set with no opaque statement pays nothing for it — not a
//! branch per statement. It is written for clarity over speed: every candidate is tested (no
//! skipping of satisfied groups) and the grant is computed twice from the recorded truth
//! values. It allocates nothing once the [`Scratch`]'s buffers are warm.
//! [`depends_on`] (what an indeterminate decision depends on) allocates, and is computed only
//! on request.

use core::cell::{Cell, OnceCell};

use crate::compiled::{ArnVal, Cond, Inner, Part, Pattern, Piece, Stmt, StrVal, Values};
use crate::decision::{BuiltinRule, Deciding, Decision, Outcome, PolicyKind, Possible};
use crate::eval::combine::{is_get_caller_identity, rcp_covers, resource_required, stmt_ref};
use crate::eval::condition::{cmp_ok, lookup, positive, Lookup};
use crate::eval::context::Ctx;
use crate::eval::principal::{is_slr_arn, PKind, PrincipalFacts, Strength};
use crate::eval::scratch::Scratch;
use crate::eval::template::{arn_template_matches, pattern_matches, template_eq, template_eq_ci};
use crate::fold::{chars_lower_eq, fold_chars};
use crate::glob::Glob;
use crate::ids::StmtId;
use crate::ir::{KeyId, SetOp};
use crate::request::Value;
use crate::value::{self, Decimal};
use crate::StatementRef;

/// What a request declares unknown (K-13): context keys by name (C-2: compared
/// case-insensitively; a key may not also be given a value) and the resource.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unknown<'a> {
    /// Unknown context keys.
    pub context: &'a [&'a str],
    /// The resource is unknown (the request's `resource` is not read).
    pub resource: bool,
}

impl Unknown<'_> {
    /// Nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.context.is_empty() && !self.resource
    }
}

/// What an indeterminate decision depends on (E-21), as [`crate::PolicySet::depends_on`]
/// reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DependsOn {
    /// The unknown context keys some statement of unknown applicability reads, as the request
    /// spells them, sorted.
    pub keys: Vec<String>,
    /// The unknown resource is read by such a statement.
    pub resource: bool,
    /// The opaque statements of unknown applicability, in canonical order, with their rule.
    pub opaque: Vec<(StatementRef, String)>,
}

/// A truth value that may be unknown; ordered so `min` is AND and `max` is OR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tri {
    No = 0,
    Unknown = 1,
    Yes = 2,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    fn negate(self) -> Tri {
        match self {
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
            Tri::Yes => Tri::No,
        }
    }
}

/// Whether the set's key `key` is one of the unknown names (C-2: the same comparison as the
/// context lookup, without allocating).
fn key_is_unknown(inner: &Inner, unknown: &Unknown<'_>, key: KeyId) -> bool {
    let Some(folded) = inner.key_names.get(key as usize) else {
        return false;
    };
    unknown.context.iter().any(|name| {
        (name.len() == folded.len() && folded.eq_ascii(name.as_bytes()))
            || (!name.is_ascii() && fold_chars(name).eq(folded.as_str().chars()))
    })
}

fn parts_unknown(inner: &Inner, unknown: &Unknown<'_>, parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|p| matches!(p, Part::Var(k, _) if key_is_unknown(inner, unknown, *k)))
}

/// Every key a pattern's variables name.
fn pattern_keys(p: &Pattern, f: &mut impl FnMut(KeyId)) {
    let Pattern::Template(t) = p else {
        return;
    };
    let mut piece = |x: &Piece| {
        if let Piece::Var(k, _) = x {
            f(*k);
        }
    };
    t.prefix.iter().for_each(&mut piece);
    t.suffix.iter().for_each(&mut piece);
    if let crate::compiled::Middle::Toks(toks) = &t.middle {
        for tok in toks.iter() {
            if let crate::compiled::MidTok::Lit(ps) = tok {
                ps.iter().for_each(&mut piece);
            }
        }
    }
}

/// Every key a statement names: condition keys and the variables of its resource patterns and
/// condition values.
fn stmt_keys(s: &Stmt, f: &mut impl FnMut(KeyId)) {
    for p in s.resources.iter() {
        pattern_keys(p, f);
    }
    for c in s.conds.iter() {
        f(c.key);
        let mut parts = |ps: &[Part]| {
            for p in ps {
                if let Part::Var(k, _) = p {
                    f(*k);
                }
            }
        };
        match &c.values {
            Values::Str(v) | Values::StrCi(v) => {
                for x in v.iter() {
                    if let StrVal::Template(ps) = x {
                        parts(ps);
                    }
                }
            }
            Values::Arn(v) => {
                for x in v.iter() {
                    if let ArnVal::Template(ps) = x {
                        parts(ps);
                    }
                }
            }
            Values::Like(v) => {
                for p in v.patterns() {
                    pattern_keys(p, f);
                }
            }
            _ => {}
        }
    }
}

fn pattern_unknown(inner: &Inner, unknown: &Unknown<'_>, p: &Pattern) -> bool {
    let mut any = false;
    pattern_keys(p, &mut |k| any |= key_is_unknown(inner, unknown, k));
    any
}

/// The resource part (R-1 … R-6) against a maybe-unknown resource: `*` matches any resource;
/// any other pattern is unknown against an unknown resource, or when its variable names an
/// unknown key; `NotResource` is the Kleene NOT.
fn resource_part<'a>(
    inner: &Inner,
    unknown: &Unknown<'_>,
    s: &Stmt,
    resource: &str,
    ctx: &impl Ctx<'a>,
) -> Tri {
    let mut any = Tri::No;
    for p in s.resources.iter() {
        let t = if unknown.resource {
            if matches!(p, Pattern::Static(Glob::Any)) {
                Tri::Yes
            } else {
                Tri::Unknown
            }
        } else if pattern_unknown(inner, unknown, p) {
            Tri::Unknown
        } else {
            Tri::of(pattern_matches(p, resource.as_bytes(), ctx))
        };
        any = any.max(t);
        if any == Tri::Yes {
            break;
        }
    }
    if s.not_resource {
        any.negate()
    } else {
        any
    }
}

/// One policy value against one request value: unknown when the value's variable names an
/// unknown key (E-21); else the two-valued test.
fn positive3<'a>(
    inner: &Inner,
    unknown: &Unknown<'_>,
    scratch: &mut Scratch,
    c: &Cond,
    r: &str,
    ctx: &impl Ctx<'a>,
) -> Option<Tri> {
    let any = |it: &mut dyn Iterator<Item = Tri>| it.fold(Tri::No, Tri::max);
    Some(match &c.values {
        Values::Str(vals) => any(&mut vals.iter().map(|v| match v {
            StrVal::Static(s) => Tri::of(**s == *r),
            StrVal::Template(p) if parts_unknown(inner, unknown, p) => Tri::Unknown,
            StrVal::Template(p) => Tri::of(template_eq(r, p, ctx)),
        })),
        Values::StrCi(vals) => any(&mut vals.iter().map(|v| match v {
            StrVal::Static(s) => Tri::of(chars_lower_eq(r, s)),
            StrVal::Template(p) if parts_unknown(inner, unknown, p) => Tri::Unknown,
            StrVal::Template(p) => Tri::of(template_eq_ci(r, p, ctx)),
        })),
        // The automaton's values are static: never unknown.
        Values::Like(set) => any(
            &mut core::iter::once(Tri::of(set.infix_matches(r.as_bytes()))).chain(
                set.rest().iter().map(|p| {
                    if pattern_unknown(inner, unknown, p) {
                        Tri::Unknown
                    } else {
                        Tri::of(pattern_matches(p, r.as_bytes(), ctx))
                    }
                }),
            ),
        ),
        Values::Arn(vals) => {
            let rf = value::split_arn(r)?;
            let mut acc = Tri::No;
            for v in vals.iter() {
                let t = match v {
                    ArnVal::Static(None) => Tri::No,
                    ArnVal::Static(Some(globs)) => Tri::of(
                        globs
                            .iter()
                            .zip(rf.iter())
                            .all(|(g, f)| g.matches(f.as_bytes())),
                    ),
                    ArnVal::Template(p) if parts_unknown(inner, unknown, p) => Tri::Unknown,
                    ArnVal::Template(p) => {
                        Tri::of(arn_template_matches(&mut scratch.fields, p, &rf, ctx))
                    }
                };
                acc = acc.max(t);
                if acc == Tri::Yes {
                    break;
                }
            }
            acc
        }
        // Numbers, dates, Booleans, bytes, addresses: no variables (V-3).
        Values::Num(vals) => {
            let x = Decimal::parse(r)?;
            Tri::of(vals.iter().any(|v| cmp_ok(c.op, x.compare(&v.get()))))
        }
        _ => Tri::of(positive(scratch, c, r, ctx)?),
    })
}

/// `match(r)` in Kleene logic: a value that does not parse is false (C-17).
fn match3<'a>(
    inner: &Inner,
    unknown: &Unknown<'_>,
    scratch: &mut Scratch,
    c: &Cond,
    r: &str,
    ctx: &impl Ctx<'a>,
) -> Tri {
    match positive3(inner, unknown, scratch, c, r, ctx) {
        None => Tri::No,
        Some(hit) if c.negated => hit.negate(),
        Some(hit) => hit,
    }
}

/// One condition entry (C-1 … C-24) in Kleene logic: unknown when its key is unknown,
/// whatever the operator (K-13).
fn condition3<'a>(
    inner: &Inner,
    unknown: &Unknown<'_>,
    scratch: &mut Scratch,
    c: &Cond,
    ctx: &impl Ctx<'a>,
) -> Tri {
    if key_is_unknown(inner, unknown, c.key) {
        return Tri::Unknown;
    }
    match lookup(inner, c, ctx) {
        Lookup::Decided(b) => Tri::of(b),
        Lookup::Single(r) => match3(inner, unknown, scratch, c, r, ctx),
        Lookup::Multi(list) => {
            let each = list
                .iter()
                .map(|r| match3(inner, unknown, scratch, c, r, ctx));
            match c.set {
                Some(SetOp::ForAnyValue) => each.fold(Tri::No, Tri::max),
                Some(SetOp::ForAllValues) => each.fold(Tri::Yes, Tri::min),
                None => Tri::No,
            }
        }
    }
}

/// A statement's resource part and conditions (its action matched and its principal part
/// was checked), capped at unknown for an opaque statement (G-21).
fn applies3<'a>(
    inner: &Inner,
    unknown: &Unknown<'_>,
    scratch: &mut Scratch,
    s: &Stmt,
    resource: &str,
    ctx: &impl Ctx<'a>,
) -> Tri {
    let mut t = if s.always {
        Tri::Yes
    } else {
        resource_part(inner, unknown, s, resource, ctx)
    };
    if !s.always {
        for c in s.conds.iter() {
            if t == Tri::No {
                break;
            }
            t = t.min(condition3(inner, unknown, scratch, c, ctx));
        }
    }
    if s.opaque.is_some() {
        t.min(Tri::Unknown)
    } else {
        t
    }
}

/// What the three-valued path records for [`depends_on`]: a statement of unknown
/// applicability, or that whether SCPs and RCPs apply at all is unknown (E-12 with
/// `aws:PrincipalArn` unknown, E-21), which decides before any statement is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A statement of unknown applicability.
    Statement(StmtId),
    /// SCP and RCP scope unknown.
    OrgScope,
}

/// The three-valued decision. `resource` is not read when it is unknown. `record` receives
/// every in-scope candidate statement of unknown applicability, or the unknown org scope
/// (for [`depends_on`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate3<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    principal: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    unknown: &Unknown<'_>,
    ctx: &impl Ctx<'a>,
    record: &mut dyn FnMut(Recorded),
) -> Outcome {
    if is_get_caller_identity(action) {
        return Outcome {
            decision: Decision::Allow,
            deciding: Some(Deciding::Rule(BuiltinRule::GetCallerIdentity)),
        };
    }
    // E-12, E-21: SCP and RCP scope reads `aws:PrincipalArn`; unknown, every outcome is
    // possible.
    if (inner.scp_levels > 0 || inner.rcp_levels > 0)
        && key_is_unknown(inner, unknown, inner.principal_arn_key)
    {
        record(Recorded::OrgScope);
        return Outcome {
            decision: Decision::Indeterminate(
                Possible::ALLOW
                    .union(Possible::EXPLICIT_DENY)
                    .union(Possible::IMPLICIT_DENY),
            ),
            deciding: None,
        };
    }
    // An unknown resource is read as "*": no account of its own (E-9), no E-19 from it.
    let resource = if unknown.resource { "*" } else { resource };
    scratch.action.clear();
    scratch.action.extend_from_slice(action.as_bytes());
    scratch.action.make_ascii_lowercase();
    let mut cands = core::mem::take(&mut scratch.cands);
    match inner.actions.precomputed.get(action.as_bytes()) {
        Some(list) => {
            cands.clear();
            cands.extend_from_slice(list);
        }
        None => inner
            .actions
            .candidates_into(&scratch.action, &mut cands, &mut scratch.excluded),
    }
    let out = decide3(
        inner,
        scratch,
        &cands,
        principal,
        action,
        resource,
        resource_account,
        unknown,
        ctx,
        record,
    );
    scratch.cands = cands;
    out
}

#[allow(clippy::too_many_arguments)]
fn decide3<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    cands: &[StmtId],
    principal: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    unknown: &Unknown<'_>,
    ctx: &impl Ctx<'a>,
    record: &mut dyn FnMut(Recorded),
) -> Outcome {
    let facts_known = OnceCell::new();
    let facts = || facts_known.get_or_init(|| PrincipalFacts::new(principal));
    let res_account = || {
        resource_account
            .or_else(|| value::arn_account(resource))
            .or(facts().account)
    };
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
    // E-9, E-21: an unknown resource without `resource_account` has an unknown account
    // (`res_account` then stands in with the principal's, which is not trusted below).
    let account_unknown = unknown.resource && resource_account.is_none();
    let rcp_unknown = account_unknown && mgmt.is_some();
    let scp_applies =
        || facts().account.is_some() && (mgmt.is_none() || facts().account != mgmt) && !slr();
    let rcp_applies = || {
        (mgmt.is_none() || rcp_unknown || res_account() != mgmt)
            && !slr()
            && rcp_covers(&inner.rcp_services, action)
    };
    let in_scope = |s: &Stmt| match s.kind {
        PolicyKind::Scp => scp_applies(),
        PolicyKind::Rcp => rcp_applies(),
        _ => true,
    };
    // Whether the management-account test leaves an RCP's scope unknown.
    let cap = |s: &Stmt, t: Tri| {
        if s.kind == PolicyKind::Rcp && rcp_unknown {
            t.min(Tri::Unknown)
        } else {
            t
        }
    };

    // Denies: a certain one decides; an unknown one makes explicit_deny possible.
    let mut deny_possible = false;
    let mut allows_from = cands.len();
    for (i, &id) in cands.iter().enumerate() {
        if id >= inner.first_allow {
            allows_from = i;
            break;
        }
        let Some(s) = inner.stmt(id) else {
            return super::inconsistent();
        };
        let principal_ok = match &s.principal {
            None => true,
            Some(p) if p.negated => !facts().exempt(p, inner.has_boundary),
            Some(p) => facts().strength(p) >= Strength::Account,
        };
        if !principal_ok || !in_scope(s) {
            continue;
        }
        match cap(s, applies3(inner, unknown, scratch, s, resource, ctx)) {
            Tri::Yes => {
                return Outcome {
                    decision: Decision::ExplicitDeny,
                    deciding: Some(Deciding::Statement(stmt_ref(s))),
                }
            }
            Tri::Unknown => {
                deny_possible = true;
                record(Recorded::Statement(id));
            }
            Tri::No => {}
        }
    }

    // Allows: each candidate's truth value, recorded once (RCP Allows change nothing, E-10).
    let allows = cands.get(allows_from..).unwrap_or_default();
    let mut truth = core::mem::take(&mut scratch.truth);
    truth.clear();
    for &id in allows {
        let Some(s) = inner.stmt(id) else {
            scratch.truth = truth;
            return super::inconsistent();
        };
        let t = if s.kind == PolicyKind::Rcp || !in_scope(s) {
            Tri::No
        } else {
            let principal_ok = match &s.principal {
                Some(p) if s.kind == PolicyKind::Resource => {
                    !p.negated && facts().strength(p) > Strength::None
                }
                _ => true,
            };
            if principal_ok {
                applies3(inner, unknown, scratch, s, resource, ctx)
            } else {
                Tri::No
            }
        };
        if t == Tri::Unknown {
            record(Recorded::Statement(id));
        }
        truth.push(t as u8);
    }

    // E-19 with an unknown resource: it may be a KMS key or a role only for those actions.
    let required = resource_required(action, resource);
    let may_be_required = unknown.resource && {
        let service = action.split(':').next().unwrap_or_default();
        service.eq_ignore_ascii_case("kms") || is_assume_role(action)
    };
    let facts = facts();
    let same_account = facts.account.is_some() && facts.account == res_account();
    let grant_with = |assume: bool, required: bool, same: bool| {
        grant(
            inner,
            scratch,
            allows,
            &truth,
            assume,
            required,
            facts,
            same,
            scp_applies(),
        )
    };
    // With the resource's account unknown: allow possible if either account grants, certain
    // if both do.
    let accounts: &[bool] = if account_unknown {
        &[true, false]
    } else {
        core::slice::from_ref(&same_account)
    };
    let optimistic = accounts
        .iter()
        .find_map(|&same| grant_with(true, required && !may_be_required, same));
    let pessimistic = if accounts
        .iter()
        .all(|&same| grant_with(false, required || may_be_required, same).is_some())
    {
        grant_with(false, required || may_be_required, same_account)
    } else {
        None
    };
    scratch.truth = truth;

    let mut possible = Possible::default();
    if deny_possible {
        possible = possible.union(Possible::EXPLICIT_DENY);
    }
    if optimistic.is_some() {
        possible = possible.union(Possible::ALLOW);
    }
    if pessimistic.is_none() {
        possible = possible.union(Possible::IMPLICIT_DENY);
    }
    let decision = possible.decision();
    let deciding = match decision {
        Decision::Allow => pessimistic
            .flatten()
            .map(|s| Deciding::Statement(stmt_ref(s))),
        _ => None,
    };
    Outcome { decision, deciding }
}

fn is_assume_role(action: &str) -> bool {
    [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action))
}

/// E-5 … E-19 from recorded truth values, each unknown Allow taken as applying iff `assume`;
/// `Some(deciding statement)` when granted.
#[allow(clippy::too_many_arguments)]
fn grant<'i>(
    inner: &'i Inner,
    scratch: &Scratch,
    allows: &[StmtId],
    truth: &[u8],
    assume: bool,
    required: bool,
    facts: &PrincipalFacts<'_>,
    same_account: bool,
    scp_applies: bool,
) -> Option<Option<&'i Stmt>> {
    let ok = |t: u8| t == Tri::Yes as u8 || (assume && t == Tri::Unknown as u8);
    let mut identity_allow: Option<&Stmt> = None;
    let mut boundary_ok = !inner.has_boundary;
    let mut session_ok = !inner.has_session;
    let mut grant = Strength::None;
    let mut grant_stmt: Option<&Stmt> = None;
    // SCP levels with an applying Allow, as a bit set (levels beyond 64 are refused at build).
    let mut levels: u128 = 0;
    for (&id, &t) in allows.iter().zip(truth) {
        if !ok(t) {
            continue;
        }
        // A missing statement fails closed: not granted.
        let s = inner.stmt(id)?;
        match s.kind {
            PolicyKind::Identity => {
                identity_allow.get_or_insert(s);
            }
            PolicyKind::Boundary => boundary_ok = true,
            PolicyKind::Session => session_ok = true,
            PolicyKind::Resource => {
                let st = s
                    .principal
                    .as_ref()
                    .map_or(Strength::None, |p| facts.strength(p));
                if st > grant {
                    grant = st;
                    grant_stmt = Some(s);
                }
            }
            PolicyKind::Scp => levels |= 1u128 << (s.level.min(127)),
            PolicyKind::Rcp => {}
        }
    }
    let identity_side = identity_allow.is_some() && boundary_ok && session_ok;
    let scp_ok =
        !scp_applies || (0..scratch.scp_ok.len()).all(|l| l < 128 && levels & (1u128 << l) != 0);
    let granted = if facts.kind == PKind::NonAccount {
        grant == Strength::Direct
    } else if same_account {
        grant == Strength::Direct
            || (grant == Strength::Role && boundary_ok && session_ok)
            || (identity_side && (grant == Strength::Account || !required))
    } else {
        identity_side && grant != Strength::None
    };
    (granted && scp_ok).then_some(if identity_side {
        identity_allow
    } else {
        grant_stmt
    })
}

/// The unknowns of the `recorded` statements (E-21): the unknown keys they name, the resource
/// when unknown and a statement's resource part is not only `*`, and the opaque ones.
pub(super) fn depends_on(inner: &Inner, unknown: &Unknown<'_>, recorded: &[Recorded]) -> DependsOn {
    let mut out = DependsOn::default();
    // The org-scope marker (see `evaluate3`): the decision depends on aws:PrincipalArn only.
    if recorded.contains(&Recorded::OrgScope) {
        for name in unknown.context {
            let one = Unknown {
                context: core::slice::from_ref(name),
                resource: false,
            };
            if key_is_unknown(inner, &one, inner.principal_arn_key) {
                out.keys.push((*name).to_string());
            }
        }
        return out;
    }
    for s in recorded.iter().filter_map(|&r| match r {
        Recorded::Statement(id) => inner.stmt(id),
        Recorded::OrgScope => None,
    }) {
        stmt_keys(s, &mut |k| {
            for name in unknown.context {
                let one = Unknown {
                    context: core::slice::from_ref(name),
                    resource: false,
                };
                if key_is_unknown(inner, &one, k) && !out.keys.iter().any(|x| x == name) {
                    out.keys.push((*name).to_string());
                }
            }
        });
        let star_only = !s.not_resource
            && s.resources
                .iter()
                .all(|p| matches!(p, Pattern::Static(Glob::Any)));
        if unknown.resource && !star_only {
            out.resource = true;
        }
        if let Some(rule) = &s.opaque {
            out.opaque.push((stmt_ref(s), rule.to_string()));
        }
    }
    out.keys.sort();
    out.opaque
        .sort_by_key(|(r, _)| (r.kind, r.level, r.policy, r.statement));
    out.opaque.dedup_by_key(|(r, _)| *r);
    out
}
