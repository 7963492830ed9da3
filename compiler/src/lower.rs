//! Lowering: validated AST → the runtime's IR → an immutable `iamc_runtime::PolicySet`.
//!
//! What happens here: condition keys (from conditions and from variables) are interned to dense
//! ids, lower-cased (C-2) and flagged multivalued where AWS documents them so
//! ([`crate::keys::is_multivalued`]); templates become IR parts; operators split into a positive
//! family plus a negation flag (C-4); `Version 2008-10-17` documents already carry their
//! variables as literal text (V-2), so nothing version-specific is left for the runtime.
//! The DFAs of general-shape static globs are built here too ([`crate::automata`]), so the
//! runtime then only deserialises them while it builds the action index, typed values and
//! globs ([`iamc_runtime::PolicySet::new`]).
//!
//! # Entry point
//! Only [`crate::Compiler`] calls [`to_ir_with`], with its configured [`AutomataLimits`]
//! ([`crate::Compiler::build`], [`crate::Compiler::build_ir`]): it is the one public way to
//! compile, also for callers that already hold an [`ast::ParsedSet`]
//! ([`crate::Compiler::from_set`]), so no caller can bypass its config or its checks.

use std::collections::HashMap;

use iamc_runtime::ir::{
    self, ConditionIr, KeyIr, OpKind, PolicyIr, PolicySetIr, PrincipalIr, StatementIr, TemplateIr,
    TemplatePartIr,
};

use crate::ast::{self, BaseOp, Effect, Template, TemplatePart};
use crate::automata::AutomataLimits;

/// Interns condition keys case-insensitively (C-2) with the runtime's own fold
/// (`iamc_runtime::fold_key`, the one its lookups use), so two spellings of one key (`…Σ` and
/// `…σ`) get one id.
#[derive(Default)]
struct Keys {
    ids: HashMap<String, u32>,
    list: Vec<KeyIr>,
}

impl Keys {
    fn id(&mut self, name: &str) -> u32 {
        let lower = iamc_runtime::compiler_support::fold_key(name);
        if let Some(&id) = self.ids.get(&lower) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(KeyIr {
            name: lower.clone(),
            multivalued: crate::keys::is_multivalued(name),
        });
        self.ids.insert(lower, id);
        id
    }
}

fn template(t: &Template, keys: &mut Keys) -> TemplateIr {
    TemplateIr {
        parts: t
            .parts
            .iter()
            .map(|p| match p {
                TemplatePart::Text(s) => TemplatePartIr::Text(s.clone()),
                TemplatePart::Literal(c) => TemplatePartIr::Literal(c.to_string()),
                TemplatePart::Variable { key, default } => TemplatePartIr::Variable {
                    key: keys.id(key),
                    default: default.clone(),
                },
            })
            .collect(),
    }
}

/// Positive family and negation flag of a base operator (C-4).
fn op(base: BaseOp) -> (OpKind, bool) {
    use BaseOp::*;
    match base {
        StringEquals => (OpKind::StringEquals, false),
        StringNotEquals => (OpKind::StringEquals, true),
        StringEqualsIgnoreCase => (OpKind::StringEqualsIgnoreCase, false),
        StringNotEqualsIgnoreCase => (OpKind::StringEqualsIgnoreCase, true),
        StringLike => (OpKind::StringLike, false),
        StringNotLike => (OpKind::StringLike, true),
        NumericEquals => (OpKind::NumericEquals, false),
        NumericNotEquals => (OpKind::NumericEquals, true),
        NumericLessThan => (OpKind::NumericLessThan, false),
        NumericLessThanEquals => (OpKind::NumericLessThanEquals, false),
        NumericGreaterThan => (OpKind::NumericGreaterThan, false),
        NumericGreaterThanEquals => (OpKind::NumericGreaterThanEquals, false),
        DateEquals => (OpKind::DateEquals, false),
        DateNotEquals => (OpKind::DateEquals, true),
        DateLessThan => (OpKind::DateLessThan, false),
        DateLessThanEquals => (OpKind::DateLessThanEquals, false),
        DateGreaterThan => (OpKind::DateGreaterThan, false),
        DateGreaterThanEquals => (OpKind::DateGreaterThanEquals, false),
        Bool => (OpKind::Bool, false),
        BinaryEquals => (OpKind::Binary, false),
        IpAddress => (OpKind::Ip, false),
        NotIpAddress => (OpKind::Ip, true),
        ArnEquals | ArnLike => (OpKind::Arn, false),
        ArnNotEquals | ArnNotLike => (OpKind::Arn, true),
        Null => (OpKind::Null, false),
    }
}

fn statement(s: &ast::Statement, keys: &mut Keys) -> StatementIr {
    StatementIr {
        opaque: s.opaque.as_ref().map(|o| ir::OpaqueIr {
            rule: o.rule().to_string(),
            effect_unknown: o.effect_unknown,
        }),
        index: s.index as u32,
        sid: s.sid.clone(),
        allow: s.effect == Effect::Allow,
        principal: s.principal.as_ref().map(|p| PrincipalIr {
            negated: p.negated,
            wildcard: p.wildcard,
            entries: p.entries.iter().map(|e| e.value.clone()).collect(),
        }),
        not_action: s.action.negated,
        actions: s.action.patterns.iter().map(|a| a.text.clone()).collect(),
        not_resource: s.resource.negated,
        resources: s
            .resource
            .patterns
            .iter()
            .map(|r| template(&r.template, keys))
            .collect(),
        conditions: s
            .conditions
            .iter()
            .map(|c| {
                let (op, negated) = op(c.op.base);
                ConditionIr {
                    key: keys.id(&c.key),
                    set: c.op.set.map(|s| match s {
                        ast::SetOp::ForAllValues => ir::SetOp::ForAllValues,
                        ast::SetOp::ForAnyValue => ir::SetOp::ForAnyValue,
                    }),
                    op,
                    negated,
                    if_exists: c.op.if_exists,
                    values: c
                        .values
                        .iter()
                        .map(|v| template(&v.template, keys))
                        .collect(),
                }
            })
            .collect(),
    }
}

/// Lower a policy set to the runtime's IR, building glob DFAs within `limits`.
pub(crate) fn to_ir_with(set: &ast::ParsedSet, limits: &AutomataLimits) -> PolicySetIr {
    let mut keys = Keys::default();
    let policies = set
        .iter()
        .map(|(r, p)| PolicyIr {
            kind: r.kind,
            level: r.level as u32,
            index: r.index as u32,
            name: p.source.to_string(),
            statements: p
                .statements
                .iter()
                .map(|s| statement(s, &mut keys))
                .collect(),
        })
        .collect();
    let mut ir = PolicySetIr {
        policies,
        keys: keys.list,
        scp_levels: set.scps.len() as u32,
        rcp_levels: set.rcps.len() as u32,
        management_account: set.management_account.clone(),
        rcp_services: set
            .rcp_services
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        automata: Vec::new(),
        action_automata: Vec::new(),
    };
    crate::automata::attach(&mut ir, limits);
    ir
}
