//! The value pools the generated tests draw from: the differential tests
//! (`tests/tests/differential.rs`) and the fuzz target `decide_vs_reference` pick actions,
//! principals, resources, condition keys, operators and values from these, so a value added
//! here is tried by both. Policy pools hold the patterns and variables a policy may write;
//! request pools hold the near misses (case, Unicode look-alikes, one character off,
//! unparseable typed values) a request may bring.
//!
//! Accounts: [`A`] (member), [`B`] (other member), [`M`] (management).

pub const A: &str = "111122223333";
pub const B: &str = "444455556666";
pub const M: &str = "999988887777";

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteBucket",
    "iam:GetUser",
    "iam:PassRole",
    "ec2:RunInstances",
    "ec2:StopInstances",
    "kms:Decrypt",
    "kms:Encrypt",
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "dynamodb:GetItem",
    "sqs:SendMessage",
    "lambda:InvokeFunction",
    // E-20, and E-10's services with and without RCP support.
    "sts:GetCallerIdentity",
    "sns:Publish",
    "ecr:BatchGetImage",
    "secretsmanager:GetSecretValue",
];

pub const ACTION_PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "s3:*Object",
    "s3:Get?bject",
    "S3:getobject",
    "iam:?etUser",
    "ec2:*Instances",
    "kms:*crypt",
    "kms:*",
    "sts:AssumeRole*",
    "sts:assumerole",
    "dynamodb:Get*",
    "s3:**",
    "sts:Get*",
    "sns:*",
    "secretsmanager:*",
];

pub fn principal_pool() -> Vec<String> {
    vec![
        format!("arn:aws:iam::{A}:user/alice"),
        format!("arn:aws:iam::{A}:user/path/bob"),
        format!("arn:aws:iam::{B}:user/carol"),
        format!("arn:aws:iam::{A}:role/app"),
        format!("arn:aws:iam::{A}:role/path/app"),
        format!("arn:aws:sts::{A}:assumed-role/app/sess1"),
        format!("arn:aws:sts::{B}:assumed-role/app/s"),
        format!("arn:aws:sts::{A}:assumed-role/other/s"),
        format!("arn:aws:iam::{A}:root"),
        format!("arn:aws:iam::{B}:root"),
        format!("arn:aws:iam::{M}:user/admin"),
        format!("arn:aws:sts::{M}:assumed-role/app/s"),
        format!("arn:aws:sts::{A}:federated-user/fed"),
        format!("arn:aws:iam::{A}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2"),
        format!("arn:aws-cn:iam::{A}:user/alice"),
        "s3.amazonaws.com".to_string(),
        "lambda.amazonaws.com".to_string(),
        "anonymous".to_string(),
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_string(),
        "cognito-identity.amazonaws.com".to_string(),
        // Edge shapes: region set, no account, session without a session name or role name.
        format!("arn:aws:iam:us-east-1:{A}:user/alice"),
        "arn:aws:iam:::user/nobody".to_string(),
        format!("arn:aws:sts::{A}:assumed-role/app"),
        format!("arn:aws:sts::{A}:assumed-role//s"),
        format!("arn:aws:iam:us-east-1:{A}:role/aws-service-role/x/y"),
        format!("arn:aws:iam:us-east-1:{A}:role/app"),
    ]
}

pub fn principal_entry_pool() -> Vec<(&'static str, String)> {
    vec![
        ("AWS", A.to_string()),
        ("AWS", B.to_string()),
        ("AWS", format!("arn:aws:iam::{A}:root")),
        ("AWS", format!("arn:aws:iam::{B}:root")),
        ("AWS", format!("arn:aws:iam::{A}:user/alice")),
        ("AWS", format!("arn:aws:iam::{B}:user/carol")),
        ("AWS", format!("arn:aws:iam::{A}:role/app")),
        ("AWS", format!("arn:aws:iam::{A}:role/path/app")),
        ("AWS", format!("arn:aws:iam::{B}:role/app")),
        ("AWS", format!("arn:aws:sts::{A}:assumed-role/app/sess1")),
        ("AWS", format!("arn:aws:iam::{A}:user/Alice")),
        ("AWS", format!("arn:aws:iam::{M}:user/admin")),
        ("AWS", "*".to_string()),
        ("AWS", format!("arn:aws:iam::{A}:user/*")),
        ("AWS", format!("arn:aws:sts::{A}:assumed-role/app/*")),
        ("Service", "s3.amazonaws.com".to_string()),
        ("Service", "lambda.amazonaws.com".to_string()),
        ("Federated", "cognito-identity.amazonaws.com".to_string()),
        (
            "CanonicalUser",
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_string(),
        ),
    ]
}

