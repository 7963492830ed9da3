//! Fuzz target (a): arbitrary bytes → `iamc_compiler::parse::parse_policy` for every policy
//! kind. Must never panic or hang. An accepted document is also checked
//! (`check::check_policy`), compiled alone (`Compiler::from_set`) and decided for one request, and
//! a rejected one must come with at least one error, each of which must render.

#![no_main]

use iamc_compiler::ast::{PolicyKind, ParsedSet};
use iamc_compiler::{check, parse_policy, Compiler, Config, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for kind in PolicyKind::ALL {
        match parse_policy("fuzz.json", data, kind, &limits) {
            Ok(parsed) => {
                for w in check::check_policy(&parsed.policy, None) {
                    let _ = w.to_string();
                }
                let mut set = ParsedSet::default();
                match kind {
                    PolicyKind::Identity => set.identity.push(parsed.policy),
                    PolicyKind::Resource => set.resource = Some(parsed.policy),
                    PolicyKind::Boundary => set.boundaries.push(parsed.policy),
                    PolicyKind::Session => set.session = Some(parsed.policy),
                    PolicyKind::Scp => set.scps.push(vec![parsed.policy]),
                    PolicyKind::Rcp => set.rcps.push(vec![parsed.policy]),
                }
                let compiled = match Compiler::from_set(Config::default(), set).build() {
                    Ok(c) => c,
                    Err(e) => panic!("a parsed {kind} policy does not compile: {e}"),
                };
                let mut scratch = compiled.create_scratch();
                let req = iamc_runtime::Request {
                    principal: "arn:aws:iam::111122223333:user/alice",
                    action: "s3:GetObject",
                    resource: "arn:aws:s3:::bucket/key",
                    resource_account: None,
                    context: iamc_runtime::Context::new(&[(
                        "aws:username",
                        iamc_runtime::Value::Single("alice"),
                    )])
                    .expect("one key"),
                };
                let _ = compiled.evaluate(&mut scratch, &req);
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "rejected without an error");
                for e in &errors {
                    let _ = e.to_string();
                }
            }
        }
    }
});
