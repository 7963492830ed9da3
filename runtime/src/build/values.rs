//! Policy values typed at build time (C-9 … C-14): every condition value parsed into its
//! operator's type once, so evaluation parses only the request's side.

use crate::build::automata::Automata;
use crate::build::template::TryBoxed;
use crate::build::template::{arn_fields, has_var, parts, pattern, static_text};
use crate::compiled::{ArnVal, StrVal, Values};
use crate::error::BuildError;
use crate::fold::lower_str;
use crate::ir::{IrView, OpKind, PartView, Span};
use crate::like::LikeSet;
use crate::value::{self, Cidr, DecimalBuf};

pub(crate) fn invalid(t: &[PartView<'_>]) -> BuildError {
    BuildError::InvalidValue {
        value: static_text(t),
    }
}

pub(crate) fn values(
    op: OpKind,
    vals: &[Span],
    v: &IrView<'_>,
    nkeys: usize,
    autos: &Automata,
) -> Result<Values, BuildError> {
    let vals = || vals.iter().map(|t| v.template(t));
    Ok(match op {
        OpKind::StringEquals => Values::Str(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(static_text(t).into()))
                    }
                })
                .try_boxed()?,
        ),
        OpKind::StringEqualsIgnoreCase => Values::StrCi(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(lower_str(&static_text(t)).into()))
                    }
                })
                .try_boxed()?,
        ),
        OpKind::StringLike => Values::Like(LikeSet::new(
            vals().map(|t| pattern(t, nkeys, autos)).try_boxed()?,
        )),
        OpKind::NumericEquals
        | OpKind::NumericLessThan
        | OpKind::NumericLessThanEquals
        | OpKind::NumericGreaterThan
        | OpKind::NumericGreaterThanEquals => Values::Num(
            vals()
                .map(|t| DecimalBuf::parse(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::DateEquals
        | OpKind::DateLessThan
        | OpKind::DateLessThanEquals
        | OpKind::DateGreaterThan
        | OpKind::DateGreaterThanEquals => Values::Date(
            vals()
                .map(|t| value::parse_date(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::Bool | OpKind::Null => {
            let b: Box<[bool]> = vals()
                .map(|t| value::parse_bool(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?;
            if op == OpKind::Bool {
                Values::Bool(b)
            } else {
                Values::Null(b)
            }
        }
        OpKind::Binary => Values::Binary(
            vals()
                .map(|t| {
                    value::base64_decode(&static_text(t))
                        .map(Vec::into_boxed_slice)
                        .ok_or_else(|| invalid(t))
                })
                .try_boxed()?,
        ),
        OpKind::Ip => Values::Ip(
            vals()
                .map(|t| Cidr::parse(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::Arn => Values::Arn(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(ArnVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(ArnVal::Static(arn_fields(t, autos)))
                    }
                })
                .try_boxed()?,
        ),
    })
}
