//! The `Condition` block (spec group C): one function per step of DESIGN.md "Conditions (C)".

use std::cmp::Ordering;

use crate::request::{Context, ContextValue, Request, Unknowns};
use iamc_compiler::ast::{BaseOp, Condition, ConditionValue, SetOp, ValueType};
use iamc_compiler::keys::is_multivalued;

use crate::glob::{matches, Tok};
use crate::template::{refers_to_unknown, to_glob, to_text};
use crate::tri::Tri;
use crate::values::{
    cidr_contains, compare_numbers, decode_base64, parse_bool, parse_date, parse_ip, parse_number,
    split_arn,
};

/// The request value of a condition key, as the condition rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestValue<'a> {
    /// spec: C-15 — no entry, or an empty list.
    Absent,
    /// One string for a key that is not multivalued.
    Single(&'a str),
    /// spec: C-24 — a non-empty list, or a single string for a key
    /// [`is_multivalued`] names (read as a one-element list).
    Multi(Vec<&'a str>),
}

/// Look a condition key up (C-2: case-insensitively) and classify its value.
pub fn request_value<'a>(context: &'a Context, key: &str) -> RequestValue<'a> {
    match context.get(key) {
        None => RequestValue::Absent,
        Some(ContextValue::Multi(list)) if list.is_empty() => RequestValue::Absent,
        Some(ContextValue::Multi(list)) => {
            RequestValue::Multi(list.iter().map(String::as_str).collect())
        }
        Some(ContextValue::Single(s)) if is_multivalued(key) => RequestValue::Multi(vec![s]),
        Some(ContextValue::Single(s)) => RequestValue::Single(s),
    }
}

/// spec: C-1 — a statement's conditions hold when every (operator, key) entry holds (E-21:
/// Kleene AND).
pub fn all_conditions_hold(conditions: &[Condition], req: &Request) -> Tri {
    Tri::all(conditions.iter().map(|c| condition_holds(c, req)))
}

/// One (operator, key, values) entry, following the rules of DESIGN.md in order.
///
/// spec: E-21, K-13 — an entry whose key is unknown is unknown, whatever its operator
/// (`...IfExists`, `Null` and the set operators included).
pub fn condition_holds(condition: &Condition, req: &Request) -> Tri {
    if req.unknown.has_key(&condition.key) {
        return Tri::Unknown;
    }
    let context = &req.context;
    let unknown = &req.unknown;
    let op = &condition.op;
    let value = request_value(context, &condition.key);

    // Rule 1, spec: C-15 — `Null`.
    if op.base == BaseOp::Null {
        let absent = value == RequestValue::Absent;
        return Tri::from_bool(condition.values.iter().any(|v| match parse_bool(&v.text) {
            Some(true) => absent,
            Some(false) => !absent,
            None => false,
        }));
    }

    match value {
        // Rule 2: absent key.
        RequestValue::Absent => {
            Tri::from_bool(if op.if_exists {
                // spec: C-5, C-22 — IfExists wins, with or without a set operator.
                true
            } else {
                match op.set {
                    // spec: C-20 — vacuous truth.
                    Some(SetOp::ForAllValues) => true,
                    // spec: C-21
                    Some(SetOp::ForAnyValue) => false,
                    // spec: C-3 — negated true, positive false.
                    None => op.base.is_negated(),
                }
            })
        }
        RequestValue::Single(r) => match op.set {
            // Rule 4, no set operator: match the one value.
            None => value_matches(op.base, r, &condition.values, context, unknown),
            // spec: C-23 — a single string is a set of one.
            Some(set) => set_matches(set, op.base, &[r], &condition.values, context, unknown),
        },
        RequestValue::Multi(list) => match op.set {
            // Rule 3, spec: C-24 — a plain operator on a multivalued value is false.
            None => Tri::No,
            Some(set) => set_matches(set, op.base, &list, &condition.values, context, unknown),
        },
    }
}

/// Rule 4 with a set operator (C-20, C-21), in Kleene logic (E-21).
fn set_matches(
    set: SetOp,
    base: BaseOp,
    request: &[&str],
    policy: &[ConditionValue],
    context: &Context,
    unknown: &Unknowns,
) -> Tri {
    let each = request
        .iter()
        .map(|r| value_matches(base, r, policy, context, unknown));
    match set {
        SetOp::ForAnyValue => Tri::any(each),
        SetOp::ForAllValues => Tri::all(each),
    }
}

