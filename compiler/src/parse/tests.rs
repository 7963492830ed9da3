//! Tests of the parser: every G rule accepted and rejected, errors with their paths.

use super::*;

fn parse(kind: PolicyKind, text: &str) -> Result<Parsed, Vec<Error>> {
    parse_policy("t.json", text.as_bytes(), kind, &Limits::default())
}

fn err_text(kind: PolicyKind, text: &str) -> String {
    match parse(kind, text) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn trust_policy_as_iam_stores_it_e19_g10() {
    let role = "arn:aws:iam::111122223333:role/service-role/R";
    // URL-encoded as get-account-authorization-details returns it; one statement object,
    // no Resource.
    let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%7D";
    let read = |mode| parse_trust_policy_with("t", doc.as_bytes(), role, &Limits::default(), mode);
    let p = read(ReadMode::Strict).unwrap();
    let st = &p.policy.statements[0];
    assert!(st.opaque.is_none());
    assert_eq!(st.resource.patterns[0].text, role);
    assert!(!st.resource.negated);
    // The same document read as a plain resource policy misses its Resource (G-10).
    assert!(parse(
        PolicyKind::Resource,
        &String::from_utf8(percent_decode(doc.as_bytes()).unwrap()).unwrap()
    )
    .is_err());
    // A statement that names its own Resource or NotResource keeps it.
    let own = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"sts:TagSession","NotResource":"arn:aws:iam::1:role/x"}]}"#;
    let p = parse_trust_policy_with(
        "t",
        own.as_bytes(),
        role,
        &Limits::default(),
        ReadMode::Strict,
    )
    .unwrap();
    assert_eq!(p.policy.statements[0].resource.patterns[0].text, "*");
    assert!(p.policy.statements[1].resource.negated);
    // Other G violations stay what they are: an error, or an opaque statement (G-21).
    let bad = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":null}}}]}"#;
    assert!(parse_trust_policy_with(
        "t",
        bad.as_bytes(),
        role,
        &Limits::default(),
        ReadMode::Strict
    )
    .is_err());
    let p = parse_trust_policy_with(
        "t",
        bad.as_bytes(),
        role,
        &Limits::default(),
        ReadMode::Lenient,
    )
    .unwrap();
    assert!(p.policy.statements[0].opaque.is_some());
    assert_eq!(p.policy.statements[0].resource.patterns[0].text, role);
}

#[test]
fn template_grammar_g20_v4_v5() {
    assert_eq!(
        parse_template("a/${aws:username}/b").unwrap().parts,
        vec![
            TemplatePart::Text("a/".into()),
            TemplatePart::Variable {
                key: "aws:username".into(),
                default: None
            },
            TemplatePart::Text("/b".into())
        ]
    );
    assert_eq!(
        parse_template("${*}${?}${$}").unwrap().parts,
        vec![
            TemplatePart::Literal('*'),
            TemplatePart::Literal('?'),
            TemplatePart::Literal('$')
        ]
    );
    assert_eq!(
        parse_template("${aws:username, 'anon}x'}").unwrap().parts,
        vec![TemplatePart::Variable {
            key: "aws:username".into(),
            default: Some("anon}x".into())
        }]
    );
    assert!(parse_template("${aws:username").is_err());
    assert!(parse_template("${}").is_err());
    assert!(parse_template("${aws:username,'x'}").is_err());
    assert!(parse_template("${${a}}").is_err());
    assert_eq!(
        parse_template("$a}").unwrap().parts,
        vec![TemplatePart::Text("$a}".into())]
    );
}

#[test]
fn g1_unknown_top_level_element_with_hint() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statment":[]}"#,
    );
    assert!(
        e.contains("$.Statment: unknown element \"Statment\" (did you mean \"Statement\"?)"),
        "{e}"
    );
}

#[test]
fn g6_element_names_are_case_sensitive() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":{"effect":"Allow","Action":"*","Resource":"*"}}"#,
    );
    assert!(e.contains("unknown element \"effect\""), "{e}");
}

#[test]
fn g9_both_action_and_notaction() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
    );
    assert!(
        e.contains("$.Statement[0]: both \"Action\" and \"NotAction\""),
        "{e}"
    );
}

#[test]
fn g17_unknown_operator_with_hint() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLik":{"a:b":"x"}}}]}"#,
    );
    assert!(
        e.contains("$.Statement[0].Condition.StringLik: unknown condition operator \"StringLik\" (did you mean \"StringLike\"?)"),
        "{e}"
    );
    for bad in [
        "NullIfExists",
        "ForAnyValue:Null",
        "stringequals",
        "ForSomeValues:StringEquals",
    ] {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{bad}":{{"a:b":"true"}}}}}}]}}"#
        );
        assert!(err_text(PolicyKind::Identity, &doc).contains("unknown condition operator"));
    }
}

