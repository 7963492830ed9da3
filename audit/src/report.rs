//! Counters, the per-event JSON line and the summaries (human and `--json`).
//!
//! The accounting always adds up: `read = decided + unreadable + not decided` (records that
//! are no authorization request, duplicate event ids), in total and per file. Events of AWS
//! service principals have their own section (only resource policies decide them), not the
//! predicted-vs-observed matrix. Newly denied / newly allowed groups (principal, action) keep
//! the calls that succeeded apart from those that had already failed, the statement deciding
//! after the change, the most frequent resources and the first and last time seen.
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

/// Distinct resources kept per group (the rest are counted in `other_resources`).
const MAX_GROUP_RESOURCES: usize = 64;

/// The events of a group that CloudTrail recorded as succeeded, or as already denied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Part {
    /// Events.
    pub count: u64,
    /// Events with an approximation (the decision may not be what AWS would decide).
    pub approximate: u64,
    /// One event id.
    pub example: String,
    /// First event time (ISO 8601 compares as text).
    pub first_seen: String,
    /// Last event time.
    pub last_seen: String,
    /// The statement deciding after the change (policy, index, Sid), of the first event.
    pub decided_by: Option<crate::Deciding>,
    /// Events by resource (the first `MAX_GROUP_RESOURCES` distinct ones).
    pub resources: FxHashMap<String, u64>,
    /// Events on resources beyond those kept.
    pub other_resources: u64,
}

impl Part {
    fn add(&mut self, g: Part) {
        if self.example.is_empty() {
            self.example = g.example;
        }
        if self.decided_by.is_none() {
            self.decided_by = g.decided_by;
        }
        self.count += g.count;
        self.approximate += g.approximate;
        if self.first_seen.is_empty()
            || (!g.first_seen.is_empty() && g.first_seen < self.first_seen)
        {
            self.first_seen = g.first_seen;
        }
        if g.last_seen > self.last_seen {
            self.last_seen = g.last_seen;
        }
        self.other_resources += g.other_resources;
        for (r, n) in g.resources {
            self.add_resource(&r, n);
        }
    }

    fn add_resource(&mut self, r: &str, n: u64) {
        if let Some(c) = self.resources.get_mut(r) {
            *c += n;
        } else if self.resources.len() < MAX_GROUP_RESOURCES {
            self.resources.insert(r.to_string(), n);
        } else {
            self.other_resources += n;
        }
    }

