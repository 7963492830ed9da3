//! Three truth values (E-21): yes, no, unknown, with Kleene's AND, OR and NOT.
//!
//! Every test of the reference interpreter returns a [`Tri`]. With nothing unknown in the
//! request and no opaque statement in the set, no test ever returns [`Tri::Unknown`], and the
//! evaluation is exactly the two-valued one of E-1 … E-20.

/// A truth value that may be unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    /// False. Ordered first, so `min` is AND and `max` is OR.
    No,
    /// Depends on a fact iamc does not have (E-21).
    Unknown,
    /// True.
    Yes,
}

impl Tri {
    /// `Yes` or `No`.
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    /// Kleene AND: no if either is no, else unknown if either is unknown.
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    /// Kleene OR: yes if either is yes, else unknown if either is unknown.
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }

    /// Kleene NOT: unknown stays unknown.
    pub fn negate(self) -> Tri {
        match self {
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
            Tri::Yes => Tri::No,
        }
    }

    /// AND over an iterator (`Yes` when empty).
    pub fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::Yes, Tri::and)
    }

    /// OR over an iterator (`No` when empty).
    pub fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::No, Tri::or)
    }
}

#[cfg(test)]
mod tests {
    use super::Tri::{self, *};

    #[test]
    fn e21_kleene_tables() {
        for a in [No, Unknown, Yes] {
            assert_eq!(a.and(No), No);
            assert_eq!(a.or(Yes), Yes);
            assert_eq!(a.and(Yes), a);
            assert_eq!(a.or(No), a);
            assert_eq!(a.negate().negate(), a);
        }
        assert_eq!(Unknown.and(Unknown), Unknown);
        assert_eq!(Unknown.or(Unknown), Unknown);
        assert_eq!(Tri::all([]), Yes);
        assert_eq!(Tri::any([]), No);
    }
}
