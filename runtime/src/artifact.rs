//! Compiled policy artifacts: a versioned binary file holding a policy set's IR, so a set
//! compiled once (in CI, by a deployment pipeline) loads anywhere with the runtime alone — no
//! JSON parser, no compiler, no serde.
//!
//! ```text
//! iamc compile ──► PolicySet::to_bytes_with(&BuildInfo) ──► set.iamc
//! set.iamc ──► PolicySet::from_bytes(&[u8]) ──► decode (bounds-checked) ──► PolicySet::new's build
//! ```
//!
//! # What is stored, and why the IR
//! The artifact holds the plain-data [`PolicySetIr`] (plus build metadata), not the built
//! indexes. The IR is small, has no pointers, and is exactly what [`PolicySet::new`](crate::PolicySet::new) validates
//! (key ids, levels, every policy value parsed into its type), so a loaded set is built by the
//! same code path as a freshly compiled one and decides identically *by construction*; the
//! action index, globs and typed values are rebuilt on load. The cost is load time: building
//! is not free (see the README's "Artifacts" section for measurements). The loader decodes
//! the IR section into an `ir::IrView` — flat lists of spans and of `&str`s borrowed from the
//! input (each checked as UTF-8) — and builds from that, so no string is copied into an IR
//! tree that would only be freed again. A zero-copy layout of
//! the built tables would load faster but would freeze the evaluator's internal layout into a
//! file format while that layout is still being optimised.
//!
//! A [`PolicySet`](crate::PolicySet) keeps the encoded IR section (for a loaded set, a byte copy of the input's,
//! never re-encoded; more compact than a cloned IR and cheaper to make) and the [`BuildInfo`]
//! it was loaded with, so
//! [`PolicySet::to_bytes`](crate::PolicySet::to_bytes) can write it again and [`PolicySet::ir`](crate::PolicySet::ir) can give the IR back.
//!
//! # Format (version 3; every integer little-endian)
//! ```text
//! offset size  field
//!      0    4  magic b"IAMC"
//!      4    2  format version (u16) = 3 (2 had no RCP service list)
//!      6    2  byte-order mark (u16) 0xFEFF — bytes FF FE; FE FF means a big-endian writer
//!      8    8  body length (u64): bytes after this 20-byte header; the file is exactly that
//!     16    4  CRC32C (Castagnoli) of bytes 0..16 followed by the body
//!     20    …  body:
//!              u32 metadata length, then the metadata:
//!                str compiler version, u64 creation time (Unix seconds, 0 = unknown),
//!                str producer, u32 count + str inputs
//!              the IR section (the rest of the body):
//!                u32 scp levels, u32 rcp levels, opt-str management account,
//!                u32 count + str RCP services (E-10),
//!                u32 count + keys      (str name, u8 multivalued)
//!                u32 count + policies  (u8 kind, u32 level, u32 index, str name,
//!                                       u32 count + statements)
//!                the automata section (last):
//!                  b"DFAS", u32 byte length of the rest of the section,
//!                  u32 count + automata (str glob key, u32 length + DFA bytes),
//!                  u32 count + action automata (str service, u32 count + str patterns,
//!                                               u32 length + DFA bytes)
//! statement: u32 index, u8 flags (1 allow, 2 NotAction, 4 NotResource, 8 principal, 16 sid,
//!            32 opaque, 64 opaque with unknown effect), [str sid], [str opaque rule (G-21)], [u8 flags (1 NotPrincipal, 2 wildcard), u32 count + str entries],
//!            u32 count + str actions, u32 count + templates (resources),
//!            u32 count + conditions
//! condition: u32 key, u8 set (0 none, 1 ForAllValues, 2 ForAnyValue), u8 operator family,
//!            u8 flags (1 negated, 2 IfExists), u32 count + templates (values)
//! template:  u32 count + parts; part: u8 tag (0 text, 1 literal, 2 variable, 3 variable with
//!            default), then str, str, u32 key, or u32 key + str default
//! automaton: the glob as `automaton::automaton_key` writes it; the bytes are
//!            regex-automata's dense-DFA wire format, little-endian, without leading padding
//!            (see [`crate::automaton`])
//! str:       u32 byte length + UTF-8;  opt-str: u8 0 | u8 1 + str
//! ```
//! Integers are written little-endian explicitly, so the format does not depend on the host;
//! the byte-order mark lets a file written by some other (big-endian, native-order) tool be
//! rejected with [`LoadError::WrongEndianness`] instead of being misread.
//!
//! # Loading never trusts the bytes
//! Checks run in this order, each with its own [`LoadError`]: length of the fixed header,
//! magic, byte-order mark, format version, body length against the input (truncated or
//! trailing bytes), checksum, then the body is decoded with every length and count compared
//! with the bytes that remain *before* anything is allocated (so a hostile count cannot ask
//! for a huge allocation: memory stays linear in the input size), every tag and flag byte
//! validated, every string checked as UTF-8, key ids checked against the key table, level
//! counts against [`MAX_LEVELS`] and policy levels against them, policies unique, automata
//! framed by their section length and unique; finally [`PolicySet::new`](crate::PolicySet::new)'s own checks (values
//! that must parse as their operator's type; every DFA deserialised by regex-automata's
//! validating `DFA::from_bytes`, a failure being [`BuildError::InvalidAutomaton`]). There is
//! no recursion and no `unsafe` in this crate.
//! The checksum guards against accidental corruption, not against forgery; the decoder is
//! safe without it, which is why [`LoadOptions::verify_checksum`] may be turned off (fuzzing).
//!
//! # Trade-offs
//! - CRC32C (crate `crc32c`): a standard checksum (iSCSI, ext4; every language has one, so
//!   an operator can verify a file without iamc), hardware-accelerated on x86-64 and ARMv8,
//!   and it detects every single-bit error and every burst up to 32 bits.
//! - Version mismatch is a hard error: the runtime reads exactly the version it writes.

