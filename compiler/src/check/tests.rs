//! Tests of the policy checks and the catalog.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::catalog::glob;
use super::*;
use crate::ast::PolicyKind;
use crate::limits::Limits;
use crate::parse::parse_policy;

/// A hand-written service reference in the corpus file's shape.
const TINY: &str = r#"{
  "rds": {"prefix": "rds", "name": "Amazon RDS",
    "actions": {
      "deletedbinstance": {"name": "DeleteDBInstance",
        "resourceTypes": [{"name": "db", "required": true, "conditionKeys": [], "dependentActions": []}],
        "conditionKeys": []},
      "createdbinstance": {"name": "CreateDBInstance",
        "resourceTypes": [{"name": "db", "required": true, "conditionKeys": []}],
        "conditionKeys": ["aws:RequestTag/${TagKey}", "aws:TagKeys", "rds:DatabaseEngine", "rds:Piops"]},
      "addtagstoresource": {"name": "AddTagsToResource",
        "resourceTypes": [{"name": "db", "required": false, "conditionKeys": []}],
        "conditionKeys": ["aws:TagKeys"]}
    },
    "resourceTypes": {
      "db": {"key": "db", "arn": "arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}",
             "conditionKeys": ["aws:ResourceTag/${TagKey}", "rds:db-tag/${TagKey}"]}
    },
    "conditionKeys": {
      "aws:tagkeys": {"key": "aws:TagKeys", "type": "ArrayOfString"},
      "aws:requesttag/${tagkey}": {"key": "aws:RequestTag/${TagKey}", "type": "String"},
      "rds:databaseengine": {"key": "rds:DatabaseEngine", "type": "String"},
      "rds:piops": {"key": "rds:Piops", "type": "Numeric"},
      "rds:db-tag/${tagkey}": {"key": "rds:db-tag/${TagKey}", "type": "String"},
      "rds:endpointtypes": {"key": "rds:EndpointTypes", "type": "ArrayOfString"}
    }},
  "s3": {"prefix": "s3", "name": "Amazon S3",
    "actions": {
      "getobject": {"name": "GetObject",
        "resourceTypes": [{"name": "object", "required": false, "conditionKeys": []}],
        "conditionKeys": ["s3:ExistingObjectTag/<key>"]}
    },
    "resourceTypes": {"object": {"key": "object", "conditionKeys": []}},
    "conditionKeys": {
      "s3:existingobjecttag/<key>": {"key": "s3:ExistingObjectTag/<key>", "type": "String"}
    }}
}"#;

fn catalog() -> Catalog {
    Catalog::from_json_slice("tiny.json", TINY.as_bytes()).unwrap()
}

fn policy(text: &str) -> Policy {
    parse_policy(
        "p.json",
        text.as_bytes(),
        PolicyKind::Identity,
        &Limits::default(),
    )
    .unwrap()
    .policy
}

fn stmt(body: &str) -> Policy {
    policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny",{body}}}]}}"#
    ))
}

fn kinds(p: &Policy, cat: Option<&Catalog>) -> Vec<WarningKind> {
    check_policy(p, cat).into_iter().map(|w| w.kind).collect()
}

#[test]
fn catalog_loads_services_actions_keys_and_templates() {
    let c = catalog();
    assert_eq!(c.service_count(), 2);
    assert!(c.has_service("RDS"));
    assert!(!c.has_service("rds-db"));
    assert!(c.has_action("rds:DeleteDBInstance"));
    assert!(c.has_action("RDS:deletedbinstance"));
    assert!(!c.has_action("rds:DeleteDBInstances"));
    assert_eq!(c.key_type("rds:piops"), Some("Numeric"));
    assert_eq!(c.key_type("RDS:DB-TAG/stage"), Some("String"));
    assert_eq!(c.key_type("rds:db-tag/"), None);
    assert_eq!(c.key_type("s3:ExistingObjectTag/team"), Some("String"));
    // Global keys are built in (K-4 … K-9), tag keys as templates.
    assert_eq!(c.key_type("aws:MultiFactorAuthAge"), Some("Numeric"));
    assert_eq!(c.key_type("aws:PrincipalTag/team"), Some("String"));
    assert_eq!(c.key_info("aws:TagKeys").unwrap().valued, Valued::Multi);
    assert_eq!(c.key_type("aws:NoSuchKey"), None);
    assert_eq!(
        c.actions_matching("RDS:*DBInstance"),
        vec!["rds:CreateDBInstance", "rds:DeleteDBInstance"]
    );
    assert_eq!(c.actions_matching("*").len(), 4);
    assert!(c.actions_matching("nope:*").is_empty());
}

