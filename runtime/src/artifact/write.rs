//! Writing an artifact: the IR section, the build-info section and the header with its
//! checksum (the format is in the parent module's doc).

use super::*;

/// A length or count as a u32. Nothing the compiler accepts comes near 4 GiB; should it,
/// the writer writes only the first `u32::MAX` bytes/elements, so the file stays
/// self-consistent and the loader rejects it (or reads a shorter value), never misreads it.
fn cap(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
}

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[expect(
        clippy::indexing_slicing,
        reason = "`cap(n) <= n`: the cut is at most the length"
    )]
    pub(super) fn str(&mut self, s: &str) {
        let n = cap(s.len());
        self.u32(n);
        self.buf.extend_from_slice(&s.as_bytes()[..n as usize]);
    }
    pub(super) fn opt_str(&mut self, s: Option<&str>) {
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
    pub(super) fn list<'a, T>(&mut self, items: &'a [T]) -> &'a [T] {
        let n = cap(items.len());
        self.u32(n);
        &items[..n as usize]
    }
    pub(super) fn strs(&mut self, items: &[String]) {
        for s in self.list(items) {
            self.str(s);
        }
    }
    #[expect(
        clippy::indexing_slicing,
        reason = "`cap(n) <= n`: the cut is at most the length"
    )]
    pub(super) fn bytes(&mut self, b: &[u8]) {
        let n = cap(b.len());
        self.u32(n);
        self.buf.extend_from_slice(&b[..n as usize]);
    }

    pub(super) fn build_info(&mut self, b: &BuildInfo) {
        self.str(&b.compiler_version);
        self.u64(b.created_unix_secs);
        self.str(&b.producer);
        self.strs(&b.inputs);
    }

    pub(super) fn ir(&mut self, ir: &PolicySetIr) {
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
    pub(super) fn automata(&mut self, automata: &[AutomatonIr], actions: &[ActionAutomatonIr]) {
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

    pub(super) fn statement(&mut self, s: &StatementIr) {
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

    pub(super) fn template(&mut self, t: &TemplateIr) {
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

pub(super) const KINDS: [PolicyKind; 6] = [
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

pub(super) const OPS: [OpKind; 18] = [
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
pub(super) fn checksum(head: &[u8], body: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(head), body)
}

/// Assemble a whole artifact from build info and an encoded IR section.
#[expect(
    clippy::indexing_slicing,
    reason = "`out` holds the whole header (`HEADER_LEN` = 20 bytes) before these cuts"
)]
pub(super) fn assemble(build: &BuildInfo, ir_section: &[u8]) -> Vec<u8> {
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
