//! Fuzz target (b): differential — the compiled engine (`Compiler::from_set` + `iamc_runtime`)
//! against the reference interpreter (`iamc_reference::evaluate`). Any difference in the
//! decision or the deciding statement is a crash, and the panic message holds the case as a
//! scenario file (the oracle's format) to replay with `iamc eval --engine both --scenarios`.
//!
//! Two input modes, chosen by the first byte:
//! - `{` or `[`: the input *is* scenario JSON text (the spec cases and seeds are corpora for
//!   this mode; libFuzzer mutates them as text);
//! - anything else: the bytes drive `arbitrary::Unstructured` through a grammar of policy
//!   pieces — real actions and action patterns, resource ARNs and patterns with variables,
//!   every condition operator with set operators and `IfExists`, typed values and near misses,
//!   principals of every kind, SCP/RCP levels — plus, now and then, a string the fuzzer wrote
//!   itself or a pool string with one character changed. The case is written as a scenario
//!   and loaded by `scenario::load_bytes`, so both modes go through the same loader.
//!
//! Inputs the loader rejects are skipped (the `parse_policy` and `scenario_load` targets
//! cover rejection), and so are sets the compiler's set checks refuse (more SCP or RCP levels
//! than the config allows; an empty level the set holds is explicit and compiles, E-11); any
//! other compile error is a crash.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use arbitrary::{Result, Unstructured};
use iamc_compiler::ast::ParsedSet;
use iamc_runtime::{Deciding, Outcome};
use iamc_compiler::{CompileError, Compiler, Config};
use iamc_harness::gen::{self, Ty, A, ACTIONS, ACTION_PATTERNS, B, KEYS, M, OPS};
use iamc_harness::scenario;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value as J};

// The value pools are the harness's (`iamc_harness::gen`), shared with the differential
// tests, so a value added there is fuzzed too. Pools built at run time are borrowed as
// `&[&str]` for `pick`.

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A pool string, sometimes changed by one character, sometimes the fuzzer's own string.
/// Request values are changed often (1 in 3); policy pieces rarely (1 in 24), because one
/// invalid piece makes the loader reject the whole case.
fn pick(u: &mut Unstructured<'_>, pool: &[&str]) -> Result<String> {
    pick_with(u, pool, 15)
}

fn pick_policy(u: &mut Unstructured<'_>, pool: &[&str]) -> Result<String> {
    pick_with(u, pool, 120)
}

fn pick_with(u: &mut Unstructured<'_>, pool: &[&str], range: u8) -> Result<String> {
    let base = (*u.choose(pool)?).to_string();
    // `range - r`: when the input runs out, `int_in_range` gives 0, i.e. the pool string.
    let r = u.int_in_range(0..=range)?;
    Ok(match range - r {
        0 => {
            let own: String = u.arbitrary()?;
            if own.is_empty() {
                base
            } else {
                own
            }
        }
        1 => base.to_uppercase(),
        2 => base.to_lowercase(),
        3 | 4 if !base.is_empty() => {
            let mut chars: Vec<char> = base.chars().collect();
            let i = u.choose_index(chars.len())?;
            let c = *u.choose(&['*', '?', 'a', 'A', ':', '/', '$', '{', '}', 'é', 'Σ', '0'])?;
            if u.arbitrary()? {
                chars[i] = c;
            } else {
                chars.insert(i, c);
            }
            chars.into_iter().collect()
        }
        5 if !base.is_empty() => {
            let mut chars: Vec<char> = base.chars().collect();
            chars.remove(u.choose_index(chars.len())?);
            chars.into_iter().collect()
        }
        _ => base,
    })
}

fn list(u: &mut Unstructured<'_>, pool: &[&str], max: usize) -> Result<J> {
    let n = u.int_in_range(1..=max)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(J::String(pick_policy(u, pool)?));
    }
    Ok(if n == 1 && u.arbitrary()? {
        items.pop().unwrap_or(J::Null)
    } else {
        J::Array(items)
    })
}