use core::fmt;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use rustc_hash::FxHasher;

use crate::decision::PolicyKind;
use crate::error::BuildError;
use crate::ir::{
    ActionAutomatonIr, AutomatonIr, ConditionView, IrView, KeyId, OpKind, PartView, PolicySetIr,
    PolicyView, SetOp, Span, StatementIr, StatementView, TemplateIr, TemplatePartIr,
};

/// The first four bytes of every artifact.
pub const MAGIC: [u8; 4] = *b"IAMC";
/// The format version this runtime writes and reads.
pub const FORMAT_VERSION: u16 = 3;
/// The byte-order mark, written little-endian (bytes `FF FE`).
pub const BYTE_ORDER_MARK: u16 = 0xFEFF;
/// Length of the fixed header (magic, version, byte-order mark, body length, checksum).
pub const HEADER_LEN: usize = 20;
/// The tag that opens the automata section, the last part of the IR section.
pub const AUTOMATA_TAG: [u8; 4] = *b"DFAS";

/// Who built an artifact, when and from what (shown by `iamc inspect`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// The compiler's name and version, e.g. `iamc 0.1.0`.
    pub compiler_version: String,
    /// Creation time in Unix seconds, given by the caller (0 = unknown); the runtime never
    /// reads the clock, so builds can be reproducible.
    pub created_unix_secs: u64,
    /// Free text: the command or pipeline that produced it.
    pub producer: String,
    /// The inputs (policy files) it was compiled from.
    pub inputs: Vec<String>,
}

impl BuildInfo {
    /// The build info written when none is given: this runtime's version, time unknown.
    pub fn runtime_default() -> BuildInfo {
        BuildInfo {
            compiler_version: concat!("iamc-runtime ", env!("CARGO_PKG_VERSION")).to_string(),
            ..BuildInfo::default()
        }
    }
}

/// The fixed header of an artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub format_version: u16,
    /// Bytes after the fixed header.
    pub body_len: u64,
    /// The stored CRC32C.
    pub checksum: u32,
}

/// A decoded artifact: header, build info and the IR (not yet built into a [`PolicySet`](crate::PolicySet)).
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    /// The fixed header.
    pub header: Header,
    /// Build metadata.
    pub build: BuildInfo,
    /// The policy set's IR.
    pub ir: PolicySetIr,
}

/// Options for loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Verify the checksum (default). Turning it off is safe — the decoder checks every
    /// byte it reads — and lets a fuzzer reach the decoder with random bodies.
    pub verify_checksum: bool,
    /// The SHA-256 of the whole artifact, as the deployer pinned it (from the build that
    /// produced it, [`sha256`]); `None` (default) checks nothing. The CRC32C in the header
    /// only catches accidents: anyone who can write the file can recompute it. A pinned
    /// SHA-256 that was delivered apart from the file (configuration, a signed manifest)
    /// refuses any other bytes with [`LoadError::Sha256Mismatch`], before anything is decoded.
    pub expected_sha256: Option<[u8; 32]>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            verify_checksum: true,
            expected_sha256: None,
        }
    }
}

