//! What the audit needs from the IAM service reference (`iam-service-reference.json`): which
//! actions exist, which resource types each action authorizes on, and the ARN format of every
//! resource type.
//!
//! This is the audit's *index* of the one service catalog, [`iamc_catalog::ServiceReference`]:
//! by default the copy built into the binary (`catalog/data/service-reference.txt`, generated
//! by `catalog/generate.py` from the shared corpus), so results do not depend on the working
//! directory; `--service-reference FILE` loads a newer `iam-service-reference.json` with
//! `iamc_catalog`'s loader instead. The embedded copy also carries the API names that are not
//! action names, from the corpus's SDK-method → IAM map; a file borrows them.
//!
//! The index is built for the per-event lookups on the audit's hot path (action by
//! CloudTrail's `prefix:Name` in one probe, resource types by the first byte of the ARN's
//! resource field); building it from the model costs one pass over it at start-up.
//!
//! Resource-type matching: CloudTrail's `resources[]` often lists more than the ARN IAM
//! authorizes on (an S3 object event names the object *and* its bucket). An ARN's type is the
//! service's resource type whose ARN template matches it with the most literal characters
//! (`arn:${Partition}:s3:::${BucketName}/${ObjectName}` beats `…:::${BucketName}` for
//! `arn:aws:s3:::b/k`); a resource is kept for an action when its type is one the action lists.

use iamc_catalog::ServiceReference;
use rustc_hash::FxHashMap;
use std::path::Path;

/// One action of the reference.
#[derive(Clone, Debug)]
pub struct ActionInfo {
    /// The canonical `prefix:Name`.
    pub name: String,
    /// Indexes into the service's resource types this action authorizes on; empty means the
    /// action takes `*` (no resource-level permissions).
    pub types: Vec<u16>,
    /// The service's index in the catalog (no second lookup by prefix).
    service: u32,
}

/// One resource type: its ARN template split into literal pieces and variables.
#[derive(Clone, Debug)]
struct ResourceType {
    /// Literal pieces; a variable sits between consecutive pieces (and before/after when the
    /// flags say so).
    pieces: Vec<String>,
    leading_var: bool,
    trailing_var: bool,
    literal_len: usize,
    /// The template's service field when it is literal (`s3`), checked before the glob.
    service: Option<String>,
    /// The literal start of the template's resource field (`instance/`), checked before the
    /// glob: most types of a service are ruled out by it without a search.
    resource_start: String,
}

#[derive(Clone, Debug, Default)]
struct Service {
    /// By lower-case name.
    actions: FxHashMap<String, ActionInfo>,
    types: Vec<ResourceType>,
    /// Types whose resource field starts with a variable (tried for every ARN).
    open_types: Vec<u16>,
    /// Types by the first byte of their resource field's literal start.
    by_first: FxHashMap<u8, Vec<u16>>,
}

/// The loaded service reference.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Service index by prefix.
    by_prefix: FxHashMap<String, u32>,
    services: Vec<Service>,
    /// Every action by its canonical `prefix:Name` (`s3:GetObject`), which is how CloudTrail
    /// spells event names: the usual lookup is one probe, with no lower-casing.
    by_name: FxHashMap<String, ActionInfo>,
    /// API names that are not action names, by `prefix:ApiName`.
    renames: FxHashMap<String, ActionInfo>,
}

impl Catalog {
    /// Load `iam-service-reference.json` (`--service-reference`); the API-name renames still
    /// come from the built-in copy.
    pub fn load(path: &Path) -> Result<Catalog, String> {
        let r = ServiceReference::load(path).map_err(|e| e.to_string())?;
        Catalog::with_builtin_renames(r)
    }

    /// [`Catalog::load`] of bytes already read (`name`: the file's name, for messages).
    pub fn from_named_slice(name: &str, bytes: &[u8]) -> Result<Catalog, String> {
        let r = ServiceReference::from_json_slice(name, bytes).map_err(|e| e.to_string())?;
        Catalog::with_builtin_renames(r)
    }

    fn with_builtin_renames(r: ServiceReference<'static>) -> Result<Catalog, String> {
        let r = r.with_embedded_aliases().map_err(|e| e.to_string())?;
        Ok(Catalog::from_reference(&r))
    }

    /// The copy built into the binary (the same for every working directory).
    pub fn builtin() -> Result<Catalog, String> {
        let r = ServiceReference::embedded().map_err(|e| e.to_string())?;
        Ok(Catalog::from_reference(&r))
    }

    /// Parse the service reference's JSON from bytes (no renames).
    pub fn from_slice(bytes: &[u8]) -> Result<Catalog, String> {
        let r = ServiceReference::from_json_slice("<service reference>", bytes)
            .map_err(|e| e.to_string())?;
        Ok(Catalog::from_reference(&r))
    }

