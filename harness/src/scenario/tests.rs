//! Tests of the scenario loader: every accepted shape, every error with its file and path.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::request::ContextValue;
use iamc_compiler::ast::PolicyKind;

const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

fn scenario_json(extra_request: &str) -> String {
    format!(
        r#"{{"name":"s","rule":"E-5","identity_policies":[{ALLOW_S3}],
            "requests":[{{"id":"r0","principal":"arn:aws:iam::111122223333:user/a",
                          "action":"s3:GetObject","expect":"allow"}}{extra_request}]}}"#
    )
}

fn errors_of(source: &str, text: &str) -> Vec<Error> {
    match load_bytes(source, text.as_bytes()) {
        Ok(l) => panic!("expected errors, loaded {} scenarios", l.scenarios.len()),
        Err(e) => e,
    }
}

#[test]
fn single_scenario_object() {
    let l = load_bytes("t.json", scenario_json("").as_bytes()).unwrap();
    assert_eq!(l.scenarios.len(), 1);
    let s = &l.scenarios[0];
    assert_eq!(s.name, "s");
    assert_eq!(s.rule.as_deref(), Some("E-5"));
    let r = &s.requests[0];
    assert_eq!(r.id, "r0");
    assert_eq!(r.index, 0);
    assert_eq!(r.request.resource, "*", "R-9: resource defaults to *");
    assert_eq!(r.expect, Some(Decision::Allow));
    assert_eq!(r.policies.identity.len(), 1);
    assert_eq!(
        &*r.policies.identity[0].source,
        "t.json: identity_policies[0]"
    );
}

#[test]
fn wrapper_array_and_jsonl_forms() {
    let one = scenario_json("");
    let wrapped = format!(r#"{{"scenarios":[{one},{one}]}}"#);
    assert_eq!(
        load_bytes("a.json", wrapped.as_bytes())
            .unwrap()
            .scenarios
            .len(),
        2
    );
    let array = format!("[{one},{one},{one}]");
    let l = load_bytes("a.json", array.as_bytes()).unwrap();
    assert_eq!(l.scenarios.len(), 3);
    assert_eq!(l.request_count(), 3);
    let lines = format!("{}\n\n{}\n", one.replace('\n', " "), one.replace('\n', " "));
    assert_eq!(
        load_bytes("a.jsonl", lines.as_bytes())
            .unwrap()
            .scenarios
            .len(),
        2
    );
}

#[test]
fn policy_source_names_file_and_place() {
    let one = scenario_json("");
    let wrapped = format!(r#"{{"scenarios":[{one},{one}]}}"#);
    let l = load_bytes("cases.json", wrapped.as_bytes()).unwrap();
    assert_eq!(
        &*l.scenarios[1].requests[0].policies.identity[0].source,
        "cases.json: scenarios[1].identity_policies[0]"
    );
    assert_eq!(l.scenarios[1].name, "s");
}

#[test]
fn requests_share_the_scenario_policy_set_unless_they_override() {
    let extra = r#",{"principal":"p","action":"s3:GetObject"},
        {"principal":"p","action":"s3:GetObject","identity_policies":[],
         "session_policy":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}}"#;
    let l = load_bytes("t.json", scenario_json(extra).as_bytes()).unwrap();
    let r = &l.scenarios[0].requests;
    assert!(Arc::ptr_eq(&r[0].policies, &r[1].policies));
    assert!(!Arc::ptr_eq(&r[0].policies, &r[2].policies));
    assert_eq!(r[1].id, "1", "id defaults to the index");
    assert!(r[2].policies.identity.is_empty());
    assert!(r[2].policies.session.is_some());
    assert_eq!(r[1].expect, None);
}

#[test]
fn all_policy_kinds_and_levels() {
    let doc =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let rdoc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
    let text = format!(
        r#"{{"identity_policies":[{doc}],"resource_policy":{rdoc},"permission_boundary":{doc},
            "session_policy":{doc},"scps":[[{doc}],[{doc},{doc}]],"rcps":[[{rdoc}]],
            "management_account":"999988887777",
            "requests":[{{"principal":"p","action":"a:b"}}]}}"#
    );
    let l = load_bytes("t.json", text.as_bytes()).unwrap();
    let set = &l.scenarios[0].requests[0].policies;
    assert!(set.resource.is_some());
    assert_eq!(set.boundaries.len(), 1);
    assert!(set.session.is_some());
    assert_eq!(set.scps.len(), 2);
    assert_eq!(set.scps[1].len(), 2);
    assert_eq!(set.scps[1][1].kind, PolicyKind::Scp);
    assert_eq!(set.rcps[0][0].kind, PolicyKind::Rcp);
    assert_eq!(set.management_account.as_deref(), Some("999988887777"));
    assert_eq!(l.scenarios[0].name, "scenario");
}