#[test]
fn catalog_errors_name_the_place() {
    use iamc_catalog::ErrorKind;
    let e = Catalog::from_json_slice("bad.json", b"[1]").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::WrongType { .. }), "{e}");
    let e = Catalog::from_json_slice("bad.json", br#"{"s3": 5}"#).unwrap_err();
    assert_eq!(e.path, "$.s3");
    assert_eq!(
        e.to_string(),
        "bad.json: $.s3: expected an object, found a number"
    );
    let e = Catalog::from_json_slice("bad.json", b"{").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Json(_)));
    let e = Catalog::load(std::path::Path::new("/nonexistent/x.json")).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Io(_)));
}

#[test]
fn c24_seed_000_string_like_if_exists_on_tag_keys() {
    // Seed 000: the "production only" deny is a plain operator on aws:TagKeys.
    let p = policy(
        r#"{"Statement":[{"Effect":"Deny","Action":["rds:DeleteDBInstance"],"Resource":"*",
            "Condition":{"StringLikeIfExists":{"aws:TagKeys":"production"}}}]}"#,
    );
    for cat in [None, Some(&catalog())] {
        let w = check_policy(&p, cat);
        let hits: Vec<_> = w
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::PlainOperatorOnMultivaluedKey { .. }))
            .collect();
        assert_eq!(hits.len(), 1, "{w:?}");
        assert_eq!(
            hits[0].path.as_str(),
            "$.Statement[0].Condition.StringLikeIfExists[\"aws:TagKeys\"]"
        );
        let text = hits[0].to_string();
        assert!(
            text.contains("fires on every request without tags and never on tagged ones"),
            "{text}"
        );
    }
}

#[test]
fn c24_positive_plain_operator_never_holds_and_set_operators_are_fine() {
    let p = stmt(
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"AWS:TAGKEYS":"a"}}"#,
    );
    let w = check_policy(&p, None);
    assert_eq!(w.len(), 1);
    assert!(w[0].to_string().contains("it never holds"), "{}", w[0]);
    // With a set operator, or on a single-valued key: no C-24 warning.
    for body in [
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#,
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"Null":{"aws:TagKeys":"true"}}"#,
    ] {
        assert_eq!(kinds(&stmt(body), Some(&catalog())), vec![], "{body}");
    }
    // A service key typed ArrayOfString in the catalog only.
    let p = stmt(
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringNotEquals":{"rds:EndpointTypes":"READER"}}"#,
    );
    let k = kinds(&p, Some(&catalog()));
    assert!(
        k.iter().any(|k| matches!(k, WarningKind::PlainOperatorOnMultivaluedKey { key, .. } if key == "rds:EndpointTypes")),
        "{k:?}"
    );
}

#[test]
fn c20_c21_set_operator_on_single_valued_key() {
    let p = stmt(
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:username":"a"},"ForAnyValue:StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
    );
    let w = check_policy(&p, Some(&catalog()));
    let set: Vec<_> = w
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::SetOperatorOnSingleValuedKey { .. }))
        .collect();
    assert_eq!(set.len(), 2, "{w:?}");
    assert!(set[0].to_string().contains("true when the key is absent"));
    // Without a catalog only the global key is known.
    assert_eq!(
        kinds(&p, None),
        vec![WarningKind::SetOperatorOnSingleValuedKey {
            operator: "ForAllValues:StringEquals".into(),
            key: "aws:username".into()
        }]
    );
    // Unknown keys are not known to be single-valued.
    let p =
        stmt(r#""Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"x:y":"a"}}"#);
    assert_eq!(kinds(&p, None), vec![]);
}