/// A request value read as its operator's type (K-3).
pub(crate) enum Typed<'a> {
    Text(&'a str),
    Number(crate::values::Number),
    Date(crate::values::Instant),
    Bool(bool),
    Bytes(Vec<u8>),
    Ip(std::net::IpAddr),
    Arn([&'a str; 6]),
}

/// Read a request value as the type of `base`; `None` when it does not parse (C-17).
pub(crate) fn read_request_value(base: BaseOp, r: &str) -> Option<Typed<'_>> {
    match base.value_type() {
        ValueType::String => Some(Typed::Text(r)),
        ValueType::Numeric => parse_number(r).map(Typed::Number),
        ValueType::Date => parse_date(r).map(Typed::Date),
        ValueType::Bool => parse_bool(r).map(Typed::Bool),
        ValueType::Binary => decode_base64(r).map(Typed::Bytes),
        ValueType::Ip => parse_ip(r).map(Typed::Ip),
        // spec: C-14 — a request value with fewer than six fields is not an ARN.
        ValueType::Arn => split_arn(r).map(Typed::Arn),
        ValueType::Null => None,
    }
}

/// `match(r)`: whether one request value satisfies the operator against the policy values.
///
/// spec: C-17 — a request value that does not parse as the operator's type is false for
/// positive and negated operators alike.
/// spec: C-1, C-4 — a positive operator holds when some policy value hits; a negated one when
/// none does.
/// spec: E-21 — a policy value whose variable refers to an unknown key is an unknown hit.
pub fn value_matches(
    base: BaseOp,
    r: &str,
    policy: &[ConditionValue],
    context: &Context,
    unknown: &Unknowns,
) -> Tri {
    let Some(typed) = read_request_value(base, r) else {
        return Tri::No;
    };
    let hit = Tri::any(policy.iter().map(|v| {
        if refers_to_unknown(&v.template, unknown) {
            Tri::Unknown
        } else {
            Tri::from_bool(positive(base, &typed, v, context).unwrap_or(false))
        }
    }));
    if base.is_negated() {
        hit.negate()
    } else {
        hit
    }
}

/// Case folding for the IgnoreCase operators (C-7): `char::to_lowercase` of every character.
fn fold_case(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Whether an ordering satisfies a comparison operator (its positive form for `...NotEquals`).
/// `request` is on the left: `NumericLessThan` holds when request < policy.
fn ordering_satisfies(base: BaseOp, ord: Ordering) -> bool {
    use BaseOp::*;
    match base {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => ord == Ordering::Equal,
        NumericLessThan | DateLessThan => ord == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => ord != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => ord == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}

/// `positive(B, r, v)`: the positive counterpart of `base` on one request value and one policy
/// value. `None` when the policy value gives no answer: a variable in it does not resolve
/// (V-7: the value is skipped) or it does not parse (cannot happen after G-18).
fn positive(base: BaseOp, r: &Typed<'_>, v: &ConditionValue, context: &Context) -> Option<bool> {
    use BaseOp::*;
    Some(match (base, r) {
        // spec: C-6 — exact, case-sensitive, no wildcards.
        (StringEquals | StringNotEquals, Typed::Text(r)) => to_text(&v.template, context)? == *r,
        // spec: C-7 — after Unicode lowercasing of both sides.
        (StringEqualsIgnoreCase | StringNotEqualsIgnoreCase, Typed::Text(r)) => {
            fold_case(&to_text(&v.template, context)?) == fold_case(r)
        }
        // spec: C-8 — anchored glob, wildcards from the policy text only (V-8).
        (StringLike | StringNotLike, Typed::Text(r)) => matches(&to_glob(&v.template, context)?, r),
        // spec: C-9
        (_, Typed::Number(r)) => {
            ordering_satisfies(base, compare_numbers(r, &parse_number(&v.text)?))
        }
        // spec: C-10 — instants, formats may be mixed.
        (_, Typed::Date(r)) => ordering_satisfies(base, r.cmp(&parse_date(&v.text)?)),
        // spec: C-11
        (Bool, Typed::Bool(r)) => parse_bool(&v.text)? == *r,
        // spec: C-12 — decoded bytes.
        (BinaryEquals, Typed::Bytes(r)) => decode_base64(&v.text)? == *r,
        // spec: C-13
        (IpAddress | NotIpAddress, Typed::Ip(r)) => cidr_contains(&v.text, *r)?,
        // spec: C-14
        (ArnEquals | ArnLike | ArnNotEquals | ArnNotLike, Typed::Arn(r)) => {
            arn_matches(&to_glob(&v.template, context)?, r)
        }
        _ => return None,
    })
}

/// spec: C-14 — split the (substituted) policy pattern into six fields at its first five
/// colons and glob each against the request's field. A pattern with fewer than six fields
/// matches nothing.
fn arn_matches(pattern: &[Tok], request: &[&str; 6]) -> bool {
    let mut fields: Vec<&[Tok]> = Vec::with_capacity(6);
    let mut rest = pattern;
    while fields.len() < 5 {
        let Some(colon) = rest.iter().position(|t| *t == Tok::Lit(':')) else {
            return false;
        };
        fields.push(&rest[..colon]);
        rest = &rest[colon + 1..];
    }
    fields.push(rest);
    fields
        .iter()
        .zip(request.iter())
        .all(|(p, r)| matches(p, r))
}
