//! Named benchmark workloads, shared by the criterion and iai-callgrind benches and by the
//! regression check.
//!
//! Each workload is a policy set and a list of requests. Every workload knows its expected
//! decision counts (computed once with the reference interpreter when it is loaded), and the
//! benches assert the compiled engine reproduces them before timing anything: a benchmark that
//! measures wrong answers measures nothing.
//!
//! # Example
//! A generated workload (no shared data needed), its decisions by both engines:
//! ```
//! let w = iamc_bench::scale(10);
//! let set = iamc_bench::compile(&w);
//! assert_eq!(iamc_bench::compiled_counts(&set, &w), iamc_bench::reference_counts(&w));
//! ```
#![forbid(unsafe_code)]

pub mod check;

use std::path::PathBuf;
use std::sync::Arc;

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::{Compiler, Config, Limits};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_harness::scenario;

/// The shared folder (`$IAMC_SHARED`, else `../shared` beside the repository): the harness's.
pub use iamc_harness::shared_dir;

/// A named policy set with requests.
pub struct Workload {
    /// Name used in benchmark ids and the baseline.
    pub name: String,
    /// The policies.
    pub set: Arc<ParsedSet>,
    /// The requests.
    pub requests: Vec<Request>,
}

/// Borrowed runtime requests over owned ones (built once, outside the timed loop).
pub struct RuntimeRequests<'a> {
    lists: Vec<Vec<Vec<&'a str>>>,
    owned: &'a [Request],
}