#[test]
fn a1_unknown_service_and_action_with_hints() {
    let p = stmt(
        r#""Action":["rdss:DeleteDBInstance","rds:DeleteDBInstanse","rds:Delete*","rds:Nope*","*","S3:getobject"],"Resource":"*""#,
    );
    let k = kinds(&p, Some(&catalog()));
    assert_eq!(
        k,
        vec![
            WarningKind::UnknownService {
                action: "rdss:DeleteDBInstance".into(),
                suggestion: Some("rds:DeleteDBInstance".into())
            },
            WarningKind::UnknownAction {
                action: "rds:DeleteDBInstanse".into(),
                suggestion: Some("rds:DeleteDBInstance".into())
            },
            WarningKind::ActionPatternMatchesNothing("rds:Nope*".into()),
        ]
    );
    let w = check_policy(&p, Some(&catalog()));
    assert_eq!(w[1].path.as_str(), "$.Statement[0].Action[1]");
    assert!(w[1]
        .to_string()
        .contains("(did you mean \"rds:DeleteDBInstance\"?)"));
    // No catalog: no catalog checks.
    assert_eq!(kinds(&p, None), vec![]);
}

#[test]
fn k10_unknown_condition_key_with_hint() {
    let p = stmt(
        r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngin":"mysql","rds:db-tag/stage":"x","aws:MultiFactorAuthAge2":"1","aws:PrincipalTag/team":"t"}}"#,
    );
    let k = kinds(&p, Some(&catalog()));
    assert_eq!(
        k,
        vec![
            WarningKind::UnknownConditionKey {
                key: "rds:DatabaseEngin".into(),
                suggestion: Some("rds:DatabaseEngine".into())
            },
            WarningKind::UnknownConditionKey {
                key: "aws:MultiFactorAuthAge2".into(),
                suggestion: Some("aws:MultiFactorAuthAge".into())
            },
        ]
    );
}

#[test]
fn v2_variable_under_2008_is_literal() {
    let p = policy(
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
           "Resource":"arn:aws:s3:::b/${aws:username}/*",
           "Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#,
    );
    let w = check_policy(&p, None);
    let lit: Vec<_> = w
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::LiteralVariable(_)))
        .map(|w| w.path.as_str().to_string())
        .collect();
    assert_eq!(
        lit,
        vec![
            "$.Statement[0].Resource".to_string(),
            "$.Statement[0].Condition.StringLike[\"s3:prefix\"]".to_string()
        ]
    );
    // No Version at all reads as 2008-10-17 too (G-2).
    let p = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#,
    );
    assert_eq!(check_policy(&p, None).len(), 1);
    // Same text under 2012-10-17: a real variable, no warning.
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#,
    );
    assert_eq!(check_policy(&p, None), vec![]);
    // Literal special characters and a lone `$` are not variables.
    let p = policy(
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/$x"}]}"#,
    );
    assert_eq!(check_policy(&p, None), vec![]);
}

#[test]
fn c5_if_exists_on_key_the_actions_never_carry() {
    let cat = catalog();
    // rds:DatabaseEngine is carried by CreateDBInstance, not DeleteDBInstance.
    let p = stmt(
        r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
    );
    assert_eq!(
        kinds(&p, Some(&cat)),
        vec![WarningKind::KeyNeverPresent {
            operator: "StringEqualsIfExists".into(),
            key: "rds:DatabaseEngine".into()
        }]
    );
    // Negated operator: same.
    let p = stmt(
        r#""Action":"rds:Delete*","Resource":"*","Condition":{"NumericNotEquals":{"rds:Piops":"0"}}"#,
    );
    assert_eq!(kinds(&p, Some(&cat)).len(), 1);
    // Carried by one of the actions (directly, or through the resource type's keys).
    for body in [
        r#""Action":["rds:DeleteDBInstance","rds:CreateDBInstance"],"Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
        r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:db-tag/stage":"devo"}}"#,
        r#""Action":"rds:C*","Resource":"*","Condition":{"NumericNotEquals":{"rds:Piops":"0"}}"#,
        // Positive operator without IfExists: not this check.
        r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
        // NotAction and `*`: the actions are not a closed set.
        r#""NotAction":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
        r#""Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
        // Global keys are not service keys.
        r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
    ] {
        assert_eq!(kinds(&stmt(body), Some(&cat)), vec![], "{body}");
    }
}

#[test]
fn glob_matches_whole_string() {
    assert!(glob(b"delete*", b"deletedbinstance"));
    assert!(glob(b"*instance", b"deletedbinstance"));
    assert!(glob(b"d?l*e", b"deletedbinstance"));
    assert!(!glob(b"delete", b"deletedbinstance"));
    assert!(!glob(b"?", b""));
    assert!(glob(b"*", b""));
    assert!(glob(b"a*b*c", b"aXbYbZc"));
}
