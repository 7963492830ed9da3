//! The plain-data intermediate form a compiler hands to the runtime.
//!
//! The compiler lowers its AST into these types (interning condition keys to [`KeyId`]s and
//! splitting strings into template parts); [`crate::PolicySet::new`] then builds the indexes
//! and matchers from them. Keeping the hand-over as plain data means the runtime never needs
//! the parser, and the same data is what a serialised artifact holds.

use crate::decision::PolicyKind;

/// An interned condition-key id: an index into [`PolicySetIr::keys`].
pub type KeyId = u32;

/// The services whose actions RCPs apply to by default (E-10): AWS's documented list (S3, STS,
/// KMS, SQS and Secrets Manager since RCPs launched; ECR and OpenSearch Serverless since 2025).
pub const DEFAULT_RCP_SERVICES: &[&str] =
    &["s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss"];

/// A whole policy set, in any order; the runtime sorts statements into canonical order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicySetIr {
    /// The policies.
    pub policies: Vec<PolicyIr>,
    /// Condition keys used anywhere (conditions and variables), by id.
    pub keys: Vec<KeyIr>,
    /// Number of SCP levels (levels without policies count: they allow nothing).
    pub scp_levels: u32,
    /// Number of RCP levels.
    pub rcp_levels: u32,
    /// The organization's management account, if stated (E-10, E-12).
    pub management_account: Option<String>,
    /// The service prefixes RCPs apply to (E-10), lower-case; RCPs are skipped for actions of
    /// any other service. [`DEFAULT_RCP_SERVICES`] unless the compile input says otherwise.
    pub rcp_services: Vec<String>,
    /// Pre-compiled DFAs of general-shape static globs, by glob (see the private `automaton` module).
    /// Optional: a general glob without an entry is matched by the linear matcher.
    pub automata: Vec<AutomatonIr>,
    /// Pre-compiled multi-pattern DFAs of services' wildcard action names. Optional: a
    /// service without one scans its patterns one by one.
    pub action_automata: Vec<ActionAutomatonIr>,
}

/// A serialised multi-pattern DFA over one service's wildcard action names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionAutomatonIr {
    /// The lower-cased service prefix.
    pub service: String,
    /// Its distinct lower-cased wildcard name patterns, sorted: pattern `i` of the DFA is
    /// `patterns[i]` (as the private `automaton` module's `action_patterns` lists them).
    pub patterns: Vec<String>,
    /// `regex_automata::dfa::dense::DFA::to_bytes_little_endian`, without leading padding.
    pub dfa: Vec<u8>,
}

/// A serialised glob DFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomatonIr {
    /// The glob it recognises, as [`crate::automaton::automaton_key`] writes it.
    pub glob: String,
    /// `regex_automata::dfa::dense::DFA::to_bytes_little_endian`, without leading padding.
    pub dfa: Vec<u8>,
}

/// A condition key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyIr {
    /// The key name, lower-cased (C-2).
    pub name: String,
    /// AWS documents the key as multivalued (C-24).
    pub multivalued: bool,
}

/// One policy.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyIr {
    /// Its kind.
    pub kind: PolicyKind,
    /// SCP/RCP level (root = 0), else 0.
    pub level: u32,
    /// Index within its kind (and level).
    pub index: u32,
    /// A name for reports (source file or scenario path).
    pub name: String,
    /// Its statements in document order.
    pub statements: Vec<StatementIr>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementIr {
    /// Index in its policy.
    pub index: u32,
    /// The Sid, if any.
    pub sid: Option<String>,
    /// `true` for Allow, `false` for Deny.
    pub allow: bool,
    /// Principal part (resource policies and RCPs).
    pub principal: Option<PrincipalIr>,
    /// `NotAction` when true.
    pub not_action: bool,
    /// Action patterns as written.
    pub actions: Vec<String>,
    /// `NotResource` when true.
    pub not_resource: bool,
    /// Resource patterns.
    pub resources: Vec<TemplateIr>,
    /// Conditions (all must hold).
    pub conditions: Vec<ConditionIr>,
    /// An opaque statement (G-21): read leniently from a policy that breaks a G rule. It
    /// applies at most "unknown" (E-21).
    pub opaque: Option<OpaqueIr>,
}

