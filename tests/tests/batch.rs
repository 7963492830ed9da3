//! The batch calls decide exactly as one-by-one evaluation does, in request order, serially
//! and (feature `rayon`) in parallel over several chunks.

use iamc_runtime::{Decision, Outcome, Request};

#[test]
fn serial_and_parallel_batches_decide_as_one_by_one() {
    let Some(requests) = iamc_tests::realistic_requests() else {
        return;
    };
    let set = iamc_tests::compile(&requests[0].policies).expect("compiles");
    // Five copies, reversed every other time, so the parallel batch spans several chunks and a
    // result written to the wrong slot would show.
    let mut owned = Vec::new();
    for round in 0..5 {
        let mut one: Vec<_> = requests.iter().map(|r| &r.request).collect();
        if round % 2 == 1 {
            one.reverse();
        }
        owned.extend(one);
    }
    iamc_harness::adapter::with_runtime_requests(owned, |batch| {
        let mut scratch = set.create_scratch();
        let expected: Vec<Outcome> = batch
            .iter()
            .map(|r| set.evaluate(&mut scratch, r))
            .collect();
        let blank = Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        };

        let mut serial = vec![blank; batch.len()];
        set.evaluate_batch(&mut set.create_scratch(), batch, &mut serial);
        assert_eq!(serial, expected);

        let mut parallel = vec![blank; batch.len()];
        set.par_evaluate_batch(batch, &mut parallel);
        assert_eq!(parallel, expected);

        let mut from_ids = vec![blank; batch.len()];
        iamc_tests::with_interned(&set, batch, |interned| {
            set.evaluate_interned_batch(&mut scratch, interned, &mut from_ids)
        });
        assert_eq!(from_ids, expected);

        // Not vacuous: the batch holds every decision.
        for d in [
            Decision::Allow,
            Decision::ExplicitDeny,
            Decision::ImplicitDeny,
        ] {
            assert!(expected.iter().any(|o| o.decision == d), "no {d}");
        }
    })
    .expect("well-formed requests (K-2)");
}

#[test]
#[should_panic(expected = "one outcome slot per request")]
fn a_batch_with_too_few_slots_is_refused() {
    let set = iamc_tests::compile(&iamc_compiler::ast::ParsedSet::default()).expect("compiles");
    let req = Request {
        principal: "arn:aws:iam::111122223333:user/a",
        action: "s3:GetObject",
        resource: "*",
        resource_account: None,
        context: iamc_runtime::Context::EMPTY,
    };
    set.evaluate_batch(&mut set.create_scratch(), &[req, req], &mut []);
}
