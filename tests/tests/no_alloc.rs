//! A warm evaluation allocates nothing (iamc_runtime's "No allocation" promise).
//!
//! A counting global allocator wraps `System` and counts allocations, zeroed allocations and
//! reallocations made on the test's own thread while counting is switched on. The shared
//! benchmark `shared/bench/realistic.json` (1,000 requests against one policy set: identity
//! policies, SCP levels and a boundary) is compiled once; every request is built up front as
//! an `iamc_runtime::Request` borrowing its strings and context slice; one pass warms the
//! scratch; then all 1,000 requests are evaluated with counting on, and the count must be
//! zero. The same for `evaluate_interned`, with key ids resolved by `ParsedSet::key_id` (keys
//! the set does not use are left out), and for the batch calls.
//!
//! The allocator is process-wide, so this file holds a single test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use iamc_runtime::{InternedRequest, Request, Value};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Counting is on for this thread. `const` and without a destructor, so reading it never
    /// allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counter only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread while `f` runs.
fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, ALLOCATIONS.load(Ordering::Relaxed) - before)
}

#[test]
fn warm_evaluation_of_the_realistic_benchmark_allocates_nothing() {
    let Some(requests) = iamc_tests::realistic_requests() else {
        return;
    };
    assert_eq!(requests.len(), 1000);
    let policies = &requests[0].policies;
    assert!(
        requests
            .iter()
            .all(|r| std::sync::Arc::ptr_eq(&r.policies, policies)),
        "all requests share one policy set"
    );
    let set = iamc_tests::compile(policies).expect("compiles");

    // Borrowed request data, built up front (list values, context slices, requests; then the
    // same with interned keys), so only the evaluations run while allocations are counted.
    iamc_harness::adapter::with_runtime_requests(
        requests.iter().map(|r| &r.request),
        |runtime_requests| {
            iamc_tests::with_interned(&set, runtime_requests, |interned_requests| {
                warm_decisions_allocate_nothing(&set, runtime_requests, interned_requests);
                three_valued_decisions_allocate_nothing(&set, runtime_requests);
            })
        },
    )
    .expect("well-formed requests (K-2)");
    dfa_globs_allocate_nothing();
    infix_automaton_allocates_nothing();
}

