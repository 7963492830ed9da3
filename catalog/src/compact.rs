//! The compact line format of the embedded copy (`catalog/data/service-reference.txt`,
//! written by `catalog/generate.py`; do not edit it by hand).
//!
//! One record a line, fields separated by tabs (no name, key, type or ARN template of the
//! reference contains a tab; some contain spaces), sorted as the JSON loader sorts, so the
//! file diffs cleanly and parses into the same [`ServiceReference`] as the JSON it came from:
//!
//! ```text
//! # comment
//! S <prefix>                                  a service; the K, T, A lines that follow are its own
//! K <key> <type>                              a condition key and its type
//! T <name> <arn template> [<key>...]          a resource type (index: order within the service,
//!                                             from 0); an empty template means none
//! A <Name> <access level> <i i ...> [<key>...] an action, the indexes of the resource types it
//!                                             authorizes on (space-separated, may be empty) and its
//!                                             condition keys
//! N <prefix> <ApiName> <Name>                 an API name that stands for prefix:Name
//! ```
//!
//! A line format rather than JSON because the audit parses it once per run on its start-up
//! path: splitting lines is several times cheaper than a `serde_json::Value` of the same data.
//! Errors name the line.

use std::borrow::Cow;

use crate::{
    Action, ApiAlias, ConditionKey, Error, ErrorKind, ResourceType, Service, ServiceReference,
};

/// Parse the compact format; `source` names the text in errors.
pub fn parse<'t>(source: &str, text: &'t str) -> Result<ServiceReference<'t>, Error> {
    let mut r = ServiceReference::default();
    for (n, line) in lines(text).enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| {
            Error::new(
                source,
                format!("line {}", n + 1),
                ErrorKind::BadLine(what.to_string()),
            )
        };
        let mut f = Split(Some(line), b'\t');
        let tag = f.next().unwrap_or("");
        if tag == "S" {
            let prefix = f
                .next()
                .ok_or_else(|| bad("a service line needs a prefix"))?;
            r.services.push(Service {
                prefix: prefix.into(),
                ..Service::default()
            });
            continue;
        }
        if tag == "N" {
            r.api_aliases.push(
                alias(&mut f).ok_or_else(|| {
                    bad("an alias line needs a prefix, an API name and an action")
                })?,
            );
            continue;
        }
        let Some(s) = r.services.last_mut() else {
            return Err(bad("a record before the first service line"));
        };
        match tag {
            "K" => {
                let (Some(name), Some(ty)) = (f.next(), f.next()) else {
                    return Err(bad("a key line needs a key and a type"));
                };
                s.condition_keys.push(ConditionKey {
                    name: name.into(),
                    ty: ty.into(),
                });
            }
            "T" => {
                let (Some(name), Some(arn)) = (f.next(), f.next()) else {
                    return Err(bad("a resource type line needs a name and an ARN template"));
                };
                s.resource_types.push(ResourceType {
                    name: name.into(),
                    arn: (!arn.is_empty()).then_some(Cow::Borrowed(arn)),
                    condition_keys: f.map(Cow::Borrowed).collect(),
                });
            }
            "A" => {
                let (Some(name), Some(level), Some(types)) = (f.next(), f.next(), f.next()) else {
                    return Err(bad(
                        "an action line needs a name, an access level and resource types",
                    ));
                };
                let types = types
                    .split(' ')
                    .filter(|t| !t.is_empty())
                    .map(|t| {
                        t.parse::<u16>()
                            .ok()
                            .filter(|&i| usize::from(i) < s.resource_types.len())
                    })
                    .collect::<Option<Vec<u16>>>()
                    .ok_or_else(|| bad("a resource type index that is not one of the service's"))?;
                s.actions.push(Action {
                    name: name.into(),
                    access_level: level.into(),
                    resource_types: types,
                    condition_keys: f.map(Cow::Borrowed).collect(),
                });
            }
            other => return Err(bad(&format!("unknown record {other:?}"))),
        }
    }
    Ok(r)
}

/// Only the `N` lines (the aliases a reference read from JSON borrows).
pub fn parse_aliases<'t>(source: &str, text: &'t str) -> Result<Vec<ApiAlias<'t>>, Error> {
    lines(text)
        .enumerate()
        .filter_map(|(n, l)| l.strip_prefix("N\t").map(|rest| (n, rest)))
        .map(|(n, rest)| {
            alias(&mut Split(Some(rest), b'\t')).ok_or_else(|| {
                Error::new(
                    source,
                    format!("line {}", n + 1),
                    ErrorKind::BadLine(
                        "an alias line needs a prefix, an API name and an action".into(),
                    ),
                )
            })
        })
        .collect()
}

fn alias<'a>(f: &mut impl Iterator<Item = &'a str>) -> Option<ApiAlias<'a>> {
    Some(ApiAlias {
        prefix: f.next()?.into(),
        api: f.next()?.into(),
        action: f.next()?.into(),
    })
}

/// The lines of the text (a `\r` before the `\n` dropped). A byte loop rather than
/// `str::lines`: the fields are short, and the general searcher's set-up cost per call showed
/// in the audit's start-up profile.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    Split(Some(text), b'\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Split at an ASCII byte (so every piece is on a character boundary): the lines of the
/// text, the tab-separated fields of a line.
struct Split<'t>(Option<&'t str>, u8);

impl<'t> Iterator for Split<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.0?;
        match rest.bytes().position(|b| b == self.1) {
            Some(i) => {
                self.0 = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.0 = None;
                Some(rest)
            }
        }
    }
}