/// What makes a statement opaque (G-21).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueIr {
    /// The rule of its first violation (e.g. `G-18`), for reports.
    pub rule: String,
    /// Its `Effect` could not be read: it is decided both as a Deny and as an Allow (whatever
    /// `allow` says).
    pub effect_unknown: bool,
}

/// `Principal` / `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalIr {
    /// `NotPrincipal` when true.
    pub negated: bool,
    /// `"*"` or `{"AWS": "*"}`.
    pub wildcard: bool,
    /// Listed principals (account IDs already normalised to root ARNs).
    pub entries: Vec<String>,
}

/// A string with wildcards, literal text and variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateIr {
    /// The parts in order.
    pub parts: Vec<TemplatePartIr>,
}

/// A part of a [`TemplateIr`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePartIr {
    /// Text whose `*`/`?` are wildcards in glob contexts.
    Text(String),
    /// Literal text (`${*}` and friends).
    Literal(String),
    /// A policy variable.
    Variable {
        /// The key.
        key: KeyId,
        /// The default, if written.
        default: Option<String>,
    },
}

/// Set qualifier of a condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `ForAllValues:`
    ForAllValues,
    /// `ForAnyValue:`
    ForAnyValue,
}

/// The positive operator families; negation is a flag (C-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `StringEquals` / `StringNotEquals`.
    StringEquals,
    /// `StringEqualsIgnoreCase` / `StringNotEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike` / `StringNotLike`.
    StringLike,
    /// `NumericEquals` / `NumericNotEquals`.
    NumericEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals` / `DateNotEquals`.
    DateEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress` / `NotIpAddress`.
    Ip,
    /// `ArnEquals`/`ArnLike` and their negations.
    Arn,
    /// `Null`.
    Null,
}

/// One (operator, key, values) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionIr {
    /// The key.
    pub key: KeyId,
    /// Set qualifier.
    pub set: Option<SetOp>,
    /// Operator family.
    pub op: OpKind,
    /// Negated operator (`StringNotEquals`, `NotIpAddress`, …).
    pub negated: bool,
    /// `IfExists` suffix.
    pub if_exists: bool,
    /// The policy values.
    pub values: Vec<TemplateIr>,
}

// ---------------------------------------------------------------------------------------
// A borrowed, flat view of an IR

/// A range `start..end` of one of an [`IrView`]'s flat lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The elements of `list` in this range (empty if it is out of range, which the code
    /// that makes spans never lets happen).
    pub(crate) fn of<T>(self, list: &[T]) -> &[T] {
        list.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The span from `start` to the end of a list now `len` long.
    fn to(start: usize, len: usize) -> Span {
        Span {
            start: start as u32,
            end: len as u32,
        }
    }
}

/// A template part, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PartView<'a> {
    Text(&'a str),
    Literal(&'a str),
    Variable(KeyId, Option<&'a str>),
}

/// A policy, borrowed; `statements` indexes [`IrView::statements`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct PolicyView<'a> {
    pub kind: PolicyKind,
    pub level: u32,
    pub index: u32,
    pub name: &'a str,
    pub statements: Span,
}

/// A statement, borrowed; spans index the view's flat lists.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatementView<'a> {
    pub index: u32,
    pub sid: Option<&'a str>,
    pub allow: bool,
    /// `(negated, wildcard, entries in strs)`.
    pub principal: Option<(bool, bool, Span)>,
    pub not_action: bool,
    /// In [`IrView::strs`].
    pub actions: Span,
    pub not_resource: bool,
    /// In [`IrView::templates`].
    pub resources: Span,
    /// In [`IrView::conditions`].
    pub conditions: Span,
    /// G-21: `(rule, effect unknown)` of an opaque statement.
    pub opaque: Option<(&'a str, bool)>,
}

/// A condition; `values` indexes [`IrView::templates`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConditionView {
    pub key: KeyId,
    pub set: Option<SetOp>,
    pub op: OpKind,
    pub negated: bool,
    pub if_exists: bool,
    pub values: Span,
}