    /// The most frequent resources, most frequent first.
    pub fn top_resources(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .resources
            .iter()
            .map(|(r, c)| (r.as_str(), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// A group of events whose decision changed (one principal, one action).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Events.
    pub count: u64,
    /// The calls CloudTrail recorded as succeeded (what a change would break, or allows on
    /// purpose) …
    pub succeeded: Part,
    /// … and those it recorded as already denied (AccessDenied).
    pub failed: Part,
}

impl Group {
    fn add(&mut self, g: Group) {
        self.count += g.count;
        self.succeeded.add(g.succeeded);
        self.failed.add(g.failed);
    }

    /// One event id (tests, reports).
    pub fn example(&self) -> &str {
        if self.succeeded.example.is_empty() {
            &self.failed.example
        } else {
            &self.succeeded.example
        }
    }
}

/// Counts of one log file: `read = decided + unreadable + not_request + duplicates`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileCount {
    /// The file.
    pub file: String,
    /// Records read.
    pub read: u64,
    /// Decided.
    pub decided: u64,
    /// Unreadable.
    pub unreadable: u64,
    /// Not decided: no authorization request (E-20).
    pub not_request: u64,
    /// Not decided: an event id seen before.
    pub duplicates: u64,
}

/// What one decided event adds to the counters.
pub struct Decided<'d> {
    /// Before the change.
    pub before: Decision,
    /// After the change.
    pub after: Decision,
    /// The statement deciding after the change, when named.
    pub after_by: Option<&'d crate::Deciding>,
    /// Resource policies were given.
    pub have_resource_policies: bool,
    /// SCPs were given.
    pub have_scps: bool,
    /// Allowed by the built-in rule E-20.
    pub e20: bool,
}

/// Change groups: principal → action → group.
pub type Groups = FxHashMap<String, FxHashMap<String, Group>>;

/// What a run counted.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Files processed.
    pub files: u64,
    /// Records read (decided + unreadable + not_request + duplicates).
    pub read: u64,
    /// Records decided.
    pub decided: u64,
    /// Records that could not be read.
    pub unreadable: u64,
    /// Not decided: records that are no authorization request (E-20), by `eventType`.
    pub not_request: u64,
    /// [`Stats::not_request`] by `eventType`.
    pub not_request_by: FxHashMap<String, u64>,
    /// Not decided: an event id decided already (CloudTrail may deliver an event twice).
    pub duplicates: u64,
    /// Decided by the built-in rule E-20 (`sts:GetCallerIdentity`).
    pub e20: u64,
    /// Counts per file.
    pub per_file: Vec<FileCount>,
    /// Decided events by the principal's account (IAM principals: users, sessions, root,
    /// federated users).
    pub principal_accounts: FxHashMap<String, u64>,
    /// Set by [`Stats::accounts_check`]: the logs' principals are (partly) not of the
    /// snapshot's accounts.
    pub account_warning: Option<String>,
    /// AWS service principals' events (decided by resource policies only, kept out of the
    /// matrix): by service, `[predicted allow, predicted deny][observed ok, AccessDenied]`.
    pub services: FxHashMap<String, [[u64; 2]; 2]>,
    /// Groups listed per table in the human summary (`None`: all).
    pub top: Option<usize>,
    /// Decided records with at least one approximation.
    pub approximate: u64,
    /// Approximations by reason ([`Approx::ALL`] order).
    pub approx_by: [u64; Approx::ALL.len()],
    /// Decisions before the change: allow, explicit deny, implicit deny, indeterminate (E-21:
    /// its own column, never counted as allowed or denied).
    pub before: [u64; 4],
    /// Decisions after the change.
    pub after: [u64; 4],
    /// Events whose decision changed.
    pub changed: u64,
    /// E-21: events whose decision after the change is indeterminate while it was determinate
    /// before (or the reverse): what the logs cannot show (resource tags, opaque statements).
    /// Never counted as newly allowed or denied.
    pub became_indeterminate: u64,
    /// E-21: events determinate after the change that were indeterminate before.
    pub was_indeterminate: u64,
    /// E-21: events left out of the predicted-vs-observed matrix because the prediction
    /// (before the change) is indeterminate.
    pub indeterminate_predictions: u64,
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
        a.entry(p).or_default().entry(act).or_default().add(g);
    }
}

