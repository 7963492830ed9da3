//! The validated policy AST.
//!
//! Everything the parser accepts ends up here, already checked against the grammar (spec group
//! G): every element that survives is well-formed, every condition value has been checked to
//! parse as its operator's type (G-18), and every policy variable is syntactically valid (G-20).
//! Later stages — the reference interpreter and the lowering into the runtime's compiled form —
//! therefore never have to report a syntax error.
//!
//! Each element keeps the JSON path it came from (`$.Statement[2].Condition.StringLike`), so a
//! diagnostic or an explanation can always name it. Values keep their text as written (after
//! G-16's conversion of JSON numbers and booleans), and string-like values additionally carry
//! their parsed [`Template`] (literal text, wildcards, variables).

use std::fmt;
use std::sync::Arc;

/// A JSON path such as `$.Statement[2].Condition.StringLike["aws:TagKeys"][0]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(pub String);

impl JsonPath {
    /// The document root, `$`.
    pub fn root() -> JsonPath {
        JsonPath("$".to_string())
    }

    /// This path extended by an object member.
    ///
    /// Plain identifiers are written `.Name`; anything else (a key with a colon, a space…) is
    /// written `["aws:TagKeys"]`, so the path can be read back without ambiguity.
    pub fn key(&self, name: &str) -> JsonPath {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if plain {
            JsonPath(format!("{}.{}", self.0, name))
        } else {
            JsonPath(format!("{}[{:?}]", self.0, name))
        }
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> JsonPath {
        JsonPath(format!("{}[{}]", self.0, i))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which kind of policy a document is (G-11, group E): the runtime's type, so a kind means
/// the same in the AST, the compiled set and every report.
pub use iamc_runtime::PolicyKind;

/// The policy language version (G-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, or no `Version` at all: `${...}` is literal text (V-2).
    V2008_10_17,
}

impl Version {
    /// Whether policy variables are substituted under this version (V-2).
    pub fn substitutes_variables(self) -> bool {
        matches!(self, Version::V2012_10_17)
    }
}

/// One parsed and validated policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where the document came from (file name, scenario and field…), used in diagnostics.
    pub source: Arc<str>,
    /// The kind this document was parsed as.
    pub kind: PolicyKind,
    /// The language version (absent `Version` reads as 2008-10-17, G-2).
    pub version: Version,
    /// Whether `Version` was written at all.
    pub version_written: bool,
    /// The `Id` element, if any (G-3; no effect on evaluation).
    pub id: Option<String>,
    /// The statements in document order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny` (G-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies.
    Deny,
}

/// One statement of a policy.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Position of the statement in its policy (0-based; 0 for the single-object form, G-4).
    pub index: usize,
    /// JSON path of the statement object.
    pub path: JsonPath,
    /// The `Sid`, if any (G-7).
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Principal`/`NotPrincipal`, for resource-based policies and RCPs only (G-11).
    pub principal: Option<PrincipalPart>,
    /// `Action`/`NotAction` (G-9).
    pub action: ActionPart,
    /// `Resource`/`NotResource` (G-10).
    pub resource: ResourcePart,
    /// The condition block flattened to one entry per (operator, key), in document order
    /// (C-1: all of them must hold). Empty when there is no `Condition` or it is `{}` (G-14).
    pub conditions: Vec<Condition>,
    /// Set when the statement breaks a G rule and was read leniently (G-21): an opaque
    /// statement. Its parts that parsed are above; those that did not are replaced by parts
    /// that match everything (`*`), and its applicability is at most *unknown* (E-21).
    pub opaque: Option<Box<Opaque>>,
}

/// Why a statement is opaque (G-21), and what of it is not known.
#[derive(Clone, Debug)]
pub struct Opaque {
    /// Every G violation in the statement, as a strict read reports them (path and rule).
    pub errors: Vec<crate::Error>,
    /// The `Effect` could not be read: the statement may be an Allow or a Deny. Its `effect`
    /// field is then `Deny`, and the engines take it as both.
    pub effect_unknown: bool,
}

impl Opaque {
    /// The rule of the first violation (for reports: "policy, statement, rule").
    pub fn rule(&self) -> &'static str {
        self.errors.first().map_or("G-21", |e| e.kind.rule())
    }
}

impl Statement {
    /// Whether the statement may be a Deny: its effect is Deny, or unknown (G-21).
    pub fn may_deny(&self) -> bool {
        self.effect == Effect::Deny || self.opaque.as_ref().is_some_and(|o| o.effect_unknown)
    }

    /// Whether the statement may be an Allow: its effect is Allow, or unknown (G-21).
    pub fn may_allow(&self) -> bool {
        self.effect == Effect::Allow || self.opaque.as_ref().is_some_and(|o| o.effect_unknown)
    }
}

/// `Action` (`negated == false`) or `NotAction` (`negated == true`).
#[derive(Clone, Debug)]
pub struct ActionPart {
    /// `true` for `NotAction`.
    pub negated: bool,
    /// The listed patterns (non-empty).
    pub patterns: Vec<ActionPattern>,
    /// JSON path of the element.
    pub path: JsonPath,
}

impl ActionPart {
    /// `"Action": "*"`: what an opaque statement's unreadable action part becomes (G-21).
    pub fn any() -> ActionPart {
        ActionPart {
            negated: false,
            patterns: vec![ActionPattern {
                text: "*".into(),
                path: JsonPath::root(),
            }],
            path: JsonPath::root(),
        }
    }
}

/// One action pattern: `*` or `prefix:name` where `name` may contain `*`/`?`.
#[derive(Clone, Debug)]
pub struct ActionPattern {
    /// The pattern as written (original case, kept for diagnostics).
    pub text: String,
    /// JSON path of the string.
    pub path: JsonPath,
}

/// `Resource` (`negated == false`) or `NotResource` (`negated == true`).
#[derive(Clone, Debug)]
pub struct ResourcePart {
    /// `true` for `NotResource`.
    pub negated: bool,
    /// The listed patterns (non-empty).
    pub patterns: Vec<ResourcePattern>,
    /// JSON path of the element.
    pub path: JsonPath,
}

impl ResourcePart {
    /// `"Resource": "*"`: what an opaque statement's unreadable resource part becomes (G-21).
    pub fn any() -> ResourcePart {
        ResourcePart {
            negated: false,
            patterns: vec![ResourcePattern {
                text: "*".into(),
                template: Template::text("*"),
                path: JsonPath::root(),
            }],
            path: JsonPath::root(),
        }
    }
}

/// One resource pattern: `*` or an ARN glob, possibly with variables.
#[derive(Clone, Debug)]
pub struct ResourcePattern {
    /// The pattern as written.
    pub text: String,
    /// The pattern split into wildcard text and variables. Under Version 2008-10-17 the whole
    /// text is one [`TemplatePart::Text`] (V-2).
    pub template: Template,
    /// JSON path of the string.
    pub path: JsonPath,
}

/// A string that may contain policy variables (V-1 … V-10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Template {
    /// The parts in order. Adjacent `Text` parts are merged by the parser.
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// A template of one literal text part (no variables).
    pub fn text(s: &str) -> Template {
        Template {
            parts: if s.is_empty() {
                Vec::new()
            } else {
                vec![TemplatePart::Text(s.to_string())]
            },
        }
    }

    /// Whether the template contains at least one variable (`${key}`), not counting the
    /// special characters `${*}` `${?}` `${$}`.
    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Variable { .. }))
    }
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplatePart {
    /// Text as written. For glob contexts (Resource, `StringLike`, `Arn*`, actions) its `*` and
    /// `?` are wildcards; for exact contexts (`StringEquals`…) they are ordinary characters.
    Text(String),
    /// `${*}`, `${?}` or `${$}`: the literal character, never a wildcard (V-4).
    Literal(char),
    /// `${key}` or `${key, 'default'}`: replaced by the request's value of `key`, or the
    /// default when the key is absent or multivalued (V-5, V-9). The substituted text is
    /// literal (V-8, R-7).
    Variable {
        /// The key name as written (looked up case-insensitively, V-1).
        key: String,
        /// The default text, if written (V-5).
        default: Option<String>,
    },
}

/// `Principal` (`negated == false`) or `NotPrincipal` (`negated == true`).
#[derive(Clone, Debug)]
pub struct PrincipalPart {
    /// `true` for `NotPrincipal` (E-15).
    pub negated: bool,
    /// The element was `"*"` or listed `{"AWS": "*"}` (G-12): every principal.
    pub wildcard: bool,
    /// The listed principals other than the wildcard.
    pub entries: Vec<PrincipalEntry>,
    /// JSON path of the element.
    pub path: JsonPath,
}

impl PrincipalPart {
    /// `"Principal": "*"`: what an opaque statement's unreadable principal becomes (G-21).
    pub fn anyone() -> PrincipalPart {
        PrincipalPart {
            negated: false,
            wildcard: true,
            entries: Vec::new(),
            path: JsonPath::root(),
        }
    }
}

/// Which key of a principal object an entry was listed under (G-12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `AWS`: account IDs, account root ARNs, user/role/session ARNs.
    Aws,
    /// `Service`: service principals such as `lambda.amazonaws.com`.
    Service,
    /// `Federated`: identity providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user IDs.
    CanonicalUser,
}

/// One listed principal.
#[derive(Clone, Debug)]
pub struct PrincipalEntry {
    /// The key it was listed under.
    pub kind: PrincipalType,
    /// The value as written, except that a bare 12-digit account ID under `AWS` is normalised
    /// to `arn:aws:iam::<id>:root` (G-12).
    pub value: String,
    /// JSON path of the string.
    pub path: JsonPath,
}

/// A set qualifier on a condition operator (C-20, C-21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `ForAllValues:` — every request value must satisfy the base operator.
    ForAllValues,
    /// `ForAnyValue:` — at least one request value must satisfy it.
    ForAnyValue,
}

/// The base condition operators of C-6 … C-15.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The type family of an operator: how its values are read (K-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// String operators (C-6 … C-8).
    String,
    /// Numeric operators (C-9).
    Numeric,
    /// Date operators (C-10).
    Date,
    /// `Bool` (C-11).
    Bool,
    /// `BinaryEquals` (C-12).
    Binary,
    /// `IpAddress` / `NotIpAddress` (C-13).
    Ip,
    /// ARN operators (C-14).
    Arn,
    /// `Null` (C-15).
    Null,
}

impl BaseOp {
    /// Every base operator with its name as written in policies.
    pub const ALL: [(BaseOp, &'static str); 27] = [
        (BaseOp::StringEquals, "StringEquals"),
        (BaseOp::StringNotEquals, "StringNotEquals"),
        (BaseOp::StringEqualsIgnoreCase, "StringEqualsIgnoreCase"),
        (
            BaseOp::StringNotEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase",
        ),
        (BaseOp::StringLike, "StringLike"),
        (BaseOp::StringNotLike, "StringNotLike"),
        (BaseOp::NumericEquals, "NumericEquals"),
        (BaseOp::NumericNotEquals, "NumericNotEquals"),
        (BaseOp::NumericLessThan, "NumericLessThan"),
        (BaseOp::NumericLessThanEquals, "NumericLessThanEquals"),
        (BaseOp::NumericGreaterThan, "NumericGreaterThan"),
        (BaseOp::NumericGreaterThanEquals, "NumericGreaterThanEquals"),
        (BaseOp::DateEquals, "DateEquals"),
        (BaseOp::DateNotEquals, "DateNotEquals"),
        (BaseOp::DateLessThan, "DateLessThan"),
        (BaseOp::DateLessThanEquals, "DateLessThanEquals"),
        (BaseOp::DateGreaterThan, "DateGreaterThan"),
        (BaseOp::DateGreaterThanEquals, "DateGreaterThanEquals"),
        (BaseOp::Bool, "Bool"),
        (BaseOp::BinaryEquals, "BinaryEquals"),
        (BaseOp::IpAddress, "IpAddress"),
        (BaseOp::NotIpAddress, "NotIpAddress"),
        (BaseOp::ArnEquals, "ArnEquals"),
        (BaseOp::ArnLike, "ArnLike"),
        (BaseOp::ArnNotEquals, "ArnNotEquals"),
        (BaseOp::ArnNotLike, "ArnNotLike"),
        (BaseOp::Null, "Null"),
    ];

    /// The operator's name as written in policies.
    pub fn name(self) -> &'static str {
        BaseOp::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// Look an operator up by its exact (case-sensitive, C-18) name.
    pub fn from_name(name: &str) -> Option<BaseOp> {
        BaseOp::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(op, _)| *op)
    }

    /// Whether this is a negated operator (C-3, C-4): it is the negation of its positive
    /// counterpart over the same value list.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOp::StringNotEquals
                | BaseOp::StringNotEqualsIgnoreCase
                | BaseOp::StringNotLike
                | BaseOp::NumericNotEquals
                | BaseOp::DateNotEquals
                | BaseOp::NotIpAddress
                | BaseOp::ArnNotEquals
                | BaseOp::ArnNotLike
        )
    }

    /// The type family of the operator.
    pub fn value_type(self) -> ValueType {
        use BaseOp::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueType::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueType::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueType::Date,
            Bool => ValueType::Bool,
            BinaryEquals => ValueType::Binary,
            IpAddress | NotIpAddress => ValueType::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => ValueType::Arn,
            Null => ValueType::Null,
        }
    }

    /// Whether policy values of this operator may contain policy variables (V-3): the string
    /// and ARN operators only.
    pub fn allows_variables(self) -> bool {
        matches!(self.value_type(), ValueType::String | ValueType::Arn)
    }
}

/// A full condition operator: `[ForAllValues:|ForAnyValue:] Base [IfExists]` (C-16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The set qualifier, if any.
    pub set: Option<SetOp>,
    /// The base operator.
    pub base: BaseOp,
    /// Whether the `IfExists` suffix is present (C-5).
    pub if_exists: bool,
}

impl Operator {
    /// Parse an operator name exactly as AWS spells it (C-16, C-18). `None` for anything else
    /// (G-17), including `Null` with a prefix or suffix.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = BaseOp::from_name(base_name)?;
        if base == BaseOp::Null && (set.is_some() || if_exists) {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }

    /// Every valid operator name, for did-you-mean hints.
    pub fn all_names() -> Vec<String> {
        let mut out = Vec::new();
        for (op, name) in BaseOp::ALL {
            if op == BaseOp::Null {
                out.push(name.to_string());
                continue;
            }
            for prefix in ["", "ForAllValues:", "ForAnyValue:"] {
                for suffix in ["", "IfExists"] {
                    out.push(format!("{prefix}{name}{suffix}"));
                }
            }
        }
        out
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetOp::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetOp::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// One (operator, key) entry of a condition block.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The operator.
    pub op: Operator,
    /// The condition key as written (looked up case-insensitively, C-2).
    pub key: String,
    /// The policy values (non-empty), each already checked to parse as the operator's type.
    pub values: Vec<ConditionValue>,
    /// JSON path of the key's member (`$.Statement[0].Condition.Bool["aws:SecureTransport"]`).
    pub path: JsonPath,
}

/// One policy value of a condition.
#[derive(Clone, Debug)]
pub struct ConditionValue {
    /// The value as text (JSON numbers and booleans converted, G-16).
    pub text: String,
    /// For string and ARN operators under Version 2012-10-17: the text split into parts with
    /// variables (V-3). For every other operator, a single `Text` part.
    pub template: Template,
    /// JSON path of the value.
    pub path: JsonPath,
}

/// The policies that decide one request, grouped by kind (group E), as parsed: what the
/// reference interpreter reads and what [`crate::Compiler`] compiles into the runtime's
/// `iamc_runtime::PolicySet` (a different thing, hence a different name).
#[derive(Clone, Debug)]
pub struct ParsedSet {
    /// Identity-based policies (E-5).
    pub identity: Vec<Policy>,
    /// The resource-based policy, if any (E-6 … E-8, E-19).
    pub resource: Option<Policy>,
    /// Permissions boundaries; when any is given, one must allow (E-5).
    pub boundaries: Vec<Policy>,
    /// The session policy, if any (E-17).
    pub session: Option<Policy>,
    /// SCP levels, root first (E-11).
    pub scps: Vec<Vec<Policy>>,
    /// RCP levels, root first (E-10).
    pub rcps: Vec<Vec<Policy>>,
    /// The organization's management account, whose principals SCPs do not restrict and whose
    /// resources RCPs do not restrict (E-10, E-12). Not part of the oracle's scenario format;
    /// an iamc extension (`management_account`).
    pub management_account: Option<String>,
    /// The service prefixes RCPs apply to (E-10); RCPs are skipped for every other service's
    /// actions. Default: [`iamc_runtime::ir::DEFAULT_RCP_SERVICES`].
    pub rcp_services: Vec<String>,
}

impl Default for ParsedSet {
    fn default() -> ParsedSet {
        ParsedSet {
            identity: Vec::new(),
            resource: None,
            boundaries: Vec::new(),
            session: None,
            scps: Vec::new(),
            rcps: Vec::new(),
            management_account: None,
            rcp_services: default_rcp_services(),
        }
    }
}

/// The default list of services RCPs apply to (E-10), owned.
pub fn default_rcp_services() -> Vec<String> {
    iamc_runtime::ir::DEFAULT_RCP_SERVICES
        .iter()
        .map(|s| (*s).to_string())
        .collect()
}

impl ParsedSet {
    /// The policy a [`PolicyRef`] names, if the set has it.
    pub fn policy(&self, r: PolicyRef) -> Option<&Policy> {
        match r.kind {
            PolicyKind::Identity => self.identity.get(r.index),
            PolicyKind::Resource => self.resource.as_ref().filter(|_| r.index == 0),
            PolicyKind::Boundary => self.boundaries.get(r.index),
            PolicyKind::Session => self.session.as_ref().filter(|_| r.index == 0),
            PolicyKind::Scp => self.scps.get(r.level)?.get(r.index),
            PolicyKind::Rcp => self.rcps.get(r.level)?.get(r.index),
        }
    }

    /// Every policy with its kind, level (SCP/RCP level, else 0) and index within its group,
    /// in the canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (PolicyRef, &Policy)> + '_ {
        let identity = self
            .identity
            .iter()
            .enumerate()
            .map(|(i, p)| (PolicyRef::new(PolicyKind::Identity, 0, i), p));
        let resource = self
            .resource
            .iter()
            .map(|p| (PolicyRef::new(PolicyKind::Resource, 0, 0), p));
        let boundaries = self
            .boundaries
            .iter()
            .enumerate()
            .map(|(i, p)| (PolicyRef::new(PolicyKind::Boundary, 0, i), p));
        let session = self
            .session
            .iter()
            .map(|p| (PolicyRef::new(PolicyKind::Session, 0, 0), p));
        let scps = self.scps.iter().enumerate().flat_map(|(l, level)| {
            level
                .iter()
                .enumerate()
                .map(move |(i, p)| (PolicyRef::new(PolicyKind::Scp, l, i), p))
        });
        let rcps = self.rcps.iter().enumerate().flat_map(|(l, level)| {
            level
                .iter()
                .enumerate()
                .map(move |(i, p)| (PolicyRef::new(PolicyKind::Rcp, l, i), p))
        });
        identity
            .chain(resource)
            .chain(boundaries)
            .chain(session)
            .chain(scps)
            .chain(rcps)
    }
}

/// Names one policy of a [`ParsedSet`]: kind, level (SCPs/RCPs; 0 otherwise) and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyRef {
    /// The policy kind.
    pub kind: PolicyKind,
    /// The SCP/RCP level (root = 0); 0 for other kinds.
    pub level: usize,
    /// Index within its kind (and level).
    pub index: usize,
}

impl PolicyRef {
    /// A reference from its parts.
    pub fn new(kind: PolicyKind, level: usize, index: usize) -> PolicyRef {
        PolicyRef { kind, level, index }
    }

    /// The policy a statement belongs to.
    pub fn of(s: StatementRef) -> PolicyRef {
        PolicyRef::new(s.kind, s.level as usize, s.policy as usize)
    }

    /// Statement `statement` of this policy. Indices are bounded by [`crate::Limits`] far
    /// below `u32::MAX`; a larger one saturates (and then names no statement) rather than wrap.
    pub fn statement(self, statement: usize) -> StatementRef {
        let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        StatementRef {
            kind: self.kind,
            level: n(self.level),
            policy: n(self.index),
            statement: n(statement),
        }
    }
}

/// Names one statement: the runtime's type, with the same indices in the AST and the compiled
/// set ([`PolicyRef::statement`], [`PolicyRef::of`]).
pub use iamc_runtime::StatementRef;
