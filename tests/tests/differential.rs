//! Generated differential tests: the compiled engine (`iamc_compiler::Compiler` +
//! `iamc_runtime`) against the reference interpreter (`iamc_reference::evaluate`).
//!
//! Quickcheck generates policy sets as JSON text — every condition operator (all 27 bases,
//! `IfExists`, `ForAllValues:`/`ForAnyValue:`), variables with and without defaults and the
//! `${*}` `${?}` `${$}` literals, Version 2008 vs 2012, `NotAction`/`NotResource`/`NotPrincipal`,
//! every policy kind (identity, resource with every principal strength, boundaries, session
//! policy, SCP and RCP levels, `management_account`) — parses them with
//! `iamc_compiler::parse::parse_policy`, and decides requests biased towards the policies' own
//! literals and near misses (case changes, Unicode look-alikes of ASCII letters, one character off, missing keys, empty and
//! multivalued lists, unparseable typed values, IPv4-mapped IPv6, mixed date formats,
//! cross-account principals, service-linked roles, KMS keys, `sts:AssumeRole` on roles).
//! For every request both engines must give the same decision and the same deciding
//! statement (DESIGN.md, "Evaluation, exactly"), and the compiled set written as an artifact
//! and loaded back (`to_bytes` → `from_bytes`, the `artifact` engine mode) must too.
//!
//! On a disagreement the shrunk case is printed as a scenario (the oracle's format,
//! `shared/oracle/README.md`) and written to `corpus/regressions/<hash>.json`;
//! [`regression_cases`] replays every file there through both engines (and checks `expect`
//! where a request has one).
//!
//! Size: 4,000 policy sets × 100–140 requests by default (≥ 400,000 comparisons);
//! `IAMC_DIFF_CASES=<n>` sets the number of policy sets, `IAMC_DIFF_LONG=1` runs 50,000.

use iamc_harness::gen::*;
use iamc_harness::rng::Rng;
use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::parse::{parse_policy_with, ReadMode};
use iamc_compiler::Limits;
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::{Deciding, Outcome};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use serde_json::{json, Map, Value as J};

// ---------------------------------------------------------------------------------------------
// Pools of values: the harness's (`iamc_harness::gen`), shared with the fuzz target.

/// Whether the generator makes unknown facts (K-13) and lenient sets with opaque statements
/// (G-21), compared by decision, possible outcomes and depends_on (E-21).
const UNKNOWNS: bool = true;

// ---------------------------------------------------------------------------------------------
// The generated case: structured, so it can be shrunk, and rendered to JSON text.

#[derive(Clone, Debug, PartialEq)]
enum CVal {
    Str(String),
    Num(i64),
    Bool(bool),
}

#[derive(Clone, Debug)]
struct Cond {
    op: String,
    key: String,
    values: Vec<CVal>,
    scalar: bool,
}

#[derive(Clone, Debug)]
enum Princ {
    /// `"*"`.
    Star { negated: bool },
    /// `{"AWS": [...], "Service": [...], ...}`.
    Map {
        negated: bool,
        entries: Vec<(&'static str, String)>,
    },
}

#[derive(Clone, Debug)]
struct Stmt {
    sid: Option<String>,
    allow: bool,
    principal: Option<Princ>,
    not_action: bool,
    actions: Vec<String>,
    not_resource: bool,
    resources: Vec<String>,
    conds: Vec<Cond>,
    scalar_lists: bool,
    /// A deliberate grammar error (the parser must reject the document).
    bad: Option<u8>,
}

#[derive(Clone, Debug)]
struct Doc {
    version: Option<&'static str>,
    single: bool,
    stmts: Vec<Stmt>,
}

#[derive(Clone, Debug)]
enum CtxV {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug)]
struct Req {
    principal: String,
    action: String,
    resource: String,
    resource_account: Option<String>,
    context: Vec<(String, CtxV)>,
    /// K-13: context keys declared unknown (none of them is in `context`).
    unknown_keys: Vec<String>,
    /// K-13: the resource is unknown (`resource` is then not used).
    unknown_resource: bool,
}

#[derive(Clone, Debug, Default)]
struct Case {
    identity: Vec<Doc>,
    resource: Option<Doc>,
    boundaries: Vec<Doc>,
    session: Option<Doc>,
    scps: Vec<Vec<Doc>>,
    rcps: Vec<Vec<Doc>>,
    management_account: Option<String>,
    /// E-10: the services RCPs apply to; `None` is the default list.
    rcp_services: Option<Vec<String>>,
    /// G-21: the documents are read leniently (a bad statement is opaque, never rejected).
    lenient: bool,
    requests: Vec<Req>,
}

fn cval_json(v: &CVal) -> J {
    match v {
        CVal::Str(s) => J::String(s.clone()),
        CVal::Num(n) => json!(n),
        CVal::Bool(b) => J::Bool(*b),
    }
}

fn list_json(items: &[String], scalar: bool) -> J {
    if scalar && items.len() == 1 {
        J::String(items[0].clone())
    } else {
        J::Array(items.iter().map(|s| J::String(s.clone())).collect())
    }
}

impl Stmt {
    fn to_json(&self) -> J {
        let mut m = Map::new();
        if let Some(sid) = &self.sid {
            m.insert("Sid".into(), J::String(sid.clone()));
        }
        let effect = match (self.allow, self.bad) {
            (_, Some(0)) => "allow",
            (true, _) => "Allow",
            (false, _) => "Deny",
        };
        m.insert("Effect".into(), J::String(effect.into()));
        if let Some(p) = &self.principal {
            let (negated, value) = match p {
                Princ::Star { negated } => (*negated, J::String("*".into())),
                Princ::Map { negated, entries } => {
                    let mut pm = Map::new();
                    for (k, v) in entries {
                        let e = pm
                            .entry(k.to_string())
                            .or_insert_with(|| J::Array(Vec::new()));
                        if let J::Array(a) = e {
                            a.push(J::String(v.clone()));
                        }
                    }
                    if self.scalar_lists {
                        for v in pm.values_mut() {
                            if let J::Array(a) = v {
                                if a.len() == 1 {
                                    *v = a[0].clone();
                                }
                            }
                        }
                    }
                    (*negated, J::Object(pm))
                }
            };
            let name = if negated { "NotPrincipal" } else { "Principal" };
            m.insert(name.into(), value);
        }
        let mut actions = self.actions.clone();
        if self.bad == Some(1) {
            actions.push("s3".into());
        }
        let name = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        m.insert(name.into(), list_json(&actions, self.scalar_lists));
        if self.bad != Some(2) {
            let name = if self.not_resource {
                "NotResource"
            } else {
                "Resource"
            };
            m.insert(name.into(), list_json(&self.resources, self.scalar_lists));
        }
        if !self.conds.is_empty() || self.bad == Some(3) {
            let mut cm = Map::new();
            for c in &self.conds {
                let om = cm
                    .entry(c.op.clone())
                    .or_insert_with(|| J::Object(Map::new()));
                if let J::Object(om) = om {
                    let vals: Vec<J> = c.values.iter().map(cval_json).collect();
                    match om.get_mut(&c.key) {
                        Some(J::Array(a)) => a.extend(vals),
                        _ => {
                            let v = if c.scalar && vals.len() == 1 {
                                vals[0].clone()
                            } else {
                                J::Array(vals)
                            };
                            om.insert(c.key.clone(), v);
                        }
                    }
                }
            }
            if self.bad == Some(3) {
                cm.insert("StringEqual".into(), json!({"aws:username": "x"}));
            }
            m.insert("Condition".into(), J::Object(cm));
        }
        J::Object(m)
    }
}