impl Stats {
    /// Combine two workers' counters.
    pub fn merge(mut a: Stats, b: Stats) -> Stats {
        a.files += b.files;
        a.read += b.read;
        a.decided += b.decided;
        a.unreadable += b.unreadable;
        a.not_request += b.not_request;
        for (k, v) in b.not_request_by {
            *a.not_request_by.entry(k).or_default() += v;
        }
        a.duplicates += b.duplicates;
        a.e20 += b.e20;
        a.per_file.extend(b.per_file);
        for (k, v) in b.principal_accounts {
            *a.principal_accounts.entry(k).or_default() += v;
        }
        for (k, v) in b.services {
            let e = a.services.entry(k).or_default();
            for i in 0..2 {
                for j in 0..2 {
                    e[i][j] += v[i][j];
                }
            }
        }
        a.approximate += b.approximate;
        for i in 0..Approx::ALL.len() {
            a.approx_by[i] += b.approx_by[i];
        }
        for i in 0..a.before.len() {
            a.before[i] += b.before[i];
            a.after[i] += b.after[i];
        }
        a.changed += b.changed;
        a.became_indeterminate += b.became_indeterminate;
        a.was_indeterminate += b.was_indeterminate;
        a.indeterminate_predictions += b.indeterminate_predictions;
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

    /// Record what the walk of the logs could not read and what it left on purpose
    /// ([`crate::input::Found`]'s `errors` and `skipped`).
    pub fn found_unread(&mut self, errors: Vec<String>, skipped: Vec<String>) {
        errors.into_iter().for_each(|e| self.file_error(e));
        skipped.into_iter().for_each(|e| self.skip(e));
    }

    /// Count a record that is no authorization request (E-20).
    pub fn not_request(&mut self, event_type: &str) {
        self.not_request += 1;
        match self.not_request_by.get_mut(event_type) {
            Some(n) => *n += 1,
            None => {
                self.not_request_by.insert(event_type.to_string(), 1);
            }
        }
    }

    /// Close the counters of one file (everything counted so far is this file's).
    pub fn close_file(&mut self, file: &str) {
        self.per_file.push(FileCount {
            file: file.to_string(),
            read: self.read,
            decided: self.decided,
            unreadable: self.unreadable,
            not_request: self.not_request,
            duplicates: self.duplicates,
        });
    }

    /// Whether `read = decided + unreadable + not decided`, in total and per file.
    pub fn adds_up(&self) -> bool {
        let total =
            self.read == self.decided + self.unreadable + self.not_request + self.duplicates;
        total
            && self
                .per_file
                .iter()
                .all(|f| f.read == f.decided + f.unreadable + f.not_request + f.duplicates)
    }

    /// Compare the logs' principal accounts with the snapshot's: when the snapshot holds none
    /// (or few) of the accounts that made the calls, every such call is decided for a
    /// principal without policies and "changed 0" means nothing. Sets
    /// [`Stats::account_warning`].
    pub fn accounts_check(&mut self, snapshot_accounts: &[String]) {
        let total: u64 = self.principal_accounts.values().sum();
        if total == 0 {
            return;
        }
        let covered: u64 = self
            .principal_accounts
            .iter()
            .filter(|(a, _)| snapshot_accounts.iter().any(|s| s == *a))
            .map(|(_, n)| n)
            .sum();
        if covered == total {
            return;
        }
        let mut logs: Vec<(&String, &u64)> = self
            .principal_accounts
            .iter()
            .filter(|(a, _)| !snapshot_accounts.iter().any(|s| s == *a))
            .collect();
        logs.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let listed: Vec<String> = logs
            .iter()
            .take(5)
            .map(|(a, n)| format!("{a} ({n} events)"))
            .collect();
        let snap = if snapshot_accounts.is_empty() {
            "none".to_string()
        } else {
            snapshot_accounts.join(", ")
        };
        self.account_warning = Some(if covered == 0 {
            format!(
                "THE SNAPSHOT IS NOT OF THE LOGS' ACCOUNTS: none of the {total} calls by IAM \
                 principals is by a principal of the snapshot's accounts ({snap}); the logs' \
                 accounts: {}. Every such call is decided as by an unknown principal: the \
                 decisions and \"changed\" counts say nothing about this change.",
                listed.join(", ")
            )
        } else {
            format!(
                "{} of {total} calls by IAM principals are by principals of accounts not in the \
                 snapshot ({snap}): {}; those calls are decided as by unknown principals.",
                total - covered,
                listed.join(", ")
            )
        });
    }

    /// Count a decided record.
    pub fn decided(&mut self, ev: &Event<'_>, m: &Mapped<'_>, d: Decided<'_>) {
        let (before, after) = (d.before, d.after);
        self.decided += 1;
        if d.e20 {
            self.e20 += 1;
        }
        if m.approx != 0 {
            self.approximate += 1;
            for (i, a) in Approx::ALL.iter().enumerate() {
                if m.has(*a) {
                    self.approx_by[i] += 1;
                }
            }
        }
        if let Some(a) = m.principal.iam_account() {
            match self.principal_accounts.get_mut(a) {
                Some(n) => *n += 1,
                None => {
                    self.principal_accounts.insert(a.to_string(), 1);
                }
            }
        }
        self.before[idx(before)] += 1;
        self.after[idx(after)] += 1;
        if before != after {
            self.changed += 1;
            // E-21: an indeterminate side is neither allowed nor denied.
            if matches!(after, Decision::Indeterminate(_)) {
                self.became_indeterminate += 1;
                return self.confusion_add(m, before, d.have_resource_policies, d.have_scps);
            }
            if matches!(before, Decision::Indeterminate(_)) {
                self.was_indeterminate += 1;
                return self.confusion_add(m, before, d.have_resource_policies, d.have_scps);
            }
            let table = if after == Decision::Allow {
                &mut self.newly_allowed
            } else if before == Decision::Allow {
                &mut self.newly_denied
            } else {
                // implicit ↔ explicit deny: still denied; counted as changed only.
                return self.confusion_add(m, before, d.have_resource_policies, d.have_scps);
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
            let g = if m.observed_denied {
                &mut g.failed
            } else {
                &mut g.succeeded
            };
            g.count += 1;
            if m.approx != 0 {
                g.approximate += 1;
            }
            if g.example.is_empty() {
                g.example = ev.event_id.as_deref().unwrap_or("").to_string();
            }
            if g.decided_by.is_none() {
                g.decided_by = d.after_by.cloned();
            }
            let t = ev
                .event_time
                .as_deref()
                .or(ev.timestamp.as_deref())
                .unwrap_or("");
            if !t.is_empty() {
                if g.first_seen.is_empty() || t < g.first_seen.as_str() {
                    g.first_seen = t.to_string();
                }
                if t > g.last_seen.as_str() {
                    g.last_seen = t.to_string();
                }
            }
            for r in &m.resources {
                g.add_resource(r, 1);
            }
        }
        self.confusion_add(m, before, d.have_resource_policies, d.have_scps);
    }

    fn confusion_add(&mut self, m: &Mapped<'_>, before: Decision, rp: bool, scps: bool) {
        if matches!(before, Decision::Indeterminate(_)) {
            self.indeterminate_predictions += 1;
            return;
        }
        let predicted_deny = before != Decision::Allow;
        let observed_deny = m.observed_denied;
        if m.principal.kind == PrincipalKind::Service {
            // Only resource policies decide for a service principal: its own section.
            let e = match self.services.get_mut(&*m.principal.arn) {
                Some(e) => e,
                None => self
                    .services
                    .entry(m.principal.arn.to_string())
                    .or_default(),
            };
            e[usize::from(predicted_deny)][usize::from(observed_deny)] += 1;
            return;
        }
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
                    && m.resources.iter().any(|r| r.contains(":kms:") && r.contains(":key/")) =>
                {
                    "predicted deny, observed ok: the key policy must grant (E-19) and is not in --resource-policies"
                }
                _ if m.has(Approx::UnknownTrustPolicy) => {
                    "predicted deny, observed ok: the role's trust policy must grant (E-19) and neither the snapshot nor --resource-policies has it"
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

/// A JSON array of strings.
fn push_str_array(out: &mut Vec<u8>, items: &[std::borrow::Cow<'_, str>]) {
    out.push(b'[');
    for (i, r) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, r);
    }
    out.push(b']');
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
    out.extend_from_slice(b",\"resources\":");
    push_str_array(out, &m.resources);
    // The further permissions the call needs (`iam:PassRole`, `ec2:CreateTags`, a copy's
    // source), each decided as its own request: `before`/`after` are the worst of them all.
    if !m.extra.is_empty() {
        out.extend_from_slice(b",\"further\":[");
        for (i, x) in m.extra.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"action\":");
            push_str(out, &x.action);
            out.extend_from_slice(b",\"resources\":");
            push_str_array(out, &x.resources);
            out.push(b'}');
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"before\":");
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

fn deciding_text(d: Option<&crate::Deciding>) -> String {
    match d {
        Some((policy, i, Some(sid))) => format!("{policy} statement {i} (Sid {sid})"),
        Some((policy, i, None)) => format!("{policy} statement {i}"),
        None => "no statement applies (implicit)".to_string(),
    }
}

fn pick_succeeded(g: &Group) -> &Part {
    &g.succeeded
}

fn pick_failed(g: &Group) -> &Part {
    &g.failed
}

fn human_groups(w: &mut dyn Write, s: &Stats, title: &str, groups: &Groups) -> std::io::Result<()> {
    if groups.is_empty() {
        return writeln!(w, "  {title}: none");
    }
    let all = sorted(groups);
    let top = s.top.unwrap_or(usize::MAX);
    for (what, pick) in [
        ("calls that succeeded", true),
        ("calls that had already failed (AccessDenied)", false),
    ] {
        let part = if pick { pick_succeeded } else { pick_failed };
        let mut v: Vec<_> = all
            .iter()
            .map(|(k, g)| (k, part(g)))
            .filter(|(_, g)| g.count > 0)
            .collect();
        v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        if v.is_empty() {
            writeln!(w, "  {title}, {what}: none")?;
            continue;
        }
        writeln!(
            w,
            "  {title}, {what}: {} groups (principal, action)",
            v.len()
        )?;
        for ((p, a), g) in v.iter().take(top) {
            let approx = if g.approximate > 0 {
                format!(", {} approximate", g.approximate)
            } else {
                String::new()
            };
            writeln!(w, "    {p}  {a}  {} events{approx}", g.count)?;
            writeln!(
                w,
                "      decided after the change by: {}",
                deciding_text(g.decided_by.as_ref())
            )?;
            let res: Vec<String> = g
                .top_resources(3)
                .iter()
                .map(|(r, n)| format!("{r} ({n})"))
                .collect();
            let more = g.resources.len().saturating_sub(3) as u64 + g.other_resources.min(1);
            writeln!(
                w,
                "      resources: {}{}",
                res.join(", "),
                if more > 0 { ", …" } else { "" }
            )?;
            writeln!(
                w,
                "      first {}  last {}  example {}",
                g.first_seen, g.last_seen, g.example
            )?;
        }
        if v.len() > top {
            writeln!(
                w,
                "    … {} more groups (--top N, --all-groups, or --json)",
                v.len() - top
            )?;
        }
    }
    Ok(())
}

/// The human summary.
pub fn human(s: &Stats, w: &mut dyn Write) -> std::io::Result<()> {
    let rate = s.read as f64 / s.seconds.max(1e-9);
    if let Some(warn) = &s.account_warning {
        writeln!(w, "WARNING: {warn}")?;
    }
    writeln!(
        w,
        "audit: {} files, {} events read in {:.2}s ({:.0} events/s)",
        s.files, s.read, s.seconds, rate
    )?;
    writeln!(
        w,
        "  read {} = decided {} + unreadable {} + not decided {} (not a request {}, duplicate {})",
        s.read,
        s.decided,
        s.unreadable,
        s.not_request + s.duplicates,
        s.not_request,
        s.duplicates
    )?;
    writeln!(w, "  approximate {}", s.approximate)?;
    if s.parse_only {
        writeln!(
            w,
            "  (parse only: records were inflated and parsed, not decided)"
        )?;
        return Ok(());
    }
    if s.per_file.len() > 1 {
        let mut files: Vec<&FileCount> = s.per_file.iter().collect();
        files.sort_by(|a, b| a.file.cmp(&b.file));
        for f in files.iter().take(20) {
            writeln!(
                w,
                "    {}: read {} = decided {} + unreadable {} + not a request {} + duplicate {}",
                f.file, f.read, f.decided, f.unreadable, f.not_request, f.duplicates
            )?;
        }
        if files.len() > 20 {
            writeln!(w, "    … {} more files (all in --json)", files.len() - 20)?;
        }
    }
    for (i, a) in Approx::ALL.iter().enumerate() {
        if s.approx_by[i] > 0 {
            writeln!(w, "    {:<18} {}", a.as_str(), s.approx_by[i])?;
        }
    }
    if !s.catalog {
        writeln!(w, "    (no --service-reference: actions were not checked)")?;
    }
    if s.e20 > 0 {
        writeln!(
            w,
            "  sts:GetCallerIdentity allowed by the built-in rule E-20: {}",
            s.e20
        )?;
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
        if s.became_indeterminate + s.was_indeterminate > 0 {
            writeln!(
                w,
                "  of which indeterminate (E-21: depends on facts the logs do not hold, such as \
                 resource tags, or on opaque statements): {} became indeterminate, {} became \
                 determinate",
                s.became_indeterminate, s.was_indeterminate
            )?;
        }
        human_groups(w, s, "newly denied", &s.newly_denied)?;
        human_groups(w, s, "newly allowed", &s.newly_allowed)?;
    } else {
        writeln!(
            w,
            "  no change given (--proposed/--attach-to, --proposed-scp, --proposed-rcp)"
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
    if !s.services.is_empty() {
        let total: u64 = s.services.values().flatten().flatten().sum();
        writeln!(
            w,
            "  AWS service principals: {total} events (only resource policies decide them; not in the matrix above)"
        )?;
        let mut v: Vec<(&String, &[[u64; 2]; 2])> = s.services.iter().collect();
        v.sort_by(|a, b| {
            let n = |x: &[[u64; 2]; 2]| x.iter().flatten().sum::<u64>();
            n(b.1).cmp(&n(a.1)).then_with(|| a.0.cmp(b.0))
        });
        for (svc, c) in v.iter().take(s.top.unwrap_or(usize::MAX).max(10)) {
            writeln!(
                w,
                "    {svc}: predicted allow {} (observed denied {}), predicted deny {} (observed ok {})",
                c[0][0] + c[0][1],
                c[0][1],
                c[1][0] + c[1][1],
                c[1][0]
            )?;
        }
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
    // G-21: statements read leniently as opaque, counted (each is one warning).
    let opaque = s
        .warnings
        .iter()
        .filter(|w| w.contains("opaque statement"))
        .count();
    if opaque > 0 {
        writeln!(
            w,
            "  opaque statements (G-21, read leniently; decisions they could change are \
             indeterminate): {opaque}"
        )?;
    }
    for e in s.warnings.iter().take(20) {
        writeln!(w, "  warning: {e}")?;
    }
    if s.warnings.len() > 20 {
        writeln!(
            w,
            "  … {} more warnings (all listed in --json)",
            s.warnings.len() - 20
        )?;
    }
    Ok(())
}

fn part_json(g: &Part) -> serde_json::Value {
    json!({"count": g.count, "approximate": g.approximate,
        "decided_by": deciding_json(g.decided_by.as_ref()),
        "top_resources": g.top_resources(5).iter().map(|(r, n)| json!({"resource": r, "count": n})).collect::<Vec<_>>(),
        "distinct_resources_kept": g.resources.len(), "other_resources": g.other_resources,
        "first_seen": g.first_seen, "last_seen": g.last_seen, "example": g.example})
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
            .map(|((p, a), g)| {
                json!({"principal": p, "action": a, "count": g.count, "example": g.example(),
                    "succeeded": part_json(&g.succeeded), "failed": part_json(&g.failed)})
            })
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
        "not_decided": {
            "not_a_request": s.not_request,
            "not_a_request_by_event_type": s.not_request_by,
            "duplicate": s.duplicates,
        },
        "files_counts": s.per_file.iter().map(|f| json!({"file": f.file, "read": f.read,
            "decided": f.decided, "unreadable": f.unreadable, "not_a_request": f.not_request,
            "duplicate": f.duplicates})).collect::<Vec<_>>(),
        "allowed_by_e20": s.e20,
        "account_warning": s.account_warning,
        "principal_accounts": s.principal_accounts,
        "service_principals": s.services.iter().map(|(k, c)| (k.clone(), json!({
            "predicted_allow_observed_ok": c[0][0], "predicted_allow_observed_denied": c[0][1],
            "predicted_deny_observed_ok": c[1][0], "predicted_deny_observed_denied": c[1][1]})))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
        "approximate": s.approximate,
        "approximate_by": approx,
        "changed": s.changed,
        "became_indeterminate": s.became_indeterminate,
        "was_indeterminate": s.was_indeterminate,
        "indeterminate_predictions": s.indeterminate_predictions,
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
        "opaque_statements": s.warnings.iter().filter(|w| w.contains("opaque statement")).count(),
        "parse_only": s.parse_only,
        "seconds": s.seconds,
        "events_per_second": s.read as f64 / s.seconds.max(1e-9),
    }});
    serde_json::to_writer(&mut *w, &v)?;
    writeln!(w)
}
