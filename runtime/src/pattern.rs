//! The compiled form of string patterns with wildcards and variables: a static glob, or a
//! template split at build time into prefix, middle and suffix (see [`Split`]). Kept apart
//! from [`crate::compiled`] so that the matchers built over patterns ([`crate::like`]) and the
//! compiled set that holds those matchers do not import each other.

use crate::glob::Glob;
use crate::ir::KeyId;

/// A string pattern part after build.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// Glob text (wildcards active in glob contexts; glob templates are cut at them once,
    /// [`split`]).
    Text(Box<str>),
    /// Literal text.
    Lit(Box<str>),
    /// Variable with optional default.
    Var(KeyId, Option<Box<str>>),
}

/// A glob pattern: static (pre-compiled) or with variables (matched per request as a
/// [`Split`] template).
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    Static(Glob),
    Template(Box<Split>),
}

/// A wildcard-free piece of a [`Split`] template: literal text or a variable (whose value is
/// literal, V-1: a `*` in it matches only `*`).
#[derive(Clone, Debug)]
pub(crate) enum Piece {
    Lit(Box<str>),
    Var(KeyId, Option<Box<str>>),
}

/// What lies between a [`Split`] template's prefix and suffix.
#[derive(Clone, Debug)]
pub(crate) enum Middle {
    /// No wildcard at all: the text must be exactly the prefix.
    None,
    /// From the first wildcard to the last, without variables: a static glob (its shape
    /// class makes `*` or `*/*` a comparison or two).
    Glob(Glob),
    /// From the first wildcard to the last, with a variable between wildcards: matched by
    /// the evaluator (`match_middle`: variables resolved, the middle assembled and matched by
    /// the linear segment matcher).
    Toks(Box<[MidTok]>),
}

/// A token of a [`Middle::Toks`]: a wildcard, or a wildcard-free run of pieces that must
/// occur as their concatenation.
#[derive(Clone, Debug)]
pub(crate) enum MidTok {
    /// `*` (consecutive stars merged).
    Star,
    /// `?`: one character.
    Quest,
    /// Literal text and variables, never empty at build time.
    Lit(Box<[Piece]>),
}

/// A glob template (R-3, C-8 with variables) split at build time so a request matches it
/// without assembling it: the text must start with the prefix pieces and end with the suffix
/// pieces (compared in place, not overlapping), and what is between must match the middle.
/// An unresolved variable matches nothing (R-6, V-6). Equal, by construction, to assembling
/// every part into one token list and matching that.
#[derive(Clone, Debug)]
pub(crate) struct Split {
    /// The leading pieces before the first wildcard, in order.
    pub prefix: Box<[Piece]>,
    /// From the first wildcard to the last.
    pub middle: Middle,
    /// The trailing pieces after the last wildcard, in order.
    pub suffix: Box<[Piece]>,
}