impl Doc {
    fn to_json(&self) -> J {
        let mut m = Map::new();
        if let Some(v) = self.version {
            m.insert("Version".into(), J::String(v.into()));
        }
        let stmts: Vec<J> = self.stmts.iter().map(Stmt::to_json).collect();
        if self.single && stmts.len() == 1 {
            m.insert("Statement".into(), stmts[0].clone());
        } else {
            m.insert("Statement".into(), J::Array(stmts));
        }
        J::Object(m)
    }
}

impl Req {
    fn to_request(&self) -> Request {
        let mut context = Context::default();
        for (k, v) in &self.context {
            let v = match v {
                CtxV::One(s) => ContextValue::Single(s.clone()),
                CtxV::Many(l) => ContextValue::Multi(l.clone()),
            };
            context.insert(k.clone(), v);
        }
        Request {
            principal: self.principal.clone(),
            action: self.action.clone(),
            resource: self.resource.clone(),
            resource_account: self.resource_account.clone(),
            context,
            unknown: iamc_harness::request::Unknowns {
                context: self.unknown_keys.clone(),
                resource: self.unknown_resource,
            },
        }
    }

    fn to_json(&self, id: usize, note: Option<String>) -> J {
        let mut m = Map::new();
        m.insert("id".into(), J::String(format!("r{id}")));
        m.insert("principal".into(), J::String(self.principal.clone()));
        m.insert("action".into(), J::String(self.action.clone()));
        if !self.unknown_resource {
            m.insert("resource".into(), J::String(self.resource.clone()));
        }
        if !self.unknown_keys.is_empty() || self.unknown_resource {
            let mut u = Map::new();
            u.insert(
                "context".into(),
                J::Array(
                    self.unknown_keys
                        .iter()
                        .map(|k| J::String(k.clone()))
                        .collect(),
                ),
            );
            u.insert("resource".into(), J::Bool(self.unknown_resource));
            m.insert("unknown".into(), J::Object(u));
        }
        if let Some(a) = &self.resource_account {
            m.insert("resource_account".into(), J::String(a.clone()));
        }
        if !self.context.is_empty() {
            let mut c = Map::new();
            for (k, v) in &self.context {
                let v = match v {
                    CtxV::One(s) => J::String(s.clone()),
                    CtxV::Many(l) => J::Array(l.iter().map(|s| J::String(s.clone())).collect()),
                };
                c.insert(k.clone(), v);
            }
            m.insert("context".into(), J::Object(c));
        }
        if let Some(n) = note {
            m.insert("note".into(), J::String(n));
        }
        J::Object(m)
    }
}

// ---------------------------------------------------------------------------------------------
// Generation.

/// Change a string a little: case, one character off, added or removed characters.
fn near_miss(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    match rng.below(10) {
        0 => s.to_uppercase(),
        1 => s.to_lowercase(),
        2 if n > 0 => {
            let i = rng.below(n);
            let mut c = chars.clone();
            let flipped: String = if c[i].is_uppercase() {
                c[i].to_lowercase().collect()
            } else {
                c[i].to_uppercase().collect()
            };
            c.splice(i..=i, flipped.chars());
            c.into_iter().collect()
        }
        3 if n > 0 => {
            let i = rng.below(n);
            let mut c = chars.clone();
            c.remove(i);
            c.into_iter().collect()
        }
        4 => {
            let i = rng.below(n + 1);
            let mut c = chars.clone();
            c.insert(i, *rng.pick(&['x', 'é', '*', '?', ':', '/', '😀']));
            c.into_iter().collect()
        }
        5 if n > 0 => {
            let i = rng.below(n);
            let mut c = chars.clone();
            c[i] = char::from_u32(c[i] as u32 + 1).unwrap_or('x');
            c.into_iter().collect()
        }
        6 => format!("{s}/x"),
        7 => format!(" {s}"),
        // A non-ASCII character whose Unicode case mapping is an ASCII letter (Kelvin sign,
        // long s, dotted I): ASCII-only folds must not read it as the letter.
        8 if chars.iter().any(|c| c.is_ascii_alphabetic()) => {
            // One letter of the text, if it has k, s or i; else any letter (then a plain miss).
            let at: Vec<usize> = (0..n)
                .filter(|&i| matches!(chars[i], 'k' | 'K' | 's' | 'S' | 'i' | 'I'))
                .collect();
            let i = match at.len() {
                0 => (0..n)
                    .find(|&i| chars[i].is_ascii_alphabetic())
                    .unwrap_or(0),
                len => at[rng.below(len)],
            };
            let mut c = chars.clone();
            c[i] = match c[i] {
                'k' | 'K' => '\u{212A}',
                's' | 'S' => '\u{17F}',
                _ => '\u{130}',
            };
            c.into_iter().collect()
        }
        _ => format!("{s}x"),
    }
}

