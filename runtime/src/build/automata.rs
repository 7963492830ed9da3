//! Glob DFAs at build time: the automata a compiled IR carries, loaded once and attached to
//! the general-shape static globs they were built for (by [`automaton_key`](crate::automaton::automaton_key), the key
//! `build::template::general_globs` gives the compiler, so the two agree by construction).

use rustc_hash::FxHashMap as FxMap;

use crate::automaton::{automaton_key_into, GlobDfa};
use crate::error::BuildError;
use crate::glob::Glob;

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
            Glob::General {
                prefix,
                buf,
                quests,
            } if !self.by_key.is_empty() => {
                let dfa = {
                    let mut key = self.key.borrow_mut();
                    automaton_key_into(&buf, &mut key);
                    self.by_key.get(key.as_slice()).cloned()
                };
                let g = Glob::General {
                    prefix,
                    buf,
                    quests,
                };
                match dfa {
                    Some(dfa) => g.with_dfa(dfa),
                    None => g,
                }
            }
            g => g,
        }
    }
}
