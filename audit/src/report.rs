//! Counters, the per-event JSON line and the summaries (human and `--json`).
//!
//! Counters are per worker and merged at the end (no shared atomics on the hot path). The
//! lists that could grow with the input (unreadable records, file errors, skipped paths) keep
//! their first [`MAX_LISTED`] entries and count them all; both summaries state the full count
//! and how many were left out. The change tables are keyed by (principal,
//! action), whose number is bounded by the account, not by the log volume.

use rustc_hash::FxHashMap;
use std::io::Write;

use iamc_runtime::Decision;
use serde_json::json;

use crate::event::{Approx, Event, Mapped, PrincipalKind};
use crate::Deciding;

/// How many unreadable records / file errors are kept for the report.
pub const MAX_LISTED: usize = 1000;

/// One unreadable record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The file.
    pub file: String,
    /// Where in it.
    pub position: String,
    /// Why.
    pub reason: String,
    /// How many records this entry stands for (more than one for the rest of a broken file).
    pub records: u64,
}

/// A group of events whose decision changed: count and one example event id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Events.
    pub count: u64,
    /// One event id.
    pub example: String,
}

/// Change groups: principal → action → group.
pub type Groups = FxHashMap<String, FxHashMap<String, Group>>;

/// What a run counted.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Files processed.
    pub files: u64,
    /// Records read (decided + unreadable: every record is one or the other).
    pub read: u64,
    /// Records decided.
    pub decided: u64,
    /// Records that could not be read.
    pub unreadable: u64,
    /// Decided records with at least one approximation.
    pub approximate: u64,
    /// Approximations by reason ([`Approx::ALL`] order).
    pub approx_by: [u64; 4],
    /// Decisions before the change: allow, explicit deny, implicit deny, indeterminate (E-21:
    /// its own column, never counted as allowed or denied).
    pub before: [u64; 4],
    /// Decisions after the change.
    pub after: [u64; 4],
    /// Events whose decision changed.
    pub changed: u64,
    /// Newly denied, by (principal, action).
    pub newly_denied: Groups,
    /// Newly allowed, by (principal, action).
    pub newly_allowed: Groups,
    /// Confusion matrix of the current decision against CloudTrail:
    /// `[predicted allow, predicted deny][observed ok, observed AccessDenied]`.
    pub confusion: [[u64; 2]; 2],
    /// Why prediction and observation differ, where it can be told.
    pub mismatch_reasons: FxHashMap<&'static str, u64>,
    /// The first unreadable records.
    pub unreadable_list: Vec<Unreadable>,
    /// File-level errors (cannot open, damaged gzip…): the first [`MAX_LISTED`].
    pub file_errors: Vec<String>,
    /// File-level errors in all.
    pub file_errors_count: u64,
    /// Paths deliberately not read (links to directories, FIFOs, devices): the first
    /// [`MAX_LISTED`].
    pub skipped: Vec<String>,
    /// Paths not read in all.
    pub skipped_count: u64,
    /// Loading warnings (policies that did not parse, missing managed policies).
    pub warnings: Vec<String>,
    /// Whether the service reference was loaded (unknown actions are counted only then).
    pub catalog: bool,
    /// Whether a change was given.
    pub change: bool,
    /// Parse-only run.
    pub parse_only: bool,
    /// Wall time.
    pub seconds: f64,
}

fn idx(d: Decision) -> usize {
    match d {
        Decision::Allow => 0,
        Decision::ExplicitDeny => 1,
        Decision::ImplicitDeny => 2,
        Decision::Indeterminate(_) => 3,
    }
}

fn merge_groups(a: &mut Groups, b: Groups) {
    for ((p, act), g) in b
        .into_iter()
        .flat_map(|(p, t)| t.into_iter().map(move |(act, g)| ((p.clone(), act), g)))
    {
        let e = a.entry(p).or_default().entry(act).or_default();
        if e.example.is_empty() {
            e.example = g.example;
        }
        e.count += g.count;
    }
}