/// A string the pattern matches (mostly): wildcards filled in, variables replaced by values
/// from the request pools.
fn instantiate(rng: &mut Rng, pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${") {
            if let Some(end) = rest.find('}') {
                let body = &rest[2..end];
                let v = match body {
                    "*" => "*".to_string(),
                    "?" => "?".to_string(),
                    "$" => "$".to_string(),
                    _ => {
                        if rng.pct(20) {
                            // The variable text itself (matches literally under 2008).
                            rest[..=end].to_string()
                        } else {
                            rng.pick(&["alice", "bob", "dev", "Alice", "", "a*"])
                                .to_string()
                        }
                    }
                };
                out.push_str(&v);
                rest = &rest[end + 1..];
                continue;
            }
        }
        match c {
            '*' => {
                let fill = *rng.pick(&["", "a", "Object", "/", "é", "xyz/abc", "alice/"]);
                out.push_str(fill);
            }
            '?' => {
                let fill = *rng.pick(&["a", "é", "😀", "/", "u"]);
                out.push_str(fill);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Literals of a case the requests aim at.
#[derive(Default)]
struct Lits {
    actions: Vec<String>,
    resources: Vec<String>,
    principals: Vec<String>,
    keys: Vec<(String, Ty)>,
    values: HashMap<String, Vec<String>>,
}

fn key_type(key: &str) -> Ty {
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, t)| *t)
        .unwrap_or(Ty::Str)
}

impl Case {
    fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.identity
            .iter()
            .chain(self.resource.iter())
            .chain(self.boundaries.iter())
            .chain(self.session.iter())
            .chain(self.scps.iter().flatten())
            .chain(self.rcps.iter().flatten())
    }

    fn lits(&self) -> Lits {
        let mut l = Lits::default();
        for d in self.docs() {
            for s in &d.stmts {
                l.actions.extend(s.actions.iter().cloned());
                l.resources.extend(s.resources.iter().cloned());
                if let Some(Princ::Map { entries, .. }) = &s.principal {
                    for (_, v) in entries {
                        l.principals.push(v.clone());
                    }
                }
                for c in &s.conds {
                    if !l.keys.iter().any(|(k, _)| k == &c.key) {
                        l.keys.push((c.key.clone(), key_type(&c.key)));
                    }
                    let e = l.values.entry(c.key.to_lowercase()).or_default();
                    for v in &c.values {
                        match v {
                            CVal::Str(s) => e.push(s.clone()),
                            CVal::Num(n) => e.push(n.to_string()),
                            CVal::Bool(b) => e.push(b.to_string()),
                        }
                    }
                }
            }
        }
        l
    }
}

fn gen_cond(rng: &mut Rng, version_2012: bool) -> Cond {
    let (base, ty) = *rng.pick(OPS);
    let is_null = base == "Null";
    let set = if is_null {
        ""
    } else {
        match rng.below(10) {
            0 | 1 => "ForAllValues:",
            2 | 3 => "ForAnyValue:",
            _ => "",
        }
    };
    let if_exists = !is_null && rng.pct(25);
    let op = format!("{set}{base}{}", if if_exists { "IfExists" } else { "" });
    let key = if rng.pct(75) && !is_null {
        let matching: Vec<&str> = KEYS
            .iter()
            .filter(|(_, t)| {
                *t == ty
                    || (ty == Ty::Str && *t == Ty::MultiStr)
                    || (ty == Ty::Arn && *t == Ty::Str)
            })
            .map(|(k, _)| *k)
            .collect();
        rng.pick(&matching).to_string()
    } else {
        rng.pick(KEYS).0.to_string()
    };
    // A key with `Σ` keeps its spelling (see gen_request on `Context::get`).
    let key = if rng.pct(10) && !key.contains('Σ') {
        near_miss(rng, &key)
    } else {
        key
    };
    let pool = if is_null {
        vec!["true".to_string(), "false".to_string()]
    } else {
        policy_values(ty)
    };
    let n = rng.range(1, 3);
    let mut values = Vec::new();
    for _ in 0..n {
        let v = rng.pick(&pool).clone();
        let v = if rng.pct(2) {
            // An invalid value for typed operators (parser rejects) or a variable where V-3
            // forbids it.
            near_miss(rng, &v)
        } else if !version_2012 && rng.pct(5) {
            format!("${{{}}}", rng.pick(VAR_KEYS))
        } else {
            v
        };
        let cv = if (ty == Ty::Bool) && rng.pct(20) && (v == "true" || v == "false") {
            CVal::Bool(v == "true")
        } else if ty == Ty::Num && rng.pct(20) && v.parse::<i64>().is_ok() && !v.starts_with('0') {
            CVal::Num(v.parse().unwrap_or(0))
        } else {
            CVal::Str(v)
        };
        values.push(cv);
    }
    Cond {
        op,
        key,
        values,
        scalar: rng.pct(50),
    }
}

