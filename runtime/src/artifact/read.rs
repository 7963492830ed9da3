//! Reading an artifact's IR section: a bounds-checked cursor that validates every count,
//! index and tag before it allocates or indexes (see "Loading never trusts the bytes" in the
//! parent module's doc).

use super::write::{KINDS, OPS};
use super::*;

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
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pub(super) pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8], base: usize) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    pub(super) fn err<T>(&self, reason: &'static str) -> Result<T, LoadError> {
        Err(LoadError::Corrupt {
            offset: (self.base + self.pos) as u64,
            reason,
        })
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "`n <= remaining()` was checked just above, so `pos + n <= bytes.len()`"
    )]
    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return self.err(what);
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn u8(&mut self) -> Result<u8, LoadError> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => self.err("unexpected end of input"),
        }
    }

    pub(super) fn u32(&mut self) -> Result<u32, LoadError> {
        let b = self.take(4, "unexpected end of input")?;
        let mut a = [0; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    pub(super) fn u64(&mut self) -> Result<u64, LoadError> {
        let b = self.take(8, "unexpected end of input")?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub(super) fn bool(&mut self) -> Result<bool, LoadError> {
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
    pub(super) fn flags(&mut self, allowed: u8) -> Result<u8, LoadError> {
        let f = self.u8()?;
        if f & !allowed != 0 {
            self.pos -= 1;
            return self.err("unknown flag bits");
        }
        Ok(f)
    }

    pub(super) fn str(&mut self) -> Result<&'a str, LoadError> {
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

    pub(super) fn opt_str(&mut self) -> Result<Option<&'a str>, LoadError> {
        if self.bool()? {
            self.str().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A count of elements each at least `min` bytes long, checked against what remains
    /// before the caller allocates for it.
    pub(super) fn count(&mut self, min: usize) -> Result<usize, LoadError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.remaining() {
            self.pos -= 4;
            return self.err("count larger than the remaining input");
        }
        Ok(n)
    }

    /// A counted list of strings, appended to the view's `strs`.
    pub(super) fn strs(&mut self, v: &mut IrView<'a>) -> Result<Span, LoadError> {
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

    pub(super) fn key(&mut self, nkeys: usize) -> Result<KeyId, LoadError> {
        let k = self.u32()?;
        if k as usize >= nkeys {
            self.pos -= 4;
            return self.err("condition key id out of range");
        }
        Ok(k)
    }

    pub(super) fn build_info(&mut self) -> Result<BuildInfo, LoadError> {
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
    pub(super) fn view(&mut self) -> Result<IrView<'a>, LoadError> {
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
    pub(super) fn automata(&mut self, v: &mut IrView<'a>) -> Result<(), LoadError> {
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

    pub(super) fn statement(&mut self, nkeys: usize, v: &mut IrView<'a>) -> Result<(), LoadError> {
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

    pub(super) fn templates(
        &mut self,
        nkeys: usize,
        v: &mut IrView<'a>,
    ) -> Result<Span, LoadError> {
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
