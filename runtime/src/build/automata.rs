//! Glob DFAs at build time: the automata a compiled IR carries, loaded once and attached to
//! the general-shape static globs they were built for; and [`general_globs`], which tells the
//! compiler which globs to build DFAs for (the same walk, so the two agree by construction).

use std::hash::BuildHasherDefault;

use rustc_hash::{FxHashMap as FxMap, FxHasher};

use crate::automaton::{automaton_key, automaton_key_into, GlobDfa};
use crate::build::template::{arn_field_tokens, static_tokens};
use crate::build::BuildError;
use crate::glob::{Glob, TokenBuf};
use crate::ir::{OpKind, PartView, PolicySetIr, TemplateIr};

/// The loaded glob automata of a set, by [`automaton_key`].
#[derive(Default)]
pub(crate) struct Automata {
    by_key: FxMap<Box<[u8]>, GlobDfa>,
    /// The key of the glob being looked up (reused: every general glob is looked up).
    key: core::cell::RefCell<Vec<u8>>,
}

impl Automata {
    /// Deserialise every automaton of the view (`(glob key, DFA bytes)`; validated by
    /// `DFA::from_bytes`).
    pub(crate) fn load(list: &[(&str, &[u8])]) -> Result<Automata, BuildError> {
        let mut by_key = FxMap::default();
        by_key.reserve(list.len());
        for &(glob, bytes) in list {
            let bad = |reason| BuildError::InvalidAutomaton {
                glob: glob.to_string(),
                reason,
            };
            if by_key.len() >= crate::automaton::MAX_AUTOMATA {
                return Err(bad("more automata than a set may hold"));
            }
            if let Some(dfa) = GlobDfa::load(bytes).map_err(bad)? {
                if by_key.insert(glob.as_bytes().into(), dfa).is_some() {
                    return Err(bad("listed twice"));
                }
            }
        }
        Ok(Automata {
            by_key,
            key: Default::default(),
        })
    }

    /// `g` with its automaton, when it is general and the set has one for it.
    pub(crate) fn attach(&self, g: Glob) -> Glob {
        match g {
            Glob::General { prefix, buf } if !self.by_key.is_empty() => {
                let dfa = {
                    let mut key = self.key.borrow_mut();
                    automaton_key_into(&buf, &mut key);
                    self.by_key.get(key.as_slice()).cloned()
                };
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
    pub(crate) fn may_be_general(t: &TemplateIr, min_wildcards: usize) -> bool {
        let (mut stars, mut quests, mut star_then_quest) = (0, 0, false);
        for p in &t.parts {
            match p {
                crate::ir::TemplatePartIr::Text(s) => {
                    if let Some(q) = s.rfind('?') {
                        star_then_quest |= stars > 0 || s[..q].contains('*');
                    }
                    stars += s.bytes().filter(|&b| b == b'*').count();
                    quests += s.bytes().filter(|&b| b == b'?').count();
                }
                crate::ir::TemplatePartIr::Variable { .. } => return false,
                crate::ir::TemplatePartIr::Literal(_) => {}
            }
        }
        (quests > 0 || stars >= 2) && (star_then_quest || stars + quests >= min_wildcards)
    }
    pub(crate) fn view(t: &TemplateIr) -> Vec<PartView<'_>> {
        t.parts
            .iter()
            .map(|p| match p {
                crate::ir::TemplatePartIr::Text(s) => PartView::Text(s),
                crate::ir::TemplatePartIr::Literal(s) => PartView::Literal(s),
                crate::ir::TemplatePartIr::Variable { key, default } => {
                    PartView::Variable(*key, default.as_deref())
                }
            })
            .collect()
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
                add(static_tokens(&view(t)));
            }
            for c in &s.conditions {
                if !matches!(c.op, OpKind::StringLike | OpKind::Arn) {
                    continue;
                }
                for t in c.values.iter().filter(|t| may_be_general(t, min_wildcards)) {
                    if c.op == OpKind::StringLike {
                        add(static_tokens(&view(t)));
                    } else if let Some(fields) = arn_field_tokens(&view(t)) {
                        fields.into_iter().for_each(&mut add);
                    }
                }
            }
        }
    }
    out
}
