//! A [`Scratch`] made for another policy set, or `Scratch::default()`, decides exactly as the
//! set's own: the evaluator sizes a scratch that does not fit (a short key cache would read
//! present context keys as absent; an SCP table of the wrong length would misjudge E-8).

use iamc_runtime::{Outcome, Request, Scratch};

/// A set with `levels` SCP levels, each allowing everything, and one condition key.
fn scp_set(levels: usize) -> iamc_runtime::PolicySet {
    let allow_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let mut s = iamc_tests::identity_set(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/x":"y"}}}]}"#,
    );
    for _ in 0..levels {
        let scp = iamc_tests::identity_set(allow_all).identity.remove(0);
        s.scps.push(vec![iamc_compiler::ast::Policy {
            kind: iamc_compiler::ast::PolicyKind::Scp,
            ..scp
        }]);
    }
    iamc_tests::compile(&s).expect("compiles")
}

#[test]
fn e8_c2_foreign_and_default_scratches_decide_as_the_sets_own() {
    let Some(requests) = iamc_tests::realistic_requests() else {
        return;
    };
    let set = iamc_tests::compile(&requests[0].policies).expect("compiles");
    let owned = requests.iter().map(|r| &r.request);
    iamc_harness::adapter::with_runtime_requests(owned, |reqs| decide_alike(&set, reqs))
        .expect("well-formed requests (K-2)");
}

/// Every scratch below decides `reqs` as `set`'s own, and afterwards still decides for a
/// set of another shape as that set's own.
fn decide_alike(set: &iamc_runtime::PolicySet, reqs: &[Request<'_>]) {
    let mut own = set.create_scratch();
    let expected: Vec<Outcome> = reqs.iter().map(|r| set.evaluate(&mut own, r)).collect();
    let allowed = expected
        .iter()
        .filter(|o| o.decision == iamc_runtime::Decision::Allow)
        .count();
    assert!(allowed > 0 && allowed < expected.len(), "{allowed}");
    let scratches = [
        ("default", Scratch::default()),
        ("no SCP levels", scp_set(0).create_scratch()),
        ("one SCP level", scp_set(1).create_scratch()),
        ("five SCP levels", scp_set(5).create_scratch()),
    ];
    let other = scp_set(5);
    for (name, mut scratch) in scratches {
        for (r, want) in reqs.iter().zip(&expected) {
            assert_eq!(&set.evaluate(&mut scratch, r), want, "{name}: {r:?}");
        }
        // And back: the reused scratch still decides for a set of another shape.
        let mut fresh = other.create_scratch();
        for r in reqs {
            assert_eq!(
                other.evaluate(&mut scratch, r),
                other.evaluate(&mut fresh, r),
                "{name}, back: {r:?}"
            );
        }
    }
}
