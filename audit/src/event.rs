//! CloudTrail record → IAM request: the request AWS evaluated for the call the record
//! describes.
//!
//! A record is deserialized into [`Event`] in one pass, borrowing every string from the
//! record's text (escaped strings are the only copies); the few `requestParameters` and
//! `additionalEventData` fields the mapping reads are parsed in that same pass ([`Params`],
//! [`S3Extra`]; an odd shape is skipped, never fatal). [`map_event`] then derives:
//!
//! - **action**: the IAM prefix of `eventSource` (`monitoring` → `cloudwatch`,
//!   `application-insights` → `applicationinsights`, …) + `eventName` (Lambda's dated API
//!   names, S3's REST names, the catalog's SDK-method renames; `versionId` → the `*Version`
//!   action), checked against the service reference; an action it does not list is counted
//!   approximate; `sts:GetCallerIdentity` needs no permission (E-20);
//! - **further permissions** the call needs ([`Extra`]: `iam:PassRole` for an instance
//!   profile, `ec2:CreateTags` for tag specifications, the source read of a copy), each decided
//!   as its own request of the same event;
//! - **principal** from `userIdentity` (IAM user, role session with its role from
//!   `sessionContext.sessionIssuer`, root, federated user, AWS service (`invokedBy`), another
//!   account — a role session of it when `principalId` is `AROA…:session`, web identity / SAML
//!   provider, Identity Center user, anonymous); ARNs the audit builds use the region's
//!   partition ([`partition`]);
//! - **resources**: for a denied call the ARN the AccessDenied message names, else
//!   `resources[]` (only those of a type the action authorizes on), else the identifiers of
//!   `requestParameters`, else the caller's own user for IAM calls on it, else `*`
//!   (approximate unless the action has no resource-level permissions, where `*` is exact);
//! - **context**: only keys the record tells (K-1): time, source IP, TLS, S3's signature
//!   version and authentication type, `aws:PrincipalIsAWSService`, ACL, prefix, KMS encryption
//!   context and caller account and `kms:ViaService`, role session name, request tags, EC2
//!   role delivery, `aws:CalledVia` for forward-access services. `aws:MultiFactorAuthPresent`
//!   is set only for temporary credentials, i.e. when `sessionContext` is present (K-4), and
//!   `aws:MultiFactorAuthAge` only when MFA was used. `aws:SourceIp` only when
//!   `sourceIPAddress` is an IP address (a service name there is not). Nothing is guessed:
//!   tags CloudTrail hides are left out, and what cannot be known marks the event approximate.

use std::borrow::Cow;

use serde::Deserialize;

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
    /// `requestParameters`: the fields the request is built from, parsed in the record's
    /// single pass (an odd shape is skipped, never fatal).
    #[serde(borrow, default)]
    pub request_parameters: Loose<Params<'a>>,
    /// `resources`.
    #[serde(borrow)]
    pub resources: Option<Vec<EventResource<'a>>>,
    /// `tlsDetails` (only whether it is present matters).
    pub tls_details: Option<serde::de::IgnoredAny>,
    /// `eventType`: `AwsApiCall`, or a record that is no authorization request (E-20).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub event_type: Option<Cow<'a, str>>,
    /// `errorMessage` (an AccessDenied message names the resource IAM decided on).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub error_message: Option<Cow<'a, str>>,
    /// `additionalEventData`: S3's signature, authentication and TLS facts (read only when
    /// some policy reads a key they give, see [`read_s3_facts`]).
    #[serde(borrow, default, deserialize_with = "s3_facts")]
    pub additional_event_data: Loose<Box<S3Extra<'a>>>,
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
    /// `identityProvider` (WebIdentityUser, SAMLUser).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub identity_provider: Option<Cow<'a, str>>,
    /// `onBehalfOf` (IdentityCenterUser).
    #[serde(borrow)]
    pub on_behalf_of: Option<Box<OnBehalfOf<'a>>>,
    /// `sessionContext`.
    #[serde(borrow)]
    pub session_context: Option<Box<SessionContext<'a>>>,
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
    /// `ec2RoleDelivery` (`1.0` / `2.0`): the session holds an EC2 instance's role credentials.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub ec2_role_delivery: Option<Cow<'a, str>>,
}

/// `userIdentity.onBehalfOf` (IAM Identity Center users).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnBehalfOf<'a> {
    /// `userId` (the Identity Store user id).
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub user_id: Option<Cow<'a, str>>,
    /// `identityStoreArn`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub identity_store_arn: Option<Cow<'a, str>>,
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

thread_local! {
    /// Whether records parsed on this thread read `additionalEventData` (see
    /// [`read_s3_facts`]).
    static READ_S3_FACTS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether the records parsed on this thread from now on read S3's `additionalEventData`
/// (signature version, authentication method, cipher suite). A worker sets it before it parses
/// (on its own thread) from the run's [`Want`]: when no policy reads the keys those facts
/// give, the object is skipped like any unread field.
pub fn read_s3_facts(on: bool) {
    READ_S3_FACTS.with(|c| c.set(on));
}

fn s3_facts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Loose<Box<S3Extra<'de>>>, D::Error> {
    if READ_S3_FACTS.with(std::cell::Cell::get) {
        Loose::deserialize(d)
    } else {
        serde::de::IgnoredAny::deserialize(d).map(|_| Loose(None))
    }
}

/// A value of the given shape, or `None` when the record has something else there (a string
/// where an object was expected…): an odd shape in one service never makes a record
/// unreadable.
#[derive(Debug)]
pub struct Loose<T>(pub Option<T>);