/// The SHA-256 of an artifact's bytes (all of them, header included): what a deployer pins
/// in [`LoadOptions::expected_sha256`] and what `iamc inspect` prints.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Why bytes could not be loaded as a policy set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// Fewer bytes than the header (or the header's body length) says.
    Truncated {
        /// Bytes needed.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// Not an iamc artifact.
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// Written in big-endian byte order.
    WrongEndianness,
    /// The byte-order mark is neither order.
    BadByteOrderMark {
        /// The two bytes found.
        found: [u8; 2],
    },
    /// A format version this runtime does not read.
    UnsupportedVersion {
        /// The file's version.
        found: u16,
        /// The version this runtime reads.
        supported: u16,
    },
    /// More bytes than the header's body length.
    TrailingBytes {
        /// Bytes the header accounts for.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// The checksum does not match: the file is corrupt.
    ChecksumMismatch {
        /// Stored in the header.
        stored: u32,
        /// Computed from the bytes.
        computed: u32,
    },
    /// The body is malformed at a byte offset (from the start of the file).
    Corrupt {
        /// Offset of the offending field.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// The IR decoded but does not build (e.g. a value that does not parse as its type).
    Build(BuildError),
    /// The artifact's SHA-256 is not the one pinned in [`LoadOptions::expected_sha256`]: these
    /// are not the bytes the deployer meant to load.
    Sha256Mismatch {
        /// Pinned by the deployer.
        expected: [u8; 32],
        /// Computed from the bytes.
        computed: [u8; 32],
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Truncated { expected, actual } => {
                write!(f, "truncated artifact: {actual} bytes, expected {expected}")
            }
            LoadError::BadMagic { found } => {
                write!(f, "not an iamc artifact (magic {found:02x?}, expected \"IAMC\")")
            }
            LoadError::WrongEndianness => write!(f, "artifact written in big-endian byte order"),
            LoadError::BadByteOrderMark { found } => {
                write!(f, "bad byte-order mark {found:02x?}")
            }
            LoadError::UnsupportedVersion { found, supported } => write!(
                f,
                "artifact format version {found} is not supported (this runtime reads version {supported})"
            ),
            LoadError::TrailingBytes { expected, actual } => {
                write!(f, "{actual} bytes where the header accounts for {expected}")
            }
            LoadError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:08x}, computed {computed:08x}): the artifact is corrupt"
            ),
            LoadError::Corrupt { offset, reason } => {
                write!(f, "corrupt artifact at byte {offset}: {reason}")
            }
            LoadError::Build(e) => write!(f, "invalid policy set in artifact: {e}"),
            LoadError::Sha256Mismatch { expected, computed } => write!(
                f,
                "SHA-256 mismatch (pinned {}, computed {}): not the artifact the deployer pinned",
                hex(expected),
                hex(computed)
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Lower-case hex of a digest.
pub fn hex(d: &[u8; 32]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(64);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A digest from 64 hex digits (either case); `None` for anything else.
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let t = text.trim().as_bytes();
    if t.len() != 64 || !t.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(t.chunks_exact(2)) {
        let s = core::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

impl From<BuildError> for LoadError {
    fn from(e: BuildError) -> LoadError {
        LoadError::Build(e)
    }
}

/// What a [`PolicySet`](crate::PolicySet) keeps so it can be written again: the encoded IR section and, for a
/// loaded set, the build info it came with.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    payload: Box<[u8]>,
    build: Option<BuildInfo>,
}

impl Source {
    /// Encode `ir` (for [`PolicySet::new`](crate::PolicySet::new)).
    pub(crate) fn from_ir(ir: &PolicySetIr) -> Source {
        let mut w = Writer::default();
        w.ir(ir);
        Source {
            payload: w.buf.into_boxed_slice(),
            build: None,
        }
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.payload.len()
    }
}

// ---------------------------------------------------------------------------------------
// Writing

/// A length or count as a u32. Nothing the compiler accepts comes near 4 GiB; should it,
/// the writer writes only the first `u32::MAX` bytes/elements, so the file stays
/// self-consistent and the loader rejects it (or reads a shorter value), never misreads it.
fn cap(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[expect(
        clippy::indexing_slicing,
        reason = "`cap(n) <= n`: the cut is at most the length"
    )]
    fn str(&mut self, s: &str) {
        let n = cap(s.len());
        self.u32(n);
        self.buf.extend_from_slice(&s.as_bytes()[..n as usize]);
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    /// Write a count and return the elements to write (at most `u32::MAX`).
    #[expect(
        clippy::indexing_slicing,
        reason = "`cap(n) <= n`: the cut is at most the length"
    )]
    fn list<'a, T>(&mut self, items: &'a [T]) -> &'a [T] {
        let n = cap(items.len());
        self.u32(n);
        &items[..n as usize]
    }
    fn strs(&mut self, items: &[String]) {
        for s in self.list(items) {
            self.str(s);
        }
    }
    #[expect(
        clippy::indexing_slicing,
        reason = "`cap(n) <= n`: the cut is at most the length"
    )]
    fn bytes(&mut self, b: &[u8]) {
        let n = cap(b.len());
        self.u32(n);
        self.buf.extend_from_slice(&b[..n as usize]);
    }

    fn build_info(&mut self, b: &BuildInfo) {
        self.str(&b.compiler_version);
        self.u64(b.created_unix_secs);
        self.str(&b.producer);
        self.strs(&b.inputs);
    }

    fn ir(&mut self, ir: &PolicySetIr) {
        self.u32(ir.scp_levels);
        self.u32(ir.rcp_levels);
        self.opt_str(ir.management_account.as_deref());
        self.strs(&ir.rcp_services);
        for k in self.list(&ir.keys) {
            self.str(&k.name);
            self.u8(u8::from(k.multivalued));
        }
        for p in self.list(&ir.policies) {
            self.u8(kind_tag(p.kind));
            self.u32(p.level);
            self.u32(p.index);
            self.str(&p.name);
            for s in self.list(&p.statements) {
                self.statement(s);
            }
        }
        self.automata(&ir.automata, &ir.action_automata);
    }

    /// The automata section: tag, u32 byte length of the rest, u32 count + (str glob,
    /// u32 length + DFA bytes), u32 count + (str service, u32 count + str patterns,
    /// u32 length + DFA bytes).
    #[expect(
        clippy::indexing_slicing,
        reason = "`len_at + 4 <= buf.len()`: the four placeholder bytes were pushed at `len_at`"
    )]
    fn automata(&mut self, automata: &[AutomatonIr], actions: &[ActionAutomatonIr]) {
        self.buf.extend_from_slice(&AUTOMATA_TAG);
        let len_at = self.buf.len();
        self.u32(0);
        for a in self.list(automata) {
            self.str(&a.glob);
            self.bytes(&a.dfa);
        }
        for a in self.list(actions) {
            self.str(&a.service);
            self.strs(&a.patterns);
            self.bytes(&a.dfa);
        }
        let len = cap(self.buf.len() - len_at - 4);
        self.buf[len_at..len_at + 4].copy_from_slice(&len.to_le_bytes());
    }

    fn statement(&mut self, s: &StatementIr) {
        self.u32(s.index);
        let flags = u8::from(s.allow)
            | u8::from(s.not_action) << 1
            | u8::from(s.not_resource) << 2
            | u8::from(s.principal.is_some()) << 3
            | u8::from(s.sid.is_some()) << 4
            | u8::from(s.opaque.is_some()) << 5
            | u8::from(s.opaque.as_ref().is_some_and(|o| o.effect_unknown)) << 6;
        self.u8(flags);
        if let Some(sid) = &s.sid {
            self.str(sid);
        }
        if let Some(o) = &s.opaque {
            self.str(&o.rule);
        }
        if let Some(p) = &s.principal {
            self.u8(u8::from(p.negated) | u8::from(p.wildcard) << 1);
            self.strs(&p.entries);
        }
        self.strs(&s.actions);
        for t in self.list(&s.resources) {
            self.template(t);
        }
        for c in self.list(&s.conditions) {
            self.u32(c.key);
            self.u8(match c.set {
                None => 0,
                Some(SetOp::ForAllValues) => 1,
                Some(SetOp::ForAnyValue) => 2,
            });
            self.u8(op_tag(c.op));
            self.u8(u8::from(c.negated) | u8::from(c.if_exists) << 1);
            for t in self.list(&c.values) {
                self.template(t);
            }
        }
    }

    fn template(&mut self, t: &TemplateIr) {
        for p in self.list(&t.parts) {
            match p {
                TemplatePartIr::Text(s) => {
                    self.u8(0);
                    self.str(s);
                }
                TemplatePartIr::Literal(s) => {
                    self.u8(1);
                    self.str(s);
                }
                TemplatePartIr::Variable { key, default: None } => {
                    self.u8(2);
                    self.u32(*key);
                }
                TemplatePartIr::Variable {
                    key,
                    default: Some(d),
                } => {
                    self.u8(3);
                    self.u32(*key);
                    self.str(d);
                }
            }
        }
    }
}

