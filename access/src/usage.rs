//! Granted versus used (`iamc unused`): the calls of CloudTrail logs replayed by the audit
//! ([`replay`]), set against what each principal may do (the can-what profile, [`unused`]),
//! and the deciding statement of every replayed call counted per statement.
//!
//! - A principal's *granted* actions are can-what's, with the resource unknown (allowed on
//!   every resource, or conditionally: indeterminate and possibly allowed, E-21); its *used*
//!   actions are the actions of its successful calls (no `errorCode`), the call's own and each
//!   further permission the audit's mapping derives; a call that needs no permission (E-20) is
//!   counted apart and uses none.
//! - A statement *decided* a call when the audit names it as the deciding statement of the
//!   event (its decision before any change); statements that decided none are unused. An
//!   event with several requests (the call and further permissions) names one statement, the
//!   deciding statement of its first request with the event's decision.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use iamc_audit::batch::{Row, RowSink, Status};
use iamc_audit::{Auditor, Deciding, Stats};
use iamc_runtime::Decision;
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::org::Org;
use crate::query::Facts;

/// One replayed call: a decided event.
#[derive(Clone, Debug)]
pub struct Call {
    /// The event id.
    pub event_id: Option<String>,
    /// The event time (CloudTrail's `eventTime`).
    pub time: String,
    /// The snapshot's user or role behind the call (its ARN, with path); else the principal
    /// ARN as recorded.
    pub principal: String,
    /// Whether the snapshot holds the principal.
    pub in_snapshot: bool,
    /// The principal as recorded (a session ARN for a role's calls).
    pub caller: String,
    /// A session's issuer (the role's ARN), as recorded.
    pub issuer: Option<String>,
    /// No `errorCode` in the record.
    pub succeeded: bool,
    /// The call needs no permission (E-20).
    pub e20: bool,
    /// The requests: the call's own action with its resources, then each further permission.
    pub requests: Vec<(String, Vec<String>)>,
    /// The audit's decision (the worst over the requests).
    pub decision: Decision,
    /// Its deciding statement (policy name, statement index, Sid) or rule.
    pub deciding: Option<Deciding>,
}

impl Call {
    /// Whether the call is `principal`'s: its user or role ARN, its recorded ARN, or its
    /// session's issuer.
    pub fn is_of(&self, principal: &str) -> bool {
        self.principal == principal
            || self.caller == principal
            || self.issuer.as_deref() == Some(principal)
    }
}

struct Sink<'a> {
    aud: &'a Auditor,
    calls: Vec<Call>,
}

impl RowSink for Sink<'_> {
    fn row(&mut self, row: &Row<'_>) {
        let (Status::Decided, Some(ev), Some(m), Some(d)) =
            (row.status, row.event, row.mapped, row.before)
        else {
            return;
        };
        let entity = self.aud.snapshot().entity_arn(&m.principal);
        let mut requests = vec![(
            m.action.to_string(),
            m.resources.iter().map(|r| r.to_string()).collect(),
        )];
        requests.extend(m.extra.iter().map(|x| {
            (
                x.action.to_string(),
                x.resources.iter().map(|r| r.to_string()).collect(),
            )
        }));
        self.calls.push(Call {
            event_id: ev.event_id.as_deref().map(str::to_string),
            time: ev
                .event_time
                .as_deref()
                .or(ev.timestamp.as_deref())
                .unwrap_or("")
                .to_string(),
            principal: entity.unwrap_or(&m.principal.arn).to_string(),
            in_snapshot: entity.is_some(),
            caller: m.principal.arn.to_string(),
            issuer: m.principal.issuer_arn.as_deref().map(str::to_string),
            succeeded: ev.error_code.as_deref().is_none_or(str::is_empty),
            e20: m.needs_no_permission,
            requests,
            decision: d,
            deciding: row.before_by.cloned(),
        });
    }
}

/// The calls of a replay and the audit's counters.
#[derive(Debug, Default)]
pub struct Replay {
    /// Every decided event, sorted by time and event id.
    pub calls: Vec<Call>,
    /// The audit's counters (read, decided, unreadable, file errors, …).
    pub stats: Stats,
}

/// Replay the logs (files or directories, as `iamc audit` finds them) through the audit's
/// decision path; files are spread over the current rayon pool.
pub fn replay(aud: &Auditor, logs: &[PathBuf]) -> Replay {
    let found = iamc_audit::input::discover(logs);
    let parts: Vec<(Vec<Call>, Stats)> = found
        .files
        .par_iter()
        .map(|f| {
            let mut sink = Sink {
                aud,
                calls: Vec::new(),
            };
            let st = iamc_audit::batch::decide_file(aud, f, &mut sink);
            (sink.calls, st)
        })
        .collect();
    let mut r = Replay::default();
    for (c, st) in parts {
        r.calls.extend(c);
        r.stats = Stats::merge(std::mem::take(&mut r.stats), st);
    }
    r.stats.found_unread(found.errors, found.skipped);
    aud.finish(&mut r.stats, None);
    r.calls
        .sort_by(|a, b| (&a.time, &a.event_id).cmp(&(&b.time, &b.event_id)));
    r
}

