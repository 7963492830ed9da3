//! Building a compiled set ([`crate::compiled::Inner`]) from a view of the IR: sort the
//! statements canonically, index the actions, type and compile every value.
//!
//! The IR is trusted to come from the compiler or a checked artifact, but not to be right:
//! every id and level is range-checked and every value parsed here, and any inconsistency is a
//! [`BuildError`], so the evaluator can rely on the invariants listed in
//! [`crate::compiled`] instead of re-checking (or skipping) at run time.
//!
//! - [`template`]: templates and globs; [`values`]: typed condition values;
//! - [`actions`]: the action index; [`automata`]: the glob DFAs;
//! - [`stats`]: sizes of what was built.

pub(crate) mod actions;
pub(crate) mod automata;
pub(crate) mod stats;
pub(crate) mod template;
pub(crate) mod values;

use rustc_hash::FxHashMap as FxMap;

use crate::artifact::Source;
use crate::build::actions::{IndexBuilder, PRECOMPUTED_LIMIT};
use crate::build::automata::Automata;
use crate::build::template::{pattern, TryBoxed};
use crate::build::values::values;
use crate::compiled::{Cond, Inner, Pattern, PolicyInfo, Principal, Stmt};
use crate::decision::PolicyKind;
use crate::error::BuildError;
use crate::fold::{fold_key, non_ascii_lengths};
use crate::glob::Glob;
use crate::ids::StmtId;
use crate::ir::{IrView, KeyId, PolicyView, StatementView};
use crate::value::LowerName;

pub(crate) fn kind_rank(k: PolicyKind) -> u8 {
    match k {
        PolicyKind::Identity => 0,
        PolicyKind::Resource => 1,
        PolicyKind::Boundary => 2,
        PolicyKind::Session => 3,
        PolicyKind::Scp => 4,
        PolicyKind::Rcp => 5,
    }
}

/// One statement of policy `p`, its patterns and condition values compiled.
pub(crate) fn statement(
    p: &PolicyView<'_>,
    s: &StatementView<'_>,
    v: &IrView<'_>,
    nkeys: usize,
    autos: &Automata,
) -> Result<Stmt, BuildError> {
    let conds = s
        .conditions
        .of(&v.conditions)
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
                values: values(c.op, c.values.of(&v.templates), v, nkeys, autos)?,
            })
        })
        .try_boxed()?;
    let resources = s
        .resources
        .of(&v.templates)
        .iter()
        .map(|t| pattern(v.template(t), nkeys, autos))
        .try_boxed()?;
    let always =
        !s.not_resource && conds.is_empty() && matches!(&*resources, [Pattern::Static(Glob::Any)]);
    Ok(Stmt {
        allow: s.allow,
        kind: p.kind,
        level: p.level,
        policy: p.index,
        index: s.index,
        principal: s.principal.map(|(negated, wildcard, entries)| Principal {
            negated,
            wildcard,
            entries: entries.of(&v.strs).iter().map(|&e| e.into()).collect(),
        }),
        not_resource: s.not_resource,
        resources,
        conds,
        always,
        opaque: s.opaque.map(|(rule, _)| rule.into()),
    })
}