impl Stats {
    /// Combine two workers' counters.
    pub fn merge(mut a: Stats, b: Stats) -> Stats {
        a.files += b.files;
        a.read += b.read;
        a.decided += b.decided;
        a.unreadable += b.unreadable;
        a.approximate += b.approximate;
        for i in 0..4 {
            a.approx_by[i] += b.approx_by[i];
        }
        for i in 0..3 {
            a.before[i] += b.before[i];
            a.after[i] += b.after[i];
        }
        a.changed += b.changed;
        merge_groups(&mut a.newly_denied, b.newly_denied);
        merge_groups(&mut a.newly_allowed, b.newly_allowed);
        for i in 0..2 {
            for j in 0..2 {
                a.confusion[i][j] += b.confusion[i][j];
            }
        }
        for (k, v) in b.mismatch_reasons {
            *a.mismatch_reasons.entry(k).or_default() += v;
        }
        let room = MAX_LISTED.saturating_sub(a.unreadable_list.len());
        a.unreadable_list
            .extend(b.unreadable_list.into_iter().take(room));
        let room = MAX_LISTED.saturating_sub(a.file_errors.len());
        a.file_errors.extend(b.file_errors.into_iter().take(room));
        a.file_errors_count += b.file_errors_count;
        let room = MAX_LISTED.saturating_sub(a.skipped.len());
        a.skipped.extend(b.skipped.into_iter().take(room));
        a.skipped_count += b.skipped_count;
        a
    }

    /// Count an unreadable record (the caller counted it as read).
    pub fn unreadable(&mut self, file: &str, position: &str, reason: String) {
        self.unreadable_records(file, position, reason, 1);
    }

    /// Count `n` unreadable records that one entry stands for (the rest of a broken file);
    /// the caller counted them as read.
    pub fn unreadable_records(&mut self, file: &str, position: &str, reason: String, n: u64) {
        self.unreadable += n;
        if self.unreadable_list.len() < MAX_LISTED {
            self.unreadable_list.push(Unreadable {
                file: file.to_string(),
                position: position.to_string(),
                reason,
                records: n,
            });
        }
    }

    /// Record a file-level error.
    pub fn file_error(&mut self, e: String) {
        self.file_errors_count += 1;
        if self.file_errors.len() < MAX_LISTED {
            self.file_errors.push(e);
        }
    }

    /// Record a path not read on purpose.
    pub fn skip(&mut self, e: String) {
        self.skipped_count += 1;
        if self.skipped.len() < MAX_LISTED {
            self.skipped.push(e);
        }
    }

    /// Count a decided record.
    pub fn decided(
        &mut self,
        ev: &Event<'_>,
        m: &Mapped<'_>,
        before: Decision,
        after: Decision,
        have_resource_policies: bool,
        have_scps: bool,
    ) {
        self.decided += 1;
        if m.approx != 0 {
            self.approximate += 1;
            for (i, a) in Approx::ALL.iter().enumerate() {
                if m.has(*a) {
                    self.approx_by[i] += 1;
                }
            }
        }
        self.before[idx(before)] += 1;
        self.after[idx(after)] += 1;
        if before != after {
            self.changed += 1;
            let table = if after == Decision::Allow {
                &mut self.newly_allowed
            } else if before == Decision::Allow {
                &mut self.newly_denied
            } else {
                // implicit ↔ explicit deny: still denied; counted as changed only.
                return self.confusion_add(m, before, have_resource_policies, have_scps);
            };
            let g = match table
                .get_mut(&*m.principal.arn)
                .and_then(|t| t.get_mut(&*m.action))
            {
                Some(g) => g,
                None => table
                    .entry(m.principal.arn.to_string())
                    .or_default()
                    .entry(m.action.to_string())
                    .or_default(),
            };
            g.count += 1;
            if g.example.is_empty() {
                g.example = ev.event_id.as_deref().unwrap_or("").to_string();
            }
        }
        self.confusion_add(m, before, have_resource_policies, have_scps);
    }

