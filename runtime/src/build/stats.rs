//! [`Stats`]: what a compiled set holds, with sizes, for `iamc compile` and benchmarks.
//! Computed on request by walking the set; nothing is counted during the build.

use crate::compiled::{ArnVal, Cond, Inner, Pattern, Stmt, Values};
use crate::glob::Glob;

/// Sizes of what was built, for `iamc compile` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Policies.
    pub policies: usize,
    /// Statements.
    pub statements: usize,
    /// Distinct exact action names in the index.
    pub exact_actions: usize,
    /// Distinct wildcard action patterns in the index (per service).
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
    /// `StringLike` conditions whose `*literal*` values are matched by one Aho-Corasick
    /// automaton (one pass over the request value for all of them).
    pub infix_automata: usize,
    /// Heap bytes of those automata, in all.
    pub infix_automaton_bytes: usize,
}

/// What `inner` holds, with sizes.
#[expect(
    clippy::indexing_slicing,
    reason = "`slot` is one of 0..=4, the five strategies of `resource_patterns: [usize; 5]`"
)]
pub(crate) fn stats(i: &Inner) -> Stats {
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
    st.exact_actions = i.actions.exact_names;
    for s in i.actions.services.values() {
        st.wildcard_actions += s.globs.len();
        mem += s
            .exact
            .iter()
            .map(|(k, v)| k.len() + v.capacity() * 4 + 32)
            .sum::<usize>();
        mem += s
            .globs
            .iter()
            .map(|(g, ids)| g.memory_usage() + ids.len() * 4 + 48)
            .sum::<usize>();
        if let Some((dfa, which)) = s.multi.as_deref() {
            st.action_automata += 1;
            st.automaton_bytes += dfa.memory_usage();
            mem += which.len() * 4 + 16;
        }
    }
    mem += i
        .actions
        .precomputed
        .iter()
        .map(|(k, v)| k.len() + v.len() * 4 + 40)
        .sum::<usize>();
    for s in &i.stmts {
        st.conditions += s.conds.len();
        mem += s.conds.len() * core::mem::size_of::<Cond>();
        for r in s.resources.iter() {
            mem += core::mem::size_of::<Pattern>();
            let slot = match r {
                Pattern::Static(Glob::Any) => 0,
                Pattern::Static(Glob::Exact(_)) => 1,
                Pattern::Static(
                    Glob::Prefix(_)
                    | Glob::Suffix(_)
                    | Glob::PrefixSuffix(..)
                    | Glob::PrefixInfix(..),
                ) => 2,
                Pattern::Static(Glob::General { .. } | Glob::Dfa { .. }) => 3,
                Pattern::Template(_) => 4,
            };
            if let Pattern::Static(g) = r {
                mem += g.memory_usage();
            }
            st.resource_patterns[slot] += 1;
        }
    }
    mem += i
        .key_names
        .iter()
        .map(|k| k.len() * 2 + 40 + (k.len() / 8 + 1) * 16)
        .sum::<usize>();
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
                Values::Like(set) => {
                    if set.covered() > 0 {
                        st.infix_automata += 1;
                        st.infix_automaton_bytes += set.automaton_bytes();
                    }
                    set.patterns().iter().for_each(|p| {
                        if let Pattern::Static(g) = p {
                            count(g);
                        }
                    });
                }
                Values::Arn(vs) => vs.iter().for_each(|v| {
                    if let ArnVal::Static(Some(fields)) = v {
                        fields.iter().for_each(&mut count);
                    }
                }),
                _ => {}
            }
        }
    }
    mem += st.automaton_bytes + st.infix_automaton_bytes;
    st.memory_bytes = mem;
    st
}