impl<T> Default for Loose<T> {
    fn default() -> Self {
        Loose(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Loose<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a))
                    .map(|t| Loose(Some(t)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::SeqAccessDeserializer::new(a))
                    .map(|t| Loose(Some(t)))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string field of `requestParameters` the audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F {
    BucketName,
    Key,
    VersionId,
    XAmzAcl,
    CopySource,
    Prefix,
    UserName,
    RoleName,
    GroupName,
    PolicyArn,
    InstanceProfileName,
    InstanceId,
    DbInstance,
    DbSnapshot,
    DbCluster,
    DbClusterSnapshot,
    ResourceName,
    FunctionName,
    KeyId,
    TableName,
    QueueUrl,
    TopicArn,
    SecretId,
    Name,
    TrailName,
    LogGroupName,
    ResourceId,
    ResourceType,
    VpcId,
    SubnetId,
    RouteTableId,
    InternetGatewayId,
    NetworkInterfaceId,
    VolumeId,
    GroupId,
    RoleArn,
    RoleSessionName,
    PrincipalArn,
}

impl F {
    /// The field a key names (a match on the length first: most keys are not fields).
    fn of(key: &str) -> Option<F> {
        Some(match key.len() {
            3 => match key {
                "key" => F::Key,
                _ => return None,
            },
            4 => match key {
                "name" => F::Name,
                _ => return None,
            },
            5 => match key {
                "keyId" => F::KeyId,
                "vpcId" => F::VpcId,
                _ => return None,
            },
            6 => match key {
                "prefix" => F::Prefix,
                _ => return None,
            },
            7 => match key {
                "groupId" => F::GroupId,
                "roleArn" => F::RoleArn,
                _ => return None,
            },
            8 => match key {
                "userName" => F::UserName,
                "roleName" => F::RoleName,
                "queueUrl" => F::QueueUrl,
                "topicArn" => F::TopicArn,
                "secretId" => F::SecretId,
                "subnetId" => F::SubnetId,
                "volumeId" => F::VolumeId,
                _ => return None,
            },
            9 => match key {
                "versionId" => F::VersionId,
                "x-amz-acl" => F::XAmzAcl,
                "groupName" => F::GroupName,
                "policyArn" => F::PolicyArn,
                "tableName" => F::TableName,
                "trailName" => F::TrailName,
                _ => return None,
            },
            10 => match key {
                "bucketName" => F::BucketName,
                "instanceId" => F::InstanceId,
                "resourceId" => F::ResourceId,
                _ => return None,
            },
            12 => match key {
                "resourceName" => F::ResourceName,
                "functionName" => F::FunctionName,
                "logGroupName" => F::LogGroupName,
                "resourceType" => F::ResourceType,
                "routeTableId" => F::RouteTableId,
                "principalArn" => F::PrincipalArn,
                _ => return None,
            },
            15 => match key {
                "roleSessionName" => F::RoleSessionName,
                _ => return None,
            },
            17 => match key {
                "x-amz-copy-source" => F::CopySource,
                "internetGatewayId" => F::InternetGatewayId,
                _ => return None,
            },
            18 => match key {
                "networkInterfaceId" => F::NetworkInterfaceId,
                _ => return None,
            },
            19 => match key {
                "instanceProfileName" => F::InstanceProfileName,
                "dBClusterIdentifier" => F::DbCluster,
                _ => return None,
            },
            20 => match key {
                "dBInstanceIdentifier" => F::DbInstance,
                "dBSnapshotIdentifier" => F::DbSnapshot,
                _ => return None,
            },
            27 => match key {
                "dBClusterSnapshotIdentifier" => F::DbClusterSnapshot,
                _ => return None,
            },
            _ => return None,
        })
    }
}

/// The `requestParameters` fields the request is built from (resources, extra actions and
/// condition keys), parsed in the record's single pass. Kept small (the string fields found,
/// in a list): the event is moved several times while it is built.
#[derive(Debug, Default)]
pub struct Params<'a> {
    strs: Vec<(F, Cow<'a, str>)>,
    encryption_context: Pairs<'a>,
    tags: Pairs<'a>,
    tag_specification_set: Loose<Box<TagSpecs<'a>>>,
    iam_instance_profile: Loose<Box<InstanceProfile<'a>>>,
    instances_set: Loose<Box<Items<'a>>>,
}

impl<'a> Params<'a> {
    /// A string field (the first, if the record repeats it).
    pub fn get(&self, f: F) -> Option<&Cow<'a, str>> {
        self.strs.iter().find(|(g, _)| *g == f).map(|(_, v)| v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Params<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Params<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("requestParameters")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut p = Params::default();
                while let Some(k) = a.next_key::<Lenient<'de>>()? {
                    let Some(k) = k.0 else {
                        a.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    };
                    if let Some(f) = F::of(&k) {
                        if let Lenient(Some(v)) = a.next_value::<Lenient<'de>>()? {
                            p.strs.push((f, v));
                        }
                        continue;
                    }
                    match k.as_ref() {
                        "encryptionContext" => p.encryption_context = a.next_value()?,
                        "tags" => p.tags = a.next_value()?,
                        "tagSpecificationSet" => p.tag_specification_set = a.next_value()?,
                        "iamInstanceProfile" => p.iam_instance_profile = a.next_value()?,
                        "instancesSet" => p.instances_set = a.next_value()?,
                        _ => {
                            a.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Items<'a> {
    #[serde(borrow)]
    items: Loose<Vec<Loose<ItemId<'a>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ItemId<'a> {
    #[serde(borrow)]
    instance_id: Lenient<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagSpecs<'a> {
    #[serde(borrow)]
    items: Loose<Vec<Loose<TagSpec<'a>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TagSpec<'a> {
    #[serde(borrow)]
    resource_type: Lenient<'a>,
    #[serde(borrow)]
    tags: Pairs<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InstanceProfile<'a> {
    #[serde(borrow)]
    name: Lenient<'a>,
    #[serde(borrow)]
    arn: Lenient<'a>,
}

/// `additionalEventData` of S3 records.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct S3Extra<'a> {
    #[serde(borrow, rename = "SignatureVersion")]
    signature_version: Lenient<'a>,
    #[serde(borrow, rename = "AuthenticationMethod")]
    authentication_method: Lenient<'a>,
    #[serde(borrow, rename = "CipherSuite")]
    cipher_suite: Lenient<'a>,
}

/// Key/value pairs given as an object (`{"k": "v"}`) or as a list of `{"key"|"Key": k,
/// "value"|"Value": v}`; entries with a non-string key or value are skipped.
#[derive(Debug, Default)]
struct Pairs<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

#[derive(Debug, Default, Deserialize)]
struct Pair<'a> {
    #[serde(borrow, default, alias = "Key")]
    key: Lenient<'a>,
    #[serde(borrow, default, alias = "Value")]
    value: Lenient<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("key/value pairs")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<Lenient<'de>, Lenient<'de>>()? {
                    if let (Some(k), Some(v)) = (k.0, v.0) {
                        out.push((k, v));
                    }
                }
                Ok(Pairs(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(p) = a.next_element::<Loose<Pair<'de>>>()? {
                    if let Loose(Some(Pair {
                        key: Lenient(Some(k)),
                        value: Lenient(Some(v)),
                    })) = p
                    {
                        out.push((k, v));
                    }
                }
                Ok(Pairs(out))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }
        }
        d.deserialize_any(V)
    }
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
    /// A web identity or SAML user (`WebIdentityUser`, `SAMLUser`): the identity provider is
    /// the principal (`Principal: {"Federated": …}` of a trust policy).
    IdentityProvider,
    /// An IAM Identity Center user (`IdentityCenterUser`): authorized by Identity Center,
    /// not by IAM policies.
    IdentityCenter,
    /// Anonymous (no credentials).
    Anonymous,
}

/// The principal of a record.
#[derive(Clone, Debug)]
pub struct Principal<'a> {
    /// The kind.
    pub kind: PrincipalKind,
    /// The principal string decided with: a user/session/root/federated ARN, a service
    /// principal, an identity provider, or `anonymous`.
    pub arn: Cow<'a, str>,
    /// The account.
    pub account: Option<Cow<'a, str>>,
    /// For sessions the role ARN (`aws:PrincipalArn`), for federated users the issuing user's
    /// ARN; else the principal ARN itself.
    pub issuer_arn: Option<Cow<'a, str>>,
    /// The user name (IAM users) or role name (sessions), for the snapshot lookup (always
    /// together with `account`: names are unique within an account only).
    pub name: Option<Cow<'a, str>>,
    /// The principal could not be told exactly (an `AWSAccount` caller's role, a SAML
    /// provider the record does not name).
    pub inexact: bool,
}

impl Principal<'_> {
    /// The account of an IAM principal (user, role session, root, federated user): what the
    /// audit compares with the snapshot's accounts ([`crate::Stats::accounts_check`]); `None`
    /// for other principals (services, other accounts, identity providers, anonymous).
    pub fn iam_account(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::User
            | PrincipalKind::Session
            | PrincipalKind::Root
            | PrincipalKind::Federated => self.account.as_deref(),
            _ => None,
        }
    }
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
    /// An `sts:` call on a role whose trust policy neither the snapshot nor
    /// `--resource-policies` has: E-19 denies it for want of a grant that may well exist.
    UnknownTrustPolicy,
}