/// A policy set's IR as a handful of flat lists of borrowed strings: what
/// [`crate::PolicySet`] is built from. The artifact loader decodes into it straight from the
/// file's bytes (no string is copied, and there is no tree of small vectors to allocate and
/// free); [`IrView::of`] makes one from an owned [`PolicySetIr`].
#[derive(Debug, Default)]
pub(crate) struct IrView<'a> {
    pub scp_levels: u32,
    pub rcp_levels: u32,
    pub management_account: Option<&'a str>,
    pub rcp_services: Vec<&'a str>,
    /// `(name, multivalued)` by id.
    pub keys: Vec<(&'a str, bool)>,
    pub policies: Vec<PolicyView<'a>>,
    pub statements: Vec<StatementView<'a>>,
    /// Action patterns and principal entries.
    pub strs: Vec<&'a str>,
    /// Templates as spans of `parts`.
    pub templates: Vec<Span>,
    pub parts: Vec<PartView<'a>>,
    pub conditions: Vec<ConditionView>,
    /// Glob automata: `(glob key, DFA bytes)`, the bytes borrowed (unaligned).
    pub automata: Vec<(&'a str, &'a [u8])>,
    /// Action automata: `(service, patterns in strs, DFA bytes)`.
    pub action_automata: Vec<(&'a str, Span, &'a [u8])>,
}

impl<'a> IrView<'a> {
    /// Append strings to `strs`, returning their span.
    pub(crate) fn push_strs(&mut self, items: impl IntoIterator<Item = &'a str>) -> Span {
        let start = self.strs.len();
        self.strs.extend(items);
        Span::to(start, self.strs.len())
    }

    /// Start a template: its parts are pushed next, then [`IrView::end_template`].
    pub(crate) fn parts_start(&self) -> usize {
        self.parts.len()
    }

    /// Close the template whose parts start at `start`.
    pub(crate) fn end_template(&mut self, start: usize) {
        self.templates.push(Span::to(start, self.parts.len()));
    }

