//! Actions are matched without regard to ASCII case (A-2) on both paths of the runtime's
//! action lookup — the precomputed table, looked up with the request's action as it is, and
//! the general path for actions it does not hold: the compiled engine agrees with the
//! reference on every spelling. Only ASCII letters fold: a Kelvin sign `\u{212A}` is not `k`
//! and a dotted `\u{130}` is not `i`, on either side (the runtime once folded them by Unicode
//! rules, so `\u{212A}MS:Decrypt` was allowed by `kms:Decrypt`; this test caught it).

use iamc_compiler::ast::ParsedSet;
use iamc_harness::request::{Context, Request};

fn set(actions: &[&str]) -> ParsedSet {
    let list: Vec<String> = actions.iter().map(|a| format!("{a:?}")).collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        list.join(",")
    );
    iamc_tests::identity_set(&doc)
}

#[test]
fn a2_action_spellings_agree_with_the_reference() {
    let policies = [
        vec!["kms:Decrypt", "s3:GetObjectVersionTagging", "ec2:Run*"],
        vec!["KMS:DECRYPT", "s3:getobjectversiontagging"],
        vec!["kms:decrypt", "s3:Get*Tagging", "iam:passkey"],
    ];
    let requests = [
        "kms:Decrypt",
        "kms:decrypt",
        "KMS:DECRYPT",
        "kMs:dEcRyPt",
        "\u{212A}MS:Decrypt",
        "\u{212A}ms:decrypt",
        "kms:Decryp",
        "kms:Decrypts",
        "kms:Decr\u{fffd}pt",
        "kms@Decrypt",
        "kms:Decrypt ",
        "s3:GetObjectVersionTagging",
        "S3:GETOBJECTVERSIONTAGGING",
        "s3:GetObjectVersionTaggin",
        "s3:GetObjectVersionTaggingX",
        "s3:GetObjectVersion\u{130}agging",
        "ec2:RunInstances",
        "EC2:runinstances",
        "iam:PassKey",
        "iam:pass\u{212A}ey",
        "iam:PASS\u{212A}EY",
        "nocolon",
        "",
    ];
    for actions in &policies {
        let set = set(actions);
        let compiled = iamc_tests::compile(&set).unwrap();
        let mut scratch = compiled.create_scratch();
        for a in requests {
            let req = Request {
                principal: "arn:aws:iam::111122223333:user/alice".into(),
                action: a.into(),
                resource: "arn:aws:s3:::b/k".into(),
                resource_account: None,
                context: Context::default(),
                unknown: Default::default(),
            };
            let got = iamc_harness::adapter::with_runtime_request(&req, |r| {
                compiled.evaluate(&mut scratch, r)
            })
            .unwrap_or(iamc_runtime::Outcome::MALFORMED);
            let want = iamc_reference::evaluate(&set, &req).decision.to_string();
            assert_eq!(got.decision.to_string(), want, "{actions:?} {a:?}");
        }
    }
}