    /// The audit's index of a service reference, with its API-name aliases as renames.
    pub fn from_reference(r: &ServiceReference<'_>) -> Catalog {
        let mut c = Catalog::build(r);
        for alias in &r.api_aliases {
            if let Some(a) = c.action(&alias.prefix, &alias.action).cloned() {
                c.renames
                    .insert(format!("{}:{}", alias.prefix, alias.api), a);
            }
        }
        c
    }

    /// The action an API name stands for when it is not itself an action name (from the
    /// SDK-method map: `GetBucketReplication` → `s3:GetReplicationConfiguration`).
    pub fn renamed(&self, prefix: &str, api: &str) -> Option<&ActionInfo> {
        if self.renames.is_empty() {
            return None;
        }
        self.renames.get(&format!("{prefix}:{api}"))
    }

    /// The index, straight from the model (no intermediate copy of its strings).
    fn build(r: &ServiceReference<'_>) -> Catalog {
        let mut by_prefix = FxHashMap::default();
        let mut services = Vec::new();
        let mut by_name = FxHashMap::default();
        for svc in &r.services {
            let prefix = &*svc.prefix;
            let service = services.len() as u32;
            let types: Vec<ResourceType> = svc
                .resource_types
                .iter()
                .map(|t| template(t.arn.as_deref().unwrap_or_default()))
                .collect();
            let mut open_types = Vec::new();
            let mut by_first: FxHashMap<u8, Vec<u16>> = FxHashMap::default();
            for (i, t) in types.iter().enumerate() {
                match t.resource_start.as_bytes().first() {
                    Some(&b) => by_first.entry(b).or_default().push(i as u16),
                    None => open_types.push(i as u16),
                }
            }
            let actions: FxHashMap<String, ActionInfo> = svc
                .actions
                .iter()
                .map(|a| {
                    (
                        a.name.to_ascii_lowercase(),
                        ActionInfo {
                            name: format!("{prefix}:{}", a.name),
                            types: a.resource_types.clone(),
                            service,
                        },
                    )
                })
                .collect();
            by_prefix.insert(prefix.to_ascii_lowercase(), service);
            by_name.extend(actions.values().map(|a| (a.name.clone(), a.clone())));
            services.push(Service {
                actions,
                types,
                open_types,
                by_first,
            });
        }
        Catalog {
            by_prefix,
            services,
            by_name,
            renames: FxHashMap::default(),
        }
    }

    /// Whether the service prefix exists.
    pub fn has_service(&self, prefix: &str) -> bool {
        self.by_prefix.contains_key(prefix)
    }

    /// The action `prefix:name` (any case), if the reference lists it.
    pub fn action(&self, prefix: &str, name: &str) -> Option<&ActionInfo> {
        // `prefix:name` assembled on the stack: one probe of `by_name` in the usual case.
        let mut buf = [0u8; 128];
        let (p, n) = (prefix.as_bytes(), name.as_bytes());
        let len = p.len() + 1 + n.len();
        if let Some(key) = buf.get_mut(..len) {
            key[..p.len()].copy_from_slice(p);
            key[p.len()] = b':';
            key[p.len() + 1..].copy_from_slice(n);
            if let Some(a) = std::str::from_utf8(key)
                .ok()
                .and_then(|k| self.by_name.get(k))
            {
                return Some(a);
            }
        }
        let s = self.services.get(*self.by_prefix.get(prefix)? as usize)?;
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            s.actions.get(&name.to_ascii_lowercase())
        } else {
            s.actions.get(name)
        }
    }

    /// Whether `arn` is of a resource type `action` authorizes on (see the module docs). `None`
    /// when the ARN matches no resource type of the service at all.
    pub fn resource_fits(&self, action: &ActionInfo, arn: &str) -> Option<bool> {
        let s = self.services.get(action.service as usize)?;
        let mut best: Option<(usize, bool)> = None;
        // The ARN's service and resource fields (the variables before them, partition, region
        // and account, never hold a colon).
        let (arn_service, arn_resource) = fields(arn);
        let first = arn_resource.and_then(|r| r.as_bytes().first().copied());
        let bucket = match (arn_resource, first) {
            (Some(_), Some(b)) => s.by_first.get(&b).map_or(&[][..], Vec::as_slice),
            // An empty resource field: only the types that start with a variable.
            _ => &[][..],
        };
        let all: Vec<u16>;
        let candidates: (&[u16], &[u16]) = if arn_resource.is_some() {
            (&s.open_types, bucket)
        } else {
            all = (0..s.types.len() as u16).collect();
            (&all, &[])
        };
        for &i in candidates.0.iter().chain(candidates.1) {
            let Some(t) = s.types.get(i as usize) else {
                continue;
            };
            if t.literal_len < best.map_or(0, |b| b.0) {
                continue;
            }
            if let (Some(want), Some(have)) = (&t.service, arn_service) {
                if want.len() != have.len() || !starts(have.as_bytes(), want.as_bytes()) {
                    continue;
                }
            }
            if let Some(r) = arn_resource {
                if !starts(r.as_bytes(), t.resource_start.as_bytes()) {
                    continue;
                }
            }
            if !t.matches(arn) {
                continue;
            }
            let fits = action.types.contains(&i);
            best = match best {
                Some((len, f)) if len > t.literal_len => Some((len, f)),
                Some((len, f)) if len == t.literal_len => Some((len, f || fits)),
                _ => Some((t.literal_len, fits)),
            };
        }
        best.map(|b| b.1)
    }
}