fn condition(u: &mut Unstructured<'_>) -> Result<(String, String, J)> {
    let (base, ty) = *u.choose(OPS)?;
    let mut op = String::new();
    match u.int_in_range(0..=5u8)? {
        4 if base != "Null" => op.push_str("ForAllValues:"),
        5 if base != "Null" => op.push_str("ForAnyValue:"),
        _ => {}
    }
    op.push_str(base);
    if base != "Null" && u.ratio(1, 4)? {
        op.push_str("IfExists");
    }
    // Mostly a key of the operator's type; sometimes any key (C-17: unparseable → false).
    let typed: Vec<&str> = KEYS.iter().filter(|k| k.1 == ty).map(|k| k.0).collect();
    let key = if !typed.is_empty() && u.ratio(3, 4)? {
        (*u.choose(&typed)?).to_string()
    } else {
        pick_policy(u, &KEYS.iter().map(|k| k.0).collect::<Vec<_>>())?
    };
    let values = if base == "Null" {
        list(u, &["true", "false"], 2)?
    } else if ty == Ty::Num && u.ratio(1, 6)? {
        json!(u.int_in_range(-5..=3700i64)?)
    } else if ty == Ty::Bool && u.ratio(1, 6)? {
        J::Bool(u.arbitrary()?)
    } else {
        list(u, &strs(&gen::policy_values(ty)), 3)?
    };
    Ok((op, key, values))
}

/// Which `Principal` a statement gets.
#[derive(Clone, Copy, PartialEq)]
enum Princ {
    /// None (identity policies, boundaries, session policies, SCPs).
    No,
    /// Any (resource policies).
    Any,
    /// `"*"` only (RCPs, G-11).
    Star,
}

fn statement(u: &mut Unstructured<'_>, princ: Princ, i: usize) -> Result<J> {
    let mut s = Map::new();
    if u.ratio(1, 3)? {
        s.insert("Sid".into(), J::String(format!("S{i}")));
    }
    let allow: bool = u.arbitrary()?;
    s.insert(
        "Effect".into(),
        J::String(if allow { "Allow" } else { "Deny" }.into()),
    );
    if princ == Princ::Star {
        s.insert("Principal".into(), J::String("*".into()));
    }
    if princ == Princ::Any {
        let negated = !allow && u.ratio(1, 4)?;
        let name = if negated { "NotPrincipal" } else { "Principal" };
        let p = if u.ratio(1, 4)? {
            J::String("*".into())
        } else {
            let mut m = Map::new();
            for _ in 0..u.int_in_range(1..=3u8)? {
                let entries = gen::principal_entry_pool();
                let (ty, v) = u.choose(&entries)?.clone();
                let entry = m.entry(ty).or_insert_with(|| J::Array(Vec::new()));
                if let J::Array(a) = entry {
                    a.push(J::String(v));
                }
            }
            J::Object(m)
        };
        s.insert(name.into(), p);
    }
    let action = if u.ratio(1, 5)? {
        "NotAction"
    } else {
        "Action"
    };
    s.insert(action.into(), list(u, ACTION_PATTERNS, 3)?);
    let resource = if u.ratio(1, 5)? {
        "NotResource"
    } else {
        "Resource"
    };
    s.insert(resource.into(), list(u, &strs(&gen::resource_patterns()), 3)?);
    let n = u.int_in_range(0..=3u8)?;
    if n > 0 {
        let mut block: Map<String, J> = Map::new();
        for _ in 0..n {
            let (op, key, values) = condition(u)?;
            let entry = block.entry(op).or_insert_with(|| J::Object(Map::new()));
            if let J::Object(keys) = entry {
                keys.insert(key, values);
            }
        }
        s.insert("Condition".into(), J::Object(block));
    }
    Ok(J::Object(s))
}