const KINDS: [PolicyKind; 6] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
    PolicyKind::Rcp,
];

fn kind_tag(k: PolicyKind) -> u8 {
    match k {
        PolicyKind::Identity => 0,
        PolicyKind::Resource => 1,
        PolicyKind::Boundary => 2,
        PolicyKind::Session => 3,
        PolicyKind::Scp => 4,
        PolicyKind::Rcp => 5,
    }
}

const OPS: [OpKind; 18] = [
    OpKind::StringEquals,
    OpKind::StringEqualsIgnoreCase,
    OpKind::StringLike,
    OpKind::NumericEquals,
    OpKind::NumericLessThan,
    OpKind::NumericLessThanEquals,
    OpKind::NumericGreaterThan,
    OpKind::NumericGreaterThanEquals,
    OpKind::DateEquals,
    OpKind::DateLessThan,
    OpKind::DateLessThanEquals,
    OpKind::DateGreaterThan,
    OpKind::DateGreaterThanEquals,
    OpKind::Bool,
    OpKind::Binary,
    OpKind::Ip,
    OpKind::Arn,
    OpKind::Null,
];

fn op_tag(op: OpKind) -> u8 {
    match op {
        OpKind::StringEquals => 0,
        OpKind::StringEqualsIgnoreCase => 1,
        OpKind::StringLike => 2,
        OpKind::NumericEquals => 3,
        OpKind::NumericLessThan => 4,
        OpKind::NumericLessThanEquals => 5,
        OpKind::NumericGreaterThan => 6,
        OpKind::NumericGreaterThanEquals => 7,
        OpKind::DateEquals => 8,
        OpKind::DateLessThan => 9,
        OpKind::DateLessThanEquals => 10,
        OpKind::DateGreaterThan => 11,
        OpKind::DateGreaterThanEquals => 12,
        OpKind::Bool => 13,
        OpKind::Binary => 14,
        OpKind::Ip => 15,
        OpKind::Arn => 16,
        OpKind::Null => 17,
    }
}

/// The CRC32C of an artifact: header bytes 0..16 (everything before the checksum field),
/// then the body.
fn checksum(head: &[u8], body: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(head), body)
}

