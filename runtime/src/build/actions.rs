//! Building the action index ([`crate::action_index`]): every statement's action patterns
//! collected, grouped by distinct text, matched once, and the exact names' candidate lists
//! precomputed with the same [`select`] the evaluator uses. Also [`action_patterns`], which
//! tells the compiler which services to build multi-pattern DFAs for.
//!
//! An internal inconsistency in the builder's own tables is a [`BuildError::Internal`], never
//! a statement silently left out of a list (which could drop a Deny).

use rustc_hash::FxHashMap as FxMap;

use crate::action_index::{select, ActionDfa, ActionIndex, ActionTable, ServiceActions};
use crate::automaton::MultiDfa;
use crate::build::template::text_glob;
use crate::decision::GET_CALLER_IDENTITY;
use crate::error::BuildError;
use crate::glob::Glob;
use crate::ids::{ActionTag, StmtId};
use crate::ir::{PolicySetIr, Span};

/// Most candidate ids the precomputed table may hold in all (bounds its memory to ~16 MB).
pub(crate) const PRECOMPUTED_LIMIT: usize = 4 << 20;

/// A service's distinct wildcard action-name patterns, sorted: the pattern order of its
/// multi-pattern DFA.
pub(crate) fn distinct_patterns<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
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
pub(crate) fn split_action(p: &str) -> Option<(String, String, bool)> {
    let p = p.to_ascii_lowercase();
    if p.bytes().all(|b| b == b'*') {
        return None;
    }
    let (service, name) = p.split_once(':')?;
    let wildcard = name.contains(['*', '?']);
    Some((service.to_string(), name.to_string(), wildcard))
}

/// A service's index in the builder's tables (`services`, `patterns`, `name_service`) and in
/// the per-service lists [`IndexBuilder::finish`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServiceIdx(u32);

impl ServiceIdx {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// The slot of one distinct exact name (in `names`, `name_service`) or one distinct wildcard
/// pattern (in `globs`, `patterns`): what [`group`] groups the statements' tags by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot(u32);

impl Slot {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// Collects the action patterns of a set's statements, then builds its [`ActionIndex`].
/// Patterns are lower-cased into one reused buffer and grouped by full text in two tables
/// (exact names, wildcard patterns), so each distinct name or pattern is allocated, parsed
/// and matched once however many statements repeat it; the statements naming each are kept
/// as (slot, tag) pairs and grouped at the end.
#[derive(Default)]
pub(crate) struct IndexBuilder {
    /// Service prefix → index in `globs_of`.
    pub(crate) services: FxMap<Box<[u8]>, ServiceIdx>,
    /// Exact `service:name` → slot; `name_service[slot]` is its service.
    pub(crate) names: FxMap<Box<[u8]>, Slot>,
    pub(crate) name_service: Vec<ServiceIdx>,
    /// Wildcard `service:pattern` → slot; `patterns[slot]` is its service and glob.
    pub(crate) globs: FxMap<Box<[u8]>, Slot>,
    pub(crate) patterns: Vec<(ServiceIdx, Glob)>,
    /// (slot, tag) of every exact name and every pattern, in statement order.
    pub(crate) name_tags: Vec<(Slot, ActionTag)>,
    pub(crate) glob_tags: Vec<(Slot, ActionTag)>,
    pub(crate) always: Vec<StmtId>,
    pub(crate) not_action_count: usize,
    pub(crate) buf: String,
}

impl IndexBuilder {
    pub(crate) fn service(&mut self, service: &str) -> ServiceIdx {
        if let Some(&i) = self.services.get(service.as_bytes()) {
            return i;
        }
        let i = ServiceIdx(self.services.len() as u32);
        self.services.insert(service.as_bytes().into(), i);
        i
    }

    /// Index one statement's action patterns (A-2 case-folded, A-3 globs, A-7 NotAction).
    pub(crate) fn add(&mut self, id: StmtId, not_action: bool, patterns: &[&str]) {
        let tag = ActionTag::of(id, not_action);
        let mut any = false;
        let mut buf = core::mem::take(&mut self.buf);
        for p in patterns {
            // ASCII case only; a non-ASCII character matches only itself.
            buf.clear();
            buf.push_str(p);
            buf.make_ascii_lowercase();
            if buf.bytes().all(|b| b == b'*') {
                any = true;
                continue;
            }
            let Some(colon) = buf.bytes().position(|b| b == b':') else {
                // G-9 rejects these; an IR without a colon can match only the same literal
                // text, which a request action (always `prefix:name`) never is.
                continue;
            };
            let (service, name) = (&buf[..colon], &buf[colon + 1..]);
            if name.bytes().any(|b| b == b'*' || b == b'?') {
                let slot = match self.globs.get(buf.as_bytes()) {
                    Some(&slot) => slot,
                    None => {
                        let slot = Slot(self.patterns.len() as u32);
                        let svc = self.service(service);
                        self.patterns.push((svc, text_glob(name)));
                        self.globs.insert(buf.as_bytes().into(), slot);
                        slot
                    }
                };
                self.glob_tags.push((slot, tag));
            } else {
                let slot = match self.names.get(buf.as_bytes()) {
                    Some(&slot) => slot,
                    None => {
                        let slot = Slot(self.name_service.len() as u32);
                        let svc = self.service(service);
                        self.name_service.push(svc);
                        self.names.insert(buf.as_bytes().into(), slot);
                        slot
                    }
                };
                self.name_tags.push((slot, tag));
            }
        }
        self.buf = buf;
        if not_action {
            self.not_action_count += 1;
            // `NotAction: "*"` excludes every action: the statement is never a candidate.
            if !any {
                self.always.push(id);
            }
        } else if any {
            self.always.push(id);
        }
    }