impl<'a> RuntimeRequests<'a> {
    /// Prepare borrowed list values for every request.
    pub fn new(owned: &'a [Request]) -> RuntimeRequests<'a> {
        let lists = owned
            .iter()
            .map(iamc_harness::adapter::list_values)
            .collect();
        RuntimeRequests { lists, owned }
    }

    /// Context entries of request `i`, borrowed.
    pub fn context(&self, i: usize) -> Vec<(&str, iamc_runtime::Value<'_>)> {
        iamc_harness::adapter::borrowed_context(&self.owned[i], &self.lists[i])
    }
}

/// Decision counts `[allow, explicit_deny, implicit_deny, indeterminate]`.
pub type Counts = [usize; 4];

fn slot(d: iamc_runtime::Decision) -> usize {
    match d {
        iamc_runtime::Decision::Allow => 0,
        iamc_runtime::Decision::ExplicitDeny => 1,
        iamc_runtime::Decision::ImplicitDeny => 2,
        iamc_runtime::Decision::Indeterminate(_) => 3,
    }
}

/// Decision counts from the reference interpreter.
pub fn reference_counts(w: &Workload) -> Counts {
    let mut c = [0; 4];
    for r in &w.requests {
        c[slot(iamc_reference::evaluate(&w.set, r).decision)] += 1;
    }
    c
}

/// Decision counts from the compiled engine.
pub fn compiled_counts(set: &iamc_runtime::PolicySet, w: &Workload) -> Counts {
    let mut scratch = set.create_scratch();
    let rr = RuntimeRequests::new(&w.requests);
    let mut c = [0; 4];
    for (i, r) in w.requests.iter().enumerate() {
        let ctx = rr.context(i);
        let req = iamc_harness::adapter::runtime_request(r, &ctx)
            .expect("workload requests are well-formed (K-2)");
        c[slot(set.evaluate(&mut scratch, &req).decision)] += 1;
    }
    c
}

/// The front door holding a workload's set ([`Compiler::from_set`], default config): what the
/// compile benches build, so that copying the set is not measured.
pub fn compiler(w: &Workload) -> Compiler {
    Compiler::from_set(Config::default(), (*w.set).clone())
}

/// Compile a compiler's set (panics with every error: workloads must compile).
pub fn build(c: &Compiler, w: &Workload) -> iamc_runtime::PolicySet {
    c.build().unwrap_or_else(|e| panic!("{}: {e}", w.name))
}

/// Compile a workload's set.
pub fn compile(w: &Workload) -> iamc_runtime::PolicySet {
    build(&compiler(w), w)
}

/// The set of one identity policy (panics with every error: generated workloads must compile).
fn identity_set(config: Config, name: &str, doc: &str) -> ParsedSet {
    let mut compiler = Compiler::new(config);
    compiler.add(PolicyKind::Identity, 0, name, doc.as_bytes());
    compiler.into_ast().unwrap_or_else(|e| panic!("{e}"))
}

/// A workload from a scenario file whose requests share one policy set.
pub fn from_scenarios(name: &str, path: PathBuf) -> Workload {
    let loaded = scenario::load_file(&path)
        .unwrap_or_else(|e| panic!("{}: {:?}", path.display(), e.first().map(|e| e.to_string())));
    let mut requests = Vec::new();
    let mut set = None;
    for s in loaded.scenarios {
        for r in s.requests {
            set.get_or_insert_with(|| Arc::clone(&r.policies));
            requests.push(r.request);
        }
    }
    Workload {
        name: name.to_string(),
        set: set.unwrap_or_default(),
        requests,
    }
}

/// `single`: one statement, 1,000 requests (shared with the peer simulator).
pub fn single() -> Workload {
    from_scenarios("single", shared_dir().join("bench/single.json"))
}

/// `realistic`: 46 statements, boundary, two SCP levels, 1,000 requests (shared with the peer).
pub fn realistic() -> Workload {
    from_scenarios("realistic", shared_dir().join("bench/realistic.json"))
}

/// Every AWS managed policy attached to one principal, with requests drawn from the actions
/// the policies name (a deterministic sample) and from CloudTrail-like shapes.
pub fn managed_all() -> Workload {
    let path = shared_dir().join("corpus/managed-policies/aws-managed-policies.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut compiler = Compiler::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: a line is not JSON: {e}", path.display()));
        let name = v["name"].as_str().unwrap_or("?").to_string();
        compiler.add(
            PolicyKind::Identity,
            0,
            &name,
            v["document"].to_string().as_bytes(),
        );
    }
    // Every managed policy must load (all 1,594 since V-3's correction): a bench that
    // quietly skipped one would measure a different workload.
    let set = compiler
        .into_ast()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut actions = Vec::new();
    for s in set.identity.iter().flat_map(|p| &p.statements) {
        for a in &s.action.patterns {
            if a.text != "*" {
                actions.push(a.text.replace(['*', '?'], "X"));
            }
        }
    }
    actions.sort();
    actions.dedup();
    let step = (actions.len() / 1000).max(1);
    let mut requests: Vec<Request> = actions
        .iter()
        .step_by(step)
        .take(1000)
        .map(|a| request("arn:aws:iam::123456789012:user/alice", a, "*"))
        .collect();
    // Actions no statement names: cost must stay flat.
    requests.push(request(
        "arn:aws:iam::123456789012:user/alice",
        "nosuchservice:DoThing",
        "*",
    ));
    Workload {
        name: "managed-all".into(),
        set: Arc::new(set),
        requests,
    }
}

fn request(principal: &str, action: &str, resource: &str) -> Request {
    let mut context = Context::default();
    context.insert("aws:username", ContextValue::Single("alice".into()));
    context.insert("aws:SecureTransport", ContextValue::Single("true".into()));
    context.insert("aws:SourceIp", ContextValue::Single("203.0.113.7".into()));
    context.insert(
        "aws:CurrentTime",
        ContextValue::Single("2026-11-23T12:00:00Z".into()),
    );
    Request {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        resource_account: None,
        context,
        unknown: Default::default(),
    }
}