impl Approx {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Approx::UnknownAction => "unknown_action",
            Approx::ResourceStar => "resource_star",
            Approx::UnknownPrincipal => "unknown_principal",
            Approx::NoAction => "no_action",
            Approx::UnknownTrustPolicy => "unknown_trust_policy",
        }
    }

    /// Every reason, in report order.
    pub const ALL: [Approx; 5] = [
        Approx::UnknownAction,
        Approx::ResourceStar,
        Approx::UnknownPrincipal,
        Approx::NoAction,
        Approx::UnknownTrustPolicy,
    ];
}

/// A further permission the call needs, decided as its own request of the same event (the
/// event is allowed only if every request is).
#[derive(Debug)]
pub struct Extra<'a> {
    /// `prefix:Name`.
    pub action: Cow<'a, str>,
    /// Its resources (at least one).
    pub resources: Vec<Cow<'a, str>>,
    /// Keys this request has on top of the event's (`ec2:CreateAction`).
    pub context: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// For `iam:PassRole` of an instance profile: the profile's name, resolved to its role by
    /// the snapshot when it can be.
    pub instance_profile: Option<Cow<'a, str>>,
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
    /// Single-valued context entries (key, value); principal tags are added by the caller.
    pub context: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Multivalued context entries (`aws:TagKeys`, `aws:CalledVia`, …).
    pub multi: Vec<(&'static str, Vec<Cow<'a, str>>)>,
    /// Further permissions the call needs.
    pub extra: Vec<Extra<'a>>,
    /// Approximations made (a bit per [`Approx`]).
    pub approx: u8,
    /// CloudTrail's outcome: the record's `errorCode` says access was denied.
    pub observed_denied: bool,
    /// Not an authorization request (E-20): the record's `eventType`; counted, not decided.
    pub not_request: Option<Cow<'a, str>>,
    /// A call that needs no permission (E-20, `sts:GetCallerIdentity`): always allowed.
    pub needs_no_permission: bool,
}

impl Mapped<'_> {
    /// Whether `a` was recorded.
    pub fn has(&self, a: Approx) -> bool {
        self.approx & (1 << a as u8) != 0
    }

    /// Record approximation `a`.
    pub fn set(&mut self, a: Approx) {
        self.approx |= 1 << a as u8;
    }

    /// The context value of a single-valued key (tests, reports).
    pub fn context_value(&self, key: &str) -> Option<&str> {
        self.context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// The partition of a region (`cn-*` → `aws-cn`, `us-gov-*` → `aws-us-gov`, …), for the ARNs
/// the audit builds.
pub fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        Some(r) if r.starts_with("us-isob-") => "aws-iso-b",
        Some(r) if r.starts_with("us-iso-") => "aws-iso",
        Some(r) if r.starts_with("eu-isoe-") => "aws-iso-e",
        Some(r) if r.starts_with("us-isof-") => "aws-iso-f",
        _ => "aws",
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
        "application-insights" => "applicationinsights",
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
            "GetBucketPublicAccessBlock" | "GetPublicAccessBlock" => "GetBucketPublicAccessBlock",
            "PutPublicAccessBlock" | "DeletePublicAccessBlock" => "PutBucketPublicAccessBlock",
            "GetBucketReplication" => "GetReplicationConfiguration",
            "PutBucketReplication" | "DeleteBucketReplication" => "PutReplicationConfiguration",
            "GetBucketCors" => "GetBucketCORS",
            "PutBucketCors" | "DeleteBucketCors" => "PutBucketCORS",
            "DeleteBucketTagging" => "PutBucketTagging",
            "GetBucketNotificationConfiguration" => "GetBucketNotification",
            "PutBucketNotificationConfiguration" => "PutBucketNotification",
            "GetObjectLockConfiguration" => "GetBucketObjectLockConfiguration",
            "PutObjectLockConfiguration" => "PutBucketObjectLockConfiguration",
            "SelectObjectContent" => "GetObject",
            "ListParts" => "ListMultipartUploadParts",
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
    principal_with(ui, ev, None)
}

fn principal_with<'a>(
    ui: Option<&UserIdentity<'a>>,
    ev: &Event<'a>,
    params: Option<&Params<'a>>,
) -> Principal<'a> {
    let anonymous = Principal {
        kind: PrincipalKind::Anonymous,
        arn: Cow::Borrowed("anonymous"),
        account: None,
        issuer_arn: None,
        name: None,
        inexact: false,
    };
    let Some(ui) = ui else {
        return anonymous;
    };
    let part = partition(ev.aws_region.as_deref());
    let account = ui.account_id.clone();
    let kind = ui.kind.as_deref().unwrap_or("");
    match kind {
        "IAMUser" => {
            let arn = ui.arn.clone().or_else(|| {
                Some(Cow::Owned(format!(
                    "arn:{part}:iam::{}:user/{}",
                    account.as_deref()?,
                    ui.user_name.as_deref()?
                )))
            });
            match arn {
                Some(arn) => Principal {
                    kind: PrincipalKind::User,
                    issuer_arn: Some(arn.clone()),
                    // The name is the ARN's last segment (the path is not part of it).
                    name: part_of(&arn, last_segment).or_else(|| ui.user_name.clone()),
                    account: part_of(&arn, arn_account).or(account),
                    inexact: false,
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
            let role_name = part_of(&arn, assumed_role_name);
            Principal {
                kind: PrincipalKind::Session,
                account: part_of(&arn, arn_account).or(account),
                issuer_arn: role,
                name: role_name,
                inexact: false,
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
                        .unwrap_or_else(|| Cow::Owned(format!("arn:{part}:iam::{a}:root")));
                    Principal {
                        kind: PrincipalKind::Root,
                        issuer_arn: Some(arn.clone()),
                        arn,
                        account: Some(a),
                        name: None,
                        inexact: false,
                    }
                }
                None => anonymous,
            }
        }
        "FederatedUser" => match ui.arn.clone() {
            Some(arn) => {
                let issuer = ui
                    .session_context
                    .as_ref()
                    .and_then(|s| s.session_issuer.as_ref());
                Principal {
                    kind: PrincipalKind::Federated,
                    account: part_of(&arn, arn_account).or(account),
                    issuer_arn: issuer.and_then(|i| i.arn.clone()),
                    name: issuer.and_then(|i| {
                        i.arn
                            .as_ref()
                            .and_then(|a| part_of(a, last_segment))
                            .or_else(|| i.user_name.clone())
                    }),
                    inexact: false,
                    arn,
                }
            }
            None => anonymous,
        },
        "AWSAccount" => {
            let Some(a) = account else {
                return anonymous;
            };
            // A caller of another account. `principalId` `AROA…:session` is a role session
            // (the role's name is not in the record); an account id alone is the account.
            let pid = ui.principal_id.as_deref().unwrap_or("");
            match pid.split_once(':') {
                Some((role_id, session)) if role_id.starts_with("AROA") => Principal {
                    kind: PrincipalKind::OtherAccount,
                    // The role is unknown: `?` matches no role named in a policy, only
                    // patterns and the account.
                    arn: Cow::Owned(format!("arn:{part}:sts::{a}:assumed-role/?/{session}")),
                    account: Some(a),
                    issuer_arn: None,
                    name: None,
                    inexact: true,
                },
                _ => Principal {
                    kind: PrincipalKind::OtherAccount,
                    arn: Cow::Owned(format!("arn:{part}:iam::{a}:root")),
                    inexact: !(pid.is_empty() || pid == a),
                    account: Some(a),
                    issuer_arn: None,
                    name: None,
                },
            }
        }
        "WebIdentityUser" | "SAMLUser" => {
            // The identity provider is the principal a trust policy names
            // (`"Federated": "accounts.google.com"` / an OIDC or SAML provider ARN).
            let recipient = ev.recipient_account_id.clone();
            let idp = ui.identity_provider.as_deref().unwrap_or("");
            let (arn, inexact) = if kind == "SAMLUser" {
                // The record's identityProvider is the SAML issuer's hash; the provider ARN
                // is the request's principalArn.
                match params.and_then(|p| p.get(F::PrincipalArn).cloned()) {
                    Some(a) => (a, false),
                    None => (Cow::Borrowed("saml-provider/?"), true),
                }
            } else if idp.starts_with("arn:")
                || matches!(
                    idp,
                    "accounts.google.com"
                        | "graph.facebook.com"
                        | "www.amazon.com"
                        | "cognito-identity.amazonaws.com"
                )
            {
                (Cow::Owned(idp.to_string()), false)
            } else if let (false, Some(r)) = (idp.is_empty(), recipient.as_deref()) {
                // An OIDC provider is named by its IAM ARN in trust policies.
                (
                    Cow::Owned(format!("arn:{part}:iam::{r}:oidc-provider/{idp}")),
                    false,
                )
            } else {
                (Cow::Borrowed("oidc-provider/?"), true)
            };
            Principal {
                kind: PrincipalKind::IdentityProvider,
                arn,
                account: None,
                issuer_arn: None,
                name: None,
                inexact,
            }
        }
        "IdentityCenterUser" => {
            let user = ui
                .on_behalf_of
                .as_ref()
                .and_then(|o| o.user_id.as_deref())
                .unwrap_or("?");
            Principal {
                kind: PrincipalKind::IdentityCenter,
                arn: Cow::Owned(format!("arn:{part}:identitystore:::user/{user}")),
                account,
                issuer_arn: None,
                name: None,
                inexact: true,
            }
        }
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
                inexact: false,
            },
            None => anonymous,
        },
        _ => anonymous,
    }
}