    /// The index, with the services' multi-pattern DFAs of `autos` (`(service, patterns in
    /// strs, DFA bytes)`, see [`multi_dfas`]); exact names precomputed unless
    /// their lists would hold more than `limit` ids in all.
    pub(crate) fn finish(
        self,
        limit: usize,
        autos: &[(&str, Span, &[u8])],
        strs: &[&str],
    ) -> Result<ActionIndex, BuildError> {
        let (goff, gtags) = group(self.patterns.len(), &self.glob_tags);
        let mut globs_of: Vec<Vec<(Glob, Box<[ActionTag]>)>> =
            vec![Vec::new(); self.services.len()];
        // Per pattern slot: its service and its index in that service's list.
        let mut place: Vec<(ServiceIdx, u32)> = Vec::with_capacity(self.patterns.len());
        for (slot, (svc, glob)) in self.patterns.into_iter().enumerate() {
            let list = globs_of.get_mut(svc.index()).ok_or(INCONSISTENT)?;
            place.push((svc, list.len() as u32));
            list.push((glob, tags_of(&goff, &gtags, Slot(slot as u32))?));
        }
        let mut multi = if autos.is_empty() {
            Vec::new()
        } else {
            multi_dfas(&self.services, &self.globs, &place, autos, strs)?
        };
        multi.resize_with(globs_of.len(), || None);
        let mut always = self.always;
        always.sort_unstable();
        let (noff, ntags) = group(self.name_service.len(), &self.name_tags);

        // Every exact name's complete candidate list, unless they would hold more than
        // `limit` (PRECOMPUTED_LIMIT) ids in all.
        let mut lists: Vec<Box<[StmtId]>> = vec![Box::default(); self.name_service.len()];
        let (mut out, mut excluded) = (Vec::new(), Vec::new());
        let mut total = 0;
        for (full, &slot) in &self.names {
            let (name, svc) = name_of(full, slot, &self.name_service)?;
            let globs = globs_of.get(svc.index()).ok_or(INCONSISTENT)?.as_slice();
            let exact = slot_tags(&noff, &ntags, slot)?;
            select(exact, globs, name, &always, &mut out, &mut excluded);
            total += out.len();
            if total > limit {
                break;
            }
            *lists.get_mut(slot.index()).ok_or(INCONSISTENT)? = out.as_slice().into();
        }
        let mut services: Vec<ServiceActions> = globs_of
            .into_iter()
            .zip(multi)
            .map(|(globs, multi)| ServiceActions {
                exact: FxMap::default(),
                globs,
                multi,
            })
            .collect();
        let exact_names = self.names.len();
        let mut precomputed = ActionTable::default();
        if total > limit {
            // Too big to precompute: exact names take the general path.
            for (full, slot) in self.names {
                let (name, svc) = name_of(&full, slot, &self.name_service)?;
                let s = services.get_mut(svc.index()).ok_or(INCONSISTENT)?;
                s.exact
                    .insert(name.into(), tags_of(&noff, &ntags, slot)?.into());
            }
        } else {
            let mut entries = Vec::with_capacity(self.names.len());
            for (full, slot) in self.names {
                // E-20 decides `sts:GetCallerIdentity` whatever the policies say; kept out of
                // the table, the evaluator tests for it only when the table misses (one test
                // fewer on every other decision).
                if full.eq_ignore_ascii_case(GET_CALLER_IDENTITY.as_bytes()) {
                    continue;
                }
                let list = lists
                    .get_mut(slot.index())
                    .map(core::mem::take)
                    .ok_or(INCONSISTENT)?;
                entries.push((full, list));
            }
            precomputed = ActionTable::new(entries);
        }
        let mut by_name = FxMap::default();
        by_name.reserve(self.services.len());
        for (name, i) in self.services {
            if let Some(s) = services.get_mut(i.index()) {
                by_name.insert(name, core::mem::take(s));
            }
        }
        Ok(ActionIndex {
            services: by_name,
            always,
            not_action_count: self.not_action_count,
            precomputed,
            exact_names,
        })
    }
}

/// Load the services' multi-pattern DFAs (`(service, patterns in strs, DFA bytes)`), by
/// service index. Each must list exactly its service's distinct wildcard name patterns, in
/// [`action_patterns`] order (sorted); `services` and `globs` are the builder's tables and
/// `place` each pattern slot's (service, index in its list).
pub(crate) fn multi_dfas(
    services: &FxMap<Box<[u8]>, ServiceIdx>,
    globs: &FxMap<Box<[u8]>, Slot>,
    place: &[(ServiceIdx, u32)],
    autos: &[(&str, Span, &[u8])],
    strs: &[&str],
) -> Result<Vec<Option<Box<ActionDfa>>>, BuildError> {
    let bad = |service: &str, reason| BuildError::InvalidAutomaton {
        glob: format!("actions of {service}"),
        reason,
    };
    let mut want: Vec<Option<usize>> = vec![None; services.len()];
    for (k, &(service, _, _)) in autos.iter().enumerate() {
        let Some(w) = services
            .get(service.as_bytes())
            .and_then(|&i| want.get_mut(i.index()))
        else {
            return Err(bad(service, "no such service"));
        };
        if w.is_some() {
            return Err(bad(service, "listed twice"));
        }
        *w = Some(k);
    }
    // Each wanted service's pattern names with their index in its list.
    let mut names: Vec<Vec<(&[u8], u32)>> = vec![Vec::new(); autos.len()];
    for (full, &slot) in globs {
        let &(svc, at) = place.get(slot.index()).ok_or(INCONSISTENT)?;
        if let Some(&Some(k)) = want.get(svc.index()) {
            let colon = full.iter().position(|&b| b == b':').ok_or(INCONSISTENT)?;
            let name = full.get(colon + 1..).ok_or(INCONSISTENT)?;
            names.get_mut(k).ok_or(INCONSISTENT)?.push((name, at));
        }
    }
    let mut out: Vec<Option<Box<ActionDfa>>> = Vec::new();
    out.resize_with(services.len(), || None);
    for (svc, k) in want.iter().enumerate() {
        let (Some(k), Some(slot)) = (*k, out.get_mut(svc)) else {
            continue;
        };
        let (Some(&(service, patterns, bytes)), Some(list)) = (autos.get(k), names.get_mut(k))
        else {
            continue;
        };
        list.sort_unstable();
        let patterns = patterns.of(strs);
        if list.len() != patterns.len()
            || list.iter().zip(patterns).any(|(n, p)| n.0 != p.as_bytes())
        {
            return Err(bad(service, "patterns differ from the service's"));
        }
        if let Some(dfa) = MultiDfa::load(bytes, patterns.len()).map_err(|r| bad(service, r))? {
            *slot = Some(Box::new((dfa, list.iter().map(|&(_, i)| i).collect())));
        }
    }
    Ok(out)
}

/// Group (slot, tag) pairs by slot (a counting sort, keeping each slot's tags in order):
/// returns the offsets (`slots + 1` of them) and the tags.
#[expect(
    clippy::indexing_slicing,
    reason = "`i` runs over `1..off.len()`, so `i` and `i - 1` are in range"
)]
pub(crate) fn group(slots: usize, pairs: &[(Slot, ActionTag)]) -> (Vec<u32>, Vec<ActionTag>) {
    let mut off = vec![0u32; slots + 1];
    for &(slot, _) in pairs {
        if let Some(n) = off.get_mut(slot.index() + 1) {
            *n += 1;
        }
    }
    for i in 1..off.len() {
        off[i] += off[i - 1];
    }
    let mut next = off.clone();
    let mut tags = pairs.iter().map(|&(_, tag)| tag).collect::<Vec<_>>();
    for &(slot, tag) in pairs {
        if let Some(n) = next.get_mut(slot.index()) {
            if let Some(t) = tags.get_mut(*n as usize) {
                *t = tag;
            }
            *n += 1;
        }
    }
    (off, tags)
}