/// Deterministic xorshift for generated workloads.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `scale-N`: N generated statements (fixed seed) over 50 services; requests half on named
/// actions, half on actions/services no statement names.
pub fn scale(n: usize) -> Workload {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
    let verbs = [
        "Get", "Put", "List", "Describe", "Delete", "Create", "Update", "Tag",
    ];
    let mut statements = Vec::with_capacity(n);
    for i in 0..n {
        let svc = format!("svc{}", rng.below(50));
        let verb = verbs[rng.below(verbs.len())];
        let action = if rng.below(4) == 0 {
            format!("{svc}:{verb}*")
        } else {
            format!("{svc}:{verb}Thing{}", rng.below(200))
        };
        let effect = if rng.below(10) == 0 { "Deny" } else { "Allow" };
        let cond = if rng.below(3) == 0 {
            r#","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#
        } else {
            ""
        };
        statements.push(format!(
            r#"{{"Sid":"S{i}","Effect":"{effect}","Action":"{action}","Resource":"arn:aws:{svc}:*:123456789012:thing/{}/*"{cond}}}"#,
            rng.below(100)
        ));
    }
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let limits = Limits {
        max_policy_bytes: 64 << 20,
        max_statements: 1_000_000,
        ..Limits::default()
    };
    let set = identity_set(Config::new().limits(limits), "scale", &doc);
    let mut requests = Vec::new();
    for i in 0..1000 {
        let (svc, action) = if i % 2 == 0 {
            let s = rng.below(50);
            (
                format!("svc{s}"),
                format!("svc{s}:{}Thing{}", verbs[rng.below(8)], rng.below(200)),
            )
        } else {
            (
                "other".to_string(),
                format!("other{}:Unnamed{}", rng.below(50), rng.below(200)),
            )
        };
        requests.push(request(
            "arn:aws:iam::123456789012:user/alice",
            &action,
            &format!(
                "arn:aws:{svc}:us-east-1:123456789012:thing/{}/x",
                rng.below(100)
            ),
        ));
    }
    Workload {
        name: format!("scale-{n}"),
        set: Arc::new(set),
        requests,
    }
}

/// `hostile`: adversarial wildcards and many conditions.
pub fn hostile() -> Workload {
    let star_a = "*a".repeat(100);
    let mut statements = vec![
        format!(
            r#"{{"Effect":"Allow","Action":"s3:{star_a}*","Resource":"arn:aws:s3:::{star_a}b"}}"#
        ),
        format!(
            r#"{{"Effect":"Deny","Action":"s3:Get*","Resource":"arn:aws:s3:::{}","Condition":{{"StringLike":{{"s3:prefix":"{star_a}"}}}}}}"#,
            "?".repeat(200)
        ),
    ];
    let mut conds = Vec::new();
    for i in 0..200 {
        conds.push(format!(r#""aws:PrincipalTag/k{i}":"v{i}*""#));
    }
    statements.push(format!(
        r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"StringLikeIfExists":{{{}}}}}}}"#,
        conds.join(",")
    ));
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let set = identity_set(Config::default(), "hostile", &doc);
    let long_a = "a".repeat(2000);
    let mut requests = Vec::new();
    for i in 0..100 {
        let mut r = request(
            "arn:aws:iam::123456789012:user/alice",
            if i % 2 == 0 {
                "s3:GetObject"
            } else {
                "s3:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            },
            &format!(
                "arn:aws:s3:::{long_a}{}",
                if i % 3 == 0 { "b" } else { "c" }
            ),
        );
        r.context
            .insert("s3:prefix", ContextValue::Single(long_a.clone()));
        for k in 0..20 {
            r.context.insert(
                format!("aws:PrincipalTag/k{k}"),
                ContextValue::Single(format!("v{k}x")),
            );
        }
        requests.push(r);
    }
    Workload {
        name: "hostile".into(),
        set: Arc::new(set),
        requests,
    }
}

