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

mod read;
#[cfg(test)]
mod tests;
mod write;

use read::Reader;
pub use read::MAX_LEVELS;
pub use write::encode;
use write::{assemble, checksum, Writer};

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
