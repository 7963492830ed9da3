//! CloudTrail record → IAM request (issue 6, "Event → request").
//!
//! A record is deserialized into [`Event`], borrowing every string from the record's text
//! (escaped strings are the only copies), with `requestParameters` kept as raw JSON and parsed
//! only when `resources[]` does not say what the call touched. [`map_event`] then derives:
//!
//! - **action**: the IAM prefix of `eventSource` (`monitoring` → `cloudwatch`, …) + `eventName`
//!   (Lambda's dated API names and S3's REST names translated), checked against the service
//!   reference; an action it does not list is counted approximate;
//! - **principal** from `userIdentity` (IAM user, role session `arn:aws:sts::A:assumed-role/R/S`
//!   with its role from `sessionContext.sessionIssuer`, root, federated user, AWS service
//!   (`invokedBy`), another account, anonymous);
//! - **resources** from `resources[]` (only those of a type the action authorizes on), else
//!   built from `requestParameters` for the common services, else `*` (approximate unless the
//!   action has no resource-level permissions, where `*` is exact);
//! - **context**: only keys the record tells (K-1). `aws:MultiFactorAuthPresent` is set only
//!   for temporary credentials, i.e. when `sessionContext` is present (K-4), and
//!   `aws:MultiFactorAuthAge` only when MFA was used. `aws:SourceIp` only when
//!   `sourceIPAddress` is an IP address (a service name there is not). Nothing is guessed.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::catalog::Catalog;

/// A CloudTrail record, as much of it as the audit reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    /// `eventID`.
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "eventID")]
    pub event_id: Option<Cow<'a, str>>,
    /// `eventTime` (ISO 8601).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub event_time: Option<Cow<'a, str>>,
    /// Logstash exports carry `@timestamp` instead of `eventTime`.
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "@timestamp")]
    pub timestamp: Option<Cow<'a, str>>,
    /// `eventSource` (`s3.amazonaws.com`).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub event_source: Option<Cow<'a, str>>,
    /// `eventName` (`GetObject`).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub event_name: Option<Cow<'a, str>>,
    /// `awsRegion`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub aws_region: Option<Cow<'a, str>>,
    /// `sourceIPAddress`: an IP address or a service name.
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_str",
        rename = "sourceIPAddress"
    )]
    pub source_ip: Option<Cow<'a, str>>,
    /// `userAgent`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub user_agent: Option<Cow<'a, str>>,
    /// `errorCode` (`AccessDenied`, `Client.UnauthorizedOperation`, …).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub error_code: Option<Cow<'a, str>>,
    /// `recipientAccountId`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub recipient_account_id: Option<Cow<'a, str>>,
    /// `vpcEndpointId`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub vpc_endpoint_id: Option<Cow<'a, str>>,
    /// `userIdentity`.
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    /// `requestParameters`, unparsed.
    #[serde(borrow)]
    pub request_parameters: Option<&'a RawValue>,
    /// `resources`.
    #[serde(borrow)]
    pub resources: Option<Vec<EventResource<'a>>>,
    /// `tlsDetails` (only whether it is present matters).
    pub tls_details: Option<serde::de::IgnoredAny>,
}

impl Event<'_> {
    /// Whether the object looks like a CloudTrail event at all: it names a source, an event
    /// or a caller. `{}` or `{"Records":null}` read as an event has none of them, and
    /// deciding it would count an "event" no log holds.
    pub fn is_cloudtrail(&self) -> bool {
        self.event_source.is_some() || self.event_name.is_some() || self.user_identity.is_some()
    }
}

/// `userIdentity`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    /// `type`: IAMUser, AssumedRole, Root, FederatedUser, AWSService, AWSAccount, Unknown…
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    /// `principalId`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub principal_id: Option<Cow<'a, str>>,
    /// `arn`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub arn: Option<Cow<'a, str>>,
    /// `accountId`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub account_id: Option<Cow<'a, str>>,
    /// `userName`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub user_name: Option<Cow<'a, str>>,
    /// `invokedBy`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub invoked_by: Option<Cow<'a, str>>,
    /// `sessionContext`.
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    /// `sessionIssuer`.
    #[serde(borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    /// `attributes`.
    #[serde(borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
}

/// `sessionContext.sessionIssuer`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    /// `type` (`Role`, `IAMUser`).
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    /// `arn`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub arn: Option<Cow<'a, str>>,
    /// `userName`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub user_name: Option<Cow<'a, str>>,
}

/// `sessionContext.attributes`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes<'a> {
    /// `mfaAuthenticated`: `"true"` / `"false"`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub mfa_authenticated: Option<Cow<'a, str>>,
    /// `creationDate`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub creation_date: Option<Cow<'a, str>>,
}

/// One entry of `resources[]`.
#[derive(Debug, Default, Deserialize)]
pub struct EventResource<'a> {
    /// `ARN`.
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "ARN")]
    pub arn: Option<Cow<'a, str>>,
    /// `ARNPrefix` (some services give a prefix instead).
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "ARNPrefix")]
    pub arn_prefix: Option<Cow<'a, str>>,
    /// `accountId`.
    #[serde(borrow, default, deserialize_with = "opt_str", rename = "accountId")]
    pub account_id: Option<Cow<'a, str>>,
}

