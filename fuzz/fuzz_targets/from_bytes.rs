//! Fuzz target (d): arbitrary bytes → `iamc_runtime::PolicySet::from_bytes` (compiled policy
//! artifacts). Must never panic, hang or allocate out of proportion to the input.
//!
//! The checksum would stop almost every mutation at the header, so the input is also loaded
//! with `verify_checksum: false`, and once more with the header's body length patched to fit
//! (so inserted and deleted bytes reach the body decoder). A set that loads is decided for a
//! few requests, written back with `to_bytes`, and must load again and decide the same.

#![no_main]

use iamc_runtime::{LoadOptions, PolicySet, Request, Value};
use libfuzzer_sys::fuzz_target;

fn decide_all(set: &PolicySet) -> Vec<iamc_runtime::Outcome> {
    let mut scratch = set.create_scratch();
    let ctx = [
        ("aws:username", Value::Single("alice")),
        ("aws:SourceIp", Value::Single("10.0.0.1")),
        ("aws:TagKeys", Value::Multi(&["a", "b"])),
        ("aws:CurrentTime", Value::Single("2024-01-01T00:00:00Z")),
    ];
    let reqs = [
        Request {
            principal: "arn:aws:iam::111122223333:user/alice",
            action: "s3:GetObject",
            resource: "arn:aws:s3:::bucket/key",
            resource_account: None,
            context: iamc_runtime::Context::new(&ctx).expect("distinct keys"),
        },
        Request {
            principal: "arn:aws:sts::444455556666:assumed-role/app/s",
            action: "kms:Decrypt",
            resource: "arn:aws:kms:us-east-1:111122223333:key/k",
            resource_account: Some("111122223333"),
            context: iamc_runtime::Context::EMPTY,
        },
        Request {
            principal: "s3.amazonaws.com",
            action: "sts:AssumeRole",
            resource: "*",
            resource_account: None,
            context: iamc_runtime::Context::new(&ctx).expect("distinct keys"),
        },
    ];
    reqs.iter().map(|r| set.evaluate(&mut scratch, r)).collect()
}

fn check(set: PolicySet) {
    let before = decide_all(&set);
    let bytes = set.to_bytes();
    match PolicySet::from_bytes(&bytes) {
        Ok(again) => assert_eq!(before, decide_all(&again), "round trip changed a decision"),
        Err(e) => panic!("a loaded set, written back, does not load: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = PolicySet::from_bytes(data) {
        check(set);
    }
    let unchecked = LoadOptions {
        verify_checksum: false,
        ..LoadOptions::default()
    };
    if let Ok(set) = PolicySet::from_bytes_with(data, unchecked) {
        check(set);
    }
    if data.len() >= 20 {
        let mut patched = data.to_vec();
        let body = (data.len() - 20) as u64;
        patched[8..16].copy_from_slice(&body.to_le_bytes());
        if let Ok(set) = PolicySet::from_bytes_with(&patched, unchecked) {
            check(set);
        }
    }
});