    fn confusion_add(&mut self, m: &Mapped<'_>, before: Decision, rp: bool, scps: bool) {
        let predicted_deny = before != Decision::Allow;
        let observed_deny = m.observed_denied;
        self.confusion[usize::from(predicted_deny)][usize::from(observed_deny)] += 1;
        if predicted_deny == observed_deny {
            return;
        }
        let reason = if predicted_deny {
            match m.principal.kind {
                PrincipalKind::Service => {
                    "predicted deny, observed ok: AWS service principal (granted by a resource policy not in the snapshot)"
                }
                PrincipalKind::OtherAccount => {
                    "predicted deny, observed ok: principal of another account (its policies are not in the snapshot)"
                }
                PrincipalKind::Anonymous => "predicted deny, observed ok: anonymous or unidentified caller",
                _ if !rp
                    && (m.resources.iter().any(|r| r.contains(":kms:") && r.contains(":key/"))
                        || m.action.eq_ignore_ascii_case("sts:AssumeRole")) =>
                {
                    "predicted deny, observed ok: the key policy / trust policy must grant (E-19) and is not in --resource-policies"
                }
                _ if m.has(Approx::UnknownPrincipal) => {
                    "predicted deny, observed ok: principal not in the snapshot"
                }
                _ if m.approx != 0 => "predicted deny, observed ok: approximate request (action or resource)",
                _ if !rp => {
                    "predicted deny, observed ok: no resource policies given (one may grant), or the snapshot differs from the policies at the time"
                }
                _ => "predicted deny, observed ok: the snapshot differs from the policies at the time",
            }
        } else if !scps {
            "predicted allow, observed AccessDenied: denied outside the snapshot (SCPs not given, resource or session policy, key policy)"
        } else {
            "predicted allow, observed AccessDenied: denied outside the snapshot (resource or session policy, key policy)"
        };
        *self.mismatch_reasons.entry(reason).or_default() += 1;
    }
}

fn deciding_json(d: Option<&Deciding>) -> serde_json::Value {
    match d {
        Some((policy, statement, sid)) => {
            json!({"policy": policy, "statement": statement, "sid": sid})
        }
        None => serde_json::Value::Null,
    }
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Append one event line.
#[allow(clippy::too_many_arguments)]
pub fn event_line(
    out: &mut Vec<u8>,
    ev: &Event<'_>,
    m: &Mapped<'_>,
    before: Decision,
    before_by: Option<&Deciding>,
    after: Decision,
    after_by: Option<&Deciding>,
    changed: bool,
) {
    out.extend_from_slice(b"{\"event_id\":");
    push_str(out, ev.event_id.as_deref().unwrap_or(""));
    out.extend_from_slice(b",\"time\":");
    push_str(
        out,
        ev.event_time
            .as_deref()
            .or(ev.timestamp.as_deref())
            .unwrap_or(""),
    );
    out.extend_from_slice(b",\"principal\":");
    push_str(out, &m.principal.arn);
    out.extend_from_slice(b",\"action\":");
    push_str(out, &m.action);
    out.extend_from_slice(b",\"resources\":[");
    for (i, r) in m.resources.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, r);
    }
    out.extend_from_slice(b"],\"before\":");
    push_str(out, before.as_str());
    out.extend_from_slice(b",\"before_by\":");
    let _ = serde_json::to_writer(&mut *out, &deciding_json(before_by));
    out.extend_from_slice(b",\"after\":");
    push_str(out, after.as_str());
    out.extend_from_slice(b",\"after_by\":");
    let _ = serde_json::to_writer(&mut *out, &deciding_json(after_by));
    out.extend_from_slice(if changed {
        b",\"changed\":true"
    } else {
        b",\"changed\":false"
    });
    out.extend_from_slice(b",\"observed\":");
    match ev.error_code.as_deref() {
        Some(c) => push_str(out, c),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"observed_denied\":");
    out.extend_from_slice(if m.observed_denied { b"true" } else { b"false" });
    if m.approx != 0 {
        out.extend_from_slice(b",\"approximate\":[");
        let mut first = true;
        for a in Approx::ALL {
            if m.has(a) {
                if !first {
                    out.push(b',');
                }
                first = false;
                push_str(out, a.as_str());
            }
        }
        out.push(b']');
    }
    out.extend_from_slice(b"}\n");
}