/// Build the compiled set from a view of the IR, keeping `source` (what `to_bytes` writes;
/// see [`crate::artifact`]). Fails only on inconsistent IR (ids out of range, a value that
/// does not parse), which a correct compiler never produces.
pub(crate) fn build(v: &IrView<'_>, source: Source) -> Result<Inner, BuildError> {
    // Spans are u32 (the loader's input is bounded by that; an IR this big is not).
    let largest = [v.strs.len(), v.parts.len(), v.templates.len()]
        .into_iter()
        .chain([v.conditions.len(), v.statements.len()])
        .max()
        .unwrap_or(0);
    if u32::try_from(largest).is_err() {
        return Err(BuildError::TooManyStatements);
    }
    let nkeys = v.keys.len();
    let autos = Automata::load(&v.automata)?;
    let mut keys: FxMap<Box<str>, KeyId> = FxMap::default();
    keys.reserve(nkeys + 1);
    let mut key_names: Vec<LowerName> = Vec::with_capacity(nkeys + 1);
    let mut multivalued = Vec::with_capacity(nkeys + 1);
    for (i, &(name, mv)) in v.keys.iter().enumerate() {
        let name = fold_key(name);
        keys.entry(name.clone().into_boxed_str())
            .or_insert(i as KeyId);
        key_names.push(LowerName::new(&name));
        multivalued.push(mv);
    }
    // E-12 needs aws:PrincipalArn from the context even when no condition uses it.
    let principal_arn_key = match keys.get("aws:principalarn") {
        Some(&id) => id,
        None => {
            let id = key_names.len() as KeyId;
            keys.insert("aws:principalarn".into(), id);
            key_names.push(LowerName::new("aws:principalarn"));
            multivalued.push(false);
            id
        }
    };

    let mut order: Vec<&PolicyView<'_>> = v.policies.iter().collect();
    order.sort_by_key(|p| (kind_rank(p.kind), p.level, p.index));
    let mut stmts = Vec::with_capacity(v.statements.len());
    let mut policies = Vec::with_capacity(order.len());
    let mut actions = IndexBuilder::default();
    // Action patterns are most of `strs`; sets repeat names, about four times each in the
    // managed policies. Sized up front, the tables are not rehashed as they fill.
    actions.names.reserve(v.strs.len() / 4);
    actions.name_tags.reserve(v.strs.len());
    for &p in &order {
        match p.kind {
            PolicyKind::Scp if p.level >= v.scp_levels => {
                return Err(BuildError::LevelOutOfRange { level: p.level })
            }
            PolicyKind::Rcp if p.level >= v.rcp_levels => {
                return Err(BuildError::LevelOutOfRange { level: p.level })
            }
            _ => {}
        }
        let statements = p.statements.of(&v.statements);
        policies.push(PolicyInfo {
            kind: p.kind,
            level: p.level,
            index: p.index,
            name: p.name.to_string(),
            sids: statements.iter().map(|s| s.sid.map(String::from)).collect(),
        });
    }
    // Statement ids: every Deny before every Allow, each in canonical order. A sorted
    // candidate list is then its Denies followed by its Allows, and the evaluator's two
    // loops each walk only their own part (no per-candidate effect test, a branch the
    // CPU cannot predict since it changes with every request's action).
    for allow in [false, true] {
        for &p in &order {
            for s in p.statements.of(&v.statements) {
                // An opaque statement of unknown effect is both a Deny and an Allow (G-21).
                let unknown_effect = s.opaque.is_some_and(|(_, e)| e);
                if s.allow != allow && !unknown_effect {
                    continue;
                }
                let id = StmtId::new(stmts.len()).ok_or(BuildError::TooManyStatements)?;
                actions.add(id, s.not_action, s.actions.of(&v.strs));
                let mut stmt = statement(p, s, v, nkeys, &autos)?;
                stmt.allow = allow;
                stmts.push(stmt);
            }
        }
    }
    let first_allow = StmtId::new(stmts.iter().position(|s| s.allow).unwrap_or(stmts.len()))
        .ok_or(BuildError::TooManyStatements)?;
    let actions = actions.finish(PRECOMPUTED_LIMIT, &v.action_automata, &v.strs)?;
    let unicode_keys = key_names
        .iter()
        .map(|k| non_ascii_lengths(k.as_str()))
        .collect();
    let has_boundary = v.policies.iter().any(|p| p.kind == PolicyKind::Boundary);
    let has_session = v.policies.iter().any(|p| p.kind == PolicyKind::Session);
    Ok(Inner {
        stamp: next_stamp(),
        stmts,
        first_allow,
        actions,
        keys,
        key_names,
        unicode_keys,
        multivalued,
        principal_arn_key,
        scp_levels: v.scp_levels,
        rcp_levels: v.rcp_levels,
        has_boundary,
        has_session,
        management_account: v.management_account.map(Box::from),
        has_opaque: v.statements.iter().any(|s| s.opaque.is_some()),
        rcp_services: v
            .rcp_services
            .iter()
            .map(|s| Box::from(s.to_ascii_lowercase().as_str()))
            .collect(),
        policies,
        source,
    })
}

/// A stamp for a new set: a process-wide counter from 1, so that keys interned by one set are
/// told apart from another's ([`crate::InternedKey`]). 2^64 builds do not happen.
fn next_stamp() -> u64 {
    use core::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
