//! The actions access queries range over: every action of the IAM service reference
//! (`iam-service-reference.json`, about 22,000), each with its service, its access level and
//! the ARN templates of the resource types it authorizes on.
//!
//! The audit's built-in table has no access levels, and `iamc check`'s embedded copy no
//! resource types, so this reads the full reference (8 MB; about 0.2 s) from a file — by default
//! `$IAMC_SHARED/corpus/service-reference/iam-service-reference.json`. Only the fields used are
//! kept. Action wildcards (`s3:Get*`) are expanded over it with IAM's action matching (A-3:
//! case-insensitive, `*` and `?`).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// An access level of the service reference. The reference writes a few combined levels
/// (`Tagging, Write`, `Permissions management, Write`); the more specific one is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// `List`.
    List,
    /// `Read`.
    Read,
    /// `Write`.
    Write,
    /// `Permissions management`.
    PermissionsManagement,
    /// `Tagging`.
    Tagging,
    /// Not given by the reference.
    Unknown,
}

impl AccessLevel {
    /// The name as the service reference spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::Unknown => "Unknown",
        }
    }

    /// Read the reference's `accessLevel` text.
    pub fn parse(s: &str) -> AccessLevel {
        if s.contains("Permissions management") {
            AccessLevel::PermissionsManagement
        } else if s.contains("Tagging") {
            AccessLevel::Tagging
        } else if s.contains("Write") {
            AccessLevel::Write
        } else if s.contains("Read") {
            AccessLevel::Read
        } else if s.contains("List") {
            AccessLevel::List
        } else {
            AccessLevel::Unknown
        }
    }

    /// Every level, in report order.
    pub const ALL: [AccessLevel; 6] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
        AccessLevel::Unknown,
    ];
}

/// One action of the reference.
#[derive(Clone, Debug)]
pub struct Action {
    /// `prefix:Name` as documented.
    pub name: String,
    /// The service prefix.
    pub service: String,
    /// Its access level.
    pub level: AccessLevel,
    /// ARN templates of the resource types it authorizes on; empty: only `*`.
    pub resource_types: Vec<String>,
}

/// The actions of the service reference, sorted by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    actions: Vec<Action>,
}

/// Where the reference is by default: `$IAMC_SHARED/corpus/service-reference/…` (`IAMC_SHARED`
/// defaults to `../shared`).
pub fn default_path() -> PathBuf {
    let shared = std::env::var_os("IAMC_SHARED").unwrap_or_else(|| "../shared".into());
    Path::new(&shared).join("corpus/service-reference/iam-service-reference.json")
}

