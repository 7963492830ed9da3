//! Round trips and hostile bytes: every corruption is a typed error, never a panic.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::ir::{ConditionIr, KeyIr, PolicyIr, PrincipalIr};
use crate::PolicySet;

fn sample() -> PolicySetIr {
    let t = |s: &str| TemplateIr {
        parts: vec![TemplatePartIr::Text(s.to_string())],
    };
    PolicySetIr {
        policies: vec![
            PolicyIr {
                kind: PolicyKind::Identity,
                level: 0,
                index: 0,
                name: "p0".into(),
                statements: vec![StatementIr {
                    index: 0,
                    sid: Some("S".into()),
                    allow: true,
                    principal: None,
                    not_action: false,
                    actions: vec!["s3:Get*".into()],
                    not_resource: false,
                    resources: vec![TemplateIr {
                        parts: vec![
                            TemplatePartIr::Text("arn:aws:s3:::b/".into()),
                            TemplatePartIr::Variable {
                                key: 0,
                                default: Some("x".into()),
                            },
                            TemplatePartIr::Literal("*".into()),
                        ],
                    }],
                    conditions: vec![ConditionIr {
                        key: 1,
                        set: Some(SetOp::ForAnyValue),
                        op: OpKind::Ip,
                        negated: true,
                        if_exists: true,
                        values: vec![t("10.0.0.0/8")],
                    }],
                    opaque: None,
                }],
            },
            PolicyIr {
                kind: PolicyKind::Scp,
                level: 1,
                index: 0,
                name: "scp".into(),
                statements: vec![StatementIr {
                    index: 0,
                    sid: None,
                    allow: false,
                    principal: Some(PrincipalIr {
                        negated: true,
                        wildcard: false,
                        entries: vec!["arn:aws:iam::1:root".into()],
                    }),
                    not_action: true,
                    actions: vec!["iam:*".into()],
                    not_resource: true,
                    resources: vec![t("*")],
                    conditions: vec![],
                    opaque: None,
                }],
            },
        ],
        keys: vec![
            KeyIr {
                name: "aws:username".into(),
                multivalued: false,
            },
            KeyIr {
                name: "aws:sourceip".into(),
                multivalued: false,
            },
        ],
        scp_levels: 2,
        rcp_levels: 0,
        management_account: Some("111122223333".into()),
        rcp_services: vec!["s3".into(), "kms".into()],
        automata: vec![],
        action_automata: vec![],
    }
}

#[test]
fn round_trip_ir_and_build_info() {
    let ir = sample();
    let build = BuildInfo {
        compiler_version: "iamc 9".into(),
        created_unix_secs: 42,
        producer: "test".into(),
        inputs: vec!["a.json".into()],
    };
    let bytes = encode(&ir, &build);
    let a = decode(&bytes).unwrap();
    assert_eq!(a.ir, ir);
    assert_eq!(a.build, build);
    assert_eq!(a.header.format_version, FORMAT_VERSION);
    let set = PolicySet::from_bytes(&bytes).unwrap();
    assert_eq!(set.build_info(), Some(&build));
    assert_eq!(set.ir().unwrap(), ir);
    assert_eq!(set.to_bytes(), bytes);
    let fresh = PolicySet::new(&ir).unwrap();
    assert_eq!(fresh.to_bytes_with(&build), bytes);
    assert_eq!(fresh.build_info(), None);
}

#[test]
fn header_errors() {
    let bytes = encode(&sample(), &BuildInfo::runtime_default());
    let mut b = bytes.clone();
    b[0] = b'X';
    assert!(matches!(decode(&b), Err(LoadError::BadMagic { .. })));
    let mut b = bytes.clone();
    b[6..8].copy_from_slice(&BYTE_ORDER_MARK.to_be_bytes());
    assert_eq!(decode(&b), Err(LoadError::WrongEndianness));
    let mut b = bytes.clone();
    b[4] = 1;
    assert!(matches!(
        decode(&b),
        Err(LoadError::UnsupportedVersion { found: 1, .. })
    ));
    assert!(matches!(
        decode(&bytes[..bytes.len() - 1]),
        Err(LoadError::Truncated { .. })
    ));
    let mut b = bytes.clone();
    b.push(0);
    assert!(matches!(decode(&b), Err(LoadError::TrailingBytes { .. })));
    let mut b = bytes.clone();
    let last = b.len() - 1;
    b[last] ^= 1;
    assert!(matches!(
        decode(&b),
        Err(LoadError::ChecksumMismatch { .. })
    ));
    assert!(matches!(
        decode_with(
            &b,
            LoadOptions {
                verify_checksum: false,
                ..LoadOptions::default()
            }
        ),
        Err(LoadError::Corrupt { .. }) | Ok(_)
    ));
    assert!(matches!(decode(b"IA"), Err(LoadError::Truncated { .. })));
    assert!(matches!(decode(b"{\"a\""), Err(LoadError::BadMagic { .. })));
}

#[test]
fn hostile_count_is_rejected_before_allocating() {
    // A valid header and metadata, then an IR claiming u32::MAX keys.
    let mut w = Writer::default();
    w.u32(0);
    w.u32(0);
    w.opt_str(None);
    w.u32(u32::MAX);
    let bytes = assemble(&BuildInfo::default(), &w.buf);
    assert!(matches!(
        decode(&bytes),
        Err(LoadError::Corrupt {
            reason: "count larger than the remaining input",
            ..
        })
    ));
}

#[test]
fn bad_key_id_and_level_are_corrupt() {
    let mut ir = sample();
    ir.policies[0].statements[0].conditions[0].key = 7;
    let bytes = encode(&ir, &BuildInfo::default());
    assert!(matches!(decode(&bytes), Err(LoadError::Corrupt { .. })));
    let mut ir = sample();
    ir.scp_levels = 1;
    let bytes = encode(&ir, &BuildInfo::default());
    assert!(matches!(decode(&bytes), Err(LoadError::Corrupt { .. })));
    let mut ir = sample();
    ir.policies[0].statements[0].conditions[0].values[0] = TemplateIr {
        parts: vec![TemplatePartIr::Text("not an ip".into())],
    };
    let bytes = encode(&ir, &BuildInfo::default());
    assert!(decode(&bytes).is_ok());
    assert!(matches!(
        PolicySet::from_bytes(&bytes),
        Err(LoadError::Build(BuildError::InvalidValue { .. }))
    ));
}