/// Number of (principal, action) groups.
pub fn group_count(groups: &Groups) -> usize {
    groups.values().map(FxHashMap::len).sum()
}

fn sorted(groups: &Groups) -> Vec<((&String, &String), &Group)> {
    let mut v: Vec<_> = groups
        .iter()
        .flat_map(|(p, t)| t.iter().map(move |(a, g)| ((p, a), g)))
        .collect();
    v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The human summary.
pub fn human(s: &Stats, w: &mut dyn Write) -> std::io::Result<()> {
    let rate = s.read as f64 / s.seconds.max(1e-9);
    writeln!(
        w,
        "audit: {} files, {} events read in {:.2}s ({:.0} events/s)",
        s.files, s.read, s.seconds, rate
    )?;
    writeln!(
        w,
        "  decided {}, unreadable {}, approximate {}",
        s.decided, s.unreadable, s.approximate
    )?;
    if s.parse_only {
        writeln!(
            w,
            "  (parse only: records were inflated and parsed, not decided)"
        )?;
        return Ok(());
    }
    for (i, a) in Approx::ALL.iter().enumerate() {
        if s.approx_by[i] > 0 {
            writeln!(w, "    {:<18} {}", a.as_str(), s.approx_by[i])?;
        }
    }
    if !s.catalog {
        writeln!(w, "    (no --service-reference: actions were not checked)")?;
    }
    writeln!(
        w,
        "  decisions now:         allow {}, explicit_deny {}, implicit_deny {}, indeterminate {}",
        s.before[0], s.before[1], s.before[2], s.before[3]
    )?;
    if s.change {
        writeln!(
            w,
            "  decisions with change: allow {}, explicit_deny {}, implicit_deny {}, indeterminate {}",
            s.after[0], s.after[1], s.after[2], s.after[3]
        )?;
        writeln!(w, "  changed {}", s.changed)?;
        for (title, groups) in [
            ("newly denied", &s.newly_denied),
            ("newly allowed", &s.newly_allowed),
        ] {
            if groups.is_empty() {
                writeln!(w, "  {title}: none")?;
                continue;
            }
            writeln!(w, "  {title} (principal, action, events, example event):")?;
            for ((p, a), g) in sorted(groups).into_iter().take(50) {
                writeln!(w, "    {p}  {a}  {}  {}", g.count, g.example)?;
            }
            if group_count(groups) > 50 {
                writeln!(w, "    … {} more groups", group_count(groups) - 50)?;
            }
        }
    } else {
        writeln!(
            w,
            "  no change given (--proposed/--attach-to, --proposed-scp)"
        )?;
    }
    let c = s.confusion;
    writeln!(
        w,
        "  current decision vs CloudTrail:   observed ok   observed AccessDenied"
    )?;
    writeln!(
        w,
        "    predicted allow               {:>11}   {:>21}",
        c[0][0], c[0][1]
    )?;
    writeln!(
        w,
        "    predicted deny                {:>11}   {:>21}",
        c[1][0], c[1][1]
    )?;
    let mut reasons: Vec<_> = s.mismatch_reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1));
    for (r, n) in reasons {
        writeln!(w, "    {n:>8}  {r}")?;
    }
    // At most 20 lines per list here; --json has the first MAX_LISTED; both give the count.
    let shown = s.unreadable_list.len().min(20);
    for u in &s.unreadable_list[..shown] {
        writeln!(w, "  unreadable: {}: {}: {}", u.file, u.position, u.reason)?;
    }
    // An entry can stand for several records (the rest of a broken file): count records.
    let shown_records: u64 = s.unreadable_list[..shown].iter().map(|u| u.records).sum();
    if s.unreadable > shown_records {
        writeln!(
            w,
            "  … {} more unreadable records ({})",
            s.unreadable - shown_records,
            listed_in_json(s.unreadable_list.len())
        )?;
    }
    if s.file_errors_count > 0 {
        writeln!(w, "  {} file errors:", s.file_errors_count)?;
    }
    let shown = s.file_errors.len().min(20);
    for e in &s.file_errors[..shown] {
        writeln!(w, "  file error: {e}")?;
    }
    if s.file_errors_count > shown as u64 {
        writeln!(
            w,
            "  … {} more file errors ({})",
            s.file_errors_count - shown as u64,
            listed_in_json(s.file_errors.len())
        )?;
    }
    if s.skipped_count > 0 {
        writeln!(w, "  {} paths skipped (not read):", s.skipped_count)?;
    }
    let shown = s.skipped.len().min(20);
    for e in &s.skipped[..shown] {
        writeln!(w, "  skipped: {e}")?;
    }
    if s.skipped_count > shown as u64 {
        writeln!(
            w,
            "  … {} more skipped paths ({})",
            s.skipped_count - shown as u64,
            listed_in_json(s.skipped.len())
        )?;
    }
    for e in s.warnings.iter().take(20) {
        writeln!(w, "  warning: {e}")?;
    }
    Ok(())
}