pub fn resource_pool() -> Vec<String> {
    vec![
        "*".to_string(),
        "arn:aws:s3:::bucket".to_string(),
        "arn:aws:s3:::bucket/key.txt".to_string(),
        "arn:aws:s3:::bucket/home/alice/x".to_string(),
        "arn:aws:s3:::bucket/home/Alice/x".to_string(),
        "arn:aws:s3:::bucket/ü/é".to_string(),
        "arn:aws:s3:::bucket/*x".to_string(),
        "arn:aws:s3:::bucket/${aws:username}".to_string(),
        format!("arn:aws:kms:us-east-1:{A}:key/1234abcd"),
        format!("arn:aws:kms:us-east-1:{B}:key/5678"),
        format!("arn:aws:kms:us-east-1:{A}:alias/x"),
        format!("arn:aws:iam::{A}:role/app"),
        format!("arn:aws:iam::{A}:role/path/app"),
        format!("arn:aws:iam::{B}:role/other"),
        format!("arn:aws:ec2:us-east-1:{A}:instance/i-123"),
        format!("arn:aws:dynamodb:us-east-1:{A}:table/T"),
        format!("arn:aws:sqs:us-east-1:{M}:queue"),
        format!("arn:aws:iam::{A}:user/alice"),
        format!("arn:aws:iam:us-east-1:{A}:role/app"),
        "arn:aws:kms:us-east-1::key/noaccount".to_string(),
        format!("arn:aws:sns:us-east-1:{A}:topic"),
        format!("arn:aws:secretsmanager:eu-west-1:{A}:secret:app-1"),
    ]
}

pub fn resource_patterns() -> Vec<String> {
    vec![
        "*".to_string(),
        "arn:aws:s3:::bucket".to_string(),
        "arn:aws:s3:::bucket/*".to_string(),
        "arn:aws:s3:::bucket*".to_string(),
        "arn:aws:s3:::b?cket/*".to_string(),
        "arn:aws:s3:::bucket/?/*".to_string(),
        format!("arn:aws:kms:*:{A}:key/*"),
        format!("arn:aws:kms:us-east-1:{B}:key/5678"),
        "arn:aws:iam::*:role/*".to_string(),
        format!("arn:aws:iam::{A}:role/app"),
        "arn:aws:s3:::bucket/home/${aws:username}/*".to_string(),
        "arn:aws:s3:::bucket/home/${aws:username, 'alice'}/*".to_string(),
        "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*".to_string(),
        "arn:aws:s3:::bucket/${*}x".to_string(),
        "arn:aws:s3:::bucket/${?}".to_string(),
        "arn:aws:s3:::${$}".to_string(),
        "arn:aws:s3:::bucket/${aws:username}".to_string(),
        "arn:aws:s3:::bucket/${aws:TagKeys}/*".to_string(),
        "arn:aws:ec2:*:*:instance/*".to_string(),
        "arn:aws:*:*:*:*".to_string(),
        "arn:aws:s3:::bucket/ü/*".to_string(),
        format!("arn:aws:dynamodb:us-east-1:{A}:table/T"),
        // V-3: variables in the region and account fields.
        "arn:*:kms:*:${aws:PrincipalAccount}:key/*".to_string(),
        "arn:aws:dynamodb:${aws:RequestedRegion}:${aws:PrincipalAccount}:table/*".to_string(),
        "arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:app-*".to_string(),
        "arn:aws:iam::${aws:PrincipalAccount}:role/*".to_string(),
        "arn:aws:sns:${aws:RequestedRegion, 'us-east-1'}:*:topic".to_string(),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    MultiStr,
    Num,
    Date,
    Bool,
    Bin,
    Ip,
    Arn,
}

pub const KEYS: &[(&str, Ty)] = &[
    ("aws:username", Ty::Str),
    ("aws:PrincipalTag/team", Ty::Str),
    ("aws:RequestTag/env", Ty::Str),
    ("s3:prefix", Ty::Str),
    ("aws:ResourceTag/Ünï", Ty::Str),
    ("ec2:InstanceType", Ty::Str),
    ("aws:RequestTag/ΟΔΟΣ", Ty::Str),
    ("aws:TagKeys", Ty::MultiStr),
    ("aws:CalledVia", Ty::MultiStr),
    ("ec2:IKEVersions", Ty::MultiStr),
    ("s3:max-keys", Ty::Num),
    ("aws:MultiFactorAuthAge", Ty::Num),
    ("aws:CurrentTime", Ty::Date),
    ("aws:EpochTime", Ty::Date),
    ("aws:SecureTransport", Ty::Bool),
    ("aws:MultiFactorAuthPresent", Ty::Bool),
    ("custom:Blob", Ty::Bin),
    ("aws:SourceIp", Ty::Ip),
    ("aws:PrincipalArn", Ty::Arn),
    ("aws:SourceArn", Ty::Arn),
];

pub const VAR_KEYS: &[&str] = &[
    "aws:username",
    "aws:PrincipalTag/team",
    "aws:userid",
    "aws:PrincipalAccount",
    "aws:RequestedRegion",
    "s3:prefix",
    "aws:TagKeys",
];

pub const STR_POLICY: &[&str] = &[
    "alice",
    "Alice",
    "dev",
    "prod",
    "ünï",
    "ΑΣ",
    "ß",
    "İ",
    "K",
    "a*",
    "x?y",
    "*",
    "",
    "home/${aws:username}",
    "home/${aws:username}/*",
    "${aws:username}",
    "${aws:PrincipalTag/team, 'dev'}",
    "${aws:username, ''}",
    "${*}",
    "${?}",
    "${$}",
    "a${*}b",
    "${aws:TagKeys}",
    "${aws:userid}",
];

pub const STR_REQUEST: &[&str] = &[
    "alice",
    "Alice",
    "ALICE",
    "bob",
    "dev",
    "prod",
    "Prod",
    "ünï",
    "ÜNÏ",
    "ΑΣ",
    "ας",
    "ασ",
    "ß",
    "SS",
    "ss",
    "İ",
    "i̇",
    "i",
    "K",
    "k",
    "a*",
    "ab",
    "a",
    "x?y",
    "xzy",
    "*",
    "",
    "home/alice",
    "home/alice/x",
    "${aws:username}",
    "a*b",
    "?",
    "$",
];

pub const NUM_POLICY: &[&str] = &[
    "0",
    "-0",
    "10",
    "10.0",
    "010",
    "3600",
    "-3.5",
    "99999999999999999999",
    "0.1",
];
pub const NUM_REQUEST: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "9",
    "10",
    "010",
    "10.0",
    "10.5",
    "11",
    "3599",
    "3600",
    "3601",
    "-3.5",
    "-3.25",
    "-4",
    "1e1",
    " 10",
    "+10",
    "10.",
    ".5",
    "99999999999999999999",
    "100000000000000000000",
    "0.1",
    "0.10000000000000000001",
    "0.09",
    "",
];

