//! Policy variables (spec group V): resolving `${key}` against the request context and turning
//! a [`Template`] into either exact text or a glob pattern.
//!
//! The parser has already applied the version gate (V-2): under `2008-10-17` a template is one
//! `Text` part, so nothing is substituted here.

use crate::request::{Context, ContextValue, Unknowns};
use iamc_compiler::ast::{Template, TemplatePart};

use crate::glob::{literal_pattern, wildcard_pattern, Tok};

/// The text a variable stands for, or `None` when it does not resolve.
///
/// spec: V-1 — the key is looked up case-insensitively; a single string resolves.
/// spec: V-9 — a list (empty or not, even of one element) does not resolve; neither does a
/// missing key.
/// spec: V-5 — when the key does not resolve, a written default is used instead.
pub fn resolve_variable(context: &Context, key: &str, default: Option<&str>) -> Option<String> {
    match context.get(key) {
        Some(ContextValue::Single(s)) => Some(s.clone()),
        Some(ContextValue::Multi(_)) | None => default.map(str::to_string),
    }
}

/// spec: E-21 — whether a variable of the template refers to a key the request declares
/// unknown (K-13); the template's text is then unknown.
pub fn refers_to_unknown(template: &Template, unknown: &Unknowns) -> bool {
    !unknown.context.is_empty()
        && template.parts.iter().any(|p| match p {
            TemplatePart::Variable { key, .. } => unknown.has_key(key),
            _ => false,
        })
}

/// The template as exact text (for `StringEquals`, `...IgnoreCase`): every part literal.
/// `None` when a variable does not resolve (V-6, V-7).
pub fn to_text(template: &Template, context: &Context) -> Option<String> {
    let mut out = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => out.push_str(t),
            // spec: V-4 — `${*}` `${?}` `${$}` are the characters themselves.
            TemplatePart::Literal(c) => out.push(*c),
            TemplatePart::Variable { key, default } => {
                out.push_str(&resolve_variable(context, key, default.as_deref())?)
            }
        }
    }
    Some(out)
}

/// The template as a glob (Resource, `StringLike`, `Arn*`): `*` and `?` written in the policy
/// are wildcards; `${*}`/`${?}` (V-4) and substituted text (V-8, R-7) are literal.
/// `None` when a variable does not resolve (V-6, V-7).
pub fn to_glob(template: &Template, context: &Context) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => out.extend(wildcard_pattern(t)),
            TemplatePart::Literal(c) => out.push(Tok::Lit(*c)),
            TemplatePart::Variable { key, default } => {
                let value = resolve_variable(context, key, default.as_deref())?;
                out.extend(literal_pattern(&value));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;
    use crate::glob::matches;

    fn ctx(entries: &[(&str, ContextValue)]) -> Context {
        let mut c = Context::default();
        for (k, v) in entries {
            c.insert(*k, v.clone());
        }
        c
    }

    fn var(key: &str, default: Option<&str>) -> TemplatePart {
        TemplatePart::Variable {
            key: key.to_string(),
            default: default.map(str::to_string),
        }
    }

    #[test]
    fn v1_lookup_is_case_insensitive() {
        let c = ctx(&[("aws:username", ContextValue::Single("alice".into()))]);
        assert_eq!(
            resolve_variable(&c, "AWS:UserName", None),
            Some("alice".into())
        );
    }

    #[test]
    fn v9_lists_do_not_resolve_and_use_the_default() {
        let c = ctx(&[
            ("k1", ContextValue::Multi(vec!["a".into()])),
            ("k2", ContextValue::Multi(vec![])),
        ]);
        assert_eq!(resolve_variable(&c, "k1", None), None);
        assert_eq!(resolve_variable(&c, "k2", None), None);
        assert_eq!(resolve_variable(&c, "k1", Some("d")), Some("d".into()));
        assert_eq!(resolve_variable(&c, "missing", Some("d")), Some("d".into()));
    }

    #[test]
    fn v8_substituted_text_is_literal_v4_specials_are_literal() {
        let c = ctx(&[("aws:username", ContextValue::Single("a*".into()))]);
        let t = Template {
            parts: vec![
                TemplatePart::Text("x/".into()),
                var("aws:username", None),
                TemplatePart::Literal('?'),
                TemplatePart::Text("*".into()),
            ],
        };
        let Some(g) = to_glob(&t, &c) else {
            panic!("resolves")
        };
        assert!(matches(&g, "x/a*?tail"));
        assert!(!matches(&g, "x/ab?tail"));
        assert!(!matches(&g, "x/a*xtail"));
        assert_eq!(to_text(&t, &c), Some("x/a*?*".into()));
    }

    #[test]
    fn v6_unresolved_variable_gives_no_pattern() {
        let t = Template {
            parts: vec![var("aws:username", None)],
        };
        assert!(to_glob(&t, &Context::default()).is_none());
        assert!(to_text(&t, &Context::default()).is_none());
        let with_default = Template {
            parts: vec![var("aws:username", Some("*"))],
        };
        // spec: V-5 — the default is literal text.
        let Some(g) = to_glob(&with_default, &Context::default()) else {
            panic!("default resolves")
        };
        assert!(matches(&g, "*"));
        assert!(!matches(&g, "x"));
    }
}