/// An optional string field, borrowed from the record when it has no escapes. (serde's own
/// `Option<Cow<str>>` always copies: the borrow only applies to a bare `Cow` field.)
fn opt_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
    }
    d.deserialize_option(V)
}

/// A string-or-anything field of `requestParameters`: non-strings are skipped, so an odd
/// shape in one service never makes a record unreadable.
#[derive(Debug, Default)]
pub struct Lenient<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lenient<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The `requestParameters` fields resources are built from.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Params<'a> {
    #[serde(borrow)]
    bucket_name: Lenient<'a>,
    #[serde(borrow)]
    key: Lenient<'a>,
    #[serde(borrow)]
    user_name: Lenient<'a>,
    #[serde(borrow)]
    role_name: Lenient<'a>,
    #[serde(borrow)]
    group_name: Lenient<'a>,
    #[serde(borrow)]
    policy_arn: Lenient<'a>,
    #[serde(borrow)]
    instance_id: Lenient<'a>,
    #[serde(borrow)]
    instances_set: Option<Items<'a>>,
    #[serde(borrow, rename = "dBInstanceIdentifier")]
    db_instance: Lenient<'a>,
    #[serde(borrow, rename = "dBSnapshotIdentifier")]
    db_snapshot: Lenient<'a>,
    #[serde(borrow, rename = "dBClusterIdentifier")]
    db_cluster: Lenient<'a>,
    #[serde(borrow, rename = "dBClusterSnapshotIdentifier")]
    db_cluster_snapshot: Lenient<'a>,
    #[serde(borrow)]
    function_name: Lenient<'a>,
    #[serde(borrow)]
    key_id: Lenient<'a>,
    #[serde(borrow)]
    table_name: Lenient<'a>,
    #[serde(borrow)]
    queue_url: Lenient<'a>,
    #[serde(borrow)]
    topic_arn: Lenient<'a>,
    #[serde(borrow)]
    secret_id: Lenient<'a>,
    #[serde(borrow)]
    name: Lenient<'a>,
    #[serde(borrow)]
    role_arn: Lenient<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Items<'a> {
    #[serde(borrow)]
    items: Vec<ItemId<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ItemId<'a> {
    #[serde(borrow)]
    instance_id: Lenient<'a>,
}

/// How the principal was identified (drives `aws:PrincipalType` and the snapshot lookup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An IAM user with long-term or console credentials.
    User,
    /// A role session.
    Session,
    /// The account root user.
    Root,
    /// A federated user (`GetFederationToken`).
    Federated,
    /// An AWS service principal (`invokedBy`).
    Service,
    /// A principal of another account (`AWSAccount`).
    OtherAccount,
    /// Anonymous (no credentials).
    Anonymous,
}

/// The principal of a record.
#[derive(Clone, Debug)]
pub struct Principal<'a> {
    /// The kind.
    pub kind: PrincipalKind,
    /// The principal string decided with: a user/session/root/federated ARN, a service
    /// principal, or `anonymous`.
    pub arn: Cow<'a, str>,
    /// The account.
    pub account: Option<Cow<'a, str>>,
    /// For sessions the role ARN (`aws:PrincipalArn`), for federated users the issuing user's
    /// ARN; else the principal ARN itself.
    pub issuer_arn: Option<Cow<'a, str>>,
    /// The user name (IAM users) or role name (sessions), for the snapshot lookup.
    pub name: Option<Cow<'a, str>>,
}

/// Why a request is not exactly what IAM decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Approx {
    /// The action is not in the service reference.
    UnknownAction,
    /// The resource could not be told; `*` was used.
    ResourceStar,
    /// The principal is not in the snapshot (or could not be told).
    UnknownPrincipal,
    /// The record has no `eventSource`/`eventName`.
    NoAction,
}

impl Approx {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Approx::UnknownAction => "unknown_action",
            Approx::ResourceStar => "resource_star",
            Approx::UnknownPrincipal => "unknown_principal",
            Approx::NoAction => "no_action",
        }
    }

    /// Every reason, in report order.
    pub const ALL: [Approx; 4] = [
        Approx::UnknownAction,
        Approx::ResourceStar,
        Approx::UnknownPrincipal,
        Approx::NoAction,
    ];
}

/// A record mapped to what IAM decides on. Strings borrow from the record where they can.
#[derive(Debug)]
pub struct Mapped<'a> {
    /// `prefix:Name`.
    pub action: Cow<'a, str>,
    /// The principal.
    pub principal: Principal<'a>,
    /// The resources (at least one; `*` when unknown or when the action takes none).
    pub resources: Vec<Cow<'a, str>>,
    /// `resources[].accountId` when given (E-9).
    pub resource_account: Option<Cow<'a, str>>,
    /// Context entries (key, value); principal tags are added by the caller.
    pub context: Vec<(&'static str, Cow<'a, str>)>,
    /// Approximations made (a bit per [`Approx`]).
    pub approx: u8,
    /// CloudTrail's outcome: the record's `errorCode` says access was denied.
    pub observed_denied: bool,
}

impl Mapped<'_> {
    /// Whether `a` was recorded.
    pub fn has(&self, a: Approx) -> bool {
        self.approx & (1 << a as u8) != 0
    }

    fn set(&mut self, a: Approx) {
        self.approx |= 1 << a as u8;
    }
}