/// Assemble a whole artifact from build info and an encoded IR section.
#[expect(
    clippy::indexing_slicing,
    reason = "`out` holds the whole header (`HEADER_LEN` = 20 bytes) before these cuts"
)]
fn assemble(build: &BuildInfo, ir_section: &[u8]) -> Vec<u8> {
    let mut meta = Writer::default();
    meta.build_info(build);
    let meta = meta.buf;
    let body_len = 4 + meta.len() + ir_section.len();
    let mut out = Vec::with_capacity(HEADER_LEN + body_len);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&BYTE_ORDER_MARK.to_le_bytes());
    out.extend_from_slice(&(body_len as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&cap(meta.len()).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(ir_section);
    let crc = checksum(&out[..16], &out[HEADER_LEN..]);
    out[16..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Encode an IR with its build info as an artifact.
pub fn encode(ir: &PolicySetIr, build: &BuildInfo) -> Vec<u8> {
    let mut w = Writer::default();
    w.ir(ir);
    assemble(build, &w.buf)
}

// ---------------------------------------------------------------------------------------
// Reading

/// Most SCP/RCP levels a loaded set may have. Levels are a number, not a list (a level may
/// hold no policy), so they are not bounded by the input's size; the evaluator's scratch
/// space holds one slot per level. AWS Organizations nests at most 5 OUs under the root.
pub const MAX_LEVELS: u32 = 256;

/// Minimum encoded sizes, used to bound counts before allocating.
const MIN_STR: usize = 4;
const MIN_KEY: usize = MIN_STR + 1;
const MIN_POLICY: usize = 1 + 4 + 4 + MIN_STR + 4;
const MIN_STATEMENT: usize = 4 + 1 + 4 + 4 + 4;
const MIN_TEMPLATE: usize = 4;
const MIN_PART: usize = 1 + 4;
const MIN_CONDITION: usize = 4 + 1 + 1 + 1 + 4;
const MIN_AUTOMATON: usize = MIN_STR + 4;
const MIN_ACTION_AUTOMATON: usize = MIN_STR + 4 + 4;

/// A bounds-checked cursor over a byte slice; `base` is the slice's offset in the file.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], base: usize) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    fn err<T>(&self, reason: &'static str) -> Result<T, LoadError> {
        Err(LoadError::Corrupt {
            offset: (self.base + self.pos) as u64,
            reason,
        })
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "`n <= remaining()` was checked just above, so `pos + n <= bytes.len()`"
    )]
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return self.err(what);
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, LoadError> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => self.err("unexpected end of input"),
        }
    }

    fn u32(&mut self) -> Result<u32, LoadError> {
        let b = self.take(4, "unexpected end of input")?;
        let mut a = [0; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    fn u64(&mut self) -> Result<u64, LoadError> {
        let b = self.take(8, "unexpected end of input")?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn bool(&mut self) -> Result<bool, LoadError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => {
                self.pos -= 1;
                self.err("invalid boolean")
            }
        }
    }

    /// A flags byte whose bits outside `allowed` must be clear.
    fn flags(&mut self, allowed: u8) -> Result<u8, LoadError> {
        let f = self.u8()?;
        if f & !allowed != 0 {
            self.pos -= 1;
            return self.err("unknown flag bits");
        }
        Ok(f)
    }

    fn str(&mut self) -> Result<&'a str, LoadError> {
        let at = self.pos;
        let n = self.u32()? as usize;
        let b = self.take(n, "string length beyond the end of input")?;
        match core::str::from_utf8(b) {
            Ok(s) => Ok(s),
            Err(_) => {
                self.pos = at;
                self.err("string is not UTF-8")
            }
        }
    }

    fn opt_str(&mut self) -> Result<Option<&'a str>, LoadError> {
        if self.bool()? {
            self.str().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A count of elements each at least `min` bytes long, checked against what remains
    /// before the caller allocates for it.
    fn count(&mut self, min: usize) -> Result<usize, LoadError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.remaining() {
            self.pos -= 4;
            return self.err("count larger than the remaining input");
        }
        Ok(n)
    }

    /// A counted list of strings, appended to the view's `strs`.
    fn strs(&mut self, v: &mut IrView<'a>) -> Result<Span, LoadError> {
        let n = self.count(MIN_STR)?;
        let start = v.strs.len();
        v.strs.reserve(n);
        for _ in 0..n {
            v.strs.push(self.str()?);
        }
        Ok(Span {
            start: start as u32,
            end: v.strs.len() as u32,
        })
    }

    fn key(&mut self, nkeys: usize) -> Result<KeyId, LoadError> {
        let k = self.u32()?;
        if k as usize >= nkeys {
            self.pos -= 4;
            return self.err("condition key id out of range");
        }
        Ok(k)
    }

    fn build_info(&mut self) -> Result<BuildInfo, LoadError> {
        let compiler_version = self.str()?.to_owned();
        let created_unix_secs = self.u64()?;
        let producer = self.str()?.to_owned();
        let n = self.count(MIN_STR)?;
        let mut inputs = Vec::with_capacity(n);
        for _ in 0..n {
            inputs.push(self.str()?.to_owned());
        }
        Ok(BuildInfo {
            compiler_version,
            created_unix_secs,
            producer,
            inputs,
        })
    }

    /// Decode the IR section into a view borrowing the input's strings.
    fn view(&mut self) -> Result<IrView<'a>, LoadError> {
        // Spans are u32: every element takes at least a byte, so this bounds them all.
        if u32::try_from(self.bytes.len()).is_err() {
            return self.err("IR section larger than 4 GiB");
        }
        let scp_levels = self.u32()?;
        let rcp_levels = self.u32()?;
        if scp_levels > MAX_LEVELS || rcp_levels > MAX_LEVELS {
            self.pos -= 8;
            return self.err("more SCP or RCP levels than the loader accepts");
        }
        let management_account = self.opt_str()?;
        let nservices = self.count(MIN_STR)?;
        let mut rcp_services = Vec::with_capacity(nservices);
        for _ in 0..nservices {
            rcp_services.push(self.str()?);
        }
        let nkeys = self.count(MIN_KEY)?;
        let mut keys = Vec::with_capacity(nkeys);
        for _ in 0..nkeys {
            keys.push((self.str()?, self.bool()?));
        }
        let npolicies = self.count(MIN_POLICY)?;
        // Room for the flat lists, estimated from the section's size (about what the managed
        // policies need, and linear in the input whatever it holds): growing them step by step
        // would copy megabytes, and touch fresh pages for each copy.
        let n = self.bytes.len();
        let mut v = IrView {
            scp_levels,
            rcp_levels,
            management_account,
            rcp_services,
            keys,
            policies: Vec::with_capacity(npolicies),
            statements: Vec::with_capacity(n / 256),
            strs: Vec::with_capacity(n / 40),
            templates: Vec::with_capacity(n / 96),
            parts: Vec::with_capacity(n / 96),
            conditions: Vec::with_capacity(n / 384),
            automata: Vec::new(),
            action_automata: Vec::new(),
        };
        let mut seen: HashSet<(u8, u32, u32), BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(npolicies, BuildHasherDefault::default());
        for _ in 0..npolicies {
            let at = self.pos;
            let tag = self.u8()?;
            let Some(&kind) = KINDS.get(tag as usize) else {
                self.pos = at;
                return self.err("unknown policy kind");
            };
            let level = self.u32()?;
            let levels = match kind {
                PolicyKind::Scp => scp_levels,
                PolicyKind::Rcp => rcp_levels,
                _ => 1,
            };
            if level >= levels {
                self.pos -= 4;
                return self.err("policy level out of range");
            }
            let index = self.u32()?;
            if !seen.insert((tag, level, index)) {
                self.pos = at;
                return self.err("duplicate policy");
            }
            let name = self.str()?;
            let nstmts = self.count(MIN_STATEMENT)?;
            let first = v.statements.len();
            v.statements.reserve(nstmts);
            for _ in 0..nstmts {
                self.statement(nkeys, &mut v)?;
            }
            v.policies.push(PolicyView {
                kind,
                level,
                index,
                name,
                statements: Span {
                    start: first as u32,
                    end: v.statements.len() as u32,
                },
            });
        }
        self.automata(&mut v)?;
        if self.remaining() != 0 {
            return self.err("bytes after the automata section");
        }
        Ok(v)
    }

    /// The automata section, into the view: glob keys, service names and patterns borrowed
    /// as strings, DFA bytes borrowed as they lie (unaligned). The DFA bytes are only framed
    /// here; `PolicySet::build` deserialises (and so validates) them.
    fn automata(&mut self, v: &mut IrView<'a>) -> Result<(), LoadError> {
        if self.take(4, "missing automata section")? != AUTOMATA_TAG {
            self.pos -= 4;
            return self.err("missing automata section");
        }
        let len = self.u32()? as usize;
        if len != self.remaining() {
            self.pos -= 4;
            return self.err("automata section length does not match");
        }
        let n = self.count(MIN_AUTOMATON)?;
        v.automata.reserve(n);
        let mut seen: HashSet<&str, BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(n, BuildHasherDefault::default());
        for _ in 0..n {
            let at = self.pos;
            let glob = self.str()?;
            let len = self.u32()? as usize;
            let dfa = self.take(len, "automaton length beyond the end of input")?;
            if !seen.insert(glob) {
                self.pos = at;
                return self.err("duplicate automaton");
            }
            v.automata.push((glob, dfa));
        }
        let n = self.count(MIN_ACTION_AUTOMATON)?;
        v.action_automata.reserve(n);
        seen.clear();
        for _ in 0..n {
            let at = self.pos;
            let service = self.str()?;
            let patterns = self.strs(v)?;
            let len = self.u32()? as usize;
            let dfa = self.take(len, "automaton length beyond the end of input")?;
            if !seen.insert(service) {
                self.pos = at;
                return self.err("duplicate action automaton");
            }
            v.action_automata.push((service, patterns, dfa));
        }
        Ok(())
    }

    fn statement(&mut self, nkeys: usize, v: &mut IrView<'a>) -> Result<(), LoadError> {
        let index = self.u32()?;
        let flags = self.flags(0x7f)?;
        let sid = if flags & 16 != 0 {
            Some(self.str()?)
        } else {
            None
        };
        if flags & 0x60 == 0x40 {
            return self.err("an unknown effect on a statement that is not opaque");
        }
        let opaque = if flags & 32 != 0 {
            Some((self.str()?, flags & 64 != 0))
        } else {
            None
        };
        let principal = if flags & 8 != 0 {
            let pf = self.flags(3)?;
            Some((pf & 1 != 0, pf & 2 != 0, self.strs(v)?))
        } else {
            None
        };
        let actions = self.strs(v)?;
        let resources = self.templates(nkeys, v)?;
        let nconds = self.count(MIN_CONDITION)?;
        let cstart = v.conditions.len();
        for _ in 0..nconds {
            let key = self.key(nkeys)?;
            let set = match self.u8()? {
                0 => None,
                1 => Some(SetOp::ForAllValues),
                2 => Some(SetOp::ForAnyValue),
                _ => {
                    self.pos -= 1;
                    return self.err("unknown set operator");
                }
            };
            let tag = self.u8()?;
            let Some(&op) = OPS.get(tag as usize) else {
                self.pos -= 1;
                return self.err("unknown condition operator");
            };
            let cf = self.flags(3)?;
            let values = self.templates(nkeys, v)?;
            v.conditions.push(ConditionView {
                key,
                set,
                op,
                negated: cf & 1 != 0,
                if_exists: cf & 2 != 0,
                values,
            });
        }
        v.statements.push(StatementView {
            index,
            sid,
            allow: flags & 1 != 0,
            principal,
            not_action: flags & 2 != 0,
            actions,
            not_resource: flags & 4 != 0,
            resources,
            conditions: Span {
                start: cstart as u32,
                end: v.conditions.len() as u32,
            },
            opaque,
        });
        Ok(())
    }

    fn templates(&mut self, nkeys: usize, v: &mut IrView<'a>) -> Result<Span, LoadError> {
        let n = self.count(MIN_TEMPLATE)?;
        let start = v.templates.len();
        for _ in 0..n {
            let nparts = self.count(MIN_PART)?;
            let first = v.parts_start();
            for _ in 0..nparts {
                let part = match self.u8()? {
                    0 => PartView::Text(self.str()?),
                    1 => PartView::Literal(self.str()?),
                    2 => PartView::Variable(self.key(nkeys)?, None),
                    3 => PartView::Variable(self.key(nkeys)?, Some(self.str()?)),
                    _ => {
                        self.pos -= 1;
                        return self.err("unknown template part");
                    }
                };
                v.parts.push(part);
            }
            v.end_template(first);
        }
        Ok(Span {
            start: start as u32,
            end: v.templates.len() as u32,
        })
    }
}

