//! Typed ids of the compiled form: a statement's place in the compiled set ([`StmtId`]) and
//! an entry of the action index's lists ([`ActionTag`]: a statement id, or a `NotAction`
//! statement's exclusion, A-7). Both are `u32`s at run time (`#[repr(transparent)]`); the
//! types keep them apart from the other `u32`s the builder and the evaluator handle (key ids,
//! policy indices, levels, slots) and from each other.

/// A statement of the compiled set: its index in the statement list (`compiled::Inner::stmts`),
/// where statements are numbered in canonical order with every Deny before every Allow
/// (DESIGN.md, "The runtime's compiled form"), so ids order as the evaluator must test them
/// and a sorted candidate list is its Denies, then its Allows. Below `2^31`: the top bit is
/// [`ActionTag`]'s exclusion mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub(crate) struct StmtId(u32);

impl StmtId {
    /// The id of the statement at `index` of the list, or `None` when the list is too long
    /// for ids (`2^31` statements or more).
    pub(crate) fn new(index: usize) -> Option<StmtId> {
        u32::try_from(index)
            .ok()
            .filter(|&i| i & ActionTag::EXCLUDE == 0)
            .map(StmtId)
    }

    /// The statement's index in the list.
    #[inline(always)]
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// An entry of the action index's per-name and per-pattern lists: the statement a name or
/// pattern selects, or, for a pattern of a `NotAction` list, the statement a match excludes
/// . One `u32`: the statement id, with [`ActionTag::EXCLUDE`] set for an exclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub(crate) struct ActionTag(u32);

impl ActionTag {
    /// The mark of an exclusion: ids stay below it ([`StmtId::new`]).
    const EXCLUDE: u32 = 1 << 31;

    /// The tag of statement `id` naming an action in `Action` (selects) or `NotAction`
    /// (excludes, A-7).
    pub(crate) fn of(id: StmtId, not_action: bool) -> ActionTag {
        ActionTag(if not_action {
            id.0 | Self::EXCLUDE
        } else {
            id.0
        })
    }

    /// The statement, and whether a match excludes it rather than selects it.
    #[inline(always)]
    pub(crate) fn split(self) -> (StmtId, bool) {
        if self.0 & Self::EXCLUDE != 0 {
            (StmtId(self.0 & !Self::EXCLUDE), true)
        } else {
            (StmtId(self.0), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_below_the_exclusion_mark() {
        assert_eq!(StmtId::new(0).map(StmtId::index), Some(0));
        assert_eq!(
            StmtId::new((1 << 31) - 1).map(StmtId::index),
            Some((1 << 31) - 1)
        );
        assert_eq!(StmtId::new(1 << 31), None);
        assert_eq!(StmtId::new(usize::MAX), None);
    }

    #[test]
    fn tags_round_trip() {
        for i in [0, 1, 7, (1 << 31) - 1] {
            let Some(id) = StmtId::new(i) else {
                unreachable!("{i} is a valid id")
            };
            assert_eq!(ActionTag::of(id, false).split(), (id, false));
            assert_eq!(ActionTag::of(id, true).split(), (id, true));
            assert_ne!(ActionTag::of(id, true), ActionTag::of(id, false));
        }
        assert_eq!(core::mem::size_of::<StmtId>(), 4);
        assert_eq!(core::mem::size_of::<ActionTag>(), 4);
    }
}