/// The IAM prefix of an `eventSource` (the exceptions the service reference implies).
pub fn iam_prefix(event_source: &str) -> &str {
    let host = event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source);
    match host {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "tagging" => "tag",
        "elasticmapreduce" => "elasticmapreduce",
        "api.ecr" | "ecr" => "ecr",
        "apigateway" => "apigateway",
        "streams.dynamodb" => "dynamodb",
        "sso-directory" => "sso-directory",
        "signin" => "signin",
        "s3-control" => "s3",
        "ec2-instance-connect" => "ec2-instance-connect",
        h => h.rsplit('.').next().unwrap_or(h),
    }
}

/// The IAM action name of an `eventName` within a service: Lambda's dated API versions
/// (`ListFunctions20150331`, `GetFunction20150331v2`) lose their suffix; S3's REST names map to
/// the action IAM checks.
pub fn iam_action_name<'a>(prefix: &str, event_name: &'a str) -> &'a str {
    match prefix {
        "lambda" => strip_api_version(event_name),
        "s3" => match event_name {
            "HeadBucket" | "ListObjects" | "ListObjectsV2" => "ListBucket",
            "HeadObject" => "GetObject",
            "ListObjectVersions" => "ListBucketVersions",
            "ListBuckets" => "ListAllMyBuckets",
            "DeleteObjects" => "DeleteObject",
            "CopyObject"
            | "UploadPart"
            | "UploadPartCopy"
            | "CreateMultipartUpload"
            | "CompleteMultipartUpload" => "PutObject",
            "GetBucketEncryption" => "GetEncryptionConfiguration",
            "PutBucketEncryption" | "DeleteBucketEncryption" => "PutEncryptionConfiguration",
            "GetBucketLifecycle" | "GetBucketLifecycleConfiguration" => "GetLifecycleConfiguration",
            "PutBucketLifecycle" | "PutBucketLifecycleConfiguration" | "DeleteBucketLifecycle" => {
                "PutLifecycleConfiguration"
            }
            "GetBucketPublicAccessBlock" => "GetBucketPublicAccessBlock",
            "ListMultipartUploads" => "ListBucketMultipartUploads",
            n => n,
        },
        _ => event_name,
    }
}

fn strip_api_version(name: &str) -> &str {
    let b = name.as_bytes();
    // …YYYYMMDD optionally followed by vN.
    let mut end = b.len();
    if let Some(v) = name.rfind('v') {
        if v + 1 < b.len() && b[v + 1..].iter().all(u8::is_ascii_digit) {
            end = v;
        }
    }
    if end >= 8 && b[end - 8..end].iter().all(u8::is_ascii_digit) && b[end - 8] == b'2' {
        &name[..end - 8]
    } else {
        name
    }
}

/// Whether an `errorCode` means authorization failed.
pub fn is_access_denied(code: &str) -> bool {
    let c = code.strip_prefix("Client.").unwrap_or(code);
    c.starts_with("AccessDenied")
        || c == "UnauthorizedOperation"
        || c == "UnauthorizedAccess"
        || c == "AuthorizationError"
        || c == "AuthFailure"
        || c == "Forbidden"
}

/// The principal of a record (see the module docs).
pub fn principal<'a>(ui: Option<&UserIdentity<'a>>, ev: &Event<'a>) -> Principal<'a> {
    let anonymous = Principal {
        kind: PrincipalKind::Anonymous,
        arn: Cow::Borrowed("anonymous"),
        account: None,
        issuer_arn: None,
        name: None,
    };
    let Some(ui) = ui else {
        return anonymous;
    };
    let account = ui.account_id.clone();
    let kind = ui.kind.as_deref().unwrap_or("");
    match kind {
        "IAMUser" => {
            let arn = ui.arn.clone().or_else(|| {
                Some(Cow::Owned(format!(
                    "arn:aws:iam::{}:user/{}",
                    account.as_deref()?,
                    ui.user_name.as_deref()?
                )))
            });
            match arn {
                Some(arn) => Principal {
                    kind: PrincipalKind::User,
                    issuer_arn: Some(arn.clone()),
                    name: ui
                        .user_name
                        .clone()
                        .or_else(|| arn.rsplit('/').next().map(|s| Cow::Owned(s.to_string()))),
                    account: account.or_else(|| arn_account(&arn).map(|s| Cow::Owned(s.into()))),
                    arn,
                },
                None => anonymous,
            }
        }
        "AssumedRole" => {
            let role = ui
                .session_context
                .as_ref()
                .and_then(|s| s.session_issuer.as_ref())
                .and_then(|i| i.arn.clone());
            let Some(arn) = ui.arn.clone() else {
                return anonymous;
            };
            // arn:aws:sts::A:assumed-role/R/S → role name R.
            let role_name = arn
                .split_once(":assumed-role/")
                .and_then(|(_, r)| r.split('/').next())
                .map(|s| Cow::Owned(s.to_string()));
            Principal {
                kind: PrincipalKind::Session,
                account: account.or_else(|| arn_account(&arn).map(|s| Cow::Owned(s.into()))),
                issuer_arn: role,
                name: role_name,
                arn,
            }
        }
        "Root" => {
            let acct = account.clone().or_else(|| {
                ui.arn
                    .as_deref()
                    .and_then(arn_account)
                    .map(|s| Cow::Owned(s.into()))
            });
            match acct {
                Some(a) => {
                    let arn = ui
                        .arn
                        .clone()
                        .unwrap_or_else(|| Cow::Owned(format!("arn:aws:iam::{a}:root")));
                    Principal {
                        kind: PrincipalKind::Root,
                        issuer_arn: Some(arn.clone()),
                        arn,
                        account: Some(a),
                        name: None,
                    }
                }
                None => anonymous,
            }
        }
        "FederatedUser" => match ui.arn.clone() {
            Some(arn) => Principal {
                kind: PrincipalKind::Federated,
                account: account.or_else(|| arn_account(&arn).map(|s| Cow::Owned(s.into()))),
                issuer_arn: ui
                    .session_context
                    .as_ref()
                    .and_then(|s| s.session_issuer.as_ref())
                    .and_then(|i| i.arn.clone()),
                name: ui
                    .session_context
                    .as_ref()
                    .and_then(|s| s.session_issuer.as_ref())
                    .and_then(|i| i.user_name.clone()),
                arn,
            },
            None => anonymous,
        },
        "AWSAccount" => match account {
            Some(a) => Principal {
                kind: PrincipalKind::OtherAccount,
                arn: Cow::Owned(format!("arn:aws:iam::{a}:root")),
                account: Some(a),
                issuer_arn: None,
                name: None,
            },
            None => anonymous,
        },
        "AWSService" | "" => match ui.invoked_by.clone().or_else(|| {
            // AwsServiceEvent records without a type: the service is the event source.
            if kind.is_empty() {
                ev.event_source.clone()
            } else {
                None
            }
        }) {
            Some(s) => Principal {
                kind: PrincipalKind::Service,
                arn: s,
                account: None,
                issuer_arn: None,
                name: None,
            },
            None => anonymous,
        },
        _ => anonymous,
    }
}