pub const DATE_POLICY: &[&str] = &[
    "2024-01-01T00:00:00Z",
    "1704067200",
    "2024-01-01",
    "2024-01-01T02:00:00+02:00",
    "2023-12-31T23:59:59.999Z",
    "2000-02-29",
    "0000-03-01",
    "9999-12-31T23:59:59Z",
    "2024-01-01T00:00Z",
    "0",
];
pub const DATE_REQUEST: &[&str] = &[
    "2024-01-01T00:00:00Z",
    "1704067200",
    "1704067199",
    "1704067201",
    "2024-01-01T00:00:00.001Z",
    "2024-01-01T00:00:00.000000000001Z",
    "2023-12-31T23:59:59Z",
    "2023-12-31T23:59:59.999Z",
    "2024-01-01T01:00:00+01:00",
    "2023-12-31T23:00-01:00",
    "2024-01-01",
    "2024-01-01T00:00",
    "2024-1-1",
    "2024-02-30",
    "2000-02-29T00:00:00Z",
    "0000-02-29",
    "0000-03-01",
    "0",
    "999999999999999999",
    "1999999999999999999",
    "tomorrow",
    "",
    "2024-01-01T00:00:00+24:00",
];

pub const BOOL_POLICY: &[&str] = &["true", "false", "TRUE", "False"];
pub const BOOL_REQUEST: &[&str] = &["true", "false", "TRUE", "False", "yes", "1", "", "tru"];

pub const BIN_POLICY: &[&str] = &["aGVsbG8=", "YQ==", "", "AB==", "+/+/", "aGk="];
pub const BIN_REQUEST: &[&str] = &[
    "aGVsbG8=", "aGVsbG8", "YQ==", "YR==", "YQ", "", "AA==", "AB==", "+/+/", "-_-_", "aGk=", "aGk",
    "====", "A===",
];