fn gen_stmt(rng: &mut Rng, kind: PolicyKind, version_2012: bool, idx: usize) -> Stmt {
    let allow = match kind {
        PolicyKind::Scp | PolicyKind::Rcp => rng.pct(40),
        _ => rng.pct(65),
    };
    let principal = match kind {
        PolicyKind::Rcp => Some(if rng.pct(50) {
            Princ::Star { negated: false }
        } else {
            Princ::Map {
                negated: false,
                entries: vec![("AWS", "*".to_string())],
            }
        }),
        PolicyKind::Resource => {
            let negated = !allow && rng.pct(30);
            Some(if rng.pct(15) {
                Princ::Star { negated }
            } else {
                let pool = principal_entry_pool();
                let n = rng.range(1, 3);
                let mut entries: Vec<(&'static str, String)> =
                    (0..n).map(|_| rng.pick(&pool).clone()).collect();
                if negated && rng.pct(60) {
                    // NotPrincipal exemptions need the account root listed too.
                    entries.push(("AWS", format!("arn:aws:iam::{A}:root")));
                }
                Princ::Map { negated, entries }
            })
        }
        _ => None,
    };
    let not_action = rng.pct(12);
    let n = rng.range(1, 3);
    let actions = (0..n)
        .map(|_| {
            if rng.pct(50) {
                rng.pick(ACTION_PATTERNS).to_string()
            } else {
                rng.pick(ACTIONS).to_string()
            }
        })
        .collect();
    let not_resource = rng.pct(12);
    let pats = resource_patterns();
    let n = rng.range(1, 2);
    let resources = (0..n)
        .map(|_| {
            if rng.pct(75) {
                rng.pick(&pats).clone()
            } else {
                rng.pick(&resource_pool()).clone()
            }
        })
        .collect();
    let ncond = match rng.below(10) {
        0..=4 => 0,
        5..=7 => 1,
        8 => 2,
        _ => 3,
    };
    let conds = (0..ncond).map(|_| gen_cond(rng, version_2012)).collect();
    let bad = rng.pct(2).then(|| rng.below(4) as u8);
    Stmt {
        sid: rng.pct(50).then(|| format!("S{idx}")),
        allow,
        principal,
        not_action,
        actions,
        not_resource,
        resources,
        conds,
        scalar_lists: rng.pct(50),
        bad,
    }
}

fn gen_doc(rng: &mut Rng, kind: PolicyKind) -> Doc {
    let version = match rng.below(10) {
        0 => None,
        1 => Some("2008-10-17"),
        _ => Some("2012-10-17"),
    };
    let v2012 = version == Some("2012-10-17");
    let n = rng.range(1, 4);
    let mut stmts: Vec<Stmt> = (0..n).map(|i| gen_stmt(rng, kind, v2012, i)).collect();
    // Guards (SCPs, boundaries, session policies) mostly allow broadly, as in real accounts
    // (FullAWSAccess); otherwise almost every request would be an implicit deny.
    let broad = match kind {
        PolicyKind::Scp | PolicyKind::Boundary | PolicyKind::Session => 60,
        PolicyKind::Identity => 25,
        _ => 0,
    };
    if rng.pct(broad) {
        let mut s = gen_stmt(rng, kind, v2012, n);
        s.allow = true;
        s.not_action = false;
        s.actions = vec![if rng.pct(70) { "*" } else { "s3:*" }.to_string()];
        s.not_resource = false;
        s.resources = vec!["*".to_string()];
        s.conds.truncate(usize::from(rng.pct(30)));
        s.bad = None;
        let at = rng.below(stmts.len() + 1);
        stmts.insert(at, s);
    }
    Doc {
        version,
        single: rng.pct(20),
        stmts,
    }
}

fn gen_principal(rng: &mut Rng, lits: &Lits) -> String {
    let pool = principal_pool();
    match rng.below(10) {
        0..=2 if !lits.principals.is_empty() => {
            let e = rng.pick(&lits.principals).clone();
            if e.len() == 12 && e.bytes().all(|b| b.is_ascii_digit()) {
                format!("arn:aws:iam::{e}:root")
            } else if let Some(rest) = e.strip_prefix("arn:aws:iam::") {
                // A role entry → one of its sessions (E-14), sometimes.
                match rest.split_once(":role/") {
                    Some((acct, path)) if rng.pct(50) => {
                        let name = path.rsplit('/').next().unwrap_or(path);
                        format!("arn:aws:sts::{acct}:assumed-role/{name}/sess")
                    }
                    _ => e,
                }
            } else {
                e
            }
        }
        3 => {
            let p = rng.pick(&pool).clone();
            near_miss(rng, &p)
        }
        _ => rng.pick(&pool).clone(),
    }
}

fn gen_value(rng: &mut Rng, key: &str, ty: Ty, lits: &Lits) -> String {
    // V-3: the keys that stand in an ARN's account and region fields mostly get values that
    // can match the resources of the pool.
    if rng.pct(70) {
        if key.eq_ignore_ascii_case("aws:PrincipalAccount") {
            return rng.pick(&[A, B, M]).to_string();
        }
        if key.eq_ignore_ascii_case("aws:RequestedRegion") {
            return rng
                .pick(&["us-east-1", "eu-west-1", "US-EAST-1"])
                .to_string();
        }
    }
    let own = lits.values.get(&key.to_lowercase());
    match rng.below(10) {
        0..=3 if own.is_some() => {
            let own = own.map(Vec::as_slice).unwrap_or_default();
            let v = rng.pick(own).clone();
            instantiate(rng, &v)
        }
        4 if own.is_some() => {
            let own = own.map(Vec::as_slice).unwrap_or_default();
            let v = rng.pick(own).clone();
            near_miss(rng, &v)
        }
        9 => {
            let t = *rng.pick(&ALL_TYPES);
            rng.pick(&request_values(t)).clone()
        }
        _ => rng.pick(&request_values(ty)).clone(),
    }
}

fn gen_request(rng: &mut Rng, lits: &Lits) -> Req {
    let principal = gen_principal(rng, lits);
    let action = match rng.below(10) {
        k @ 0..=5 if !lits.actions.is_empty() => {
            let p = rng.pick(&lits.actions).clone();
            let a = instantiate(rng, &p);
            let a = if a == "*" || !a.contains(':') {
                rng.pick(ACTIONS).to_string()
            } else {
                a
            };
            // One in six: a near miss of the policies' own action (A-2 case, look-alikes).
            if k == 5 {
                near_miss(rng, &a)
            } else {
                a
            }
        }
        6 => {
            let a = *rng.pick(ACTIONS);
            near_miss(rng, a)
        }
        _ => rng.pick(ACTIONS).to_string(),
    };
    let resource = match rng.below(10) {
        0..=6 if !lits.resources.is_empty() => {
            let p = rng.pick(&lits.resources).clone();
            let r = instantiate(rng, &p);
            if rng.pct(15) {
                near_miss(rng, &r)
            } else {
                r
            }
        }
        5 => {
            let r = rng.pick(&resource_pool()).clone();
            near_miss(rng, &r)
        }
        _ => rng.pick(&resource_pool()).clone(),
    };
    let resource_account = match rng.below(12) {
        0 => Some(A.to_string()),
        1 => Some(B.to_string()),
        2 => Some(M.to_string()),
        _ => None,
    };
    let mut context: Vec<(String, CtxV)> = Vec::new();
    let mut keys: Vec<(String, Ty)> = lits.keys.clone();
    for v in VAR_KEYS {
        if rng.pct(30) {
            keys.push((v.to_string(), key_type(v)));
        }
    }
    if rng.pct(15) {
        let (k, t) = *rng.pick(KEYS);
        keys.push((k.to_string(), t));
    }
    for (key, ty) in keys {
        if rng.pct(15) {
            continue; // missing key
        }
        // Reported, not generated: the shared `Context::get` compares non-ASCII names with
        // `str::to_lowercase` (so `ΟΔΟσ` ≠ `ΟΔΟΣ`, a word-final sigma) and only when the
        // context's name is non-ASCII (so `k` ≠ the Kelvin sign `K`); the runtime folds
        // character by character. Whole-name case changes agree in both engines.
        let name = if rng.pct(30) {
            match rng.below(if key.contains('Σ') { 2 } else { 3 }) {
                0 => key.to_uppercase(),
                1 => key.to_lowercase(),
                _ => near_miss(rng, &key),
            }
        } else {
            key.clone()
        };
        // K-2: no two keys equal ignoring case.
        if context
            .iter()
            .any(|(k, _)| k.to_lowercase() == name.to_lowercase())
        {
            continue;
        }
        let v = match rng.below(10) {
            0 => CtxV::Many(Vec::new()),
            1 | 2 => {
                let n = rng.range(1, 3);
                CtxV::Many((0..n).map(|_| gen_value(rng, &key, ty, lits)).collect())
            }
            3 if ty == Ty::MultiStr => {
                let n = rng.range(1, 3);
                CtxV::Many((0..n).map(|_| gen_value(rng, &key, ty, lits)).collect())
            }
            _ => CtxV::One(gen_value(rng, &key, ty, lits)),
        };
        context.push((name, v));
    }
    // E-12: aws:PrincipalArn naming a service-linked role.
    if rng.pct(10)
        && !context
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalArn"))
    {
        let v = if rng.pct(50) {
            format!("arn:aws:iam::{A}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2")
        } else {
            principal.clone()
        };
        context.push(("aws:PrincipalArn".to_string(), CtxV::One(v)));
    }
    // Shuffle a little: the first entries are not always the policy's keys.
    if context.len() > 1 && rng.pct(50) {
        let i = rng.below(context.len());
        context.swap(0, i);
    }
    // K-13, E-21: some requests declare keys the policies read (or others) unknown; such a
    // key is taken out of the context. Some declare the resource unknown.
    let mut unknown_keys: Vec<String> = Vec::new();
    if UNKNOWNS && rng.pct(20) {
        for _ in 0..rng.range(1, 2) {
            let k = if !lits.keys.is_empty() && rng.pct(80) {
                rng.pick(&lits.keys).0.clone()
            } else {
                rng.pick(VAR_KEYS).to_string()
            };
            let k = if rng.pct(20) { k.to_uppercase() } else { k };
            let lower = k.to_lowercase();
            if unknown_keys.iter().any(|u| u.to_lowercase() == lower) {
                continue;
            }
            context.retain(|(name, _)| name.to_lowercase() != lower);
            unknown_keys.push(k);
        }
    }
    let unknown_resource = UNKNOWNS && rng.pct(8);
    Req {
        principal,
        action,
        resource: if unknown_resource {
            "*".to_string()
        } else {
            resource
        },
        resource_account,
        context,
        unknown_keys,
        unknown_resource,
    }
}

fn gen_case(rng: &mut Rng) -> Case {
    let mut c = Case::default();
    let nid = rng.range(0, 3);
    c.identity = (0..nid)
        .map(|_| gen_doc(rng, PolicyKind::Identity))
        .collect();
    if rng.pct(45) {
        c.resource = Some(gen_doc(rng, PolicyKind::Resource));
    }
    if rng.pct(25) {
        let n = rng.range(1, 2);
        c.boundaries = (0..n).map(|_| gen_doc(rng, PolicyKind::Boundary)).collect();
    }
    if rng.pct(20) {
        c.session = Some(gen_doc(rng, PolicyKind::Session));
    }
    if rng.pct(30) {
        let levels = rng.range(1, 3);
        c.scps = (0..levels)
            .map(|_| {
                let n = rng.range(1, 2);
                (0..n).map(|_| gen_doc(rng, PolicyKind::Scp)).collect()
            })
            .collect();
    }
    if rng.pct(25) {
        let levels = rng.range(1, 2);
        c.rcps = (0..levels)
            .map(|_| {
                let n = rng.range(1, 2);
                (0..n).map(|_| gen_doc(rng, PolicyKind::Rcp)).collect()
            })
            .collect();
    }
    if rng.pct(30) {
        c.management_account = Some(if rng.pct(70) { M } else { A }.to_string());
    }
    if !c.rcps.is_empty() && rng.pct(30) {
        const SERVICES: &[&str] = &["s3", "STS", "kms", "sqs", "sns", "iam", "ec2", "dynamodb"];
        c.rcp_services = Some(
            SERVICES
                .iter()
                .filter(|_| rng.pct(40))
                .map(|s| s.to_string())
                .collect(),
        );
    }
    c.lenient = UNKNOWNS && rng.pct(25);
    let lits = c.lits();
    let n = rng.range(100, 140);
    c.requests = (0..n).map(|_| gen_request(rng, &lits)).collect();
    c
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Case {
        let mut rng = Rng(u64::arbitrary(g));
        gen_case(&mut rng)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Case>> {
        Box::new(shrink_case(self).into_iter())
    }
}

// ---------------------------------------------------------------------------------------------
// Shrinking: one request, then fewer policies, statements, conditions, values, context keys.

fn shrink_doc(d: &Doc) -> Vec<Doc> {
    let mut out = Vec::new();
    if d.stmts.len() > 1 {
        for i in 0..d.stmts.len() {
            let mut x = d.clone();
            x.stmts.remove(i);
            out.push(x);
        }
    }
    for (i, s) in d.stmts.iter().enumerate() {
        for s2 in shrink_stmt(s) {
            let mut x = d.clone();
            x.stmts[i] = s2;
            out.push(x);
        }
    }
    out
}

fn shrink_stmt(s: &Stmt) -> Vec<Stmt> {
    let mut out = Vec::new();
    for i in 0..s.conds.len() {
        let mut x = s.clone();
        x.conds.remove(i);
        out.push(x);
    }
    for (i, c) in s.conds.iter().enumerate() {
        for j in 0..c.values.len() {
            if c.values.len() > 1 {
                let mut x = s.clone();
                x.conds[i].values.remove(j);
                out.push(x);
            }
        }
    }
    if s.actions.len() > 1 {
        for i in 0..s.actions.len() {
            let mut x = s.clone();
            x.actions.remove(i);
            out.push(x);
        }
    }
    if s.resources.len() > 1 {
        for i in 0..s.resources.len() {
            let mut x = s.clone();
            x.resources.remove(i);
            out.push(x);
        }
    }
    if let Some(Princ::Map { negated, entries }) = &s.principal {
        if entries.len() > 1 {
            for i in 0..entries.len() {
                let mut e = entries.clone();
                e.remove(i);
                let mut x = s.clone();
                x.principal = Some(Princ::Map {
                    negated: *negated,
                    entries: e,
                });
                out.push(x);
            }
        }
    }
    if s.sid.is_some() {
        let mut x = s.clone();
        x.sid = None;
        out.push(x);
    }
    out
}

fn shrink_vec_docs(v: &[Doc]) -> Vec<Vec<Doc>> {
    let mut out = Vec::new();
    for i in 0..v.len() {
        let mut x = v.to_vec();
        x.remove(i);
        out.push(x);
    }
    for (i, d) in v.iter().enumerate() {
        for d2 in shrink_doc(d) {
            let mut x = v.to_vec();
            x[i] = d2;
            out.push(x);
        }
    }
    out
}

fn shrink_levels(v: &[Vec<Doc>]) -> Vec<Vec<Vec<Doc>>> {
    let mut out = Vec::new();
    for i in 0..v.len() {
        let mut x = v.to_vec();
        x.remove(i);
        out.push(x);
    }
    for (i, level) in v.iter().enumerate() {
        for l2 in shrink_vec_docs(level) {
            if l2.is_empty() {
                continue;
            }
            let mut x = v.to_vec();
            x[i] = l2;
            out.push(x);
        }
    }
    out
}

fn shrink_case(c: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    if c.requests.len() > 1 {
        for r in &c.requests {
            out.push(Case {
                requests: vec![r.clone()],
                ..c.clone()
            });
        }
        return out;
    }
    for x in shrink_vec_docs(&c.identity) {
        out.push(Case {
            identity: x,
            ..c.clone()
        });
    }
    if let Some(r) = &c.resource {
        out.push(Case {
            resource: None,
            ..c.clone()
        });
        for d in shrink_doc(r) {
            out.push(Case {
                resource: Some(d),
                ..c.clone()
            });
        }
    }
    for x in shrink_vec_docs(&c.boundaries) {
        out.push(Case {
            boundaries: x,
            ..c.clone()
        });
    }
    if let Some(s) = &c.session {
        out.push(Case {
            session: None,
            ..c.clone()
        });
        for d in shrink_doc(s) {
            out.push(Case {
                session: Some(d),
                ..c.clone()
            });
        }
    }
    for x in shrink_levels(&c.scps) {
        out.push(Case {
            scps: x,
            ..c.clone()
        });
    }
    for x in shrink_levels(&c.rcps) {
        out.push(Case {
            rcps: x,
            ..c.clone()
        });
    }
    if c.management_account.is_some() {
        out.push(Case {
            management_account: None,
            ..c.clone()
        });
    }
    if c.rcp_services.is_some() {
        out.push(Case {
            rcp_services: None,
            ..c.clone()
        });
    }
    if let Some(r) = c.requests.first() {
        for i in 0..r.context.len() {
            let mut r2 = r.clone();
            r2.context.remove(i);
            out.push(Case {
                requests: vec![r2],
                ..c.clone()
            });
        }
        for (i, (_, v)) in r.context.iter().enumerate() {
            if let CtxV::Many(l) = v {
                for j in 0..l.len() {
                    let mut l2 = l.clone();
                    l2.remove(j);
                    let mut r2 = r.clone();
                    r2.context[i].1 = CtxV::Many(l2);
                    out.push(Case {
                        requests: vec![r2],
                        ..c.clone()
                    });
                }
            }
        }
        if r.resource_account.is_some() {
            let mut r2 = r.clone();
            r2.resource_account = None;
            out.push(Case {
                requests: vec![r2],
                ..c.clone()
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Running a case through both engines.

static COMPARISONS: AtomicU64 = AtomicU64::new(0);
static FILLED_IN: AtomicU64 = AtomicU64::new(0);
static DEPENDS_COMPARED: AtomicU64 = AtomicU64::new(0);
static DOCS_ACCEPTED: AtomicU64 = AtomicU64::new(0);
static DOCS_REJECTED: AtomicU64 = AtomicU64::new(0);
static SETS: AtomicU64 = AtomicU64::new(0);
static DECISIONS: [AtomicU64; 4] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];

thread_local! {
    /// The latest failing case of this thread (after shrinking: the smallest) with a note.
    static LAST_FAILURE: RefCell<Option<(Case, String)>> = const { RefCell::new(None) };
}

/// Parse one document; `None` (counted) when the parser rejects it.
fn parse_doc(
    d: &Doc,
    kind: PolicyKind,
    count: bool,
    lenient: bool,
) -> Option<iamc_compiler::ast::Policy> {
    let text = d.to_json().to_string();
    let mode = if lenient {
        ReadMode::Lenient
    } else {
        ReadMode::Strict
    };
    match parse_policy_with("generated", text.as_bytes(), kind, &Limits::default(), mode) {
        Ok(p) => {
            if count {
                DOCS_ACCEPTED.fetch_add(1, Ordering::Relaxed);
            }
            Some(p.policy)
        }
        Err(errs) => {
            if std::env::var_os("IAMC_DIFF_DEBUG").is_some()
                && d.stmts.iter().all(|s| s.bad.is_none())
            {
                println!("rejected: {}", errs[0]);
            }
            if count {
                DOCS_REJECTED.fetch_add(1, Ordering::Relaxed);
            }
            None
        }
    }
}

/// The case with every document the parser rejects left out, and its policy set.
fn accepted(c: &Case, count: bool) -> (Case, ParsedSet) {
    let mut out = Case {
        management_account: c.management_account.clone(),
        rcp_services: c.rcp_services.clone(),
        lenient: c.lenient,
        requests: c.requests.clone(),
        ..Case::default()
    };
    let mut set = ParsedSet {
        management_account: c.management_account.clone(),
        ..ParsedSet::default()
    };
    if let Some(list) = &c.rcp_services {
        set.rcp_services = list.clone();
    }
    for d in &c.identity {
        if let Some(p) = parse_doc(d, PolicyKind::Identity, count, c.lenient) {
            out.identity.push(d.clone());
            set.identity.push(p);
        }
    }
    if let Some(d) = &c.resource {
        if let Some(p) = parse_doc(d, PolicyKind::Resource, count, c.lenient) {
            out.resource = Some(d.clone());
            set.resource = Some(p);
        }
    }
    for d in &c.boundaries {
        if let Some(p) = parse_doc(d, PolicyKind::Boundary, count, c.lenient) {
            out.boundaries.push(d.clone());
            set.boundaries.push(p);
        }
    }
    if let Some(d) = &c.session {
        if let Some(p) = parse_doc(d, PolicyKind::Session, count, c.lenient) {
            out.session = Some(d.clone());
            set.session = Some(p);
        }
    }
    for (levels, set_levels, kind) in [
        (&c.scps, &mut set.scps, PolicyKind::Scp),
        (&c.rcps, &mut set.rcps, PolicyKind::Rcp),
    ] {
        let out_levels = if kind == PolicyKind::Scp {
            &mut out.scps
        } else {
            &mut out.rcps
        };
        for level in levels {
            let mut docs = Vec::new();
            let mut pols = Vec::new();
            for d in level {
                if let Some(p) = parse_doc(d, kind, count, c.lenient) {
                    docs.push(d.clone());
                    pols.push(p);
                }
            }
            // An empty level is not something a scenario can hold; leave it out.
            if !pols.is_empty() {
                out_levels.push(docs);
                set_levels.push(pols);
            }
        }
    }
    (out, set)
}

/// `r` with its unknowns replaced by facts: each unknown key absent or given a value the
/// policies use (or any), the unknown resource one of the policies' resources (or the pool's).
fn fill_in(rng: &mut Rng, r: &Req, lits: &Lits) -> Req {
    let mut out = r.clone();
    for k in std::mem::take(&mut out.unknown_keys) {
        if rng.pct(30) {
            continue; // absent
        }
        let v = gen_value(rng, &k, key_type(&k), lits);
        out.context.push((k, CtxV::One(v)));
    }
    if out.unknown_resource {
        out.unknown_resource = false;
        // A resource the action could act on: one of its service (a role for role
        // assumption), as AWS would name it; E-19 reads the resource's kind from its ARN.
        let service = out
            .action
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let assume = out
            .action
            .to_ascii_lowercase()
            .starts_with("sts:assumerole");
        let plausible = |r: &str| {
            let f: Vec<&str> = r.split(':').collect();
            r == "*"
                || f.get(2)
                    .is_some_and(|s| s.eq_ignore_ascii_case(&service) || (assume && *s == "iam"))
        };
        let mut candidates: Vec<String> = lits
            .resources
            .iter()
            .map(|p| instantiate(rng, p))
            .chain(resource_pool())
            .filter(|r| plausible(r))
            .collect();
        candidates.push("*".to_string());
        out.resource = rng.pick(&candidates).clone();
    }
    out
}

fn compiled_outcome(
    set: &iamc_runtime::PolicySet,
    scratch: &mut iamc_runtime::Scratch,
    req: &Request,
) -> Outcome {
    iamc_harness::adapter::decide(set, scratch, req)
}

fn describe(o: &Outcome) -> String {
    match &o.deciding {
        Some(Deciding::Statement(d)) => format!(
            "{} by {}[{}][{}] statement {}",
            o.decision, d.kind, d.level, d.policy, d.statement
        ),
        Some(Deciding::Rule(r)) => format!("{} by built-in rule {}", o.decision, r.id()),
        None => o.decision.to_string(),
    }
}

/// Run every request of the case through both engines. `Err` names the first disagreement.
fn check_case(c: &Case, count: bool) -> Result<(), Box<(Case, String)>> {
    let (acc, set) = accepted(c, count);
    let compiled = match iamc_tests::compile(&set) {
        Ok(s) => s,
        Err(e) => {
            return Err(Box::new((
                acc,
                format!("compile failed on a parsed set: {e}"),
            )))
        }
    };
    // The artifact engine mode (#8): compile -> bytes -> load must decide like the set it
    // was written from, statement for statement.
    let loaded = match iamc_runtime::PolicySet::from_bytes(&compiled.to_bytes()) {
        Ok(s) => s,
        Err(e) => {
            return Err(Box::new((
                acc,
                format!("the compiled set's own artifact does not load: {e}"),
            )))
        }
    };
    let mut scratch = compiled.create_scratch();
    let mut loaded_scratch = loaded.create_scratch();
    if count {
        SETS.fetch_add(1, Ordering::Relaxed);
    }
    let lits = acc.lits();
    for (i, r) in acc.requests.iter().enumerate() {
        let req = r.to_request();
        let want = iamc_reference::evaluate(&set, &req);
        // E-21 property: every way of filling in the unknowns (keys absent or given values,
        // the resource named) decides an outcome the indeterminate decision lists.
        if !req.unknown.is_empty() {
            let possible = want.decision.possible();
            let mut rng = Rng(i as u64 ^ 0x5EED);
            for _ in 0..3 {
                let concrete = fill_in(&mut rng, r, &lits);
                let got = iamc_reference::evaluate(&set, &concrete.to_request()).decision;
                if !possible.contains(got.possible()) {
                    let note = format!(
                        "request {i}: {} with unknowns, but {} once they are filled in as {:?}",
                        describe(&want),
                        got,
                        concrete
                    );
                    return Err(Box::new((acc, note)));
                }
                if count {
                    FILLED_IN.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let got = compiled_outcome(&compiled, &mut scratch, &req);
        if count {
            COMPARISONS.fetch_add(1, Ordering::Relaxed);
            let slot = match want.decision {
                iamc_runtime::Decision::Allow => 0,
                iamc_runtime::Decision::ExplicitDeny => 1,
                iamc_runtime::Decision::ImplicitDeny => 2,
                iamc_runtime::Decision::Indeterminate(_) => 3,
            };
            DECISIONS[slot].fetch_add(1, Ordering::Relaxed);
        }
        if want != got {
            let note = format!(
                "request {i}: reference {} / compiled {}",
                describe(&want),
                describe(&got)
            );
            return Err(Box::new((acc, note)));
        }
        // E-21: what an indeterminate decision depends on, the same in both engines.
        if matches!(want.decision, iamc_runtime::Decision::Indeterminate(_)) {
            let want_d = iamc_reference::depends_on(&set, &req);
            let got_d = iamc_harness::adapter::depends_on(&compiled, &mut scratch, &req);
            if want_d != got_d {
                let note =
                    format!("request {i}: depends_on: reference {want_d:?} / compiled {got_d:?}");
                return Err(Box::new((acc, note)));
            }
            if count {
                DEPENDS_COMPARED.fetch_add(1, Ordering::Relaxed);
            }
        }
        let from_artifact = compiled_outcome(&loaded, &mut loaded_scratch, &req);
        if from_artifact != got {
            let note = format!(
                "request {i}: compiled {} / loaded from its artifact {}",
                describe(&got),
                describe(&from_artifact)
            );
            return Err(Box::new((acc, note)));
        }
    }
    Ok(())
}

fn prop(c: Case) -> TestResult {
    match check_case(&c, true) {
        Ok(()) => TestResult::passed(),
        Err(failure) => {
            LAST_FAILURE.with(|f| *f.borrow_mut() = Some(*failure));
            TestResult::failed()
        }
    }
}

/// The case as a scenario in the oracle's format.
fn scenario_json(c: &Case, name: &str, note: &str) -> J {
    let mut m = Map::new();
    m.insert("name".into(), J::String(name.into()));
    m.insert("note".into(), J::String(note.into()));
    if !c.identity.is_empty() {
        m.insert(
            "identity_policies".into(),
            J::Array(c.identity.iter().map(Doc::to_json).collect()),
        );
    }
    if let Some(d) = &c.resource {
        m.insert("resource_policy".into(), d.to_json());
    }
    if !c.boundaries.is_empty() {
        m.insert(
            "permission_boundaries".into(),
            J::Array(c.boundaries.iter().map(Doc::to_json).collect()),
        );
    }
    if let Some(d) = &c.session {
        m.insert("session_policy".into(), d.to_json());
    }
    let levels = |v: &[Vec<Doc>]| {
        J::Array(
            v.iter()
                .map(|l| J::Array(l.iter().map(Doc::to_json).collect()))
                .collect(),
        )
    };
    if !c.scps.is_empty() {
        m.insert("scps".into(), levels(&c.scps));
    }
    if !c.rcps.is_empty() {
        m.insert("rcps".into(), levels(&c.rcps));
    }
    if let Some(a) = &c.management_account {
        m.insert("management_account".into(), J::String(a.clone()));
    }
    if c.lenient {
        m.insert("lenient".into(), J::Bool(true));
    }
    if let Some(list) = &c.rcp_services {
        m.insert(
            "rcp_services".into(),
            J::Array(list.iter().map(|s| J::String(s.clone())).collect()),
        );
    }
    m.insert(
        "requests".into(),
        J::Array(
            c.requests
                .iter()
                .enumerate()
                .map(|(i, r)| r.to_json(i, None))
                .collect(),
        ),
    );
    J::Object(m)
}

/// Print the failing case and write it to `corpus/regressions/<hash>.json`.
fn report_failure(c: &Case, note: &str) -> String {
    let body = scenario_json(c, "", note).to_string();
    let mut h = DefaultHasher::new();
    body.hash(&mut h);
    let hash = format!("{:016x}", h.finish());
    let scenario = scenario_json(c, &format!("diff-{hash}"), note);
    let text = serde_json::to_string_pretty(&scenario).unwrap_or_default();
    let dir = iamc_tests::repo_dir().join("corpus/regressions");
    let path = dir.join(format!("{hash}.json"));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, format!("{text}\n")))
        .is_ok();
    format!(
        "engines disagree: {note}\n{}\n{text}",
        if written {
            format!("written to {}", path.display())
        } else {
            format!("(could not write {})", path.display())
        }
    )
}

fn case_count() -> u64 {
    if let Some(n) = std::env::var("IAMC_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    if std::env::var("IAMC_DIFF_LONG").is_ok_and(|v| v != "0" && !v.is_empty()) {
        return 50_000;
    }
    4_000
}

// E-1 … E-19, C-1 … C-24, V-1 … V-9, A-*, R-*: every generated request is decided the same
// way, with the same deciding statement, by the compiled engine and the reference.
#[test]
fn generated_policy_sets_agree_with_reference() {
    let total = case_count();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8) as u64;
    let start = Instant::now();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let n = total / threads + u64::from(t < total % threads);
                s.spawn(move || {
                    if n == 0 {
                        return None;
                    }
                    let result = QuickCheck::new()
                        .tests(n)
                        .max_tests(n * 10)
                        .rng(Gen::new(100))
                        .quicktest(prop as fn(Case) -> TestResult);
                    match result {
                        Ok(_) => None,
                        Err(_) => {
                            let f = LAST_FAILURE.with(|f| f.borrow_mut().take());
                            Some(match f {
                                Some((c, note)) => report_failure(&c, &note),
                                None => "quickcheck failed without a recorded case".into(),
                            })
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|_| Some("thread panicked".into())))
            .collect()
    });
    let comparisons = COMPARISONS.load(Ordering::Relaxed);
    let accepted = DOCS_ACCEPTED.load(Ordering::Relaxed);
    let rejected = DOCS_REJECTED.load(Ordering::Relaxed);
    let d: Vec<u64> = DECISIONS
        .iter()
        .map(|x| x.load(Ordering::Relaxed))
        .collect();
    println!(
        "differential: {comparisons} comparisons over {} policy sets in {:.1?} on {threads} \
         threads; documents accepted {accepted}, rejected {rejected}; reference decisions: \
         allow {}, explicit_deny {}, implicit_deny {}, indeterminate {}; unknowns filled in \
         {} times (E-21 property); depends_on compared {} times",
        SETS.load(Ordering::Relaxed),
        start.elapsed(),
        d[0],
        d[1],
        d[2],
        d[3],
        FILLED_IN.load(Ordering::Relaxed),
        DEPENDS_COMPARED.load(Ordering::Relaxed),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Not vacuous: most documents parse, and every decision occurs often.
    assert!(
        accepted >= 4 * rejected.max(1),
        "too many generated documents rejected: {accepted} accepted, {rejected} rejected"
    );
    assert!(
        comparisons >= total * 100,
        "{comparisons} comparisons for {total} sets"
    );
    // allow, explicit_deny and implicit_deny each at least 5% of the decisions, and
    // indeterminate at least 1% (E-21).
    for (i, n) in d.iter().enumerate().take(3) {
        assert!(*n * 20 >= comparisons, "decision {i} occurs only {n} times");
    }
    if UNKNOWNS {
        assert!(
            d[3] * 100 >= comparisons,
            "indeterminate occurs only {} times",
            d[3]
        );
        assert!(FILLED_IN.load(Ordering::Relaxed) * 100 >= comparisons);
    }
}

/// Decide every request of a loaded scenario file with both engines.
fn replay(path: &std::path::Path) -> Vec<String> {
    let loaded = match iamc_harness::scenario::load_file(path) {
        Ok(l) => l,
        Err(errs) => {
            return errs
                .iter()
                .map(|e| format!("{}: {e}", path.display()))
                .collect()
        }
    };
    let mut problems = Vec::new();
    let mut cache: Vec<(Arc<ParsedSet>, iamc_runtime::PolicySet)> = Vec::new();
    for sc in &loaded.scenarios {
        for r in &sc.requests {
            let idx = match cache.iter().position(|(p, _)| Arc::ptr_eq(p, &r.policies)) {
                Some(i) => i,
                None => match iamc_tests::compile(&r.policies) {
                    Ok(c) => {
                        cache.push((Arc::clone(&r.policies), c));
                        cache.len() - 1
                    }
                    Err(e) => {
                        problems.push(format!("{} {}: compile: {e}", path.display(), sc.name));
                        continue;
                    }
                },
            };
            let compiled = &cache[idx].1;
            let mut scratch = compiled.create_scratch();
            let want = iamc_reference::evaluate(&r.policies, &r.request);
            let got = compiled_outcome(compiled, &mut scratch, &r.request);
            if want != got {
                problems.push(format!(
                    "{} {} request {}: reference {} / compiled {}",
                    path.display(),
                    sc.name,
                    r.id,
                    describe(&want),
                    describe(&got)
                ));
            }
            if let Some(e) = r.expect {
                if want.decision != e || got.decision != e {
                    problems.push(format!(
                        "{} {} request {}: expected {e}, reference {}, compiled {}",
                        path.display(),
                        sc.name,
                        r.id,
                        want.decision,
                        got.decision
                    ));
                }
            }
        }
    }
    problems
}

// Every disagreement found so far stays fixed: corpus/regressions/*.json through both engines.
#[test]
fn regression_cases() {
    let dir = iamc_tests::repo_dir().join("corpus/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("no {}", dir.display());
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    for f in &files {
        problems.extend(replay(f));
    }
    println!("regression cases: {} files", files.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