/// E-21: the three-valued path (unknown keys, an unknown resource) allocates nothing on a warm
/// scratch either, and with nothing unknown it decides as `evaluate`.
fn three_valued_decisions_allocate_nothing(
    set: &iamc_runtime::PolicySet,
    runtime_requests: &[Request<'_>],
) {
    let keys = [
        "aws:ResourceTag/stage",
        "aws:MultiFactorAuthPresent",
        "AWS:USERNAME",
    ];
    let unknowns = [
        iamc_runtime::Unknown {
            context: &keys,
            resource: false,
        },
        iamc_runtime::Unknown {
            context: &[],
            resource: true,
        },
    ];
    let mut scratch = set.create_scratch();
    let mut out = Vec::with_capacity(runtime_requests.len() * 2);
    let decide = |scratch: &mut iamc_runtime::Scratch, out: &mut Vec<_>| {
        for r in runtime_requests {
            for u in &unknowns {
                out.push(set.evaluate_with_unknowns(scratch, r, u).decision);
            }
        }
    };
    decide(&mut scratch, &mut out);
    let first = out.clone();
    out.clear(); // keeps its capacity: the counted run must not grow it
    let ((), allocs) = count_allocations(|| decide(&mut scratch, &mut out));
    assert_eq!(allocs, 0, "a warm three-valued decision allocated");
    assert_eq!(out, first);
    assert!(
        first
            .iter()
            .any(|d| matches!(d, iamc_runtime::Decision::Indeterminate(_))),
        "no indeterminate decision: the unknowns were not read"
    );
    // Nothing unknown: exactly `evaluate`.
    for r in runtime_requests.iter().take(100) {
        assert_eq!(
            set.evaluate_with_unknowns(&mut scratch, r, &iamc_runtime::Unknown::default()),
            set.evaluate(&mut scratch, r)
        );
    }
}

/// Warm up a scratch on every request, then count the allocations of the same decisions,
/// one by one and as batches, by name and by key id.
fn warm_decisions_allocate_nothing(
    set: &iamc_runtime::PolicySet,
    runtime_requests: &[Request<'_>],
    interned_requests: &[InternedRequest<'_>],
) {
    let mut outcomes = Vec::with_capacity(2 * runtime_requests.len());

    let mut scratch = set.create_scratch();
    // Warm-up: the scratch buffers grow to their working size.
    for r in runtime_requests {
        outcomes.push(set.evaluate(&mut scratch, r));
    }
    for r in interned_requests {
        outcomes.push(set.evaluate_interned(&mut scratch, r));
    }
    let warm = outcomes.clone();
    outcomes.clear();

    let ((), named_allocs) = count_allocations(|| {
        for r in runtime_requests {
            outcomes.push(set.evaluate(&mut scratch, r));
        }
    });
    let ((), interned_allocs) = count_allocations(|| {
        for r in interned_requests {
            outcomes.push(set.evaluate_interned(&mut scratch, r));
        }
    });
    println!(
        "{} requests: evaluate {named_allocs} allocations, evaluate_interned \
         {interned_allocs} allocations",
        runtime_requests.len()
    );
    assert_eq!(named_allocs, 0, "evaluate allocated on a warm scratch");
    assert_eq!(
        interned_allocs, 0,
        "evaluate_interned allocated on a warm scratch"
    );
    // The counted passes decided as the warm-up did, and both request shapes agree.
    assert_eq!(outcomes, warm);
    let n = runtime_requests.len();
    assert_eq!(outcomes[..n], outcomes[n..]);
    // Not vacuous: the benchmark has every decision.
    for d in [
        iamc_runtime::Decision::Allow,
        iamc_runtime::Decision::ExplicitDeny,
        iamc_runtime::Decision::ImplicitDeny,
    ] {
        assert!(outcomes.iter().any(|o| o.decision == d), "no {d}");
    }

    // The batch calls are the same loop: a warm batch into a caller-owned slice allocates
    // nothing either, and decides as one-by-one did.
    let mut batch = vec![warm[0]; n];
    let ((), batch_allocs) = count_allocations(|| {
        set.evaluate_batch(&mut scratch, runtime_requests, &mut batch);
        set.evaluate_interned_batch(&mut scratch, interned_requests, &mut batch);
    });
    assert_eq!(batch_allocs, 0, "a warm batch allocated");
    assert_eq!(batch[..], warm[n..]);
}

/// The realistic set has no glob DFA (its general globs are simple), so the DFA walk is
/// checked on a set of its own: a resource, a `StringLike` value and an ARN field, each a glob
/// with a `?` after a `*`.
fn dfa_globs_allocate_nothing() {
    use iamc_compiler::ast::{ParsedSet, PolicyKind};
    let doc = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*/x?/*",
       "Condition":{"StringLike":{"s3:prefix":"p*?/*"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:t*?pic*"}}}]}"#;
    let p = iamc_compiler::parse_policy(
        "dfa.json",
        doc.as_bytes(),
        PolicyKind::Identity,
        &iamc_compiler::Limits::default(),
    )
    .expect("parses")
    .policy;
    let set = iamc_tests::compile(&ParsedSet {
        identity: vec![p],
        ..ParsedSet::default()
    })
    .expect("compiles");
    assert_eq!(set.stats().general_globs, [3, 0], "three DFA globs");
    let ctx = [
        ("s3:prefix", Value::Single("pé/x/y")),
        (
            "aws:SourceArn",
            Value::Single("arn:aws:sns:us-east-1:1:topic1"),
        ),
    ];
    let requests: Vec<Request<'_>> = ["arn:aws:s3:::b/a/xé/k", "arn:aws:s3:::b/a/xéé/k"]
        .iter()
        .map(|resource| Request {
            principal: "arn:aws:iam::111122223333:user/alice",
            action: "s3:ListBucket",
            resource,
            resource_account: None,
            context: iamc_runtime::Context::new(&ctx).unwrap(),
        })
        .collect();
    let mut scratch = set.create_scratch();
    let mut out = Vec::with_capacity(4);
    for r in &requests {
        out.push(set.evaluate(&mut scratch, r).decision);
    }
    let ((), allocs) = count_allocations(|| {
        for r in &requests {
            out.push(set.evaluate(&mut scratch, r).decision);
        }
    });
    assert_eq!(allocs, 0, "a DFA glob allocated on a warm scratch");
    use iamc_runtime::Decision::{Allow, ImplicitDeny};
    assert_eq!(out, [Allow, ImplicitDeny, Allow, ImplicitDeny]);
}

/// C-8: a `StringLike` list whose `*literal*` values are matched by one Aho-Corasick automaton
/// (`infix_automata`), beside a value it does not cover, searched with and without unknowns.
fn infix_automaton_allocates_nothing() {
    use iamc_compiler::ast::{ParsedSet, PolicyKind};
    let doc = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"s3:*","Resource":"*",
       "Condition":{"StringLike":{"aws:UserAgent":["*curl*","*wget*","*boto*","*aws-cli*","sdk-?"]}}}]}"#;
    let p = iamc_compiler::parse_policy(
        "infix.json",
        doc.as_bytes(),
        PolicyKind::Identity,
        &iamc_compiler::Limits::default(),
    )
    .expect("parses")
    .policy;
    let set = iamc_tests::compile(&ParsedSet {
        identity: vec![p],
        ..ParsedSet::default()
    })
    .expect("compiles");
    assert_eq!(set.stats().infix_automata, 1, "one infix automaton");
    let agents = ["x/boto3 y", "sdk-j", "firefox"];
    let ctxs: Vec<[(&str, Value<'_>); 1]> = agents
        .iter()
        .map(|a| [("aws:UserAgent", Value::Single(a))])
        .collect();
    let requests: Vec<Request<'_>> = ctxs
        .iter()
        .map(|ctx| Request {
            principal: "arn:aws:iam::111122223333:user/alice",
            action: "s3:GetObject",
            resource: "arn:aws:s3:::b/k",
            resource_account: None,
            context: iamc_runtime::Context::new(ctx).unwrap(),
        })
        .collect();
    // An unknown key the policy does not use: the three-valued path, same decisions.
    let unknown = iamc_runtime::Unknown {
        context: &["aws:SourceIp"],
        resource: false,
    };
    let mut scratch = set.create_scratch();
    let mut out = Vec::with_capacity(12);
    for r in &requests {
        out.push(set.evaluate(&mut scratch, r).decision);
        out.push(
            set.evaluate_with_unknowns(&mut scratch, r, &unknown)
                .decision,
        );
    }
    let ((), allocs) = count_allocations(|| {
        for r in &requests {
            out.push(set.evaluate(&mut scratch, r).decision);
            out.push(
                set.evaluate_with_unknowns(&mut scratch, r, &unknown)
                    .decision,
            );
        }
    });
    assert_eq!(allocs, 0, "the infix automaton allocated on a warm scratch");
    use iamc_runtime::Decision::{Allow, ImplicitDeny};
    let once = [Allow, Allow, Allow, Allow, ImplicitDeny, ImplicitDeny];
    assert_eq!(out[..6], once);
    assert_eq!(out[6..], once);
}