/// A part of a string kept as a borrow when the string is one (no copy on the hot path).
fn part_of<'a>(c: &Cow<'a, str>, f: impl Fn(&str) -> Option<&str>) -> Option<Cow<'a, str>> {
    match c {
        Cow::Borrowed(s) => f(s).map(Cow::Borrowed),
        Cow::Owned(s) => f(s).map(|p| Cow::Owned(p.to_string())),
    }
}

/// The last `/` segment of an ARN (a user's or role's name).
fn last_segment(arn: &str) -> Option<&str> {
    arn.rsplit_once('/').map(|(_, n)| n)
}

/// The role name of `arn:aws:sts::A:assumed-role/R/S`.
fn assumed_role_name(arn: &str) -> Option<&str> {
    arn.split_once(":assumed-role/")
        .and_then(|(_, r)| r.split('/').next())
}

/// The account field of an ARN.
pub fn arn_account(arn: &str) -> Option<&str> {
    // The text between the fourth and fifth colons (a byte scan: this runs for every event).
    let b = arn.as_bytes();
    let mut start = 0;
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b':' {
            n += 1;
            if n == 4 {
                start = i + 1;
            } else if n == 5 {
                return (i > start).then(|| &arn[start..i]);
            }
        }
    }
    (n == 4 && b.len() > start).then(|| &arn[start..])
}

/// The resource an AccessDenied `errorMessage` names (`… is not authorized to perform: A on
/// resource: ARN because …`): what IAM decided on.
pub fn denied_resource(msg: &str) -> Option<&str> {
    let (_, rest) = msg.split_once(" on resource: ")?;
    let end = rest
        .find(" because")
        .or_else(|| rest.find(' '))
        .unwrap_or(rest.len());
    let r = rest[..end].trim_end_matches(['.', ',']);
    (r == "*" || r.starts_with("arn:")).then_some(r)
}

/// S3 actions that take the `*Version` form when the request names a `versionId`.
fn version_action(name: &str) -> Option<&'static str> {
    Some(match name {
        "GetObject" => "GetObjectVersion",
        "DeleteObject" => "DeleteObjectVersion",
        "GetObjectAcl" => "GetObjectVersionAcl",
        "PutObjectAcl" => "PutObjectVersionAcl",
        "GetObjectTagging" => "GetObjectVersionTagging",
        "PutObjectTagging" => "PutObjectVersionTagging",
        "DeleteObjectTagging" => "DeleteObjectVersionTagging",
        "GetObjectAttributes" => "GetObjectVersionAttributes",
        "GetObjectTorrent" => "GetObjectVersionTorrent",
        _ => return None,
    })
}

/// Undo `%XX` escapes (S3's `x-amz-copy-source`).
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Map a record to its request.
pub fn map_event<'a>(ev: &Event<'a>, catalog: Option<&'a Catalog>) -> Mapped<'a> {
    map_event_into(ev, catalog, Want::ALL, Vec::new(), Vec::with_capacity(16))
}

/// Whether the record is an authorization request (E-20): `eventType` `AwsServiceEvent`,
/// `AwsConsoleSignIn` and `AwsConsoleAction` are not.
pub fn is_request(ev: &Event<'_>) -> bool {
    !matches!(
        ev.event_type.as_deref(),
        Some("AwsServiceEvent" | "AwsConsoleSignIn" | "AwsConsoleAction")
    )
}