/// `seeds`: every corpus/seeds scenario file, one workload per file merged by request.
pub fn seeds() -> Vec<Workload> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(loaded) = scenario::load_file(&f) else {
            continue;
        };
        for s in loaded.scenarios {
            let Some(first) = s.requests.first() else {
                continue;
            };
            let set = Arc::clone(&first.policies);
            let requests = s
                .requests
                .iter()
                .filter(|r| Arc::ptr_eq(&r.policies, &set))
                .map(|r| r.request.clone())
                .collect();
            out.push(Workload {
                name: format!("seeds/{}", s.name),
                set,
                requests,
            });
        }
    }
    out
}

impl Workload {
    /// The same set with only the first `n` requests (callgrind runs ~50× slower than native,
    /// so the instruction-count benches use short request lists).
    pub fn truncated(&self, n: usize) -> Workload {
        Workload {
            name: self.name.clone(),
            set: Arc::clone(&self.set),
            requests: self.requests.iter().take(n).cloned().collect(),
        }
    }
}

/// `scale-N` split in two workloads of `count` requests each over the same set:
/// `scale-N/named`, one request per sampled statement, built from that statement's own action
/// and resource patterns (so the action index finds it), and `scale-N/unnamed`, the generated
/// requests on services no statement names (the cost that should stay flat).
pub fn scale_split(n: usize, count: usize) -> (Workload, Workload) {
    let w = scale(n);
    let statements = &w.set.identity[0].statements;
    let step = (statements.len() / count).max(1);
    let named = statements
        .iter()
        .step_by(step)
        .cycle()
        .take(count)
        .enumerate()
        .map(|(i, s)| {
            let action = s.action.patterns[0].text.replace('*', &format!("Thing{i}"));
            let resource = s.resource.patterns[0]
                .text
                .replacen('*', "us-east-1", 1)
                .replace('*', "x");
            request("arn:aws:iam::123456789012:user/alice", &action, &resource)
        })
        .collect();
    let unnamed = w
        .requests
        .iter()
        .filter(|r| r.action.starts_with("other"))
        .take(count)
        .cloned()
        .collect();
    (
        Workload {
            name: format!("scale-{n}/named"),
            set: Arc::clone(&w.set),
            requests: named,
        },
        Workload {
            name: format!("scale-{n}/unnamed"),
            set: w.set,
            requests: unnamed,
        },
    )
}

/// Requests prepared for the compiled engine, with `'static` borrows: the workload and the
/// borrowed contexts are leaked, which is what a benchmark process that sets up once wants
/// (no self-referential struct, nothing rebuilt inside the measured function).
pub struct Prepared {
    /// The compiled set.
    pub set: iamc_runtime::PolicySet,
    /// Runtime requests over the leaked workload.
    pub requests: Vec<iamc_runtime::Request<'static>>,
    /// A scratch already warmed on every request (its buffers have grown).
    pub scratch: iamc_runtime::Scratch,
}

/// Compile `w`, check its decisions against the reference, borrow its requests for the
/// runtime and warm a scratch: everything a measured loop needs, done outside it.
pub fn prepare(w: Workload) -> Prepared {
    let set = compile(&w);
    check(&set, &w);
    prepare_compiled(w, set)
}

/// Panic unless the compiled engine's decision counts on `w` are the reference's.
pub fn check(set: &iamc_runtime::PolicySet, w: &Workload) {
    let want = reference_counts(w);
    assert_eq!(
        compiled_counts(set, w),
        want,
        "{}: engines disagree",
        w.name
    );
}

/// [`prepare`] without the reference check, for the callgrind benches, where the check would
/// run ~50× slower than native: `bench_check` runs it natively first.
pub fn prepare_unchecked(w: Workload) -> Prepared {
    let set = compile(&w);
    prepare_compiled(w, set)
}