/// Check the fixed header and the body length (not the checksum). Cheap: reads 20 bytes.
pub fn read_header(bytes: &[u8]) -> Result<Header, LoadError> {
    let actual = bytes.len() as u64;
    let Some(head) = bytes.get(..HEADER_LEN) else {
        // Say what is wrong with what is there, if anything, before calling it short.
        if let Some(m) = bytes.get(..4) {
            if m != MAGIC {
                let mut found = [0; 4];
                found.copy_from_slice(m);
                return Err(LoadError::BadMagic { found });
            }
        }
        return Err(LoadError::Truncated {
            expected: HEADER_LEN as u64,
            actual,
        });
    };
    let mut h = [0u8; HEADER_LEN];
    h.copy_from_slice(head);
    let magic = [h[0], h[1], h[2], h[3]];
    if magic != MAGIC {
        return Err(LoadError::BadMagic { found: magic });
    }
    let bom = [h[6], h[7]];
    if bom == BYTE_ORDER_MARK.to_be_bytes() {
        return Err(LoadError::WrongEndianness);
    }
    if bom != BYTE_ORDER_MARK.to_le_bytes() {
        return Err(LoadError::BadByteOrderMark { found: bom });
    }
    let format_version = u16::from_le_bytes([h[4], h[5]]);
    if format_version != FORMAT_VERSION {
        return Err(LoadError::UnsupportedVersion {
            found: format_version,
            supported: FORMAT_VERSION,
        });
    }
    let body_len = u64::from_le_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
    let expected = body_len.saturating_add(HEADER_LEN as u64);
    if actual < expected {
        return Err(LoadError::Truncated { expected, actual });
    }
    if actual > expected {
        return Err(LoadError::TrailingBytes { expected, actual });
    }
    Ok(Header {
        format_version,
        body_len,
        checksum: u32::from_le_bytes([h[16], h[17], h[18], h[19]]),
    })
}