/// [`map_event`] filling the given (empty) vectors, so a caller can reuse their allocations,
/// and building only the context keys in `want`.
pub fn map_event_into<'a>(
    ev: &Event<'a>,
    catalog: Option<&'a Catalog>,
    want: Want,
    resources: Vec<Cow<'a, str>>,
    context_buf: Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Mapped<'a> {
    // requestParameters are parsed once, for resources, extra actions and condition keys; an
    // odd shape leaves them out, it never makes the record unreadable.
    let params: Option<&Params<'a>> = ev.request_parameters.0.as_ref();
    let principal = principal_with(ev.user_identity.as_ref(), ev, params);
    let mut m = Mapped {
        action: Cow::Borrowed(""),
        resources,
        resource_account: None,
        context: context_buf,
        multi: Vec::new(),
        extra: Vec::new(),
        approx: 0,
        observed_denied: ev.error_code.as_deref().is_some_and(is_access_denied),
        not_request: (!is_request(ev)).then(|| ev.event_type.clone()).flatten(),
        needs_no_permission: false,
        principal,
    };
    if m.principal.inexact {
        m.set(Approx::UnknownPrincipal);
    }
    let part = partition(ev.aws_region.as_deref());
    // Action.
    let (prefix, info) = match (ev.event_source.as_deref(), ev.event_name.as_deref()) {
        (Some(src), Some(event_name)) => {
            let prefix = iam_prefix(src);
            let mut name = iam_action_name(prefix, event_name);
            if prefix == "s3" && params.is_some_and(|p| p.get(F::VersionId).is_some()) {
                name = version_action(name).unwrap_or(name);
            }
            let info = catalog.and_then(|c| {
                c.action(prefix, name)
                    .or_else(|| c.renamed(prefix, event_name))
            });
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
    // E-20: no permission is needed.
    m.needs_no_permission = m.action == "sts:GetCallerIdentity";
    // Resources: for a denied call, the one the AccessDenied message names (what IAM decided
    // on); else resources[] (those of a type the action authorizes on); else the identifiers
    // of requestParameters; else `*`.
    if m.observed_denied {
        if let Some(r) = ev.error_message.as_deref().and_then(denied_resource) {
            m.resources.push(Cow::Owned(r.to_string()));
        }
    }
    if m.resources.is_empty() {
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
        if let Some(p) = params {
            build_resources(ev, prefix, part, &m.principal, p, &mut m.resources);
        }
        // IAM calls without a user name act on the caller's own user.
        if m.resources.is_empty() && prefix == "iam" && m.principal.kind == PrincipalKind::User {
            let own = info.is_some_and(|i| {
                catalog.is_some_and(|c| c.resource_fits(i, &m.principal.arn) == Some(true))
            });
            if own {
                m.resources.push(m.principal.arn.clone());
            }
        }
        if let (Some(c), Some(i)) = (catalog, info) {
            m.resources
                .retain(|r| c.resource_fits(i, r).unwrap_or(true));
        }
    }
    if m.resources.is_empty() {
        m.resources.push(Cow::Borrowed("*"));
        m.set(Approx::ResourceStar);
    }
    if let Some(p) = params {
        extras(ev, prefix, part, &mut m, p);
    }
    context(ev, prefix, params, want, &mut m);
    m
}

/// The further permissions a call needs (see [`Extra`]).
fn extras<'a>(ev: &Event<'a>, prefix: &str, part: &str, m: &mut Mapped<'a>, p: &Params<'a>) {
    let region = ev.aws_region.as_deref().unwrap_or("");
    let account = ev
        .recipient_account_id
        .as_deref()
        .or(m.principal.account.as_deref())
        .unwrap_or("");
    let name = ev.event_name.as_deref().unwrap_or("");
    match prefix {
        "ec2" => {
            // RunInstances with an instance profile passes its role (iam:PassRole).
            if let Some(ip) = &p.iam_instance_profile.0 {
                let profile = ip.name.0.clone().or_else(|| {
                    ip.arn
                        .0
                        .as_deref()
                        .and_then(|a| a.rsplit_once('/'))
                        .map(|(_, n)| Cow::Owned(n.to_string()))
                });
                m.extra.push(Extra {
                    action: Cow::Borrowed("iam:PassRole"),
                    resources: vec![Cow::Borrowed("*")],
                    context: Vec::new(),
                    instance_profile: profile,
                });
            }
            // Tag specifications: ec2:CreateTags on each resource created, with
            // ec2:CreateAction naming the call.
            if let Some(ts) = &p.tag_specification_set.0 {
                let mut resources = Vec::new();
                for it in ts.items.0.iter().flatten().filter_map(|i| i.0.as_ref()) {
                    if let Some(t) = it.resource_type.0.as_deref() {
                        // The new resource's id is not known before the call.
                        resources.push(Cow::Owned(format!(
                            "arn:{part}:ec2:{region}:{account}:{t}/*"
                        )));
                    }
                }
                if !resources.is_empty() {
                    m.extra.push(Extra {
                        action: Cow::Borrowed("ec2:CreateTags"),
                        resources,
                        context: vec![(
                            Cow::Borrowed("ec2:CreateAction"),
                            Cow::Owned(name.to_string()),
                        )],
                        instance_profile: None,
                    });
                }
            }
        }
        "s3" if matches!(name, "CopyObject" | "UploadPartCopy") => {
            // The copy reads its source: s3:GetObject (…Version with a versionId).
            if let Some(src) = p.get(F::CopySource).map(|c| c.as_ref()) {
                let src = percent_decode(src.trim_start_matches('/'));
                let (path, version) = match src.split_once("?versionId=") {
                    Some((path, v)) => (path.to_string(), !v.is_empty()),
                    None => (src.to_string(), false),
                };
                if path.contains('/') {
                    m.extra.push(Extra {
                        action: Cow::Borrowed(if version {
                            "s3:GetObjectVersion"
                        } else {
                            "s3:GetObject"
                        }),
                        resources: vec![Cow::Owned(format!("arn:{part}:s3:::{path}"))],
                        context: Vec::new(),
                        instance_profile: None,
                    });
                }
            }
        }
        _ => {}
    }
}

fn build_resources<'a>(
    ev: &Event<'a>,
    prefix: &str,
    part: &str,
    p: &Principal<'a>,
    params: &Params<'a>,
    out: &mut Vec<Cow<'a, str>>,
) {
    let region = ev.aws_region.as_deref().unwrap_or("");
    let account = ev
        .recipient_account_id
        .as_deref()
        .or(p.account.as_deref())
        .unwrap_or("");
    let s = |f: F| params.get(f).cloned().filter(|v| !v.is_empty());
    let arnish = |v: &str| v.starts_with("arn:");
    // `arn:…` as given, else the template with the identifier.
    let mut push = |v: Cow<'a, str>, f: &dyn Fn(&str) -> String| {
        if arnish(&v) {
            out.push(v);
        } else {
            out.push(Cow::Owned(f(&v)));
        }
    };
    match prefix {
        "s3" => {
            if let Some(b) = s(F::BucketName) {
                match s(F::Key) {
                    Some(k) => push(b, &|b| format!("arn:{part}:s3:::{b}/{k}")),
                    None => push(b, &|b| format!("arn:{part}:s3:::{b}")),
                }
            }
        }
        "iam" => {
            if let Some(n) = s(F::RoleName) {
                push(n, &|n| format!("arn:{part}:iam::{account}:role/{n}"));
            } else if let Some(n) = s(F::UserName) {
                push(n, &|n| format!("arn:{part}:iam::{account}:user/{n}"));
            } else if let Some(n) = s(F::GroupName) {
                push(n, &|n| format!("arn:{part}:iam::{account}:group/{n}"));
            } else if let Some(n) = s(F::InstanceProfileName) {
                push(n, &|n| {
                    format!("arn:{part}:iam::{account}:instance-profile/{n}")
                });
            } else if let Some(a) = s(F::PolicyArn) {
                out.push(a);
            }
        }
        "ec2" => {
            let ids = [
                (F::InstanceId, "instance"),
                (F::VpcId, "vpc"),
                (F::SubnetId, "subnet"),
                (F::RouteTableId, "route-table"),
                (F::InternetGatewayId, "internet-gateway"),
                (F::NetworkInterfaceId, "network-interface"),
                (F::VolumeId, "volume"),
                (F::GroupId, "security-group"),
            ];
            for (v, kind) in ids {
                if let Some(i) = s(v) {
                    push(i, &|i| {
                        format!("arn:{part}:ec2:{region}:{account}:{kind}/{i}")
                    });
                }
            }
            if let Some(set) = &params.instances_set.0 {
                for it in set.items.0.iter().flatten().filter_map(|i| i.0.as_ref()) {
                    if let Some(i) = it.instance_id.0.clone().filter(|v| !v.is_empty()) {
                        push(i, &|i| {
                            format!("arn:{part}:ec2:{region}:{account}:instance/{i}")
                        });
                    }
                }
            }
        }
        "rds" => {
            let pairs = [
                (F::DbInstance, "db"),
                (F::DbSnapshot, "snapshot"),
                (F::DbCluster, "cluster"),
                (F::DbClusterSnapshot, "cluster-snapshot"),
            ];
            for (v, kind) in pairs {
                if let Some(id) = s(v) {
                    push(id, &|id| {
                        format!("arn:{part}:rds:{region}:{account}:{kind}:{id}")
                    });
                }
            }
            if let Some(a) = s(F::ResourceName).filter(|a| arnish(a)) {
                out.push(a);
            }
        }
        "lambda" => {
            if let Some(f) = s(F::FunctionName) {
                push(f, &|f| {
                    format!("arn:{part}:lambda:{region}:{account}:function:{f}")
                });
            }
        }
        "kms" => {
            if let Some(k) = s(F::KeyId) {
                push(k, &|k| {
                    if k.starts_with("alias/") {
                        format!("arn:{part}:kms:{region}:{account}:{k}")
                    } else {
                        format!("arn:{part}:kms:{region}:{account}:key/{k}")
                    }
                });
            }
        }
        "dynamodb" => {
            if let Some(t) = s(F::TableName) {
                push(t, &|t| {
                    format!("arn:{part}:dynamodb:{region}:{account}:table/{t}")
                });
            }
        }
        "sqs" => {
            // https://sqs.R.amazonaws.com/A/name
            if let Some(u) = s(F::QueueUrl) {
                let mut parts = u.rsplit('/');
                if let (Some(name), Some(acct)) = (parts.next(), parts.next()) {
                    out.push(Cow::Owned(format!("arn:{part}:sqs:{region}:{acct}:{name}")));
                }
            }
        }
        "sns" => {
            if let Some(t) = s(F::TopicArn) {
                out.push(t);
            }
        }
        "secretsmanager" => {
            if let Some(id) = s(F::SecretId) {
                push(id, &|id| {
                    format!("arn:{part}:secretsmanager:{region}:{account}:secret:{id}")
                });
            }
        }
        "ssm" => {
            let parameter = |n: &str| {
                let n = n.trim_start_matches('/');
                format!("arn:{part}:ssm:{region}:{account}:parameter/{n}")
            };
            if let Some(n) = s(F::Name) {
                push(n, &parameter);
            } else if let (Some(id), Some("Parameter")) = (
                s(F::ResourceId),
                params.get(F::ResourceType).map(|c| c.as_ref()),
            ) {
                push(id, &parameter);
            }
        }
        "sts" => {
            if let Some(r) = s(F::RoleArn) {
                out.push(r);
            }
        }
        "cloudtrail" => {
            if let Some(n) = s(F::Name).or_else(|| s(F::TrailName)) {
                push(n, &|n| {
                    format!("arn:{part}:cloudtrail:{region}:{account}:trail/{n}")
                });
            }
        }
        "logs" => {
            if let Some(n) = s(F::LogGroupName) {
                push(n, &|n| {
                    format!("arn:{part}:logs:{region}:{account}:log-group:{n}")
                });
            }
        }
        _ => {}
    }
}