/// The account field of an ARN.
pub fn arn_account(arn: &str) -> Option<&str> {
    let a = arn.split(':').nth(4)?;
    (!a.is_empty()).then_some(a)
}

/// Map a record to its request.
pub fn map_event<'a>(ev: &Event<'a>, catalog: Option<&'a Catalog>) -> Mapped<'a> {
    map_event_into(ev, catalog, Vec::new(), Vec::with_capacity(16))
}

/// [`map_event`] filling the given (empty) vectors, so a caller can reuse their allocations.
pub fn map_event_into<'a>(
    ev: &Event<'a>,
    catalog: Option<&'a Catalog>,
    resources: Vec<Cow<'a, str>>,
    context_buf: Vec<(&'static str, Cow<'a, str>)>,
) -> Mapped<'a> {
    let principal = principal(ev.user_identity.as_ref(), ev);
    let mut m = Mapped {
        action: Cow::Borrowed(""),
        principal,
        resources,
        resource_account: None,
        context: context_buf,
        approx: 0,
        observed_denied: ev.error_code.as_deref().is_some_and(is_access_denied),
    };
    // Action.
    let (prefix, info) = match (ev.event_source.as_deref(), ev.event_name.as_deref()) {
        (Some(src), Some(name)) => {
            let prefix = iam_prefix(src);
            let name = iam_action_name(prefix, name);
            let info = catalog.and_then(|c| c.action(prefix, name));
            m.action = match info {
                Some(i) => Cow::Borrowed(i.name.as_str()),
                None => Cow::Owned(format!("{prefix}:{name}")),
            };
            if catalog.is_some() && info.is_none() {
                m.set(Approx::UnknownAction);
            }
            (prefix, info)
        }
        _ => {
            m.set(Approx::NoAction);
            m.action = Cow::Borrowed("unknown:unknown");
            ("", None)
        }
    };
    // Resources.
    if let Some(rs) = &ev.resources {
        for r in rs {
            let Some(arn) = r.arn.as_ref().or(r.arn_prefix.as_ref()) else {
                continue;
            };
            let fits = match (catalog, info) {
                (Some(c), Some(i)) => c.resource_fits(i, arn).unwrap_or(false),
                _ => true,
            };
            if fits {
                if m.resource_account.is_none() {
                    m.resource_account = r.account_id.clone();
                }
                m.resources.push(arn.clone());
            }
        }
    }
    if m.resources.is_empty() {
        if let Some(i) = info {
            if i.types.is_empty() {
                // No resource-level permissions: IAM decides on `*` (exact, not approximate).
                m.resources.push(Cow::Borrowed("*"));
            }
        }
    }
    if m.resources.is_empty() {
        build_resources(ev, prefix, &m.principal, &mut m.resources);
        if let (Some(c), Some(i)) = (catalog, info) {
            m.resources
                .retain(|r| c.resource_fits(i, r).unwrap_or(true));
        }
    }
    if m.resources.is_empty() {
        m.resources.push(Cow::Borrowed("*"));
        m.set(Approx::ResourceStar);
    }
    context(ev, &mut m);
    m
}