/// The header, the metadata section and the IR section, after the header and checksum
/// checks; `usize` is the IR section's offset in the file.
#[expect(
    clippy::indexing_slicing,
    reason = "`r.pos <= body.len()`: the reader only advances within its bytes"
)]
fn split(bytes: &[u8], opts: LoadOptions) -> Result<(Header, BuildInfo, &[u8], usize), LoadError> {
    if let Some(expected) = opts.expected_sha256 {
        let computed = sha256(bytes);
        if computed != expected {
            return Err(LoadError::Sha256Mismatch { expected, computed });
        }
    }
    let header = read_header(bytes)?;
    // read_header checked the length, so these slices exist; `get` keeps it panic-free.
    let (Some(head), Some(body)) = (bytes.get(..16), bytes.get(HEADER_LEN..)) else {
        return Err(LoadError::Truncated {
            expected: HEADER_LEN as u64,
            actual: bytes.len() as u64,
        });
    };
    if opts.verify_checksum {
        let computed = checksum(head, body);
        if computed != header.checksum {
            return Err(LoadError::ChecksumMismatch {
                stored: header.checksum,
                computed,
            });
        }
    }
    let mut r = Reader::new(body, HEADER_LEN);
    let meta_len = r.u32()? as usize;
    let meta = r.take(meta_len, "metadata length beyond the end of input")?;
    let mut m = Reader::new(meta, HEADER_LEN + 4);
    let build = m.build_info()?;
    if m.remaining() != 0 {
        return m.err("bytes after the metadata");
    }
    let ir_at = HEADER_LEN + r.pos;
    Ok((header, build, &body[r.pos..], ir_at))
}

/// Decode an artifact into its header, build info and IR, checking everything except what
/// only [`PolicySet::new`](crate::PolicySet::new) checks (policy values parsing as their types).
pub fn decode(bytes: &[u8]) -> Result<Artifact, LoadError> {
    decode_with(bytes, LoadOptions::default())
}

/// [`decode`] with options.
pub fn decode_with(bytes: &[u8], opts: LoadOptions) -> Result<Artifact, LoadError> {
    let (header, build, section, at) = split(bytes, opts)?;
    let ir = Reader::new(section, at).view()?.to_ir();
    Ok(Artifact { header, build, ir })
}