/// Known services that call on a principal's behalf with forward access sessions and set
/// `aws:CalledVia` (AWS global condition keys, aws:CalledVia).
const CALLED_VIA: [&str; 4] = [
    "athena.amazonaws.com",
    "cloudformation.amazonaws.com",
    "dynamodb.amazonaws.com",
    "kms.amazonaws.com",
];

/// A context key the audit can set (a bit of [`Want`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum K {
    CurrentTime,
    EpochTime,
    SourceIp,
    UserAgent,
    RequestedRegion,
    SourceVpce,
    SecureTransport,
    S3SignatureVersion,
    S3AuthType,
    PrincipalType,
    PrincipalIsAwsService,
    PrincipalServiceName,
    PrincipalAccount,
    UserId,
    UserName,
    ViaAwsService,
    CalledVia,
    CalledViaFirst,
    CalledViaLast,
    MfaPresent,
    MfaAge,
    TokenIssueTime,
    Ec2RoleDelivery,
    Ec2SourceInstanceArn,
    KmsCallerAccount,
    KmsViaService,
    S3Acl,
    S3Prefix,
    S3VersionId,
    KmsEncryptionContext,
    KmsEncryptionContextKeys,
    StsRoleSessionName,
    IamPolicyArn,
    RequestTag,
    TagKeys,
}

/// The names of [`K`] (lower case, C-2); the two ending in `:` / `/` are prefixes.
const KEY_NAMES: [(K, &str); 35] = [
    (K::CurrentTime, "aws:currenttime"),
    (K::EpochTime, "aws:epochtime"),
    (K::SourceIp, "aws:sourceip"),
    (K::UserAgent, "aws:useragent"),
    (K::RequestedRegion, "aws:requestedregion"),
    (K::SourceVpce, "aws:sourcevpce"),
    (K::SecureTransport, "aws:securetransport"),
    (K::S3SignatureVersion, "s3:signatureversion"),
    (K::S3AuthType, "s3:authtype"),
    (K::PrincipalType, "aws:principaltype"),
    (K::PrincipalIsAwsService, "aws:principalisawsservice"),
    (K::PrincipalServiceName, "aws:principalservicename"),
    (K::PrincipalAccount, "aws:principalaccount"),
    (K::UserId, "aws:userid"),
    (K::UserName, "aws:username"),
    (K::ViaAwsService, "aws:viaawsservice"),
    (K::CalledVia, "aws:calledvia"),
    (K::CalledViaFirst, "aws:calledviafirst"),
    (K::CalledViaLast, "aws:calledvialast"),
    (K::MfaPresent, "aws:multifactorauthpresent"),
    (K::MfaAge, "aws:multifactorauthage"),
    (K::TokenIssueTime, "aws:tokenissuetime"),
    (K::Ec2RoleDelivery, "ec2:roledelivery"),
    (K::Ec2SourceInstanceArn, "ec2:sourceinstancearn"),
    (K::KmsCallerAccount, "kms:calleraccount"),
    (K::KmsViaService, "kms:viaservice"),
    (K::S3Acl, "s3:x-amz-acl"),
    (K::S3Prefix, "s3:prefix"),
    (K::S3VersionId, "s3:versionid"),
    (K::KmsEncryptionContext, "kms:encryptioncontext:"),
    (K::KmsEncryptionContextKeys, "kms:encryptioncontextkeys"),
    (K::StsRoleSessionName, "sts:rolesessionname"),
    (K::IamPolicyArn, "iam:policyarn"),
    (K::RequestTag, "aws:requesttag/"),
    (K::TagKeys, "aws:tagkeys"),
];

/// The context keys worth building: those some policy of the run reads (condition keys and
/// policy variables). A key no policy reads cannot change a decision, and the event lines do
/// not show the context, so leaving it out changes nothing but the time spent.
/// `aws:PrincipalArn` is always built (E-12 reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want(u64);

impl Want {
    /// Every key (the library's [`map_event`]).
    pub const ALL: Want = Want(u64::MAX);

    /// The keys among `names` (as written in policies; any case).
    pub fn from_keys<'k>(names: impl IntoIterator<Item = &'k str>) -> Want {
        let mut bits = 0u64;
        for n in names {
            let n = n.to_ascii_lowercase();
            for (k, name) in KEY_NAMES {
                let hit = if name.ends_with(':') || name.ends_with('/') {
                    n.starts_with(name)
                } else {
                    n == name
                };
                if hit {
                    bits |= 1 << k as u8;
                }
            }
        }
        Want(bits)
    }

    fn has(self, k: K) -> bool {
        self.0 & (1 << k as u8) != 0
    }

    /// Whether a key S3's `additionalEventData` gives is wanted ([`read_s3_facts`]).
    pub fn s3_facts(self) -> bool {
        self.has(K::SecureTransport) || self.has(K::S3SignatureVersion) || self.has(K::S3AuthType)
    }
}