#[test]
fn context_values_k2() {
    let extra = r#",{"principal":"p","action":"a:b","context":{"aws:TagKeys":["a","b"],
        "aws:MultiFactorAuthAge":3600,"aws:SecureTransport":true,"aws:Empty":[]}}"#;
    let l = load_bytes("t.json", scenario_json(extra).as_bytes()).unwrap();
    let ctx = &l.scenarios[0].requests[1].request.context;
    assert_eq!(
        ctx.get("aws:tagkeys"),
        Some(&ContextValue::Multi(vec!["a".into(), "b".into()]))
    );
    assert_eq!(
        ctx.get("aws:MultiFactorAuthAge"),
        Some(&ContextValue::Single("3600".into()))
    );
    assert_eq!(
        ctx.get("aws:SecureTransport"),
        Some(&ContextValue::Single("true".into()))
    );
    assert_eq!(ctx.get("aws:Empty"), Some(&ContextValue::Multi(vec![])));
}

#[test]
fn context_keys_differing_in_case_are_rejected() {
    let extra =
        r#",{"principal":"p","action":"a:b","context":{"aws:username":"a","AWS:UserName":"b"}}"#;
    let errors = errors_of("t.json", &scenario_json(extra));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].kind,
        ErrorKind::DuplicateContextKey("AWS:UserName".into())
    );
    assert_eq!(
        errors[0].path.as_str(),
        r#"$.requests[1].context["AWS:UserName"]"#
    );
}

#[test]
fn errors_name_file_and_path_and_are_all_collected() {
    let text = r#"{"scenarios":[
        {"name":"a","identity_policies":[{"Statement":{"Effect":"Alow","Action":"*","Resource":"*"}}],
         "requests":[{"principal":"p","action":"a:b","expect":"deny"},
                     {"action":"a:b","expeect":"allow"}]},
        {"name":"b","requests":"no"}]}"#;
    let errors = errors_of("cases.json", text);
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| shown.iter().any(|s| s.contains(needle));
    assert!(
        has("cases.json: scenarios[0].identity_policies[0]: $.Statement.Effect"),
        "{shown:#?}"
    );
    assert!(
        has("cases.json: $.scenarios[0].requests[0].expect: unknown expectation \"deny\""),
        "{shown:#?}"
    );
    assert!(
        has("cases.json: $.scenarios[0].requests[1]: missing required element \"principal\""),
        "{shown:#?}"
    );
    assert!(
        has(
            r#"$.scenarios[0].requests[1].expeect: unknown element "expeect" (did you mean "expect"?)"#
        ),
        "{shown:#?}"
    );
    assert!(
        has("cases.json: $.scenarios[1].requests: expected an array of requests"),
        "{shown:#?}"
    );
}

#[test]
fn malformed_inputs_are_errors_not_panics() {
    for (name, text) in [
        ("t.json", ""),
        ("t.json", "{"),
        ("t.json", "42"),
        ("t.json", "[1]"),
        ("t.json", r#"{"scenarios":{}}"#),
        ("t.json", r#"{"requests":[{"principal":1,"action":[]}]}"#),
        ("t.json", r#"{"requests":[],"scps":[{}]}"#),
        ("t.json", r#"{"requests":[],"identity_policies":{}}"#),
        ("t.json", r#"{"requests":[],"identity_policies":[7]}"#),
        (
            "t.json",
            r#"{"requests":[{"principal":"p","action":"a:b","context":{"k":null}}]}"#,
        ),
        (
            "t.json",
            r#"{"requests":[{"principal":"p","action":"a:b","context":[]}]}"#,
        ),
        (
            "t.json",
            r#"{"requests":[],"permission_boundary":null,"permission_boundaries":[]}"#,
        ),
        ("t.jsonl", "{\"requests\":[]}\nnot json\n"),
        ("t.json", &"[".repeat(100_000)),
    ] {
        let errors = errors_of(name, text);
        assert!(!errors.is_empty(), "{text:?}");
        assert!(
            errors.iter().all(|e| e.source.starts_with(name)),
            "{errors:?}"
        );
    }
}

#[test]
fn jsonl_errors_name_the_line() {
    let errors = errors_of("t.jsonl", "{\"requests\":[]}\n\n{\"requests\":[{}]}\n");
    assert_eq!(&*errors[0].source, "t.jsonl:3");
    assert_eq!(errors[0].path.as_str(), "$.requests[0]");
}

#[test]
fn warnings_are_returned_beside() {
    let text = r#"{"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}],
                   "requests":[]}"#;
    let l = load_bytes("w.json", text.as_bytes()).unwrap();
    assert_eq!(l.warnings.len(), 1, "G-2: missing Version");
    assert_eq!(&*l.warnings[0].source, "w.json: identity_policies[0]");
}

#[test]
fn string_and_wrapped_documents() {
    let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D";
    let text = format!(
        r#"{{"identity_policies":["{enc}",{{"PolicyVersion":{{"Document":{ALLOW_S3}}}}}],
            "requests":[{{"principal":"p","action":"a:b"}}]}}"#
    );
    let l = load_bytes("t.json", text.as_bytes()).unwrap();
    assert_eq!(l.scenarios[0].requests[0].policies.identity.len(), 2);
}

#[test]
fn missing_file_is_an_io_error() {
    let errors = load_file("/nonexistent/iamc/cases.json").unwrap_err();
    assert!(matches!(errors[0].kind, ErrorKind::Io(_)));
    assert_eq!(&*errors[0].source, "/nonexistent/iamc/cases.json");
}