pub const IP_POLICY: &[&str] = &[
    "10.0.0.0/8",
    "192.0.2.0/24",
    "192.0.2.1",
    "2001:db8::/32",
    "::ffff:10.0.0.0/104",
    "0.0.0.0/0",
    "::/0",
    "10.1.2.3/8",
    "10.0.0.0/032",
    "::ffff:192.0.2.1",
    "192.0.2.1/32",
];
pub const IP_REQUEST: &[&str] = &[
    "10.0.0.1",
    "10.255.255.255",
    "11.0.0.0",
    "192.0.2.1",
    "192.0.2.255",
    "192.0.3.0",
    "::ffff:10.0.0.1",
    "::ffff:192.0.2.1",
    "2001:db8::1",
    "2001:db9::1",
    "::1",
    "0.0.0.0",
    "10.0.0.1/32",
    "not-an-ip",
    "010.0.0.1",
    "[::1]",
    "",
];

pub fn arn_policy() -> Vec<String> {
    vec![
        format!("arn:aws:iam::{A}:user/*"),
        "arn:aws:iam::*:role/aws-service-role/*".to_string(),
        "arn:*:iam::*:*".to_string(),
        format!("arn:aws:iam::{A}:user/${{aws:username}}"),
        "arn:aws:s3:::bucket".to_string(),
        format!("arn:aws:sts::{A}:assumed-role/app/*"),
        "arn:aws".to_string(),
        "arn:aws:s3:::b:c:d".to_string(),
        format!("arn:aws:iam::{A}:root"),
        "*".to_string(),
        "arn:aws:iam::${aws:PrincipalAccount}:user/*".to_string(),
        "arn:aws:s3:::bucket/${*}".to_string(),
        "arn:aws:iam::?????????333:*".to_string(),
        "${aws:PrincipalArn}".to_string(),
        "${aws:SourceArn, 'arn:aws:s3:::bucket'}".to_string(),
        "arn:aws:iam::111122223333:${aws:username}".to_string(),
    ]
}

pub fn arn_request() -> Vec<String> {
    let mut v = principal_pool();
    v.extend(resource_pool());
    v.extend([
        "arn:aws".to_string(),
        "not:an:arn:at:all:really".to_string(),
        "arn:aws:s3:::b:c:d".to_string(),
        "arn:aws:s3:::bucket/*".to_string(),
        format!("arn:aws:iam::{A}:user/ALICE"),
    ]);
    v
}

pub fn policy_values(ty: Ty) -> Vec<String> {
    let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match ty {
        Ty::Str | Ty::MultiStr => s(STR_POLICY),
        Ty::Num => s(NUM_POLICY),
        Ty::Date => s(DATE_POLICY),
        Ty::Bool => s(BOOL_POLICY),
        Ty::Bin => s(BIN_POLICY),
        Ty::Ip => s(IP_POLICY),
        Ty::Arn => arn_policy(),
    }
}

pub fn request_values(ty: Ty) -> Vec<String> {
    let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match ty {
        Ty::Str | Ty::MultiStr => s(STR_REQUEST),
        Ty::Num => s(NUM_REQUEST),
        Ty::Date => s(DATE_REQUEST),
        Ty::Bool => s(BOOL_REQUEST),
        Ty::Bin => s(BIN_REQUEST),
        Ty::Ip => s(IP_REQUEST),
        Ty::Arn => arn_request(),
    }
}

pub const ALL_TYPES: [Ty; 8] = [
    Ty::Str,
    Ty::MultiStr,
    Ty::Num,
    Ty::Date,
    Ty::Bool,
    Ty::Bin,
    Ty::Ip,
    Ty::Arn,
];

/// (base operator, the key/value type it reads).
pub const OPS: &[(&str, Ty)] = &[
    ("StringEquals", Ty::Str),
    ("StringNotEquals", Ty::Str),
    ("StringEqualsIgnoreCase", Ty::Str),
    ("StringNotEqualsIgnoreCase", Ty::Str),
    ("StringLike", Ty::Str),
    ("StringNotLike", Ty::Str),
    ("NumericEquals", Ty::Num),
    ("NumericNotEquals", Ty::Num),
    ("NumericLessThan", Ty::Num),
    ("NumericLessThanEquals", Ty::Num),
    ("NumericGreaterThan", Ty::Num),
    ("NumericGreaterThanEquals", Ty::Num),
    ("DateEquals", Ty::Date),
    ("DateNotEquals", Ty::Date),
    ("DateLessThan", Ty::Date),
    ("DateLessThanEquals", Ty::Date),
    ("DateGreaterThan", Ty::Date),
    ("DateGreaterThanEquals", Ty::Date),
    ("Bool", Ty::Bool),
    ("BinaryEquals", Ty::Bin),
    ("IpAddress", Ty::Ip),
    ("NotIpAddress", Ty::Ip),
    ("ArnEquals", Ty::Arn),
    ("ArnLike", Ty::Arn),
    ("ArnNotEquals", Ty::Arn),
    ("ArnNotLike", Ty::Arn),
    ("Null", Ty::Bool),
];
