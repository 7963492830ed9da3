//! The one loader of `iam-service-reference.json` (`{prefix: {actions, resourceTypes,
//! conditionKeys}}`), for `--service-reference` / `--catalog` files and the test that keeps
//! the embedded copy up to date.
//!
//! The document is read into a `serde_json::Value` and walked, so every error names the file
//! and the JSON path of the offending value (`$.s3.actions`); the full reference (8 MB) takes
//! about 0.1–0.2 s this way, which only the file override pays. Only the fields the model has
//! are read; unknown fields are ignored. Lenient where the reference's own shape varies: a
//! missing member is empty (`actions`, `resourceTypes`, `conditionKeys`), a missing `name`
//! is the member's key, a missing key `type` is `String`. A member of the wrong JSON type is
//! an error. Services, actions and condition keys come out sorted by their key and resource
//! types by name, whatever map order serde_json keeps, so the model is canonical.

use std::borrow::Cow;
use std::path::Path;

use serde_json::{Map, Value};

use crate::{Action, ConditionKey, Error, ErrorKind, ResourceType, Service, ServiceReference};

/// Read `iam-service-reference.json` from a file (errors name the file as given).
pub fn load(path: &Path) -> Result<ServiceReference<'static>, Error> {
    let source = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| Error::new(&source, "$", ErrorKind::Io(e.to_string())))?;
    from_slice(&source, &bytes)
}

/// Read the reference from bytes; `source` names it in errors.
pub fn from_slice(source: &str, bytes: &[u8]) -> Result<ServiceReference<'static>, Error> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::new(source, "$", ErrorKind::Json(e.to_string())))?;
    let at = Place {
        source,
        path: "$".to_string(),
    };
    let services = at.object(&doc, "an object of services")?;
    let mut out = Vec::with_capacity(services.len());
    for (prefix, svc) in sorted(services) {
        out.push(service(&at.key(prefix), prefix, svc)?);
    }
    Ok(ServiceReference {
        services: out,
        api_aliases: Vec::new(),
    })
}

fn service(at: &Place, prefix: &str, svc: &Value) -> Result<Service<'static>, Error> {
    let svc = at.object(svc, "an object")?;
    let mut condition_keys = Vec::new();
    if let Some(ck) = svc.get("conditionKeys") {
        let at = at.key("conditionKeys");
        for (k, info) in sorted(at.object(ck, "an object")?) {
            let at = at.key(k);
            let info = at.object(info, "an object")?;
            condition_keys.push(ConditionKey {
                name: owned(at.str_or(info, "key", k)?),
                ty: owned(at.str_or(info, "type", "String")?),
            });
        }
    }
    let mut resource_types = Vec::new();
    if let Some(rts) = svc.get("resourceTypes") {
        let at = at.key("resourceTypes");
        for (name, rt) in at.object(rts, "an object")? {
            let at = at.key(name);
            let rt = at.object(rt, "an object")?;
            resource_types.push(ResourceType {
                name: owned(name),
                arn: at.opt_str(rt, "arn")?.map(owned),
                condition_keys: sorted_strings(at.strings(rt, "conditionKeys")?),
            });
        }
    }
    resource_types.sort_by(|a, b| a.name.cmp(&b.name));
    let index = |name: &str| {
        resource_types
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
            .and_then(|i| u16::try_from(i).ok())
    };
    let mut actions = Vec::new();
    if let Some(acts) = svc.get("actions") {
        let at = at.key("actions");
        for (key, a) in sorted(at.object(acts, "an object")?) {
            let at = at.key(key);
            let a = at.object(a, "an object")?;
            let mut keys = at.strings(a, "conditionKeys")?;
            let mut types = Vec::new();
            if let Some(rs) = a.get("resourceTypes") {
                let at = at.key("resourceTypes");
                let rs = rs.as_array().ok_or_else(|| at.wrong("an array", rs))?;
                for (i, r) in rs.iter().enumerate() {
                    let at = at.index(i);
                    let r = at.object(r, "an object")?;
                    keys.extend(at.strings(r, "conditionKeys")?);
                    if let Some(t) = at.opt_str(r, "name")?.and_then(index) {
                        types.push(t);
                    }
                }
            }
            actions.push(Action {
                name: owned(at.str_or(a, "name", key)?),
                access_level: owned(at.str_or(a, "accessLevel", "")?),
                resource_types: types,
                condition_keys: sorted_strings(keys),
            });
        }
    }
    Ok(Service {
        prefix: owned(prefix),
        condition_keys,
        resource_types,
        actions,
    })
}

fn owned(s: &str) -> Cow<'static, str> {
    Cow::Owned(s.to_string())
}

/// Members by key (serde_json's map order depends on its features).
fn sorted(m: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn sorted_strings(v: Vec<&str>) -> Vec<Cow<'static, str>> {
    let mut v: Vec<Cow<'static, str>> = v.into_iter().map(|s| Cow::Owned(s.to_string())).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Where a value is: the file and the JSON path, for errors.
struct Place<'s> {
    source: &'s str,
    path: String,
}

impl Place<'_> {
    /// This path extended by a member, written as `iamc_compiler`'s JSON paths are (`.name`,
    /// or `["aws:TagKeys"]` for anything but letters, digits, `_` and `-`).
    fn key(&self, name: &str) -> Place<'_> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let path = if plain {
            format!("{}.{}", self.path, name)
        } else {
            format!("{}[{:?}]", self.path, name)
        };
        Place {
            source: self.source,
            path,
        }
    }

    fn index(&self, i: usize) -> Place<'_> {
        Place {
            source: self.source,
            path: format!("{}[{i}]", self.path),
        }
    }

    fn wrong(&self, expected: &'static str, found: &Value) -> Error {
        Error::new(
            self.source,
            self.path.clone(),
            ErrorKind::WrongType {
                expected,
                found: json_type(found),
            },
        )
    }

    fn object<'j>(
        &self,
        v: &'j Value,
        expected: &'static str,
    ) -> Result<&'j Map<String, Value>, Error> {
        v.as_object().ok_or_else(|| self.wrong(expected, v))
    }

    /// A string member, `None` when absent.
    fn opt_str<'j>(&self, m: &'j Map<String, Value>, name: &str) -> Result<Option<&'j str>, Error> {
        match m.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.key(name).wrong("a string", other)),
        }
    }

    fn str_or<'j>(
        &self,
        m: &'j Map<String, Value>,
        name: &str,
        default: &'j str,
    ) -> Result<&'j str, Error> {
        Ok(self.opt_str(m, name)?.unwrap_or(default))
    }

    /// An array of strings, empty when absent.
    fn strings<'j>(&self, m: &'j Map<String, Value>, name: &str) -> Result<Vec<&'j str>, Error> {
        let Some(v) = m.get(name) else {
            return Ok(Vec::new());
        };
        let at = self.key(name);
        let a = v
            .as_array()
            .ok_or_else(|| at.wrong("an array of strings", v))?;
        a.iter()
            .enumerate()
            .map(|(i, s)| s.as_str().ok_or_else(|| at.index(i).wrong("a string", s)))
            .collect()
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
