//! Policy-variable templates (V-1 … V-5): `${key}`, `${key, 'default'}` and the `${*}`,
//! `${?}`, `${$}` escapes, split into literal and variable parts.

use super::*;

/// Split a string into text, special characters and variables (V-1, V-4, V-5, G-20).
///
/// Grammar: `${` key `}` or `${` key `, '` default `'}`, where key is non-empty and holds no
/// `$ { } ' ,` or white space; `${*}` `${?}` `${$}` are the literal characters. A `$` not
/// followed by `{` is ordinary text, and so is a `}` outside a variable.
pub fn parse_template(text: &str) -> Result<Template, &'static str> {
    let mut parts: Vec<TemplatePart> = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        lit.push_str(&rest[..start]);
        let body = &rest[start + 2..];
        let Some(end) = body.find(['}', ',']) else {
            return Err("missing closing brace");
        };
        let key = &body[..end];
        let mut after = &body[end..];
        let default = if after.starts_with(',') {
            let Some(quoted) = after.strip_prefix(", '") else {
                return Err("a default value is written as ${key, 'default'}");
            };
            let Some(close) = quoted.find('\'') else {
                return Err("missing closing quote in default value");
            };
            let default = &quoted[..close];
            after = &quoted[close + 1..];
            if !after.starts_with('}') {
                return Err("missing closing brace after default value");
            }
            Some(default.to_string())
        } else {
            None
        };
        after = &after[1..]; // the closing brace
        if key.is_empty() {
            return Err("empty variable name");
        }
        match key {
            "*" | "?" | "$" if default.is_none() => {
                lit_flush(&mut parts, &mut lit);
                parts.push(TemplatePart::Literal(key.chars().next().unwrap_or('$')));
            }
            _ => {
                if key
                    .chars()
                    .any(|c| matches!(c, '$' | '{' | '}' | '\'' | ',') || c.is_whitespace())
                {
                    return Err("invalid character in variable name");
                }
                lit_flush(&mut parts, &mut lit);
                parts.push(TemplatePart::Variable {
                    key: key.to_string(),
                    default,
                });
            }
        }
        rest = after;
    }
    lit.push_str(rest);
    lit_flush(&mut parts, &mut lit);
    Ok(Template { parts })
}

pub(super) fn lit_flush(parts: &mut Vec<TemplatePart>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(TemplatePart::Text(std::mem::take(lit)));
    }
}
