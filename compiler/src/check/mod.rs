//! Policy checks: warnings for policies AWS accepts but that don't do what they seem.
//!
//! The parser ([`crate::parse`]) reports the grammar-level warnings (G-2, G-7, G-12, C-11,
//! V-6). [`check_policy`] adds the semantic ones, some of which need the IAM Service
//! Authorization Reference loaded as a [`Catalog`]:
//!
//! - a plain operator on a multivalued key (C-24) — e.g. the RDS seed's
//!   `StringLikeIfExists {"aws:TagKeys": "production"}`;
//! - a set operator (`ForAllValues:`/`ForAnyValue:`) on a single-valued key (C-20, C-21, C-23);
//! - an action, service prefix or condition key the service reference does not know, with a
//!   did-you-mean hint; a wildcard action that matches no action of its service;
//! - a policy variable under Version 2008-10-17, where it is literal text (V-2);
//! - an `IfExists` or negated operator on a service key none of the statement's actions carries,
//!   which makes the condition always true (C-3, C-5, K-10).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::ast::{BaseOp, Condition, JsonPath, Operator, Policy, SetOp, Statement, Version};
use crate::error::suggest;
use crate::keys;

mod catalog;
#[cfg(test)]
mod tests;
pub(crate) mod warning;

use catalog::Action;
pub use catalog::{Catalog, KeyInfo, Valued};
pub use warning::{Warning, WarningKind};

/// Run the policy checks on one parsed policy. Without a catalog only the checks that need no
/// service reference run (C-24 via [`keys::is_multivalued`], set operators on the documented
/// single-valued global keys, V-2).
pub fn check_policy(policy: &Policy, catalog: Option<&Catalog>) -> Vec<Warning> {
    let builtin;
    let keys_catalog = match catalog {
        Some(c) => c,
        None => {
            builtin = Catalog::with_global_keys();
            &builtin
        }
    };
    let mut out = Vec::new();
    let mut warn = |path: &JsonPath, kind: WarningKind| {
        out.push(Warning {
            source: Arc::clone(&policy.source),
            path: path.clone(),
            kind,
        })
    };
    for st in &policy.statements {
        if let Some(cat) = catalog {
            check_actions(st, cat, &mut warn);
        }
        for cond in &st.conditions {
            check_valuedness(cond, keys_catalog, &mut warn);
            if let Some(cat) = catalog {
                if cat.key_info(&cond.key).is_none() {
                    warn(
                        &cond.path,
                        WarningKind::UnknownConditionKey {
                            key: cond.key.clone(),
                            suggestion: cat.suggest_key(&cond.key),
                        },
                    );
                }
            }
        }
        if let Some(cat) = catalog {
            check_key_never_present(st, cat, &mut warn);
        }
        if policy.version == Version::V2008_10_17 {
            check_literal_variables(st, &mut warn);
        }
    }
    out
}

/// C-24 and C-20/C-21: set operators against what the key is documented to hold.
fn check_valuedness(
    cond: &Condition,
    cat: &Catalog,
    warn: &mut impl FnMut(&JsonPath, WarningKind),
) {
    if cond.op.base == BaseOp::Null {
        return;
    }
    let documented = cat.key_info(&cond.key).map(|i| i.valued);
    match cond.op.set {
        None => {
            let multi = keys::is_multivalued(&cond.key) || documented == Some(Valued::Multi);
            if multi {
                warn(
                    &cond.path,
                    WarningKind::PlainOperatorOnMultivaluedKey {
                        operator: cond.op.to_string(),
                        key: cond.key.clone(),
                    },
                );
            }
        }
        Some(SetOp::ForAllValues | SetOp::ForAnyValue) => {
            if documented == Some(Valued::Single) && !keys::is_multivalued(&cond.key) {
                warn(
                    &cond.path,
                    WarningKind::SetOperatorOnSingleValuedKey {
                        operator: cond.op.to_string(),
                        key: cond.key.clone(),
                    },
                );
            }
        }
    }
}