/// Load an artifact: check its header, checksum and metadata, read a view of its IR, and
/// hand that view with the [`Source`] to keep to `build` (the set's builder).
pub(crate) fn load<T>(
    bytes: &[u8],
    opts: LoadOptions,
    build: impl FnOnce(&IrView<'_>, Source) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let (_, info, section, at) = split(bytes, opts)?;
    let view = Reader::new(section, at).view()?;
    let source = Source {
        payload: section.into(),
        build: Some(info),
    };
    build(&view, source)
}

impl Source {
    /// The artifact: with `build`, else the build info the set was loaded with, else
    /// [`BuildInfo::runtime_default`].
    pub(crate) fn to_bytes(&self, build: Option<&BuildInfo>) -> Vec<u8> {
        match build.or(self.build.as_ref()) {
            Some(b) => assemble(b, &self.payload),
            None => assemble(&BuildInfo::runtime_default(), &self.payload),
        }
    }

    /// The build info of a loaded set.
    pub(crate) fn build_info(&self) -> Option<&BuildInfo> {
        self.build.as_ref()
    }

    /// The IR, decoded again from the kept bytes.
    pub(crate) fn ir(&self) -> Result<PolicySetIr, LoadError> {
        Ok(Reader::new(&self.payload, 0).view()?.to_ir())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::ir::{ConditionIr, KeyIr, PolicyIr, PrincipalIr};
    use crate::PolicySet;

    fn sample() -> PolicySetIr {
        let t = |s: &str| TemplateIr {
            parts: vec![TemplatePartIr::Text(s.to_string())],
        };
        PolicySetIr {
            policies: vec![
                PolicyIr {
                    kind: PolicyKind::Identity,
                    level: 0,
                    index: 0,
                    name: "p0".into(),
                    statements: vec![StatementIr {
                        index: 0,
                        sid: Some("S".into()),
                        allow: true,
                        principal: None,
                        not_action: false,
                        actions: vec!["s3:Get*".into()],
                        not_resource: false,
                        resources: vec![TemplateIr {
                            parts: vec![
                                TemplatePartIr::Text("arn:aws:s3:::b/".into()),
                                TemplatePartIr::Variable {
                                    key: 0,
                                    default: Some("x".into()),
                                },
                                TemplatePartIr::Literal("*".into()),
                            ],
                        }],
                        conditions: vec![ConditionIr {
                            key: 1,
                            set: Some(SetOp::ForAnyValue),
                            op: OpKind::Ip,
                            negated: true,
                            if_exists: true,
                            values: vec![t("10.0.0.0/8")],
                        }],
                        opaque: None,
                    }],
                },
                PolicyIr {
                    kind: PolicyKind::Scp,
                    level: 1,
                    index: 0,
                    name: "scp".into(),
                    statements: vec![StatementIr {
                        index: 0,
                        sid: None,
                        allow: false,
                        principal: Some(PrincipalIr {
                            negated: true,
                            wildcard: false,
                            entries: vec!["arn:aws:iam::1:root".into()],
                        }),
                        not_action: true,
                        actions: vec!["iam:*".into()],
                        not_resource: true,
                        resources: vec![t("*")],
                        conditions: vec![],
                        opaque: None,
                    }],
                },
            ],
            keys: vec![
                KeyIr {
                    name: "aws:username".into(),
                    multivalued: false,
                },
                KeyIr {
                    name: "aws:sourceip".into(),
                    multivalued: false,
                },
            ],
            scp_levels: 2,
            rcp_levels: 0,
            management_account: Some("111122223333".into()),
            rcp_services: vec!["s3".into(), "kms".into()],
            automata: vec![],
            action_automata: vec![],
        }
    }

    #[test]
    fn round_trip_ir_and_build_info() {
        let ir = sample();
        let build = BuildInfo {
            compiler_version: "iamc 9".into(),
            created_unix_secs: 42,
            producer: "test".into(),
            inputs: vec!["a.json".into()],
        };
        let bytes = encode(&ir, &build);
        let a = decode(&bytes).unwrap();
        assert_eq!(a.ir, ir);
        assert_eq!(a.build, build);
        assert_eq!(a.header.format_version, FORMAT_VERSION);
        let set = PolicySet::from_bytes(&bytes).unwrap();
        assert_eq!(set.build_info(), Some(&build));
        assert_eq!(set.ir().unwrap(), ir);
        assert_eq!(set.to_bytes(), bytes);
        let fresh = PolicySet::new(&ir).unwrap();
        assert_eq!(fresh.to_bytes_with(&build), bytes);
        assert_eq!(fresh.build_info(), None);
    }

    #[test]
    fn header_errors() {
        let bytes = encode(&sample(), &BuildInfo::runtime_default());
        let mut b = bytes.clone();
        b[0] = b'X';
        assert!(matches!(decode(&b), Err(LoadError::BadMagic { .. })));
        let mut b = bytes.clone();
        b[6..8].copy_from_slice(&BYTE_ORDER_MARK.to_be_bytes());
        assert_eq!(decode(&b), Err(LoadError::WrongEndianness));
        let mut b = bytes.clone();
        b[4] = 1;
        assert!(matches!(
            decode(&b),
            Err(LoadError::UnsupportedVersion { found: 1, .. })
        ));
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(LoadError::Truncated { .. })
        ));
        let mut b = bytes.clone();
        b.push(0);
        assert!(matches!(decode(&b), Err(LoadError::TrailingBytes { .. })));
        let mut b = bytes.clone();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(matches!(
            decode(&b),
            Err(LoadError::ChecksumMismatch { .. })
        ));
        assert!(matches!(
            decode_with(
                &b,
                LoadOptions {
                    verify_checksum: false,
                    ..LoadOptions::default()
                }
            ),
            Err(LoadError::Corrupt { .. }) | Ok(_)
        ));
        assert!(matches!(decode(b"IA"), Err(LoadError::Truncated { .. })));
        assert!(matches!(decode(b"{\"a\""), Err(LoadError::BadMagic { .. })));
    }

    #[test]
    fn hostile_count_is_rejected_before_allocating() {
        // A valid header and metadata, then an IR claiming u32::MAX keys.
        let mut w = Writer::default();
        w.u32(0);
        w.u32(0);
        w.opt_str(None);
        w.u32(u32::MAX);
        let bytes = assemble(&BuildInfo::default(), &w.buf);
        assert!(matches!(
            decode(&bytes),
            Err(LoadError::Corrupt {
                reason: "count larger than the remaining input",
                ..
            })
        ));
    }

    #[test]
    fn bad_key_id_and_level_are_corrupt() {
        let mut ir = sample();
        ir.policies[0].statements[0].conditions[0].key = 7;
        let bytes = encode(&ir, &BuildInfo::default());
        assert!(matches!(decode(&bytes), Err(LoadError::Corrupt { .. })));
        let mut ir = sample();
        ir.scp_levels = 1;
        let bytes = encode(&ir, &BuildInfo::default());
        assert!(matches!(decode(&bytes), Err(LoadError::Corrupt { .. })));
        let mut ir = sample();
        ir.policies[0].statements[0].conditions[0].values[0] = TemplateIr {
            parts: vec![TemplatePartIr::Text("not an ip".into())],
        };
        let bytes = encode(&ir, &BuildInfo::default());
        assert!(decode(&bytes).is_ok());
        assert!(matches!(
            PolicySet::from_bytes(&bytes),
            Err(LoadError::Build(BuildError::InvalidValue { .. }))
        ));
    }
}