fn prepare_compiled(w: Workload, set: iamc_runtime::PolicySet) -> Prepared {
    let w: &'static Workload = Box::leak(Box::new(w));
    let rr: &'static RuntimeRequests<'static> =
        Box::leak(Box::new(RuntimeRequests::new(&w.requests)));
    let requests = w
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let ctx: &'static [(&'static str, iamc_runtime::Value<'static>)] =
                Box::leak(rr.context(i).into_boxed_slice());
            iamc_harness::adapter::runtime_request(r, ctx)
                .expect("workload requests are well-formed (K-2)")
        })
        .collect::<Vec<_>>();
    let mut scratch = set.create_scratch();
    for _ in 0..2 {
        for r in &requests {
            std::hint::black_box(set.evaluate(&mut scratch, r));
        }
    }
    Prepared {
        set,
        requests,
        scratch,
    }
}

/// The workloads of the instruction-count benches and the regression check, by id, with
/// their request counts (`decide_iai` uses the same ids; the check divides by the counts).
pub const IAI_REQUESTS: usize = 100;

/// Every workload the instruction-count benches evaluate: `(bench id, workload)`.
pub fn iai_workload(id: &str) -> Workload {
    let n = IAI_REQUESTS;
    match id {
        "single" => single().truncated(n),
        "realistic" => realistic().truncated(n),
        "managed_all" => managed_all().truncated(n),
        "hostile" => hostile().truncated(n),
        _ => {
            let (size, part) = id
                .strip_prefix("scale_")
                .and_then(|s| s.split_once('_'))
                .unwrap_or_else(|| panic!("unknown iai workload {id}"));
            let size: usize = size
                .parse()
                .unwrap_or_else(|_| panic!("unknown iai workload {id}"));
            let (named, unnamed) = scale_split(size, n);
            if part == "named" {
                named
            } else {
                unnamed
            }
        }
    }
}

/// How many times the `compile_set` instruction-count bench compiles its set.
pub const COMPILE_ROUNDS: usize = 10;

/// The evaluate-path ids of [`iai_workload`], in bench order.
pub const IAI_IDS: &[&str] = &[
    "single",
    "realistic",
    "managed_all",
    "scale_10_named",
    "scale_10_unnamed",
    "scale_100_named",
    "scale_100_unnamed",
    "scale_1000_named",
    "scale_1000_unnamed",
    "scale_10000_named",
    "scale_10000_unnamed",
    "hostile",
];

/// The compiled size of every workload: a table of policies, statements, `memory_bytes`
/// (`ParsedSet::stats()`, approximate heap bytes of tables and automata), artifact bytes
/// (`ParsedSet::to_bytes`) and one compile's time.
pub fn sizes_table() -> String {
    let mut rows: Vec<Workload> = vec![single(), realistic()];
    rows.push(managed_all());
    for n in [10, 100, 1_000, 10_000] {
        rows.push(scale(n));
    }
    rows.push(hostile());
    let mut out = format!(
        "{:<24} {:>8} {:>10} {:>12} {:>12} {:>11}\n",
        "workload", "policies", "statements", "memory B", "artifact B", "compile ms"
    );
    for w in &rows {
        let t = std::time::Instant::now();
        let set = compile(w);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let st = set.stats();
        out.push_str(&format!(
            "{:<24} {:>8} {:>10} {:>12} {:>12} {:>11.2}\n",
            w.name,
            st.policies,
            st.statements,
            st.memory_bytes,
            set.to_bytes().len(),
            ms
        ));
    }
    let seeds = seeds();
    let (mut policies, mut statements, mut memory, mut artifact, mut ms) = (0, 0, 0, 0, 0.0);
    for w in &seeds {
        let t = std::time::Instant::now();
        let set = compile(w);
        ms += t.elapsed().as_secs_f64() * 1e3;
        let st = set.stats();
        policies += st.policies;
        statements += st.statements;
        memory += st.memory_bytes;
        artifact += set.to_bytes().len();
    }
    out.push_str(&format!(
        "{:<24} {:>8} {:>10} {:>12} {:>12} {:>11.2}\n",
        format!("seeds ({} sets, sum)", seeds.len()),
        policies,
        statements,
        memory,
        artifact,
        ms
    ));
    out
}