fn context<'a>(
    ev: &Event<'a>,
    prefix: &str,
    params: Option<&Params<'a>>,
    w: Want,
    m: &mut Mapped<'a>,
) {
    let b = |s: &'static str| Cow::Borrowed(s);
    let c = &mut m.context;
    let time = ev.event_time.as_ref().or(ev.timestamp.as_ref());
    // The time is parsed only when a key needs it (MFA age too).
    let needs_time = w.has(K::CurrentTime) || w.has(K::EpochTime) || w.has(K::MfaAge);
    let now = time
        .filter(|_| needs_time)
        .and_then(|t| iamc_runtime::compiler_support::value::parse_date(t));
    if let (Some(t), Some(ns)) = (time, now) {
        if w.has(K::CurrentTime) {
            c.push((b("aws:CurrentTime"), t.clone()));
        }
        if w.has(K::EpochTime) {
            c.push((
                b("aws:EpochTime"),
                Cow::Owned((ns.div_euclid(1_000_000_000)).to_string()),
            ));
        }
    }
    if let Some(ip) = ev.source_ip.as_ref().filter(|_| w.has(K::SourceIp)) {
        if ip.parse::<std::net::IpAddr>().is_ok() {
            c.push((b("aws:SourceIp"), ip.clone()));
        }
    }
    if let Some(ua) = ev.user_agent.as_ref().filter(|_| w.has(K::UserAgent)) {
        c.push((b("aws:UserAgent"), ua.clone()));
    }
    if let Some(r) = ev.aws_region.as_ref().filter(|_| w.has(K::RequestedRegion)) {
        c.push((b("aws:RequestedRegion"), r.clone()));
    }
    if let Some(v) = ev.vpc_endpoint_id.as_ref().filter(|_| w.has(K::SourceVpce)) {
        c.push((b("aws:SourceVpce"), v.clone()));
    }
    // S3 records tell the signature, the authentication method and the TLS cipher.
    let s3x = (prefix == "s3")
        .then_some(ev.additional_event_data.0.as_ref())
        .flatten();
    let tls = ev.tls_details.is_some()
        || s3x
            .as_ref()
            .is_some_and(|x| x.cipher_suite.0.as_deref().is_some_and(|c| !c.is_empty()));
    if tls && w.has(K::SecureTransport) {
        c.push((b("aws:SecureTransport"), b("true")));
    }
    if let Some(x) = s3x.filter(|_| w.has(K::S3SignatureVersion)) {
        match x.signature_version.0.as_deref() {
            Some("SigV4") => c.push((b("s3:signatureversion"), b("AWS4-HMAC-SHA256"))),
            Some("SigV2") => c.push((b("s3:signatureversion"), b("AWS"))),
            _ => {}
        }
    }
    if let Some(x) = s3x.filter(|_| w.has(K::S3AuthType)) {
        match x.authentication_method.0.as_deref() {
            Some("AuthHeader") => c.push((b("s3:authType"), b("REST-HEADER"))),
            Some("QueryString") => c.push((b("s3:authType"), b("REST-QUERY-STRING"))),
            Some("HtmlForm") => c.push((b("s3:authType"), b("POST"))),
            _ => {}
        }
    }
    let p = &m.principal;
    let ptype = match p.kind {
        PrincipalKind::User => Some("User"),
        PrincipalKind::Session => Some("AssumedRole"),
        PrincipalKind::Root => Some("Account"),
        PrincipalKind::OtherAccount if p.inexact => None,
        PrincipalKind::OtherAccount => Some("Account"),
        PrincipalKind::Federated => Some("FederatedUser"),
        PrincipalKind::Anonymous => Some("Anonymous"),
        PrincipalKind::Service
        | PrincipalKind::IdentityProvider
        | PrincipalKind::IdentityCenter => None,
    };
    if let Some(t) = ptype.filter(|_| w.has(K::PrincipalType)) {
        c.push((b("aws:PrincipalType"), b(t)));
    }
    // Present in every signed request (AWS global condition keys).
    if w.has(K::PrincipalIsAwsService) {
        match p.kind {
            PrincipalKind::Service => c.push((b("aws:PrincipalIsAWSService"), b("true"))),
            PrincipalKind::Anonymous => {}
            _ => c.push((b("aws:PrincipalIsAWSService"), b("false"))),
        }
    }
    if p.kind == PrincipalKind::Service && w.has(K::PrincipalServiceName) {
        c.push((b("aws:PrincipalServiceName"), p.arn.clone()));
    }
    match p.kind {
        PrincipalKind::Session => {
            if let Some(r) = &p.issuer_arn {
                c.push((b("aws:PrincipalArn"), r.clone()));
            }
        }
        PrincipalKind::User | PrincipalKind::Root | PrincipalKind::Federated => {
            c.push((b("aws:PrincipalArn"), p.arn.clone()));
        }
        _ => {}
    }
    if let Some(a) = p.account.as_ref().filter(|_| w.has(K::PrincipalAccount)) {
        c.push((b("aws:PrincipalAccount"), a.clone()));
    }
    let ui = ev.user_identity.as_ref();
    if let Some(id) = ui
        .and_then(|u| u.principal_id.as_ref())
        .filter(|_| w.has(K::UserId))
    {
        if p.kind != PrincipalKind::Service {
            c.push((b("aws:userid"), id.clone()));
        }
    }
    if p.kind == PrincipalKind::User && w.has(K::UserName) {
        if let Some(n) = ui.and_then(|u| u.user_name.as_ref()) {
            c.push((b("aws:username"), n.clone()));
        }
    }
    let invoked_by = ui.and_then(|u| u.invoked_by.as_deref());
    if ui.is_some() && w.has(K::ViaAwsService) && p.kind != PrincipalKind::Service {
        c.push((
            b("aws:ViaAWSService"),
            b(if invoked_by.is_some() {
                "true"
            } else {
                "false"
            }),
        ));
    }
    // A service calling on the principal's behalf.
    let via = invoked_by
        .filter(|s| s.ends_with(".amazonaws.com"))
        .filter(|_| p.kind != PrincipalKind::Service);
    if let Some(svc) = via {
        if CALLED_VIA.contains(&svc) {
            if w.has(K::CalledVia) {
                m.multi
                    .push(("aws:CalledVia", vec![Cow::Owned(svc.to_string())]));
            }
            if w.has(K::CalledViaFirst) {
                c.push((b("aws:CalledViaFirst"), Cow::Owned(svc.to_string())));
            }
            if w.has(K::CalledViaLast) {
                c.push((b("aws:CalledViaLast"), Cow::Owned(svc.to_string())));
            }
        }
    }
    // K-4: MFA keys only for temporary credentials (a session context).
    let sc = ui.and_then(|u| u.session_context.as_ref());
    if let Some(attrs) = sc.and_then(|s| s.attributes.as_ref()) {
        if let Some(mfa) = &attrs.mfa_authenticated {
            let used = mfa.eq_ignore_ascii_case("true");
            if w.has(K::MfaPresent) {
                c.push((
                    b("aws:MultiFactorAuthPresent"),
                    b(if used { "true" } else { "false" }),
                ));
            }
            let created = attrs
                .creation_date
                .as_deref()
                .filter(|_| used && w.has(K::MfaAge))
                .and_then(iamc_runtime::compiler_support::value::parse_date);
            if let (true, Some(created), Some(now)) = (used, created, now) {
                let age = (now - created).div_euclid(1_000_000_000).max(0);
                c.push((b("aws:MultiFactorAuthAge"), Cow::Owned(age.to_string())));
            }
        }
        if let Some(d) = attrs
            .creation_date
            .as_ref()
            .filter(|_| w.has(K::TokenIssueTime))
        {
            c.push((b("aws:TokenIssueTime"), d.clone()));
        }
    }
    // EC2 instance role credentials: the instance is the session name.
    if let Some(d) = sc.and_then(|s| s.ec2_role_delivery.as_ref()) {
        if w.has(K::Ec2RoleDelivery) {
            c.push((b("ec2:RoleDelivery"), d.clone()));
        }
        let session = p.arn.rsplit('/').next().unwrap_or("");
        if p.kind == PrincipalKind::Session
            && session.starts_with("i-")
            && w.has(K::Ec2SourceInstanceArn)
        {
            let part = partition(ev.aws_region.as_deref());
            // The instance's region is taken to be the call's (an instance's credentials are
            // normally used in its region).
            c.push((
                b("ec2:SourceInstanceARN"),
                Cow::Owned(format!(
                    "arn:{part}:ec2:{}:{}:instance/{session}",
                    ev.aws_region.as_deref().unwrap_or(""),
                    p.account.as_deref().unwrap_or("")
                )),
            ));
        }
    }
    if prefix == "kms" && !matches!(p.kind, PrincipalKind::Service | PrincipalKind::Anonymous) {
        if let Some(a) = p.account.as_ref().filter(|_| w.has(K::KmsCallerAccount)) {
            c.push((b("kms:CallerAccount"), a.clone()));
        }
        if let (Some(svc), Some(r), true) = (via, ev.aws_region.as_deref(), w.has(K::KmsViaService))
        {
            if let Some(s) = svc.strip_suffix(".amazonaws.com") {
                c.push((
                    b("kms:ViaService"),
                    Cow::Owned(format!("{s}.{r}.amazonaws.com")),
                ));
            }
        }
    }
    let Some(params) = params else {
        return;
    };
    let s = |f: F| params.get(f).cloned();
    match prefix {
        "s3" => {
            if let Some(v) = s(F::XAmzAcl).filter(|_| w.has(K::S3Acl)) {
                c.push((b("s3:x-amz-acl"), v));
            }
            if let Some(v) = s(F::Prefix).filter(|_| w.has(K::S3Prefix)) {
                c.push((b("s3:prefix"), v));
            }
            if let Some(v) = s(F::VersionId).filter(|_| w.has(K::S3VersionId)) {
                c.push((b("s3:versionid"), v));
            }
        }
        "kms" => {
            let ec = &params.encryption_context.0;
            if !ec.is_empty() && w.has(K::KmsEncryptionContext) {
                for (k, v) in ec {
                    c.push((Cow::Owned(format!("kms:EncryptionContext:{k}")), v.clone()));
                }
            }
            if !ec.is_empty() && w.has(K::KmsEncryptionContextKeys) {
                m.multi.push((
                    "kms:EncryptionContextKeys",
                    ec.iter().map(|(k, _)| k.clone()).collect(),
                ));
            }
        }
        "sts" => {
            if let Some(v) = s(F::RoleSessionName).filter(|_| w.has(K::StsRoleSessionName)) {
                c.push((b("sts:RoleSessionName"), v));
            }
        }
        "iam" => {
            if let Some(v) = s(F::PolicyArn).filter(|_| w.has(K::IamPolicyArn)) {
                c.push((b("iam:PolicyARN"), v));
            }
        }
        _ => {}
    }
    // Tags of the request: `tags`, or EC2's tag specifications.
    if !w.has(K::RequestTag) && !w.has(K::TagKeys) {
        return;
    }
    let mut keys: Vec<Cow<'a, str>> = Vec::new();
    let spec_tags = params
        .tag_specification_set
        .0
        .iter()
        .flat_map(|t| t.items.0.iter().flatten())
        .filter_map(|i| i.0.as_ref())
        .flat_map(|i| i.tags.0.iter());
    for (k, v) in params.tags.0.iter().chain(spec_tags) {
        // CloudTrail hides some tags; they are not guessed.
        if k == "HIDDEN_DUE_TO_SECURITY_REASONS" || keys.contains(k) {
            continue;
        }
        if w.has(K::RequestTag) {
            c.push((Cow::Owned(format!("aws:RequestTag/{k}")), v.clone()));
        }
        keys.push(k.clone());
    }
    if !keys.is_empty() && w.has(K::TagKeys) {
        m.multi.push(("aws:TagKeys", keys));
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

    #[test]
    fn only_the_keys_policies_read_are_built() {
        let e = ev(
            r#"{"eventTime":"2023-07-10T11:42:23Z","eventSource":"kms.amazonaws.com",
            "eventName":"Decrypt","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"},
            "requestParameters":{"encryptionContext":{"a":"b"}}}"#,
        );
        let w = Want::from_keys(["kms:EncryptionContext:a", "AWS:SourceIp"]);
        let m = map_event_into(&e, None, w, Vec::new(), Vec::new());
        let keys: Vec<&str> = m.context.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(
            keys,
            vec![
                "aws:SourceIp",
                "aws:PrincipalArn",
                "kms:EncryptionContext:a"
            ]
        );
        assert!(m.multi.is_empty());
        let all = map_event(&e, None);
        assert!(all.context.len() > keys.len());
        assert_eq!(Want::from_keys([]), Want::from_keys(["ec2:Nothing"]));
    }
}