/// every action pattern names a known service and matches a known action.
fn check_actions(st: &Statement, cat: &Catalog, warn: &mut impl FnMut(&JsonPath, WarningKind)) {
    for pat in &st.action.patterns {
        if pat.text == "*" {
            continue;
        }
        let Some((prefix, name)) = pat.text.split_once(':') else {
            continue;
        };
        let lp = prefix.to_lowercase();
        match cat.matching_actions(&lp, name) {
            None => {
                let suggestion = suggest(prefix, cat.services.keys().map(|k| &**k))
                    .map(|p| format!("{p}:{name}"));
                warn(
                    &pat.path,
                    WarningKind::UnknownService {
                        action: pat.text.clone(),
                        suggestion,
                    },
                );
            }
            Some(found) if found.is_empty() => {
                if name.contains(['*', '?']) {
                    warn(
                        &pat.path,
                        WarningKind::ActionPatternMatchesNothing(pat.text.clone()),
                    );
                } else {
                    let suggestion = cat.services.get(lp.as_str()).and_then(|s| {
                        suggest(name, s.actions.values().map(|a| &*a.name))
                            .map(|n| format!("{prefix}:{n}"))
                    });
                    warn(
                        &pat.path,
                        WarningKind::UnknownAction {
                            action: pat.text.clone(),
                            suggestion,
                        },
                    );
                }
            }
            Some(_) => {}
        }
    }
}

/// C-3, C-5, K-10: an `IfExists` or negated operator on a service key that none of the
/// statement's actions carries is always true. Only for `Action` (not `NotAction`) whose
/// patterns all resolve against the catalog.
fn check_key_never_present(
    st: &Statement,
    cat: &Catalog,
    warn: &mut impl FnMut(&JsonPath, WarningKind),
) {
    if st.action.negated {
        return;
    }
    let candidates: Vec<&Condition> = st
        .conditions
        .iter()
        .filter(|c| {
            c.op.base != BaseOp::Null
                && (c.op.if_exists || c.op.base.is_negated())
                && !c.key.to_ascii_lowercase().starts_with("aws:")
                && cat.key_info(&c.key).is_some()
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut actions: Vec<&Action> = Vec::new();
    for pat in &st.action.patterns {
        let Some((prefix, name)) = pat.text.split_once(':') else {
            return; // `*`: every action, some of which may carry the key
        };
        match cat.matching_actions(&prefix.to_lowercase(), name) {
            Some(found) if !found.is_empty() => actions.extend(found),
            _ => return, // unknown: reported by check_actions; nothing to conclude
        }
    }
    for cond in candidates {
        let lower = cond.key.to_lowercase();
        let carried = actions.iter().any(|a| {
            a.keys.iter().any(|k| {
                **k == *lower
                    || keys::split_template(k).is_some_and(|(h, t)| {
                        lower.len() > h.len() + t.len()
                            && lower.starts_with(h)
                            && lower.ends_with(t)
                    })
            })
        });
        if !carried {
            warn(
                &cond.path,
                WarningKind::KeyNeverPresent {
                    operator: cond.op.to_string(),
                    key: cond.key.clone(),
                },
            );
        }
    }
}

/// V-2: `${` in a resource pattern or a string/ARN condition value is literal under
/// 2008-10-17.
fn check_literal_variables(st: &Statement, warn: &mut impl FnMut(&JsonPath, WarningKind)) {
    for pat in &st.resource.patterns {
        if looks_like_variable(&pat.text) {
            warn(&pat.path, WarningKind::LiteralVariable(pat.text.clone()));
        }
    }
    for cond in &st.conditions {
        if !cond.op.base.allows_variables() {
            continue;
        }
        for v in &cond.values {
            if looks_like_variable(&v.text) {
                warn(&v.path, WarningKind::LiteralVariable(v.text.clone()));
            }
        }
    }
}

/// Whether the text holds something that would be a variable under 2012-10-17.
fn looks_like_variable(text: &str) -> bool {
    crate::parse::parse_template(text).is_ok_and(|t| t.has_variables())
}
