//! [`BuildError`]: why an IR could not be built into a policy set. A leaf of its own so that
//! the artifact loader ([`crate::artifact`], whose `LoadError` wraps it) and the builder
//! ([`crate::build`]) both name it without importing each other.

use crate::ir::KeyId;

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
    /// The builder's own tables disagree (a bug in the builder, not in the IR): the build
    /// fails rather than produce a set that could leave a statement out.
    Inconsistent {
        /// Which tables.
        what: &'static str,
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
            BuildError::Inconsistent { what } => write!(f, "internal inconsistency in the {what}"),
            BuildError::InvalidAutomaton { glob, reason } => {
                write!(f, "automaton for glob {glob:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {}