fn build_resources<'a>(
    ev: &Event<'a>,
    prefix: &str,
    p: &Principal<'a>,
    out: &mut Vec<Cow<'a, str>>,
) {
    let Some(raw) = ev.request_parameters else {
        return;
    };
    let Ok(params) = serde_json::from_str::<Params<'a>>(raw.get()) else {
        return;
    };
    let region = ev.aws_region.as_deref().unwrap_or("");
    let account = ev
        .recipient_account_id
        .as_deref()
        .or(p.account.as_deref())
        .unwrap_or("");
    let s = |l: &Lenient<'a>| l.0.clone().filter(|v| !v.is_empty());
    let arnish = |v: &str| v.starts_with("arn:");
    match prefix {
        "s3" => {
            if let Some(b) = s(&params.bucket_name) {
                match s(&params.key) {
                    Some(k) => out.push(Cow::Owned(format!("arn:aws:s3:::{b}/{k}"))),
                    None => out.push(Cow::Owned(format!("arn:aws:s3:::{b}"))),
                }
            }
        }
        "iam" => {
            if let Some(n) = s(&params.role_name) {
                out.push(Cow::Owned(format!("arn:aws:iam::{account}:role/{n}")));
            } else if let Some(n) = s(&params.user_name) {
                out.push(Cow::Owned(format!("arn:aws:iam::{account}:user/{n}")));
            } else if let Some(n) = s(&params.group_name) {
                out.push(Cow::Owned(format!("arn:aws:iam::{account}:group/{n}")));
            } else if let Some(a) = s(&params.policy_arn) {
                out.push(a);
            }
        }
        "ec2" => {
            if let Some(i) = s(&params.instance_id) {
                out.push(Cow::Owned(format!(
                    "arn:aws:ec2:{region}:{account}:instance/{i}"
                )));
            }
            if let Some(set) = &params.instances_set {
                for it in &set.items {
                    if let Some(i) = s(&it.instance_id) {
                        out.push(Cow::Owned(format!(
                            "arn:aws:ec2:{region}:{account}:instance/{i}"
                        )));
                    }
                }
            }
        }
        "rds" => {
            let pairs = [
                (&params.db_instance, "db"),
                (&params.db_snapshot, "snapshot"),
                (&params.db_cluster, "cluster"),
                (&params.db_cluster_snapshot, "cluster-snapshot"),
            ];
            for (v, kind) in pairs {
                if let Some(id) = s(v) {
                    if arnish(&id) {
                        out.push(id);
                    } else {
                        out.push(Cow::Owned(format!(
                            "arn:aws:rds:{region}:{account}:{kind}:{id}"
                        )));
                    }
                }
            }
        }
        "lambda" => {
            if let Some(f) = s(&params.function_name) {
                if arnish(&f) {
                    out.push(f);
                } else {
                    out.push(Cow::Owned(format!(
                        "arn:aws:lambda:{region}:{account}:function:{f}"
                    )));
                }
            }
        }
        "kms" => {
            if let Some(k) = s(&params.key_id) {
                if arnish(&k) {
                    out.push(k);
                } else if k.starts_with("alias/") {
                    out.push(Cow::Owned(format!("arn:aws:kms:{region}:{account}:{k}")));
                } else {
                    out.push(Cow::Owned(format!(
                        "arn:aws:kms:{region}:{account}:key/{k}"
                    )));
                }
            }
        }
        "dynamodb" => {
            if let Some(t) = s(&params.table_name) {
                out.push(Cow::Owned(format!(
                    "arn:aws:dynamodb:{region}:{account}:table/{t}"
                )));
            }
        }
        "sqs" => {
            // https://sqs.R.amazonaws.com/A/name
            if let Some(u) = s(&params.queue_url) {
                let mut parts = u.rsplit('/');
                if let (Some(name), Some(acct)) = (parts.next(), parts.next()) {
                    out.push(Cow::Owned(format!("arn:aws:sqs:{region}:{acct}:{name}")));
                }
            }
        }
        "sns" => {
            if let Some(t) = s(&params.topic_arn) {
                out.push(t);
            }
        }
        "secretsmanager" => {
            if let Some(id) = s(&params.secret_id) {
                if arnish(&id) {
                    out.push(id);
                } else {
                    out.push(Cow::Owned(format!(
                        "arn:aws:secretsmanager:{region}:{account}:secret:{id}"
                    )));
                }
            }
        }
        "ssm" => {
            if let Some(n) = s(&params.name) {
                if arnish(&n) {
                    out.push(n);
                } else {
                    let n = n.trim_start_matches('/');
                    out.push(Cow::Owned(format!(
                        "arn:aws:ssm:{region}:{account}:parameter/{n}"
                    )));
                }
            }
        }
        "sts" => {
            if let Some(r) = s(&params.role_arn) {
                out.push(r);
            }
        }
        _ => {}
    }
}