/// The service field (third) and the resource field (sixth, the rest) of an ARN.
fn fields(arn: &str) -> (Option<&str>, Option<&str>) {
    let b = arn.as_bytes();
    let mut colons = [0usize; 5];
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b':' {
            colons[n] = i;
            n += 1;
            if n == 5 {
                break;
            }
        }
    }
    let service = (n >= 3).then(|| &arn[colons[1] + 1..colons[2]]);
    let resource = (n == 5).then(|| &arn[colons[4] + 1..]);
    (service, resource)
}

fn template(arn: &str) -> ResourceType {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut leading_var = false;
    let mut trailing_var = false;
    let mut rest = arn;
    while let Some(start) = rest.find("${") {
        cur.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            cur.push_str(&rest[start..]);
            rest = "";
            break;
        };
        if cur.is_empty() && pieces.is_empty() {
            leading_var = true;
        } else if !cur.is_empty() {
            pieces.push(std::mem::take(&mut cur));
        }
        rest = &after[end + 1..];
        trailing_var = rest.is_empty();
    }
    cur.push_str(rest);
    if !cur.is_empty() {
        pieces.push(cur);
        trailing_var = false;
    }
    let literal_len = pieces.iter().map(String::len).sum();
    let mut fields = arn.splitn(6, ':');
    let service = fields
        .nth(2)
        .filter(|s| !s.contains("${"))
        .map(str::to_string);
    let resource_start = fields
        .nth(2)
        .map(|r| r.split("${").next().unwrap_or("").to_string())
        .unwrap_or_default();
    ResourceType {
        pieces,
        leading_var,
        trailing_var,
        literal_len,
        service,
        resource_start,
    }
}

impl ResourceType {
    /// Glob match: each variable matches any (possibly empty) text. The partition, region and
    /// account variables make this a little loose, which is fine for telling types apart.
    fn matches(&self, s: &str) -> bool {
        let mut rest = s;
        for (i, p) in self.pieces.iter().enumerate() {
            let anchored = i == 0 && !self.leading_var;
            let last = i + 1 == self.pieces.len();
            if anchored {
                match rest.get(p.len()..) {
                    Some(r) if starts(rest.as_bytes(), p.as_bytes()) => rest = r,
                    _ => return false,
                }
                if last && !self.trailing_var {
                    return rest.is_empty();
                }
            } else if last && !self.trailing_var {
                let (r, n) = (rest.as_bytes(), p.as_bytes());
                return r.len() >= n.len() && starts(&r[r.len() - n.len()..], n);
            } else {
                match find(rest, p) {
                    Some(at) => rest = &rest[at + p.len()..],
                    None => return false,
                }
            }
        }
        self.trailing_var || rest.is_empty()
    }
}

/// Substring search for the short needles of ARN templates: a first-byte scan and a compare,
/// cheaper than building `str::find`'s two-way searcher for every call.
fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i] == first && starts(&h[i..], n))
}

/// `h.starts_with(n)` as an inline byte loop: the literals compared here are a few bytes long,
/// where a call into the C library's `memcmp` cost more than the comparison (it showed in the
/// profile).
fn starts(h: &[u8], n: &[u8]) -> bool {
    h.len() >= n.len() && h.iter().zip(n).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"{"s3":{"actions":{
        "getobject":{"name":"GetObject","resourceTypes":[{"name":"object"}]},
        "listbucket":{"name":"ListBucket","resourceTypes":[{"name":"bucket"}]},
        "listallmybuckets":{"name":"ListAllMyBuckets","resourceTypes":[]}},
      "resourceTypes":{
        "bucket":{"arn":"arn:${Partition}:s3:::${BucketName}"},
        "object":{"arn":"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}}}}"#;

    #[test]
    fn resource_types_pick_the_most_specific_template() {
        let c = Catalog::from_slice(MINI.as_bytes()).unwrap();
        let get = c.action("s3", "GetObject").unwrap();
        assert_eq!(get.name, "s3:GetObject");
        let list = c.action("s3", "listbucket").unwrap();
        assert_eq!(c.resource_fits(get, "arn:aws:s3:::b/k/x"), Some(true));
        assert_eq!(c.resource_fits(get, "arn:aws:s3:::b"), Some(false));
        assert_eq!(c.resource_fits(list, "arn:aws:s3:::b"), Some(true));
        assert_eq!(c.resource_fits(list, "arn:aws:s3:::b/k"), Some(false));
        assert_eq!(c.resource_fits(list, "arn:aws:ec2:r:1:instance/i"), None);
        assert!(c.action("s3", "ListAllMyBuckets").unwrap().types.is_empty());
        assert!(c.action("s3", "Nope").is_none());
    }
}
