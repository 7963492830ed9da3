//! A statement's resource part and conditions (R-1 … R-6, C-1 … C-24), as DESIGN.md orders
//! the rules: absent keys, set operators, then one typed comparison per request value against
//! the values the builder parsed ([`crate::build::values`]).

use core::cmp::Ordering;

use crate::compiled::{ArnVal, Cond, Inner, Stmt, StrVal, Values};
use crate::eval::context::Ctx;
use crate::eval::scratch::Scratch;
use crate::eval::template::{arn_template_matches, pattern_matches, template_eq, template_eq_ci};
use crate::fold::chars_lower_eq;
use crate::ir::{OpKind, SetOp};
use crate::request::Value;
use crate::value::{self, Decimal};

/// Resource part and conditions of a statement (its action matched already).
pub(super) fn applies<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    s: &Stmt,
    resource: &str,
    ctx: &impl Ctx<'a>,
) -> bool {
    let mut any = false;
    for p in s.resources.iter() {
        if pattern_matches(p, resource.as_bytes(), ctx) {
            any = true;
            break;
        }
    }
    // R-6, V-6: an unresolved pattern (None) matches nothing and excludes nothing.
    if any == s.not_resource {
        return false;
    }
    s.conds.iter().all(|c| condition(inner, scratch, c, ctx))
}

/// One condition entry (C-1 … C-24), as DESIGN.md orders the rules.
pub(super) fn condition<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    c: &Cond,
    ctx: &impl Ctx<'a>,
) -> bool {
    match lookup(inner, c, ctx) {
        Lookup::Decided(b) => b,
        Lookup::Single(r) => match_value(scratch, c, r, ctx),
        Lookup::Multi(list) => match c.set {
            Some(SetOp::ForAnyValue) => list.iter().any(|r| match_value(scratch, c, r, ctx)),
            Some(SetOp::ForAllValues) => list.iter().all(|r| match_value(scratch, c, r, ctx)),
            None => false,
        },
    }
}

/// A condition entry's key in the request, after the rules that compare no value: `Null`
/// (C-15), an absent key (C-5, C-22, C-20, C-21, C-3) and a plain operator on a multivalued
/// value (C-24). Shared by the two-valued and the three-valued evaluation.
pub(super) enum Lookup<'a> {
    /// One of those rules decided.
    Decided(bool),
    /// A single value, to match (a set operator reads it as a set of one, C-23).
    Single(&'a str),
    /// A non-empty list, under a set operator.
    Multi(&'a [&'a str]),
}

#[inline(always)]
pub(super) fn lookup<'a>(inner: &Inner, c: &Cond, ctx: &impl Ctx<'a>) -> Lookup<'a> {
    let v = ctx.value(c.key);
    let absent = match v {
        None => true,
        Some(Value::Multi(list)) => list.is_empty(),
        Some(Value::Single(_)) => false,
    };
    // C-15
    if let Values::Null(vals) = &c.values {
        return Lookup::Decided(vals.contains(&absent));
    }
    if absent {
        // C-5, C-22, C-20, C-21, C-3
        return Lookup::Decided(if c.if_exists {
            true
        } else {
            match c.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => c.negated,
            }
        });
    }
    let multivalued = match v {
        Some(Value::Multi(_)) => true,
        _ => inner
            .multivalued
            .get(c.key as usize)
            .copied()
            .unwrap_or(false),
    };
    match v {
        // C-24
        _ if c.set.is_none() && multivalued => Lookup::Decided(false),
        Some(Value::Single(r)) => Lookup::Single(r),
        Some(Value::Multi(list)) => Lookup::Multi(list),
        None => Lookup::Decided(false),
    }
}

/// `match(r)` of DESIGN.md: C-17 parse failure → false; else hit (positive) or !hit (negated).
pub(super) fn match_value<'a>(
    scratch: &mut Scratch,
    c: &Cond,
    r: &str,
    ctx: &impl Ctx<'a>,
) -> bool {
    match positive(scratch, c, r, ctx) {
        None => false,
        Some(hit) => hit != c.negated,
    }
}

pub(super) fn cmp_ok(op: OpKind, ord: Ordering) -> bool {
    match op {
        OpKind::NumericEquals | OpKind::DateEquals => ord == Ordering::Equal,
        OpKind::NumericLessThan | OpKind::DateLessThan => ord == Ordering::Less,
        OpKind::NumericLessThanEquals | OpKind::DateLessThanEquals => ord != Ordering::Greater,
        OpKind::NumericGreaterThan | OpKind::DateGreaterThan => ord == Ordering::Greater,
        OpKind::NumericGreaterThanEquals | OpKind::DateGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}

/// Whether the request value hits some resolvable policy value; `None` when it does not parse
/// as the operator's type (C-17).
pub(super) fn positive<'a>(
    scratch: &mut Scratch,
    c: &Cond,
    r: &str,
    ctx: &impl Ctx<'a>,
) -> Option<bool> {
    Some(match &c.values {
        Values::Str(vals) => vals.iter().any(|v| match v {
            StrVal::Static(s) => **s == *r,
            StrVal::Template(parts) => template_eq(r, parts, ctx),
        }),
        Values::StrCi(vals) => vals.iter().any(|v| match v {
            StrVal::Static(s) => chars_lower_eq(r, s),
            StrVal::Template(parts) => template_eq_ci(r, parts, ctx),
        }),
        // C-8: the `*literal*` values in one pass, then the others one by one.
        Values::Like(set) => {
            set.infix_matches(r.as_bytes())
                || set
                    .rest()
                    .iter()
                    .any(|p| pattern_matches(p, r.as_bytes(), ctx))
        }
        Values::Num(vals) => {
            let x = Decimal::parse(r)?;
            vals.iter().any(|v| cmp_ok(c.op, x.compare(&v.get())))
        }
        Values::Date(vals) => {
            let x = value::parse_date(r)?;
            vals.iter().any(|v| cmp_ok(c.op, x.cmp(v)))
        }
        Values::Bool(vals) => {
            let x = value::parse_bool(r)?;
            vals.contains(&x)
        }
        Values::Binary(vals) => {
            value::base64_decoded_len(r)?;
            vals.iter().any(|v| value::base64_eq(r, v) == Some(true))
        }
        Values::Ip(vals) => {
            let ip = value::parse_ip(r)?;
            vals.iter().any(|v| v.contains(ip))
        }
        Values::Arn(vals) => {
            let rf = value::split_arn(r)?;
            let mut hit = false;
            for v in vals.iter() {
                let ok = match v {
                    ArnVal::Static(None) => false,
                    ArnVal::Static(Some(globs)) => globs
                        .iter()
                        .zip(rf.iter())
                        .all(|(g, f)| g.matches(f.as_bytes())),
                    ArnVal::Template(parts) => {
                        arn_template_matches(&mut scratch.fields, parts, &rf, ctx)
                    }
                };
                if ok {
                    hit = true;
                    break;
                }
            }
            hit
        }
        Values::Null(_) => false,
    })
}