/// The tags of `slot` from [`group`], without repeats (a statement naming the same action
/// twice; its tags are adjacent, in statement order).
pub(crate) fn tags_of(
    off: &[u32],
    tags: &[ActionTag],
    slot: Slot,
) -> Result<Box<[ActionTag]>, BuildError> {
    let mut v = slot_tags(off, tags, slot)?.to_vec();
    v.dedup();
    Ok(v.into_boxed_slice())
}

/// The tags of `slot` from [`group`]. A slot [`group`] did not count is an internal error,
/// not an empty list (which would leave its statements, Denies included, out of the index).
pub(crate) fn slot_tags<'t>(
    off: &[u32],
    tags: &'t [ActionTag],
    slot: Slot,
) -> Result<&'t [ActionTag], BuildError> {
    let (Some(&a), Some(&z)) = (off.get(slot.index()), off.get(slot.index() + 1)) else {
        return Err(INCONSISTENT);
    };
    tags.get(a as usize..z as usize).ok_or(INCONSISTENT)
}

/// The builder's tables disagree with each other (a bug here, never the IR's fault): the
/// build fails rather than leave a statement out of the index.
const INCONSISTENT: BuildError = BuildError::Inconsistent {
    what: "action index builder tables",
};

/// An exact name's `name` part (after `service:`) and its service slot.
fn name_of<'n>(
    full: &'n [u8],
    slot: Slot,
    name_service: &[ServiceIdx],
) -> Result<(&'n [u8], ServiceIdx), BuildError> {
    let colon = full.iter().position(|&b| b == b':').ok_or(INCONSISTENT)?;
    let name = full.get(colon + 1..).ok_or(INCONSISTENT)?;
    let svc = name_service.get(slot.index()).ok_or(INCONSISTENT)?;
    Ok((name, *svc))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::test_rng::Xorshift as Rng;

    /// The definition, statement by statement: what the index must give for `action`.
    fn naive(stmts: &[(bool, Vec<String>)], action: &str) -> Vec<StmtId> {
        let action = action.to_ascii_lowercase();
        let split = action.split_once(':');
        let mut out = Vec::new();
        for (id, (not_action, pats)) in stmts.iter().enumerate() {
            let mut any = false;
            let hit = pats.iter().any(|p| {
                let p = p.to_ascii_lowercase();
                if p.bytes().all(|b| b == b'*') {
                    any = true;
                    return true;
                }
                match (p.split_once(':'), split) {
                    (Some((s, n)), Some((as_, an))) => {
                        s == as_ && Glob::new(n).matches(an.as_bytes())
                    }
                    _ => false,
                }
            });
            let candidate = if *not_action { !any && !hit } else { hit };
            if candidate {
                out.push(StmtId::new(id).unwrap());
            }
        }
        out
    }

    #[test]
    fn action_index_agrees_with_the_definition() {
        let mut rng = Rng(42);
        let names = [
            "get",
            "getobject",
            "put",
            "list",
            "g",
            "ge*",
            "*t",
            "g?t",
            "*",
            "Get",
            "GetObjectVersionTagging",
            "getbucketpolicy*",
            "ke\u{212A}",
        ];
        let services = ["s3", "S3", "ec2", "iam", ""];
        for round in 0..200 {
            let mut stmts = Vec::new();
            for _ in 0..1 + rng.below(30) {
                let pats: Vec<String> = (0..1 + rng.below(4))
                    .map(|_| match rng.below(12) {
                        0 => "*".to_string(),
                        1 => "nocolon".to_string(),
                        _ => format!(
                            "{}:{}",
                            services[rng.below(services.len())],
                            names[rng.below(names.len())]
                        ),
                    })
                    .collect();
                stmts.push((rng.below(4) == 0, pats));
            }
            let mut b = IndexBuilder::default();
            for (id, (not_action, pats)) in stmts.iter().enumerate() {
                let pats: Vec<&str> = pats.iter().map(String::as_str).collect();
                b.add(StmtId::new(id).unwrap(), *not_action, &pats);
            }
            // Half the rounds over the limit: exact names then take the general path.
            let limit = if round % 2 == 0 { PRECOMPUTED_LIMIT } else { 0 };
            let idx = b.finish(limit, &[], &[]).unwrap();
            let (mut out, mut excluded) = (Vec::new(), Vec::new());
            let mut actions: Vec<String> = Vec::new();
            for s in services {
                for n in [
                    "get",
                    "getobject",
                    "put",
                    "list",
                    "g",
                    "gxt",
                    "",
                    "x:y",
                    "GET",
                    "GetObjectVersionTagging",
                    "GETOBJECTVERSIONTAGGING",
                    "getobjectversiontaggin",
                    "getobjectversiontaggingx",
                    "GetBucketPolicyStatus",
                    "KEK",
                    "ke\u{212A}",
                    "ke\u{212A}\u{212A}",
                ] {
                    actions.push(format!("{s}:{n}"));
                }
            }
            actions.push("nocolon".into());
            for a in &actions {
                let lower = a.to_ascii_lowercase();
                // As `evaluate_with` does: the action as it is, then lower-cased.
                let got = match idx.precomputed.get(a.as_bytes()) {
                    Some(list) => list.to_vec(),
                    None => {
                        idx.candidates_into(lower.as_bytes(), &mut out, &mut excluded);
                        out.clone()
                    }
                };
                assert_eq!(got, naive(&stmts, a), "round {round}, {a}: {stmts:?}");
            }
            if limit == 0 {
                assert!(idx.precomputed.is_empty());
            }
        }
    }
}
