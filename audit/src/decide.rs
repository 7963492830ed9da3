//! Deciding one record: the record is mapped to its requests ([`crate::event`]) —
//! the call's own action and any further permission it needs (`iam:PassRole`,
//! `ec2:CreateTags`, a copy's `s3:GetObject`), each decided as its own request of the same
//! event; the event is allowed only if every request is (the worst decision wins, and names
//! the deciding statement).
//!
//! Before anything is decided:
//! - a record whose `eventID` was seen already (CloudTrail may deliver an event twice) is
//!   counted as a duplicate and not decided again ([`Seen`]: a sharded set shared by the
//!   workers; UUIDs are kept as 128-bit numbers, anything else as text, so the test is exact);
//! - a record that is no authorization request (E-20: `eventType` `AwsServiceEvent`,
//!   `AwsConsoleSignIn`, `AwsConsoleAction`) is counted, not decided;
//! - `sts:GetCallerIdentity` needs no permission (E-20): allowed by the built-in rule, before
//!   and after any change, whatever the policies say.
//!
//! So `read = decided + unreadable + not decided (not a request, duplicate)`.

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use iamc_runtime::{Decision, Outcome, PolicySet, Value};
use rustc_hash::{FxHashSet, FxHasher};

use crate::event::{map_event_into, Approx, Event, PrincipalKind};
use crate::report::Decided;
use crate::{deciding, rank, recycle, Deciding, Local, Worker};

/// Event ids seen so far, shared by the workers.
///
/// UUIDs go first to `Fixed`, a lock-free table sized once from the input (no lock word
/// bounces between the workers' cores); what does not fit there, and ids that are not UUIDs,
/// go to locked shards.
pub struct Seen {
    fixed: std::sync::OnceLock<Fixed>,
    uuids: Vec<Shard>,
    other: Vec<Mutex<FxHashSet<Box<str>>>>,
}

/// Probes of [`Fixed`] before an id goes to the locked shards.
const MAX_PROBES: usize = 32;

/// A fixed-size, insert-only, lock-free set of UUIDs whose halves are both non-zero (CloudTrail's
/// ids: version 4). Linear probing with a compare-and-swap on the high half of the first empty
/// slot; the low half follows it. An id is only ever placed within the first
/// [`MAX_PROBES`] slots of its probe sequence, so a lookup that finds neither it nor an empty
/// slot there knows it is not in the table.
struct Fixed {
    /// Slot `i` is `[2i]` (high half, zero when empty) and `[2i + 1]` (low half).
    slots: iamc_hint::ZeroedAtomics,
    mask: usize,
}

impl Fixed {
    fn new(slots: usize) -> Fixed {
        let n = slots.next_power_of_two();
        // Zeroed pages from the OS, on huge pages: each lookup is a random read of this table
        // (32 MiB for 1M ids); with 4 KiB pages nearly every one also missed the TLB.
        Fixed {
            slots: iamc_hint::ZeroedAtomics::new(2 * n),
            mask: n - 1,
        }
    }

    /// The two halves of slot `i` (in range: `i` is masked).
    fn slot(&self, i: usize) -> Option<(&AtomicU64, &AtomicU64)> {
        Some((self.slots.get(2 * i)?, self.slots.get(2 * i + 1)?))
    }

    /// `Some(true)` when `(hi, lo)` is new (and now kept), `Some(false)` when it was there,
    /// `None` when it is not there and there is no room for it.
    fn insert(&self, hi: u64, lo: u64, start: usize) -> Option<bool> {
        use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
        let mut i = start & self.mask;
        for _ in 0..MAX_PROBES {
            let (high, low) = self.slot(i)?;
            let mut h = high.load(Acquire);
            if h == 0 {
                match high.compare_exchange(0, hi, AcqRel, Acquire) {
                    Ok(_) => {
                        low.store(lo, Release);
                        return Some(true);
                    }
                    Err(cur) => h = cur,
                }
            }
            if h == hi {
                // The writer of the high half stores the low half next.
                let l = loop {
                    let l = low.load(Acquire);
                    if l != 0 {
                        break l;
                    }
                    std::hint::spin_loop();
                };
                if l == lo {
                    return Some(false);
                }
            }
            i = (i + 1) & self.mask;
        }
        None
    }
}

const SHARDS: usize = 64;

/// One shard of UUIDs (those [`Fixed`] has no room for), on cache lines of its own.
#[repr(align(128))]
#[derive(Default)]
struct Shard {
    table: Mutex<Table>,
}