/// How often an action was used, and when last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionUse {
    /// Successful calls that used it.
    pub calls: u64,
    /// The latest event time among them.
    pub last_used: String,
}

/// One service and access level of a principal: granted (allowed, conditional), and of
/// those, used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Actions allowed.
    pub allowed: usize,
    /// Actions conditionally allowed.
    pub conditional: usize,
    /// Granted actions (allowed or conditional) used.
    pub used: usize,
}

/// A principal's granted and used actions.
#[derive(Clone, Debug, Default)]
pub struct PrincipalUsage {
    /// Its ARN.
    pub arn: String,
    /// `user` or `role`.
    pub kind: &'static str,
    /// Actions allowed (catalog names, sorted).
    pub allowed: Vec<String>,
    /// Actions conditionally allowed.
    pub conditional: Vec<String>,
    /// Actions used, by the name the calls gave (sorted).
    pub used: BTreeMap<String, ActionUse>,
    /// Allowed and never used.
    pub unused_allowed: Vec<String>,
    /// Conditionally allowed and never used.
    pub unused_conditional: Vec<String>,
    /// Used but not granted as can-what sees it (a resource policy's grant, an action the
    /// service reference does not list, a grant on some resources only).
    pub used_not_granted: Vec<String>,
    /// By service, then access level.
    pub by_service: BTreeMap<String, BTreeMap<&'static str, Cell>>,
    /// Successful calls (E-20 ones included) and failed ones.
    pub calls: u64,
    /// Failed calls (an `errorCode`).
    pub failed: u64,
    /// Successful calls that needed no permission (E-20).
    pub e20: u64,
    /// The latest successful call.
    pub last_used: Option<String>,
}

/// One statement of a policy in use, and the calls it decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementUse {
    /// The policy's name (as the audit names deciding policies).
    pub policy: String,
    /// The policy kind (`identity`, `boundary`, `scp`, `resource`, …).
    pub kind: &'static str,
    /// The statement's index in its policy.
    pub index: u32,
    /// Its Sid.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// Calls it decided.
    pub decided: u64,
    /// Of those, allowed.
    pub allowed: u64,
    /// Of those, denied.
    pub denied: u64,
    /// The principals whose calls it decided.
    pub principals: BTreeSet<String>,
    /// The latest call it decided.
    pub last_used: Option<String>,
}

/// The whole answer of `iamc unused`.
#[derive(Clone, Debug, Default)]
pub struct Unused {
    /// Every user and role of the snapshots, sorted by ARN.
    pub principals: Vec<PrincipalUsage>,
    /// Every statement of the policies in use (and any other a call named), sorted by
    /// policy and index.
    pub statements: Vec<StatementUse>,
    /// Calls decided by a built-in rule (E-20), by rule.
    pub by_rule: BTreeMap<String, u64>,
    /// Calls decided with no deciding statement (an implicit deny, an indeterminate).
    pub no_statement: u64,
    /// Allowed calls that needed further permissions (`iam:PassRole` of `RunInstances`, …):
    /// an event names one deciding statement, so the statements that allowed the further
    /// permissions are not counted, and one shown as never used may have allowed one.
    pub further_not_attributed: u64,
    /// Principals of the logs the snapshots do not hold (root, services, other accounts):
    /// their successful calls.
    pub outside: BTreeMap<String, u64>,
}

/// Every statement of the auditor's policies in use, keyed by (policy name, index).
fn statements(aud: &Auditor) -> BTreeMap<(String, u32), StatementUse> {
    let mut out = BTreeMap::new();
    for p in aud.snapshot().policies_in_use() {
        for st in &p.statements {
            out.entry((p.source.to_string(), st.index as u32))
                .or_insert_with(|| StatementUse {
                    policy: p.source.to_string(),
                    kind: p.kind.as_str(),
                    index: st.index as u32,
                    sid: st.sid.clone(),
                    effect: match st.effect {
                        iamc_compiler::ast::Effect::Allow => "Allow",
                        iamc_compiler::ast::Effect::Deny => "Deny",
                    },
                    ..StatementUse::default()
                });
        }
    }
    out
}

/// Whether a deciding name is a built-in rule's.
fn is_rule(d: &Deciding) -> bool {
    d.0.starts_with("built-in rule")
}