#[test]
fn g18_value_typing() {
    for (op, v) in [
        ("NumericLessThan", "\"abc\""),
        ("NumericLessThan", "\"1e1\""),
        ("IpAddress", "\"10.0.0.300/8\""),
        ("IpAddress", "\"1.2.3.4/33\""),
        ("DateEquals", "\"yesterday\""),
        ("Bool", "\"yes\""),
        ("Null", "\"maybe\""),
        ("BinaryEquals", "\"!!!\""),
    ] {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{op}":{{"a:b":{v}}}}}}}]}}"#
        );
        let e = err_text(PolicyKind::Identity, &doc);
        assert!(
            e.contains(&format!("$.Statement[0].Condition.{op}[\"a:b\"]")),
            "{e}"
        );
    }
}

#[test]
fn g19_duplicate_keys() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    assert!(e.contains("duplicate key \"Bool\""), "{e}");
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}}]}"#,
    );
    assert!(e.contains("appears twice"), "{e}");
}

#[test]
fn g11_principal_placement() {
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    );
    assert!(e.contains("must not contain Principal"), "{e}");
    let e = err_text(
        PolicyKind::Resource,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    assert!(e.contains("needs Principal"), "{e}");
    let e = err_text(
        PolicyKind::Resource,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}]}"#,
    );
    assert!(
        e.contains("NotPrincipal is only supported with Deny"),
        "{e}"
    );
}

#[test]
fn g12_account_id_normalised() {
    let p = parse(
        PolicyKind::Resource,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},"Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    let pr = p.policy.statements[0].principal.as_ref().unwrap();
    assert!(pr.wildcard);
    assert_eq!(pr.entries[0].value, "arn:aws:iam::111122223333:root");
}

#[test]
fn v3_variables_only_where_allowed() {
    // Partition and service: rejected.
    for arn in [
        "arn:${aws:Partition}:s3:::b",
        "arn:aws:${a:svc}:us-east-1:1:x",
    ] {
        let e = err_text(
            PolicyKind::Identity,
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"{arn}"}}]}}"#
            ),
        );
        assert!(e.contains("partition or service field"), "{e}");
    }
    // Region and account: accepted with a warning (AWS's own managed policy does it).
    for arn in [
        "arn:aws:iam::${aws:PrincipalAccount}:user/x",
        "arn:*:kms:*:${aws:PrincipalAccount}:key/*",
        "arn:aws:ec2:${aws:RequestedRegion}:1:instance/*",
    ] {
        let p = parse(
            PolicyKind::Identity,
            &format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"{arn}"}}]}}"#),
        )
        .unwrap_or_else(|e| panic!("{arn}: {e:?}"));
        assert!(p.policy.statements[0].resource.patterns[0]
            .template
            .has_variables());
        assert!(
            p.warnings
                .iter()
                .any(|w| matches!(w.kind, WarningKind::VariableOutsideResourcePart(_))),
            "{arn}: {:?}",
            p.warnings
        );
    }
    // The resource part: no warning.
    let p = parse(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#,
    )
    .unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:${aws:username}","Resource":"*"}]}"#,
    );
    assert!(e.contains("not allowed in actions"), "{e}");
    let e = err_text(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"a:b":"${a:c}"}}}]}"#,
    );
    assert!(e.contains("does not accept policy variables"), "{e}");
}

#[test]
fn v2_2008_keeps_variables_literal() {
    let p = parse(
        PolicyKind::Identity,
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}]}"#,
    )
    .unwrap();
    assert!(!p.policy.statements[0].resource.patterns[0]
        .template
        .has_variables());
}

#[test]
fn wrappers_and_url_encoding() {
    let doc =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    let encoded: String = doc
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(parse(PolicyKind::Identity, &encoded).is_ok());
    let wrapped = format!(r#"{{"PolicyVersion":{{"Document":{doc},"VersionId":"v1"}}}}"#);
    assert!(parse(PolicyKind::Identity, &wrapped).is_ok());
    let wrapped = format!(r#"{{"PolicyVersion":{{"Document":"{encoded}"}}}}"#);
    assert!(parse(PolicyKind::Identity, &wrapped).is_ok());
}

#[test]
fn collects_every_error() {
    let e = parse(
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3","Resource":"nope"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.len(), 3, "{e:?}");
}