impl Shard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An open-addressing set of 128-bit ids (linear probing, at most half full): one probe is
/// usually one cache line, where a general hash set touches two (control bytes and bucket).
/// Zero marks an empty slot; the id zero is kept apart.
#[derive(Default)]
struct Table {
    slots: Vec<u128>,
    len: usize,
    zero: bool,
}

/// The slot hash of an id (UUIDs are random already; the multiply spreads other ids).
fn mix(u: u128) -> u64 {
    ((u as u64) ^ ((u >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Table {
    fn reserve(&mut self, n: usize) {
        let want = (n * 2).next_power_of_two().max(16);
        if want > self.slots.len() {
            self.grow(want);
        }
    }

    fn grow(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for u in old.into_iter().filter(|&u| u != 0) {
            self.put(u);
        }
    }

    /// Place `u` (not present) in a table with room.
    fn put(&mut self, u: u128) {
        let mask = self.slots.len() - 1;
        let mut i = (mix(u) >> 32) as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = u;
    }

    /// Insert; whether `u` was new.
    fn insert(&mut self, u: u128) -> bool {
        if u == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow((self.slots.len() * 2).max(16));
        }
        let mask = self.slots.len() - 1;
        let mut i = (mix(u) >> 32) as usize & mask;
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = u;
                    self.len += 1;
                    return true;
                }
                x if x == u => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            fixed: std::sync::OnceLock::new(),
            uuids: (0..SHARDS).map(|_| Shard::default()).collect(),
            other: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

/// Eight ASCII hex digits (big-endian in `x`: the first digit in the top byte) as a number, or `None` if any byte is
/// not one: all eight at once in a `u64` (SWAR), where a table lookup a digit cost ~280
/// instructions an event id under callgrind.
fn hex8(x: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bytes under 0x80 only, so that the additions below carry into no other byte; then a
    // byte's high bit after `+ (0x80 - c0)` says whether it is >= c0.
    let ascii = x & HIGH == 0;
    let ge = |c0: u8| x.wrapping_add(ONES * u64::from(0x80 - c0)) & HIGH;
    let digit = ge(b'0') & !ge(b'9' + 1);
    let lower = x | (ONES * 0x20); // 'A'..='F' → 'a'..='f'; digits already have the bit
    let ge_l = |c0: u8| lower.wrapping_add(ONES * u64::from(0x80 - c0)) & HIGH;
    let letter = ge_l(b'a') & !ge_l(b'f' + 1);
    if !ascii || (digit | letter) != HIGH {
        return None;
    }
    // Each byte's value: its low nibble, plus 9 for a letter (bit 6 set: 'A' is 0x41, 'a' 0x61).
    let v = (x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9;
    // Pack the eight nibbles (first byte most significant) into 32 bits.
    let v = ((v >> 4) | v) & 0x00ff_00ff_00ff_00ff;
    let v = ((v >> 8) | v) & 0x0000_ffff_0000_ffff;
    let v = ((v >> 16) | v) & 0x0000_0000_ffff_ffff;
    Some(v as u32)
}

/// A UUID (`8-4-4-4-12` hex digits, either case) as a number. Every byte but the four hyphens
/// must be a hex digit (a hyphen elsewhere is not one, so no other string maps to a UUID's
/// number).
fn uuid(s: &str) -> Option<u128> {
    let b: &[u8; 36] = s.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    // Whole-word loads at fixed offsets of a fixed-size array: no bounds check, no byte loop.
    let w8 = |i: usize| {
        b.get(i..i + 8)
            .and_then(|s| s.try_into().ok())
            .map(u64::from_be_bytes)
    };
    let w4 = |i: usize| {
        b.get(i..i + 4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_be_bytes)
    };
    let two = |i: usize, j: usize| Some((u64::from(w4(i)?) << 32) | u64::from(w4(j)?));
    let g0 = hex8(w8(0)?);
    let g1 = hex8(two(9, 14)?);
    let g2 = hex8(two(19, 24)?);
    let g3 = hex8(w8(28)?);
    let (g0, g1, g2, g3) = (g0?, g1?, g2?, g3?);
    Some((u128::from(g0) << 96) | (u128::from(g1) << 64) | (u128::from(g2) << 32) | u128::from(g3))
}

impl Seen {
    /// Make room for about `events` ids (no rehashing while the workers run).
    pub fn reserve(&self, events: u64) {
        // 1.5 slots per expected id (rounded up to a power of two), at most 2^24 slots
        // (256 MiB): a small table misses the caches less; the shards take any overflow.
        let slots = (events.saturating_mul(3) / 2).clamp(1 << 12, 1 << 24);
        let _ = self.fixed.set(Fixed::new(slots as usize));
        let per = (events / SHARDS as u64 / 16).min(1 << 20) as usize;
        for s in &self.uuids {
            s.lock().reserve(per);
        }
    }

    /// The key of an event id.
    pub fn key<'i>(&self, id: &'i str) -> SeenKey<'i> {
        match uuid(id) {
            Some(u) => SeenKey::Uuid(u),
            None => SeenKey::Other(id),
        }
    }

    /// Start fetching the slot an id would take: the set is far larger than the caches, and
    /// the record's mapping overlaps the memory access (a hint, nothing more). An earlier
    /// plain load here made the core wait for the miss (95% of `Worker::event`'s own cycles
    /// under `perf`, ~15% of the audit); the prefetch instruction does not wait.
    pub fn prefetch(&self, k: &SeenKey<'_>) {
        if let (SeenKey::Uuid(u), Some(f)) = (*k, self.fixed.get()) {
            if let Some(slot) = f.slots.get(2 * ((mix(u) >> 32) as usize & f.mask)) {
                iamc_hint::prefetch(slot);
            }
        }
    }

    /// Whether the id is seen for the first time (and remember it).
    pub fn first_key(&self, k: SeenKey<'_>) -> bool {
        use std::hash::{Hash, Hasher};
        match k {
            SeenKey::Uuid(u) => {
                let (hi, lo) = ((u >> 64) as u64, u as u64);
                if let (Some(f), true) = (self.fixed.get(), hi != 0 && lo != 0) {
                    if let Some(new) = f.insert(hi, lo, (mix(u) >> 32) as usize) {
                        return new;
                    }
                }
                self.uuids[mix(u) as usize % SHARDS].lock().insert(u)
            }
            SeenKey::Other(id) => {
                let mut h = FxHasher::default();
                id.hash(&mut h);
                let mut set = self.other[h.finish() as usize % SHARDS]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if set.contains(id) {
                    false
                } else {
                    set.insert(id.into())
                }
            }
        }
    }

    /// Whether `id` is seen for the first time (and remember it).
    pub fn first(&self, id: &str) -> bool {
        self.first_key(self.key(id))
    }
}

/// An event id as [`Seen`] keeps it: a UUID as a number, anything else as text.
#[derive(Clone, Copy, Debug)]
pub enum SeenKey<'i> {
    /// `8-4-4-4-12` hex digits.
    Uuid(u128),
    /// Any other id.
    Other(&'i str),
}

/// The deciding policy's name of an E-20 allow (before and after the change): rows that name
/// it are the audit's `allowed_by_e20`.
pub const E20_RULE: &str = "built-in rule E-20 (no permission needed)";

/// The deciding "statement" of an E-20 allow.
fn e20() -> Deciding {
    (E20_RULE.to_string(), 0, None)
}

/// Where the worst outcome so far came from.
#[derive(Default)]
pub(crate) struct Worst {
    pub(crate) before: Option<Outcome>,
    pub(crate) after: Option<Outcome>,
    pub(crate) before_name: Option<Deciding>,
    pub(crate) after_name: Option<Deciding>,
}

impl Worker<'_> {
    /// Decide one parsed record (already counted read).
    pub(crate) fn decide(&mut self, file: &str, pos: crate::input::Position, ev: &Event<'_>) {
        let aud = self.aud;
        let key = ev
            .event_id
            .as_deref()
            .filter(|i| !i.is_empty())
            .map(|id| aud.seen.key(id));
        if let Some(k) = &key {
            aud.seen.prefetch(k);
        }
        if !crate::event::is_request(ev) {
            if key.is_some_and(|k| !aud.seen.first_key(k)) {
                self.stats.duplicates += 1;
                self.row_duplicate(file, pos, ev);
            } else {
                let t = ev.event_type.as_deref().unwrap_or("");
                self.stats.not_request(t);
                self.row_not_request(file, pos, ev, t);
            }
            return;
        }
        let mut m = map_event_into(
            ev,
            aud.catalog.as_ref(),
            aud.want,
            recycle(std::mem::take(&mut self.spare_resources)),
            recycle(std::mem::take(&mut self.spare_context)),
        );
        if !aud.snapshot.knows(&m.principal) {
            m.set(Approx::UnknownPrincipal);
        } else if m.principal.kind == PrincipalKind::Session && m.principal.issuer_arn.is_none() {
            // No sessionIssuer in the record: the role's ARN, with its path, is the
            // snapshot's (aws:PrincipalArn).
            if let Some(arn) = aud.snapshot.entity_arn(&m.principal) {
                m.context.push((
                    Cow::Borrowed("aws:PrincipalArn"),
                    Cow::Owned(arn.to_string()),
                ));
            }
        }
        if m.action.starts_with("sts:")
            && m.resources.iter().any(|r| {
                crate::snapshot::is_role_arn(r)
                    && aud.snapshot.resource_policy(&m.action, r).is_none()
            })
        {
            m.set(Approx::UnknownTrustPolicy);
        }
        let mut w = Worst::default();
        if m.needs_no_permission {
            let allow = Outcome {
                decision: Decision::Allow,
                deciding: None,
            };
            w.before = Some(allow);
            w.after = Some(allow);
            w.before_name = Some(e20());
            w.after_name = Some(e20());
        } else {
            // The call's own action, then each further permission.
            let mut extras = std::mem::take(&mut m.extra);
            for x in &mut extras {
                if let Some(p) = &x.instance_profile {
                    match aud.snapshot.instance_profile_role(p) {
                        Some(role) => x.resources = vec![Cow::Owned(role.to_string())],
                        None => m.set(Approx::ResourceStar),
                    }
                }
                if x.resources.iter().any(|r| r == "*" || r.ends_with("/*")) {
                    m.set(Approx::ResourceStar);
                }
            }
            let recipient = ev.recipient_account_id.as_deref();
            self.request(&m, &m.action, &m.resources, &[], recipient, &mut w);
            for x in &extras {
                self.request(&m, &x.action, &x.resources, &x.context, recipient, &mut w);
            }
            m.extra = extras;
        }
        // The duplicate check comes last, once the mapping and the decisions have given the
        // prefetch its time (the table is far larger than the caches): a duplicate's
        // decisions are dropped here, before anything of the record is counted or written.
        if key.is_some_and(|k| !aud.seen.first_key(k)) {
            self.stats.duplicates += 1;
            self.row_duplicate(file, pos, ev);
            self.spare_resources = recycle(m.resources);
            self.spare_context = recycle(m.context);
            return;
        }
        let (Some(before), Some(after)) = (w.before, w.after) else {
            // No request could be decided (the mapping always gives a resource; if it ever
            // does not, the record is counted, never dropped).
            self.unreadable(
                file,
                pos,
                "no resource could be derived: not decided".into(),
            );
            return;
        };
        let changed = before.decision != after.decision;
        self.stats.decided(
            ev,
            &m,
            Decided {
                before: before.decision,
                after: after.decision,
                after_by: w.after_name.as_ref(),
                have_resource_policies: aud.snapshot.has_resource_policies(),
                have_scps: aud.snapshot.has_scps(),
                e20: m.needs_no_permission,
            },
        );
        self.row_decided(file, pos, ev, &m, &w);
        if aud.emit {
            crate::report::event_line(
                &mut self.out,
                ev,
                &m,
                before.decision,
                w.before_name.as_ref(),
                after.decision,
                w.after_name.as_ref(),
                changed,
            );
        }
        self.spare_resources = recycle(m.resources);
        self.spare_context = recycle(m.context);
    }

    /// Decide one request of the event on each of its resources, folding the outcomes into
    /// the event's worst.
    fn request(
        &mut self,
        m: &crate::event::Mapped<'_>,
        action: &str,
        resources: &[Cow<'_, str>],
        extra_context: &[(Cow<'_, str>, Cow<'_, str>)],
        recipient: Option<&str>,
        w: &mut Worst,
    ) {
        let aud = self.aud;
        // Multivalued keys as slices of the record's strings.
        let multi: Vec<(&str, Vec<&str>)> = m
            .multi
            .iter()
            .map(|(k, vs)| (*k, vs.iter().map(|v| v.as_ref()).collect()))
            .collect();
        for res in resources {
            let rp = aud.snapshot.resource_policy(action, res);
            // E-10: the RCPs of the resource's account (the call's recipient when the ARN
            // names no account, as S3's do).
            // (A closure: only per-account RCPs and a first compile need it.)
            let racct = || {
                crate::event::arn_account(res)
                    .filter(|a| !a.is_empty())
                    .or(m.resource_account.as_deref())
                    .or(recipient)
            };
            let per_account = aud.snapshot.rcps_per_account();
            self.key.clear();
            self.key.push_str(&m.principal.arn);
            if let Some((arn, _)) = rp {
                self.key.push('|');
                self.key.push_str(arn);
            }
            if per_account {
                self.key.push_str("|rcp:");
                self.key.push_str(racct().unwrap_or(""));
            }
            if !self.local.contains_key(self.key.as_str()) {
                let mut gkey = aud.snapshot.principal_key(&m.principal);
                if let Some((arn, _)) = rp {
                    gkey.push('|');
                    gkey.push_str(arn);
                }
                if per_account {
                    gkey.push_str("|rcp:");
                    gkey.push_str(racct().unwrap_or(""));
                }
                let c = aud.compiled(&gkey, m, rp.map(|r| r.1), racct());
                let l = Local {
                    before: c.before.create_scratch(),
                    after: c.after.as_ref().map(PolicySet::create_scratch),
                    c,
                };
                self.local.insert(self.key.clone(), l);
            }
            let Some(l) = self.local.get_mut(self.key.as_str()) else {
                continue;
            };
            let mut ctx: Vec<(&str, Value<'_>)> = recycle(std::mem::take(&mut self.spare_request));
            ctx.extend(
                m.context
                    .iter()
                    .chain(extra_context)
                    .map(|(k, v)| (k.as_ref(), Value::Single(v.as_ref()))),
            );
            ctx.extend(multi.iter().map(|(k, vs)| (*k, Value::Multi(vs))));
            ctx.extend(
                l.c.tags
                    .iter()
                    .map(|(k, v)| (k.as_str(), Value::Single(v.as_str()))),
            );
            // K-13: resource tags are unknown to an audit (CloudTrail does not record them),
            // unless --resource-tags names the resource: then they are known (absent if the
            // resource lacks the tag).
            let tagged = aud.resource_tags.as_ref().and_then(|t| t.get(res));
            if let Some(tags) = tagged {
                ctx.extend(aud.tag_keys.iter().filter_map(|(k, t)| {
                    crate::tags::value(tags, res, t).map(|v| (k.as_str(), Value::Single(v)))
                }));
            }
            let names: &[&str] = if tagged.is_some() {
                &self.unknown_when_tagged
            } else {
                &self.unknown
            };
            let unknown = iamc_runtime::Unknown {
                context: names,
                resource: false,
            };
            // K-2: a record whose context names a key twice is malformed, decided so under
            // both sets (never by whichever entry came first).
            let (b, a) = match iamc_runtime::Context::new(&ctx) {
                Ok(context) => {
                    let req = iamc_runtime::Request {
                        principal: &m.principal.arn,
                        action,
                        resource: res,
                        resource_account: m.resource_account.as_deref(),
                        context,
                    };
                    let b =
                        l.c.before
                            .evaluate_with_unknowns(&mut l.before, &req, &unknown);
                    let a = match (&l.c.after, &mut l.after) {
                        (Some(set), Some(scr)) => set.evaluate_with_unknowns(scr, &req, &unknown),
                        _ => b,
                    };
                    (b, a)
                }
                Err(_) => (Outcome::MALFORMED, Outcome::MALFORMED),
            };
            self.spare_request = recycle(ctx);
            // Names for the event lines, and for the report's groups when the decision
            // changes.
            // (The report names only the statement deciding after the change; the event
            // lines and rows name both.)
            let lines = aud.emit || self.sink.is_some();
            let named = lines || b.decision != a.decision;
            if w.before.is_none_or(|x| rank(b.decision) > rank(x.decision)) {
                w.before = Some(b);
                w.before_name = b
                    .deciding
                    .filter(|_| lines)
                    .map(|d| deciding(&l.c.before, &d));
            }
            if w.after.is_none_or(|x| rank(a.decision) > rank(x.decision)) {
                w.after = Some(a);
                w.after_name = a
                    .deciding
                    .filter(|_| named)
                    .map(|d| deciding(l.c.after.as_ref().unwrap_or(&l.c.before), &d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-digit reading [`uuid`] replaced, kept as its oracle.
    fn uuid_by_digits(s: &str) -> Option<u128> {
        let b = s.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
            return None;
        }
        let mut v: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if [8, 13, 18, 23].contains(&i) {
                continue;
            }
            v = (v << 4) | u128::from((c as char).to_digit(16)?);
        }
        Some(v)
    }

    #[test]
    fn uuids_are_read_as_the_digits_say() {
        let base = *b"3038ebd2-c98a-4c65-9b6e-e22506292313";
        let mut cases: Vec<Vec<u8>> = vec![
            base.to_vec(),
            b"3038EBD2-C98A-4C65-9B6E-E22506292313".to_vec(),
            b"00000000-0000-0000-0000-000000000000".to_vec(),
            b"ffffffff-FFFF-ffff-FFFF-ffffffffffff".to_vec(),
            b"3038ebd2-c98a-4c65-9b6e-e2250629231".to_vec(),
            b"3038ebd2c98a-4c65-9b6e-e22506292313-".to_vec(),
        ];
        // Every byte value at every position.
        for pos in 0..36 {
            for c in 0..=255u8 {
                let mut v = base.to_vec();
                v[pos] = c;
                cases.push(v);
            }
        }
        for c in cases {
            let Ok(s) = std::str::from_utf8(&c) else {
                continue;
            };
            assert_eq!(uuid(s), uuid_by_digits(s), "{s:?}");
        }
        assert_eq!(
            uuid("3038ebd2-c98a-4c65-9b6e-e22506292313"),
            Some(0x3038ebd2_c98a_4c65_9b6e_e22506292313)
        );
    }

    #[test]
    fn hex8_rejects_every_non_digit() {
        for c in 0..=255u8 {
            let mut b = *b"0123abCD";
            for pos in 0..8 {
                let keep = b[pos];
                b[pos] = c;
                let want = (c as char).is_ascii_hexdigit();
                assert_eq!(
                    hex8(u64::from_be_bytes(b)).is_some(),
                    want,
                    "{c:#x} at {pos}"
                );
                b[pos] = keep;
            }
        }
        let hex = |s: &[u8; 8]| hex8(u64::from_be_bytes(*s));
        assert_eq!(hex(b"0123abCD"), Some(0x0123_abcd));
        assert_eq!(hex(b"FfFfFfFf"), Some(0xffff_ffff));
    }

    #[test]
    fn event_ids_are_seen_once() {
        let s = Seen::default();
        assert!(s.first("3038ebd2-c98a-4c65-9b6e-e22506292313"));
        assert!(!s.first("3038ebd2-c98a-4c65-9b6e-e22506292313"));
        assert!(!s.first("3038EBD2-C98A-4C65-9B6E-E22506292313"));
        assert!(s.first("not-a-uuid"));
        // Hyphens only where a UUID has them.
        assert_eq!(
            uuid("3038ebd2-c98a-4c65-9b6e-e22506292313"),
            Some(0x3038ebd2_c98a_4c65_9b6e_e22506292313)
        );
        assert_eq!(uuid("3038ebd2-c98a-4c65-9b6e-e2250629231-"), None);
        assert_eq!(uuid("3038ebd2-c98a-4c65-9b6e-e2250629231g"), None);
        assert!(!s.first("not-a-uuid"));
        assert!(s.first("3038ebd2-c98a-4c65-9b6e-e22506292314"));
        assert!(s.first("00000000-0000-0000-0000-000000000000"));
        assert!(!s.first("00000000-0000-0000-0000-000000000000"));
        // Many ids: the tables grow and keep every id.
        let ids: Vec<String> = (0..20_000u32)
            .map(|i| format!("{i:08x}-0000-4000-8000-{:012x}", i * 7))
            .collect();
        assert!(ids.iter().all(|i| s.first(i)));
        assert!(ids.iter().all(|i| !s.first(i)));
        // A lock-free table too small for the ids: the rest go to the shards, none is lost
        // or taken for another.
        let small = Seen::default();
        small.reserve(100);
        let many: Vec<String> = (0..50_000u32)
            .map(|i| {
                format!(
                    "{:08x}-1111-4000-8000-{:012x}",
                    i.wrapping_mul(2_654_435_761),
                    i
                )
            })
            .collect();
        assert!(many.iter().all(|i| small.first(i)));
        assert!(many.iter().all(|i| !small.first(i)));
        // Threads racing on the same ids: each id is new exactly once.
        let race = Seen::default();
        race.reserve(10_000);
        let firsts = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|sc| {
            for _ in 0..4 {
                sc.spawn(|| {
                    for i in many.iter().take(10_000) {
                        if race.first(i) {
                            firsts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(firsts.into_inner(), 10_000);
    }
}