fn context<'a>(ev: &Event<'a>, m: &mut Mapped<'a>) {
    let c = &mut m.context;
    let time = ev.event_time.as_ref().or(ev.timestamp.as_ref());
    let now = time.and_then(|t| iamc_runtime::compiler_support::value::parse_date(t));
    if let (Some(t), Some(ns)) = (time, now) {
        c.push(("aws:CurrentTime", t.clone()));
        c.push((
            "aws:EpochTime",
            Cow::Owned((ns.div_euclid(1_000_000_000)).to_string()),
        ));
    }
    if let Some(ip) = &ev.source_ip {
        if ip.parse::<std::net::IpAddr>().is_ok() {
            c.push(("aws:SourceIp", ip.clone()));
        }
    }
    if let Some(ua) = &ev.user_agent {
        c.push(("aws:UserAgent", ua.clone()));
    }
    if let Some(r) = &ev.aws_region {
        c.push(("aws:RequestedRegion", r.clone()));
    }
    if let Some(v) = &ev.vpc_endpoint_id {
        c.push(("aws:SourceVpce", v.clone()));
    }
    if ev.tls_details.is_some() {
        c.push(("aws:SecureTransport", Cow::Borrowed("true")));
    }
    let p = &m.principal;
    let ptype = match p.kind {
        PrincipalKind::User => Some("User"),
        PrincipalKind::Session => Some("AssumedRole"),
        PrincipalKind::Root | PrincipalKind::OtherAccount => Some("Account"),
        PrincipalKind::Federated => Some("FederatedUser"),
        PrincipalKind::Anonymous => Some("Anonymous"),
        PrincipalKind::Service => None,
    };
    if let Some(t) = ptype {
        c.push(("aws:PrincipalType", Cow::Borrowed(t)));
    }
    if p.kind == PrincipalKind::Service {
        c.push(("aws:PrincipalServiceName", p.arn.clone()));
    }
    match p.kind {
        PrincipalKind::Session => {
            if let Some(r) = &p.issuer_arn {
                c.push(("aws:PrincipalArn", r.clone()));
            }
        }
        PrincipalKind::User | PrincipalKind::Root | PrincipalKind::Federated => {
            c.push(("aws:PrincipalArn", p.arn.clone()));
        }
        _ => {}
    }
    if let Some(a) = &p.account {
        c.push(("aws:PrincipalAccount", a.clone()));
    }
    let ui = ev.user_identity.as_ref();
    if let Some(id) = ui.and_then(|u| u.principal_id.as_ref()) {
        if p.kind != PrincipalKind::Service {
            c.push(("aws:userid", id.clone()));
        }
    }
    if p.kind == PrincipalKind::User {
        if let Some(n) = ui.and_then(|u| u.user_name.as_ref()) {
            c.push(("aws:username", n.clone()));
        }
    }
    if let Some(u) = ui {
        if p.kind != PrincipalKind::Service {
            c.push((
                "aws:ViaAWSService",
                Cow::Borrowed(if u.invoked_by.is_some() {
                    "true"
                } else {
                    "false"
                }),
            ));
        }
    }
    // K-4: MFA keys only for temporary credentials (a session context).
    if let Some(attrs) = ui
        .and_then(|u| u.session_context.as_ref())
        .and_then(|s| s.attributes.as_ref())
    {
        if let Some(mfa) = &attrs.mfa_authenticated {
            let used = mfa.eq_ignore_ascii_case("true");
            c.push((
                "aws:MultiFactorAuthPresent",
                Cow::Borrowed(if used { "true" } else { "false" }),
            ));
            let created = attrs
                .creation_date
                .as_deref()
                .and_then(iamc_runtime::compiler_support::value::parse_date);
            if let (true, Some(created), Some(now)) = (used, created, now) {
                let age = (now - created).div_euclid(1_000_000_000).max(0);
                c.push(("aws:MultiFactorAuthAge", Cow::Owned(age.to_string())));
            }
        }
        if let Some(d) = &attrs.creation_date {
            c.push(("aws:TokenIssueTime", d.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(json: &str) -> Event<'_> {
        serde_json::from_str(json).unwrap()
    }

    fn ctx<'a>(m: &'a Mapped<'_>, k: &str) -> Option<&'a str> {
        m.context
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_ref())
    }

    #[test]
    fn prefix_exceptions() {
        assert_eq!(iam_prefix("monitoring.amazonaws.com"), "cloudwatch");
        assert_eq!(iam_prefix("s3.amazonaws.com"), "s3");
        assert_eq!(iam_prefix("email.amazonaws.com"), "ses");
        assert_eq!(iam_prefix("api.ecr.amazonaws.com"), "ecr");
        assert_eq!(iam_prefix("tagging.amazonaws.com"), "tag");
    }

    #[test]
    fn action_names() {
        assert_eq!(
            iam_action_name("lambda", "ListFunctions20150331"),
            "ListFunctions"
        );
        assert_eq!(
            iam_action_name("lambda", "GetFunction20150331v2"),
            "GetFunction"
        );
        assert_eq!(iam_action_name("lambda", "Invoke"), "Invoke");
        assert_eq!(iam_action_name("s3", "HeadBucket"), "ListBucket");
        assert_eq!(iam_action_name("s3", "ListBuckets"), "ListAllMyBuckets");
        assert_eq!(iam_action_name("ec2", "HeadBucket"), "HeadBucket");
    }

    #[test]
    fn access_denied_codes() {
        assert!(is_access_denied("AccessDenied"));
        assert!(is_access_denied("AccessDeniedException"));
        assert!(is_access_denied("Client.UnauthorizedOperation"));
        assert!(!is_access_denied("NoSuchBucket"));
        assert!(!is_access_denied("ThrottlingException"));
    }

    #[test]
    fn iam_user_principal_and_keys() {
        let e = ev(
            r#"{"eventTime":"2023-07-10T11:42:23Z","eventSource":"s3.amazonaws.com",
            "eventName":"GetBucketPolicy","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1",
            "userAgent":"ua","userIdentity":{"type":"IAMUser","principalId":"AIDA1",
            "arn":"arn:aws:iam::123:user/ben","accountId":"123","userName":"ben"},
            "requestParameters":{"bucketName":"b"},"tlsDetails":{"tlsVersion":"TLSv1.2"}}"#,
        );
        let m = map_event(&e, None);
        assert_eq!(m.principal.kind, PrincipalKind::User);
        assert_eq!(m.principal.arn, "arn:aws:iam::123:user/ben");
        assert_eq!(m.action, "s3:GetBucketPolicy");
        assert_eq!(m.resources, vec!["arn:aws:s3:::b"]);
        assert_eq!(ctx(&m, "aws:EpochTime"), Some("1688989343"));
        assert_eq!(ctx(&m, "aws:CurrentTime"), Some("2023-07-10T11:42:23Z"));
        assert_eq!(ctx(&m, "aws:SourceIp"), Some("10.0.0.1"));
        assert_eq!(ctx(&m, "aws:username"), Some("ben"));
        assert_eq!(ctx(&m, "aws:userid"), Some("AIDA1"));
        assert_eq!(ctx(&m, "aws:PrincipalType"), Some("User"));
        assert_eq!(
            ctx(&m, "aws:PrincipalArn"),
            Some("arn:aws:iam::123:user/ben")
        );
        assert_eq!(ctx(&m, "aws:PrincipalAccount"), Some("123"));
        assert_eq!(ctx(&m, "aws:SecureTransport"), Some("true"));
        assert_eq!(ctx(&m, "aws:ViaAWSService"), Some("false"));
        assert_eq!(ctx(&m, "aws:RequestedRegion"), Some("us-east-1"));
        // K-4: long-term credentials carry no MFA keys.
        assert_eq!(ctx(&m, "aws:MultiFactorAuthPresent"), None);
        assert_eq!(ctx(&m, "aws:MultiFactorAuthAge"), None);
        assert!(!m.observed_denied);
    }

    #[test]
    fn assumed_role_session() {
        let e = ev(
            r#"{"eventTime":"2023-07-10T12:00:00Z","eventSource":"sts.amazonaws.com",
            "eventName":"GetCallerIdentity","sourceIPAddress":"ec2.amazonaws.com",
            "userIdentity":{"type":"AssumedRole","principalId":"AROA:i-1",
            "arn":"arn:aws:sts::123:assumed-role/r1/i-1","accountId":"123",
            "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123:role/p/r1"},
            "attributes":{"creationDate":"2023-07-10T11:00:00Z","mfaAuthenticated":"true"}}},
            "errorCode":"AccessDenied"}"#,
        );
        let m = map_event(&e, None);
        assert_eq!(m.principal.kind, PrincipalKind::Session);
        assert_eq!(m.principal.arn, "arn:aws:sts::123:assumed-role/r1/i-1");
        assert_eq!(m.principal.name.as_deref(), Some("r1"));
        assert_eq!(
            ctx(&m, "aws:PrincipalArn"),
            Some("arn:aws:iam::123:role/p/r1")
        );
        assert_eq!(ctx(&m, "aws:PrincipalType"), Some("AssumedRole"));
        assert_eq!(ctx(&m, "aws:MultiFactorAuthPresent"), Some("true"));
        assert_eq!(ctx(&m, "aws:MultiFactorAuthAge"), Some("3600"));
        assert_eq!(ctx(&m, "aws:username"), None);
        // A service name in sourceIPAddress is not an IP.
        assert_eq!(ctx(&m, "aws:SourceIp"), None);
        assert_eq!(ctx(&m, "aws:SecureTransport"), None);
        assert!(m.observed_denied);
    }

    #[test]
    fn session_without_mfa_has_present_false_and_no_age() {
        let e = ev(
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"StopInstances",
            "eventTime":"2023-07-10T12:00:00Z","awsRegion":"us-east-1",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1",
            "sessionContext":{"attributes":{"creationDate":"2023-07-10T11:00:00Z","mfaAuthenticated":"false"}}},
            "requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}}"#,
        );
        let m = map_event(&e, None);
        assert_eq!(ctx(&m, "aws:MultiFactorAuthPresent"), Some("false"));
        assert_eq!(ctx(&m, "aws:MultiFactorAuthAge"), None);
        assert_eq!(
            m.resources,
            vec![
                "arn:aws:ec2:us-east-1:1:instance/i-1",
                "arn:aws:ec2:us-east-1:1:instance/i-2"
            ]
        );
    }

    #[test]
    fn root_service_account_anonymous() {
        let root = ev(
            r#"{"userIdentity":{"type":"Root","arn":"arn:aws:iam::9:root","accountId":"9","principalId":"9"}}"#,
        );
        let m = map_event(&root, None);
        assert_eq!(m.principal.kind, PrincipalKind::Root);
        assert_eq!(m.principal.arn, "arn:aws:iam::9:root");
        assert_eq!(ctx(&m, "aws:PrincipalType"), Some("Account"));
        assert!(m.has(Approx::NoAction));
        let svc = ev(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"PutObject",
            "userIdentity":{"type":"AWSService","invokedBy":"delivery.logs.amazonaws.com"},
            "resources":[{"ARN":"arn:aws:s3:::logs/k","type":"AWS::S3::Object"}]}"#,
        );
        let m = map_event(&svc, None);
        assert_eq!(m.principal.kind, PrincipalKind::Service);
        assert_eq!(m.principal.arn, "delivery.logs.amazonaws.com");
        assert_eq!(ctx(&m, "aws:PrincipalType"), None);
        assert_eq!(ctx(&m, "aws:userid"), None);
        assert_eq!(m.resources, vec!["arn:aws:s3:::logs/k"]);
        let acct =
            ev(r#"{"userIdentity":{"type":"AWSAccount","accountId":"555","principalId":"X"}}"#);
        assert_eq!(
            map_event(&acct, None).principal.arn,
            "arn:aws:iam::555:root"
        );
        let anon = ev(r#"{"userIdentity":{"type":"Unknown"}}"#);
        assert_eq!(map_event(&anon, None).principal.arn, "anonymous");
        let none = ev(r#"{}"#);
        assert_eq!(
            map_event(&none, None).principal.kind,
            PrincipalKind::Anonymous
        );
    }

    #[test]
    fn resources_from_request_parameters() {
        let cases = [
            (
                "s3",
                r#"{"bucketName":"b","key":"k/1"}"#,
                "arn:aws:s3:::b/k/1",
            ),
            ("iam", r#"{"roleName":"r"}"#, "arn:aws:iam::1:role/r"),
            ("iam", r#"{"userName":"u"}"#, "arn:aws:iam::1:user/u"),
            (
                "ec2",
                r#"{"instanceId":"i-9"}"#,
                "arn:aws:ec2:eu-west-1:1:instance/i-9",
            ),
            (
                "rds",
                r#"{"dBInstanceIdentifier":"db1"}"#,
                "arn:aws:rds:eu-west-1:1:db:db1",
            ),
            (
                "rds",
                r#"{"dBSnapshotIdentifier":"s1"}"#,
                "arn:aws:rds:eu-west-1:1:snapshot:s1",
            ),
            (
                "lambda",
                r#"{"functionName":"f"}"#,
                "arn:aws:lambda:eu-west-1:1:function:f",
            ),
            (
                "kms",
                r#"{"keyId":"k-1"}"#,
                "arn:aws:kms:eu-west-1:1:key/k-1",
            ),
            (
                "kms",
                r#"{"keyId":"arn:aws:kms:x:2:key/z"}"#,
                "arn:aws:kms:x:2:key/z",
            ),
            (
                "dynamodb",
                r#"{"tableName":"t"}"#,
                "arn:aws:dynamodb:eu-west-1:1:table/t",
            ),
            (
                "sqs",
                r#"{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/7/q"}"#,
                "arn:aws:sqs:eu-west-1:7:q",
            ),
            (
                "sns",
                r#"{"topicArn":"arn:aws:sns:eu-west-1:1:t"}"#,
                "arn:aws:sns:eu-west-1:1:t",
            ),
            (
                "secretsmanager",
                r#"{"secretId":"s"}"#,
                "arn:aws:secretsmanager:eu-west-1:1:secret:s",
            ),
            (
                "ssm",
                r#"{"name":"/app/p"}"#,
                "arn:aws:ssm:eu-west-1:1:parameter/app/p",
            ),
            (
                "sts",
                r#"{"roleArn":"arn:aws:iam::1:role/x"}"#,
                "arn:aws:iam::1:role/x",
            ),
        ];
        for (svc, params, want) in cases {
            let json = format!(
                r#"{{"eventSource":"{svc}.amazonaws.com","eventName":"X","awsRegion":"eu-west-1",
                "recipientAccountId":"1","requestParameters":{params},
                "userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"}}}}"#
            );
            let e = ev(&json);
            let m = map_event(&e, None);
            assert_eq!(m.resources, vec![want], "{svc} {params}");
            assert!(!m.has(Approx::ResourceStar));
        }
        // Odd shapes are skipped, not fatal.
        let e = ev(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"X","requestParameters":{"bucketName":{"a":1},"key":[1]}}"#,
        );
        let m = map_event(&e, None);
        assert_eq!(m.resources, vec!["*"]);
        assert!(m.has(Approx::ResourceStar));
    }

    #[test]
    fn catalog_checks_actions_and_filters_resources() {
        let cat = Catalog::from_slice(
            br#"{"s3":{"actions":{"getobject":{"name":"GetObject","resourceTypes":[{"name":"object"}]},
            "listallmybuckets":{"name":"ListAllMyBuckets","resourceTypes":[]}},
            "resourceTypes":{"bucket":{"arn":"arn:${Partition}:s3:::${BucketName}"},
            "object":{"arn":"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}}}}"#,
        )
        .unwrap();
        let e = ev(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject",
            "resources":[{"ARN":"arn:aws:s3:::b/k","accountId":"1"},{"ARN":"arn:aws:s3:::b","accountId":"1"}]}"#,
        );
        let m = map_event(&e, Some(&cat));
        assert_eq!(m.resources, vec!["arn:aws:s3:::b/k"]);
        let e = ev(r#"{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets"}"#);
        let m = map_event(&e, Some(&cat));
        assert_eq!(m.action, "s3:ListAllMyBuckets");
        assert_eq!(m.resources, vec!["*"]);
        assert_eq!(m.approx, 0);
        let e = ev(r#"{"eventSource":"s3.amazonaws.com","eventName":"Frobnicate"}"#);
        let m = map_event(&e, Some(&cat));
        assert!(m.has(Approx::UnknownAction));
        assert!(m.has(Approx::ResourceStar));
    }
}