/// Granted versus used, per principal, and calls per statement.
pub fn unused(
    org: &Org,
    catalog: &Catalog,
    facts: &Facts,
    aud: &Auditor,
    calls: &[Call],
) -> Unused {
    let mut out = Unused::default();
    // Statements.
    let mut stmts = statements(aud);
    for c in calls {
        if c.requests.len() > 1 && c.decision == Decision::Allow {
            out.further_not_attributed += 1;
        }
        match &c.deciding {
            Some(d) if is_rule(d) => *out.by_rule.entry(d.0.clone()).or_default() += 1,
            Some(d) => {
                let s = stmts
                    .entry((d.0.clone(), d.1))
                    .or_insert_with(|| StatementUse {
                        policy: d.0.clone(),
                        // Not a statement of the snapshot: the account root's full access
                        // (the audit's `root:full-access`), or a policy it builds itself.
                        kind: if d.0.starts_with("root:") {
                            "root"
                        } else {
                            "other"
                        },
                        index: d.1,
                        sid: d.2.clone(),
                        effect: if c.decision == Decision::Allow {
                            "Allow"
                        } else {
                            "Deny"
                        },
                        ..StatementUse::default()
                    });
                s.decided += 1;
                if c.decision == Decision::Allow {
                    s.allowed += 1;
                } else {
                    s.denied += 1;
                }
                s.principals.insert(c.principal.clone());
                if s.last_used.as_deref().is_none_or(|t| t < c.time.as_str()) {
                    s.last_used = Some(c.time.clone());
                }
            }
            None => out.no_statement += 1,
        }
    }
    out.statements = stmts.into_values().collect();
    // Used actions per principal (lower-case action -> (spelling, use)).
    let mut used: HashMap<&str, BTreeMap<String, (String, ActionUse)>> = HashMap::new();
    let mut counts: HashMap<&str, (u64, u64, u64, Option<&str>)> = HashMap::new();
    for c in calls {
        if !c.in_snapshot {
            if c.succeeded {
                *out.outside.entry(c.principal.clone()).or_default() += 1;
            }
            continue;
        }
        let n = counts.entry(c.principal.as_str()).or_default();
        n.0 += 1;
        if !c.succeeded {
            n.1 += 1;
            continue;
        }
        if n.3.is_none_or(|t| t < c.time.as_str()) {
            n.3 = Some(&c.time);
        }
        if c.e20 {
            n.2 += 1;
            continue;
        }
        let u = used.entry(c.principal.as_str()).or_default();
        for (a, _) in &c.requests {
            let e = u
                .entry(a.to_ascii_lowercase())
                .or_insert_with(|| (a.clone(), ActionUse::default()));
            e.1.calls += 1;
            if e.1.last_used < c.time {
                e.1.last_used = c.time.clone();
            }
        }
    }
    let profiles = crate::query::can_what_all(org, catalog, facts);
    let names = catalog.actions();
    for (p, prof) in org.principals().iter().zip(&profiles) {
        let u = used.remove(p.arn.as_str()).unwrap_or_default();
        let n = counts.get(p.arn.as_str()).copied().unwrap_or_default();
        let mut pu = PrincipalUsage {
            arn: p.arn.clone(),
            kind: p.kind(),
            calls: n.0 - n.1,
            failed: n.1,
            e20: n.2,
            last_used: n.3.map(str::to_string),
            ..PrincipalUsage::default()
        };
        let mut granted: BTreeSet<String> = BTreeSet::new();
        for (list, allowed) in [(&prof.allowed, true), (&prof.conditional, false)] {
            for &i in list {
                let Some(a) = names.get(i as usize) else {
                    continue;
                };
                let lower = a.name.to_ascii_lowercase();
                let is_used = u.contains_key(&lower);
                let svc = a.name.split(':').next().unwrap_or("").to_string();
                let cell = pu
                    .by_service
                    .entry(svc)
                    .or_default()
                    .entry(a.level.as_str())
                    .or_default();
                if allowed {
                    cell.allowed += 1;
                    pu.allowed.push(a.name.clone());
                    if !is_used {
                        pu.unused_allowed.push(a.name.clone());
                    }
                } else {
                    cell.conditional += 1;
                    pu.conditional.push(a.name.clone());
                    if !is_used {
                        pu.unused_conditional.push(a.name.clone());
                    }
                }
                cell.used += usize::from(is_used);
                granted.insert(lower);
            }
        }
        for (lower, (name, au)) in u {
            if !granted.contains(&lower) {
                pu.used_not_granted.push(name.clone());
            }
            pu.used.insert(name, au);
        }
        out.principals.push(pu);
    }
    out.principals.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}