fn document(u: &mut Unstructured<'_>, princ: Princ) -> Result<J> {
    let mut d = Map::new();
    match u.int_in_range(0..=5u8)? {
        0 => {
            d.insert("Version".into(), J::String("2008-10-17".into()));
        }
        1 => {}
        _ => {
            d.insert("Version".into(), J::String("2012-10-17".into()));
        }
    }
    let n = u.int_in_range(1..=3usize)?;
    let mut stmts = Vec::with_capacity(n);
    for i in 0..n {
        stmts.push(statement(u, princ, i)?);
    }
    let single = n == 1 && u.ratio(1, 4)?;
    d.insert(
        "Statement".into(),
        if single {
            stmts.remove(0)
        } else {
            J::Array(stmts)
        },
    );
    Ok(J::Object(d))
}

fn docs(u: &mut Unstructured<'_>, max: usize, princ: Princ) -> Result<Vec<J>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| document(u, princ)).collect()
}

fn levels(u: &mut Unstructured<'_>, princ: Princ) -> Result<Vec<J>> {
    let n = if u.ratio(1, 3)? {
        u.int_in_range(1..=2usize)?
    } else {
        0
    };
    (0..n)
        .map(|_| {
            let k = u.int_in_range(1..=2usize)?;
            let level: Result<Vec<J>> = (0..k).map(|_| document(u, princ)).collect();
            Ok(J::Array(level?))
        })
        .collect()
}

fn request(u: &mut Unstructured<'_>, i: usize) -> Result<J> {
    let mut r = Map::new();
    r.insert("id".into(), J::String(format!("r{i}")));
    r.insert("principal".into(), J::String(pick(u, &strs(&gen::principal_pool()))?));
    r.insert("action".into(), J::String(pick(u, ACTIONS)?));
    r.insert("resource".into(), J::String(pick(u, &strs(&gen::resource_pool()))?));
    if u.ratio(1, 5)? {
        r.insert(
            "resource_account".into(),
            J::String((*u.choose(&[A, B, M])?).into()),
        );
    }
    let mut ctx = Map::new();
    for _ in 0..u.int_in_range(0..=4u8)? {
        let (key, ty) = *u.choose(KEYS)?;
        let key = match u.int_in_range(0..=5u8)? {
            0 => key.to_uppercase(),
            1 => key.to_lowercase(),
            _ => key.to_string(),
        };
        if ctx.keys().any(|k| k.to_lowercase() == key.to_lowercase()) {
            continue; // K-2: keys differing only in case are a load error
        }
        let v = match u.int_in_range(0..=4u8)? {
            0 => J::Array(Vec::new()),
            1 => {
                let n = u.int_in_range(1..=3usize)?;
                let items: Result<Vec<J>> = (0..n)
                    .map(|_| Ok(J::String(pick(u, &strs(&gen::request_values(ty)))?)))
                    .collect();
                J::Array(items?)
            }
            _ => J::String(pick(u, &strs(&gen::request_values(ty)))?),
        };
        ctx.insert(key, v);
    }
    // K-13, E-21: keys declared unknown (never also in the context), or the resource.
    let mut unknown = Vec::new();
    for _ in 0..u.int_in_range(0..=2u8)? {
        let (key, _) = *u.choose(KEYS)?;
        if ctx.keys().any(|k| k.to_lowercase() == key.to_lowercase())
            || unknown.iter().any(|k: &J| k.as_str() == Some(key))
        {
            continue;
        }
        unknown.push(J::String(key.to_string()));
    }
    let unknown_resource = u.ratio(1, 10)?;
    if unknown_resource {
        r.remove("resource");
    }
    if !unknown.is_empty() || unknown_resource {
        r.insert(
            "unknown".into(),
            json!({"context": unknown, "resource": unknown_resource}),
        );
    }
    r.insert("context".into(), J::Object(ctx));
    Ok(J::Object(r))
}

