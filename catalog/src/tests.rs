//! Tests of the loader, the compact format and the embedded copy.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

const MINI: &str = r#"{
  "s3": {"prefix": "s3",
    "actions": {
      "getobject": {"name": "GetObject", "accessLevel": "Read",
        "resourceTypes": [{"name": "object", "conditionKeys": ["s3:x-amz-acl"]}, {"name": "nope"}],
        "conditionKeys": ["aws:TagKeys", "s3:VersionId"]},
      "listallmybuckets": {"name": "ListAllMyBuckets", "accessLevel": "List"},
      "newthing": {}
    },
    "resourceTypes": {
      "object": {"arn": "arn:${Partition}:s3:::${BucketName}/${ObjectName}", "conditionKeys": ["s3:ExistingObjectTag/<key>"]},
      "bucket": {"arn": "arn:${Partition}:s3:::${BucketName}"},
      "odd": {}
    },
    "conditionKeys": {
      "s3:versionid": {"key": "s3:VersionId"},
      "aws:tagkeys": {"key": "aws:TagKeys", "type": "ArrayOfString"}
    }},
  "a4b": {"actions": {}}
}"#;

#[test]
fn json_loader_reads_the_model_sorted() {
    let r = ServiceReference::from_json_slice("mini.json", MINI.as_bytes()).unwrap();
    assert_eq!(r.services.len(), 2);
    assert_eq!(r.services[0].prefix, "a4b");
    let s3 = &r.services[1];
    let types: Vec<&str> = s3.resource_types.iter().map(|t| &*t.name).collect();
    assert_eq!(types, ["bucket", "object", "odd"]);
    assert!(s3.resource_types[2].arn.is_none());
    assert_eq!(s3.condition_keys[0].name, "aws:TagKeys");
    assert_eq!(s3.condition_keys[1].ty, "String");
    let get = &s3.actions[0];
    assert_eq!(get.name, "GetObject");
    assert_eq!(get.access_level, "Read");
    // `nope` is not a type of the service: left out; the entry's keys are the action's.
    assert_eq!(get.resource_types, [1]);
    assert_eq!(
        get.condition_keys,
        ["aws:TagKeys", "s3:VersionId", "s3:x-amz-acl"]
    );
    assert_eq!(s3.actions[2].name, "newthing");
    assert_eq!(s3.actions[2].access_level, "");
    assert_eq!(r.action_count(), 3);
    assert!(r.api_aliases.is_empty());
}

#[test]
fn json_errors_name_the_file_and_the_path() {
    let e = ServiceReference::from_json_slice("bad.json", br#"{"s3":{"actions":3}}"#).unwrap_err();
    assert_eq!(e.path, "$.s3.actions");
    assert_eq!(
        e.to_string(),
        "bad.json: $.s3.actions: expected an object, found a number"
    );
    let e = ServiceReference::from_json_slice(
        "bad.json",
        br#"{"s3":{"actions":{"a":{"resourceTypes":[{"conditionKeys":[1]}]}}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.path, "$.s3.actions.a.resourceTypes[0].conditionKeys[0]");
    let e = ServiceReference::from_json_slice(
        "bad.json",
        br#"{"s3":{"conditionKeys":{"s3:k":{"type":2}}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.path, r#"$.s3.conditionKeys["s3:k"].type"#);
    let e = ServiceReference::from_json_slice("bad.json", b"[1]").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::WrongType { .. }), "{e}");
    assert_eq!(e.path, "$");
    let e = ServiceReference::from_json_slice("bad.json", b"{").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Json(_)), "{e}");
    let e = ServiceReference::load(std::path::Path::new("/nonexistent/x.json")).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Io(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("/nonexistent/x.json: $: cannot read"),
        "{e}"
    );
}

#[test]
fn compact_format_round_trips_and_names_bad_lines() {
    let text = "# c\nS\ts3\nK\ts3:VersionId\tString\nT\tbucket\tarn:${Partition}:s3:::${BucketName}\nT\tobject\tarn:o\ts3:k\nA\tGetObject\tRead\t1\ts3:VersionId\nA\tListAllMyBuckets\tList\t\nN\ts3\tGetBucketThing\tGetObject\n";
    let r = compact::parse("t", text).unwrap();
    let s3 = &r.services[0];
    assert_eq!(s3.resource_types[1].condition_keys, ["s3:k"]);
    assert_eq!(s3.actions[0].resource_types, [1]);
    assert_eq!(s3.actions[0].condition_keys, ["s3:VersionId"]);
    assert!(s3.actions[1].resource_types.is_empty());
    assert_eq!(r.api_aliases[0].api, "GetBucketThing");
    assert_eq!(compact::parse_aliases("t", text).unwrap(), r.api_aliases);
    let e = compact::parse("t", "S\ts3\nA\tX\tRead\t7\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "t: line 2: a resource type index that is not one of the service's"
    );
    let crlf = compact::parse("t", "S\ts3\r\n\r\nA\tX\tRead\t\r\n").unwrap();
    assert_eq!(crlf.services[0].actions[0].name, "X");
    let e = compact::parse("t", "A\tX\tRead\t\n").unwrap_err();
    assert_eq!(e.path, "line 1");
}

#[test]
fn embedded_copy_parses() {
    let r = ServiceReference::embedded().unwrap();
    assert!(r.services.len() > 400, "{}", r.services.len());
    assert!(r.action_count() > 20_000);
    assert!(!r.api_aliases.is_empty());
}

/// The embedded copy is what `catalog/generate.py` makes of the shared corpus's reference
/// (when the corpus is there): the same model as the JSON loader's.
#[test]
fn embedded_copy_matches_the_service_reference() {
    let shared = std::env::var_os("IAMC_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared")
        });
    let full = shared.join("corpus/service-reference/iam-service-reference.json");
    if !full.exists() {
        eprintln!("skipped: no {}", full.display());
        return;
    }
    let full = ServiceReference::load(&full).unwrap();
    let embedded = ServiceReference::embedded().unwrap();
    assert_eq!(
        full.services.len(),
        embedded.services.len(),
        "the embedded copy is out of date: run catalog/generate.py"
    );
    for (a, b) in full.services.iter().zip(&embedded.services) {
        assert!(
            a == b,
            "the embedded copy is out of date ({}): run catalog/generate.py",
            a.prefix
        );
    }
    let with = full.with_embedded_aliases().unwrap();
    assert_eq!(with.api_aliases, embedded.api_aliases);
}