impl Catalog {
    /// Read `iam-service-reference.json`.
    pub fn load(path: &Path) -> Result<Catalog, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "{}: {e} (give --service-reference FILE or set IAMC_SHARED)",
                path.display()
            )
        })?;
        Catalog::from_slice(&path.display().to_string(), &bytes)
    }

    /// Read the reference from bytes; `name` is used in errors.
    pub fn from_slice(name: &str, bytes: &[u8]) -> Result<Catalog, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("{name}: {e}"))?;
        let services = v
            .as_object()
            .ok_or_else(|| format!("{name}: $: expected an object of services"))?;
        let mut actions = Vec::new();
        for (key, svc) in services {
            let prefix = svc.get("prefix").and_then(Value::as_str).unwrap_or(key);
            let types = svc.get("resourceTypes").and_then(Value::as_object);
            let Some(acts) = svc.get("actions").and_then(Value::as_object) else {
                return Err(format!("{name}: $.{key}.actions: missing or not an object"));
            };
            for (akey, a) in acts {
                let aname = a.get("name").and_then(Value::as_str).unwrap_or(akey);
                let level =
                    AccessLevel::parse(a.get("accessLevel").and_then(Value::as_str).unwrap_or(""));
                let resource_types = a
                    .get("resourceTypes")
                    .and_then(Value::as_array)
                    .map(|rs| {
                        rs.iter()
                            .filter_map(|r| r.get("name").and_then(Value::as_str))
                            .filter_map(|n| {
                                let t = types?;
                                let t = t.get(n).or_else(|| {
                                    t.iter()
                                        .find(|(k, _)| k.eq_ignore_ascii_case(n))
                                        .map(|(_, v)| v)
                                })?;
                                t.get("arn").and_then(Value::as_str).map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                actions.push(Action {
                    name: format!("{prefix}:{aname}"),
                    service: prefix.to_string(),
                    level,
                    resource_types,
                });
            }
        }
        actions.sort_by(|a, b| a.name.cmp(&b.name));
        actions.dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
        Ok(Catalog { actions })
    }

    /// A catalog of the given actions (tests, generated orgs).
    pub fn from_actions(mut actions: Vec<Action>) -> Catalog {
        actions.sort_by(|a, b| a.name.cmp(&b.name));
        Catalog { actions }
    }

    /// Every action, sorted by name.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The action named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The actions a pattern names: with `*` or `?`, every matching action (A-3); without, the
    /// action itself, or a synthetic entry of unknown level for an action the reference does
    /// not list (it may be newer than the reference; it is still decided).
    pub fn expand(&self, pattern: &str) -> Vec<Action> {
        if !pattern.contains(['*', '?']) {
            return vec![self.get(pattern).cloned().unwrap_or_else(|| Action {
                name: pattern.to_string(),
                service: pattern.split(':').next().unwrap_or("").to_string(),
                level: AccessLevel::Unknown,
                resource_types: Vec::new(),
            })];
        }
        let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
        self.actions
            .iter()
            .filter(|a| glob(&p, &a.name.to_ascii_lowercase().chars().collect::<Vec<_>>()))
            .cloned()
            .collect()
    }
}

/// `*` and `?` glob over chars (A-3), iterative with one backtrack point: linear in practice
/// and never exponential.
fn glob(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const REF: &str = r#"{"s3":{"prefix":"s3","actions":{
        "getobject":{"name":"GetObject","accessLevel":"Read","resourceTypes":[{"name":"object"}]},
        "getbucketacl":{"name":"GetBucketAcl","accessLevel":"Read","resourceTypes":[{"name":"bucket"}]},
        "listallmybuckets":{"name":"ListAllMyBuckets","accessLevel":"List"},
        "putbuckettagging":{"name":"PutBucketTagging","accessLevel":"Tagging, Write"}},
      "resourceTypes":{"object":{"arn":"arn:${Partition}:s3:::${BucketName}/${ObjectName}"},
        "bucket":{"arn":"arn:${Partition}:s3:::${BucketName}"}}}}"#;

    #[test]
    fn wildcards_expand_case_insensitively_a3() {
        let c = Catalog::from_slice("t", REF.as_bytes()).unwrap();
        let names = |p: &str| c.expand(p).into_iter().map(|a| a.name).collect::<Vec<_>>();
        assert_eq!(names("s3:Get*"), ["s3:GetBucketAcl", "s3:GetObject"]);
        assert_eq!(names("S3:get?bject"), ["s3:GetObject"]);
        assert_eq!(names("s3:*Tagging"), ["s3:PutBucketTagging"]);
        assert_eq!(names("*").len(), 4);
        assert!(names("ec2:*").is_empty());
        // An exact name the reference lacks is still decided, at an unknown level.
        assert_eq!(c.expand("s3:NewThing")[0].level, AccessLevel::Unknown);
        assert_eq!(c.get("s3:getobject").unwrap().level, AccessLevel::Read);
        assert_eq!(
            c.get("s3:PutBucketTagging").unwrap().level,
            AccessLevel::Tagging
        );
        assert_eq!(
            c.get("s3:GetObject").unwrap().resource_types,
            ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
        );
    }

    #[test]
    fn bad_reference_names_the_path() {
        let e = Catalog::from_slice("t.json", br#"{"s3":{"actions":3}}"#).unwrap_err();
        assert!(e.contains("t.json: $.s3.actions"), "{e}");
        assert!(Catalog::from_slice("t.json", b"[").is_err());
    }

    #[test]
    fn glob_backtracks() {
        let g = |p: &str, t: &str| {
            glob(
                &p.chars().collect::<Vec<_>>(),
                &t.chars().collect::<Vec<_>>(),
            )
        };
        assert!(g("a*b*c", "axxbyyc"));
        assert!(!g("a*b*c", "axxbyy"));
        assert!(g("*", ""));
        assert!(!g("?", ""));
    }
}