fn listed_in_json(listed: usize) -> String {
    if listed < MAX_LISTED {
        "all listed in --json".into()
    } else {
        format!("first {MAX_LISTED} in --json")
    }
}

impl Stats {
    /// Unreadable records the list leaves out (an entry can stand for several records).
    pub fn unreadable_omitted(&self) -> u64 {
        let listed: u64 = self.unreadable_list.iter().map(|u| u.records).sum();
        self.unreadable.saturating_sub(listed)
    }
}

/// The `--json` summary line.
pub fn json_summary(s: &Stats, w: &mut dyn Write) -> std::io::Result<()> {
    let groups = |g: &Groups| -> Vec<serde_json::Value> {
        sorted(g)
            .into_iter()
            .map(|((p, a), g)| json!({"principal": p, "action": a, "count": g.count, "example": g.example}))
            .collect()
    };
    let names = ["allow", "explicit_deny", "implicit_deny", "indeterminate"];
    let dec = |d: &[u64; 4]| -> serde_json::Value {
        json!({names[0]: d[0], names[1]: d[1], names[2]: d[2], names[3]: d[3]})
    };
    let approx: serde_json::Map<String, serde_json::Value> = Approx::ALL
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str().to_string(), json!(s.approx_by[i])))
        .collect();
    let v = json!({"summary": {
        "files": s.files,
        "read": s.read,
        "decided": s.decided,
        "unreadable": s.unreadable,
        "approximate": s.approximate,
        "approximate_by": approx,
        "changed": s.changed,
        "before": dec(&s.before),
        "after": dec(&s.after),
        "newly_denied": groups(&s.newly_denied),
        "newly_allowed": groups(&s.newly_allowed),
        "confusion": {
            "predicted_allow_observed_ok": s.confusion[0][0],
            "predicted_allow_observed_denied": s.confusion[0][1],
            "predicted_deny_observed_ok": s.confusion[1][0],
            "predicted_deny_observed_denied": s.confusion[1][1],
        },
        "mismatch_reasons": s.mismatch_reasons,
        "unreadable_records": s.unreadable_list.iter().map(|u| json!({"file": u.file, "position": u.position, "reason": u.reason, "records": u.records})).collect::<Vec<_>>(),
        "unreadable_records_omitted": s.unreadable_omitted(),
        "file_errors": s.file_errors,
        "file_errors_count": s.file_errors_count,
        "file_errors_omitted": s.file_errors_count.saturating_sub(s.file_errors.len() as u64),
        "skipped": s.skipped,
        "skipped_count": s.skipped_count,
        "skipped_omitted": s.skipped_count.saturating_sub(s.skipped.len() as u64),
        "warnings": s.warnings,
        "parse_only": s.parse_only,
        "seconds": s.seconds,
        "events_per_second": s.read as f64 / s.seconds.max(1e-9),
    }});
    serde_json::to_writer(&mut *w, &v)?;
    writeln!(w)
}