/// A scenario (the oracle's format) from the fuzzer's bytes.
fn generate(u: &mut Unstructured<'_>) -> Result<J> {
    let mut s = Map::new();
    s.insert("name".into(), J::String("fuzz".into()));
    s.insert("identity_policies".into(), J::Array(docs(u, 2, Princ::No)?));
    if u.ratio(1, 2)? {
        s.insert("resource_policy".into(), document(u, Princ::Any)?);
    }
    let max_boundaries = if u.ratio(1, 4)? { 1 } else { 0 };
    let b = docs(u, max_boundaries, Princ::No)?;
    if !b.is_empty() {
        s.insert("permission_boundaries".into(), J::Array(b));
    }
    if u.ratio(1, 5)? {
        s.insert("session_policy".into(), document(u, Princ::No)?);
    }
    let scps = levels(u, Princ::No)?;
    if !scps.is_empty() {
        s.insert("scps".into(), J::Array(scps));
    }
    let rcps = levels(u, Princ::Star)?;
    if !rcps.is_empty() {
        s.insert("rcps".into(), J::Array(rcps));
    }
    if u.ratio(1, 4)? {
        s.insert("management_account".into(), J::String(M.into()));
    }
    // G-21: read leniently, so a statement that breaks a rule is opaque, not a load error.
    if u.ratio(1, 4)? {
        s.insert("lenient".into(), J::Bool(true));
    }
    let n = u.int_in_range(1..=4usize)?;
    let reqs: Result<Vec<J>> = (0..n).map(|i| request(u, i)).collect();
    s.insert("requests".into(), J::Array(reqs?));
    Ok(json!({ "scenarios": [J::Object(s)] }))
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

fn run(text: &[u8]) {
    let Ok(loaded) = scenario::load_bytes("fuzz.json", text) else {
        return;
    };
    let mut compiled: HashMap<*const ParsedSet, Option<iamc_runtime::PolicySet>> = HashMap::new();
    for s in &loaded.scenarios {
        for r in &s.requests {
            let key = Arc::as_ptr(&r.policies);
            let set = compiled.entry(key).or_insert_with(|| {
                match Compiler::from_set(Config::default(), (*r.policies).clone()).build() {
                    Ok(c) => Some(c),
                    Err(e)
                        if e.errors().iter().all(|e| {
                            matches!(
                                e,
                                CompileError::LevelGap { .. } | CompileError::LevelTooHigh { .. }
                            )
                        }) =>
                    {
                        None
                    }
                    Err(e) => panic!(
                        "compile failed on a loaded policy set: {e}\nscenario:\n{}",
                        String::from_utf8_lossy(text)
                    ),
                }
            });
            let Some(set) = set else {
                continue;
            };
            let mut scratch = set.create_scratch();
            let want = iamc_reference::evaluate(&r.policies, &r.request);
            let got = iamc_harness::adapter::decide(set, &mut scratch, &r.request);
            // E-21: what an indeterminate decision depends on, the same in both engines.
            if matches!(want.decision, iamc_runtime::Decision::Indeterminate(_)) {
                let a = iamc_reference::depends_on(&r.policies, &r.request);
                let b = iamc_harness::adapter::depends_on(set, &mut scratch, &r.request);
                if a != b {
                    panic!(
                        "depends_on differs on scenario {:?} request {:?}: reference {a:?} / \
                         compiled {b:?}\nscenario:\n{}",
                        s.name,
                        r.id,
                        String::from_utf8_lossy(text)
                    );
                }
            }
            if want != got {
                panic!(
                    "engines disagree on scenario {:?} request {:?}: reference {} / compiled {}\n\
                     scenario:\n{}",
                    s.name,
                    r.id,
                    describe(&want),
                    describe(&got),
                    String::from_utf8_lossy(text)
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.first() {
        Some(b'{' | b'[') => run(data),
        _ => {
            let mut u = Unstructured::new(data);
            if let Ok(case) = generate(&mut u) {
                let text = serde_json::to_string_pretty(&case).unwrap_or_default();
                run(text.as_bytes());
            }
        }
    }
});