/// K-13: a condition key no CloudTrail record carries, so an audit cannot know it: the
/// resource's tags (`aws:ResourceTag/…`, a service's `…:ResourceTag/…`, RDS's `rds:db-tag/…`
/// and the like, S3's `s3:ExistingObjectTag/…`), and the claims of a federation token that trust
/// policies test (`saml:aud`, `accounts.google.com:aud`, an OIDC provider's
/// `token.actions.githubusercontent.com:sub`: the prefix is a host name). Such keys are
/// declared unknown, not absent.
pub fn not_in_cloudtrail(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let federation = k
        .split_once(':')
        .is_some_and(|(prefix, _)| prefix == "saml" || prefix.contains('.'));
    federation
        || k.starts_with("aws:resourcetag/")
        || (k.contains(":resourcetag/"))
        || (k.starts_with("rds:") && k.contains("-tag/"))
        || k.starts_with("s3:existingobjecttag/")
}

#[cfg(test)]
mod k13_tests {
    use super::not_in_cloudtrail;

    #[test]
    fn k13_resource_tag_keys_are_not_in_cloudtrail() {
        for k in [
            "aws:ResourceTag/env",
            "ec2:ResourceTag/owner",
            "rds:db-tag/stage",
            "rds:cluster-tag/x",
            "s3:ExistingObjectTag/team",
            "SAML:aud",
            "accounts.google.com:aud",
            "token.actions.githubusercontent.com:sub",
        ] {
            assert!(not_in_cloudtrail(k), "{k}");
        }
        for k in [
            "aws:RequestTag/env",
            "aws:TagKeys",
            "aws:PrincipalTag/team",
            "s3:prefix",
        ] {
            assert!(!not_in_cloudtrail(k), "{k}");
        }
    }
}