    /// The view of an owned IR.
    pub(crate) fn of(ir: &'a PolicySetIr) -> IrView<'a> {
        let mut v = IrView {
            scp_levels: ir.scp_levels,
            rcp_levels: ir.rcp_levels,
            management_account: ir.management_account.as_deref(),
            rcp_services: ir.rcp_services.iter().map(String::as_str).collect(),
            keys: ir
                .keys
                .iter()
                .map(|k| (k.name.as_str(), k.multivalued))
                .collect(),
            ..IrView::default()
        };
        for p in &ir.policies {
            let first = v.statements.len();
            for s in &p.statements {
                let principal = s.principal.as_ref().map(|pr| {
                    let span = v.push_strs(pr.entries.iter().map(String::as_str));
                    (pr.negated, pr.wildcard, span)
                });
                let actions = v.push_strs(s.actions.iter().map(String::as_str));
                let resources = v.push_templates(&s.resources);
                let cstart = v.conditions.len();
                for c in &s.conditions {
                    let values = v.push_templates(&c.values);
                    v.conditions.push(ConditionView {
                        key: c.key,
                        set: c.set,
                        op: c.op,
                        negated: c.negated,
                        if_exists: c.if_exists,
                        values,
                    });
                }
                let conditions = Span::to(cstart, v.conditions.len());
                v.statements.push(StatementView {
                    index: s.index,
                    sid: s.sid.as_deref(),
                    allow: s.allow,
                    principal,
                    not_action: s.not_action,
                    actions,
                    not_resource: s.not_resource,
                    resources,
                    conditions,
                    opaque: s
                        .opaque
                        .as_ref()
                        .map(|o| (o.rule.as_str(), o.effect_unknown)),
                });
            }
            let statements = Span::to(first, v.statements.len());
            v.policies.push(PolicyView {
                kind: p.kind,
                level: p.level,
                index: p.index,
                name: &p.name,
                statements,
            });
        }
        v.automata = ir
            .automata
            .iter()
            .map(|a| (a.glob.as_str(), a.dfa.as_slice()))
            .collect();
        for a in &ir.action_automata {
            let patterns = v.push_strs(a.patterns.iter().map(String::as_str));
            v.action_automata
                .push((a.service.as_str(), patterns, a.dfa.as_slice()));
        }
        v
    }

    fn push_templates(&mut self, ts: &'a [TemplateIr]) -> Span {
        let start = self.templates.len();
        for t in ts {
            let first = self.parts_start();
            self.parts.extend(t.parts.iter().map(|p| match p {
                TemplatePartIr::Text(s) => PartView::Text(s),
                TemplatePartIr::Literal(s) => PartView::Literal(s),
                TemplatePartIr::Variable { key, default } => {
                    PartView::Variable(*key, default.as_deref())
                }
            }));
            self.end_template(first);
        }
        Span::to(start, self.templates.len())
    }

    /// The parts of template `t` (an index into `templates`).
    pub(crate) fn template(&self, t: &Span) -> &[PartView<'a>] {
        t.of(&self.parts)
    }

    /// An owned IR with the same content.
    pub(crate) fn to_ir(&self) -> PolicySetIr {
        let strs = |span: Span| -> Vec<String> {
            span.of(&self.strs).iter().map(|s| s.to_string()).collect()
        };
        let templates = |span: Span| -> Vec<TemplateIr> {
            span.of(&self.templates)
                .iter()
                .map(|t| TemplateIr {
                    parts: self
                        .template(t)
                        .iter()
                        .map(|p| match *p {
                            PartView::Text(s) => TemplatePartIr::Text(s.into()),
                            PartView::Literal(s) => TemplatePartIr::Literal(s.into()),
                            PartView::Variable(key, default) => TemplatePartIr::Variable {
                                key,
                                default: default.map(String::from),
                            },
                        })
                        .collect(),
                })
                .collect()
        };
        PolicySetIr {
            policies: self
                .policies
                .iter()
                .map(|p| PolicyIr {
                    kind: p.kind,
                    level: p.level,
                    index: p.index,
                    name: p.name.into(),
                    statements: p
                        .statements
                        .of(&self.statements)
                        .iter()
                        .map(|s| StatementIr {
                            index: s.index,
                            sid: s.sid.map(String::from),
                            allow: s.allow,
                            principal: s.principal.map(|(negated, wildcard, e)| PrincipalIr {
                                negated,
                                wildcard,
                                entries: strs(e),
                            }),
                            not_action: s.not_action,
                            actions: strs(s.actions),
                            not_resource: s.not_resource,
                            resources: templates(s.resources),
                            conditions: s
                                .conditions
                                .of(&self.conditions)
                                .iter()
                                .map(|c| ConditionIr {
                                    key: c.key,
                                    set: c.set,
                                    op: c.op,
                                    negated: c.negated,
                                    if_exists: c.if_exists,
                                    values: templates(c.values),
                                })
                                .collect(),
                            opaque: s.opaque.map(|(rule, effect_unknown)| OpaqueIr {
                                rule: rule.into(),
                                effect_unknown,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            keys: self
                .keys
                .iter()
                .map(|&(name, multivalued)| KeyIr {
                    name: name.into(),
                    multivalued,
                })
                .collect(),
            scp_levels: self.scp_levels,
            rcp_levels: self.rcp_levels,
            management_account: self.management_account.map(String::from),
            rcp_services: self.rcp_services.iter().map(|s| String::from(*s)).collect(),
            automata: self
                .automata
                .iter()
                .map(|&(glob, dfa)| AutomatonIr {
                    glob: glob.into(),
                    dfa: dfa.to_vec(),
                })
                .collect(),
            action_automata: self
                .action_automata
                .iter()
                .map(|&(service, patterns, dfa)| ActionAutomatonIr {
                    service: service.into(),
                    patterns: strs(patterns),
                    dfa: dfa.to_vec(),
                })
                .collect(),
        }
    }
}
