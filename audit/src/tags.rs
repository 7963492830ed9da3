//! `--resource-tags FILE`: the resources' tags, which no CloudTrail record carries (K-13), from
//! the output of `aws resourcegroupstaggingapi get-resources`.
//!
//! The file holds one or more pages `{"ResourceTagMappingList":[{"ResourceARN":…,"Tags":[{"Key":…,
//! "Value":…}]}],"PaginationToken":…}`, as the CLI prints them: one page, pages written one after
//! the other, or one page a line. A resource in the file has known tags: a tag key it lacks is
//! absent. A resource not in the file keeps its tag keys unknown, so a decision that hinges on
//! them stays indeterminate (E-21).
//!
//! The keys answered are those that name a resource's tag: `aws:ResourceTag/K`, a service's
//! `…:ResourceTag/K` (`ec2:ResourceTag/K`), and RDS's `rds:<type>-tag/K` for a resource of that
//! type (`rds:db-tag/K` on `arn:…:rds:…:db:name`; on another type the key is absent). S3 object
//! tags (`s3:ExistingObjectTag/K`) are not in the tagging API: they stay unknown.
//!
//! Trade-off: the whole file is read into memory (a tagging export is a few MB for tens of
//! thousands of resources); tags are kept per ARN in a hash map looked up once per request.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// Tags by resource ARN.
#[derive(Debug, Default)]
pub struct ResourceTags {
    by_arn: HashMap<String, Vec<(String, String)>>,
}

/// What a resource-tag condition key asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagKey {
    /// `aws:ResourceTag/K` or `<service>:ResourceTag/K`: tag `K` of any resource.
    Any(String),
    /// `rds:<type>-tag/K`: tag `K` of an RDS resource of that type.
    Rds {
        /// The RDS resource type (`db`, `cluster`, `snapshot`, …).
        kind: String,
        /// The tag key.
        tag: String,
    },
}

/// The tag a condition key names, when a tagging export can answer it.
pub fn tag_key(key: &str) -> Option<TagKey> {
    let (prefix, rest) = key.split_once(':')?;
    if let Some(tag) = rest
        .get(..12)
        .filter(|p| p.eq_ignore_ascii_case("resourcetag/"))
        .map(|_| &rest[12..])
    {
        return Some(TagKey::Any(tag.to_string()));
    }
    if prefix.eq_ignore_ascii_case("rds") {
        let (kind, tag) = rest.split_once('/')?;
        let kind = kind
            .len()
            .checked_sub(4)
            .filter(|&n| n > 0 && kind[n..].eq_ignore_ascii_case("-tag"))
            .map(|n| &kind[..n])?;
        return Some(TagKey::Rds {
            kind: kind.to_ascii_lowercase(),
            tag: tag.to_string(),
        });
    }
    None
}

/// The value of `key` for `resource` with `tags`; `None`: the key is absent.
pub fn value<'t>(tags: &'t [(String, String)], resource: &str, key: &TagKey) -> Option<&'t str> {
    let tag = match key {
        TagKey::Any(t) => t,
        TagKey::Rds { kind, tag } => {
            // arn:aws:rds:region:account:<type>:<name>
            let mut fields = resource.split(':');
            let service = fields.nth(2)?;
            let ty = fields.nth(2)?;
            if service != "rds" || !ty.eq_ignore_ascii_case(kind) {
                return None;
            }
            tag
        }
    };
    // Condition key names are case-insensitive (C-2); an exact match first.
    tags.iter()
        .find(|(k, _)| k == tag)
        .or_else(|| tags.iter().find(|(k, _)| k.eq_ignore_ascii_case(tag)))
        .map(|(_, v)| v.as_str())
}

impl ResourceTags {
    /// Read a file of `get-resources` pages; errors name the file, the page and the JSON path.
    pub fn load(path: &Path) -> Result<ResourceTags, String> {
        let name = path.display();
        let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
        ResourceTags::from_slice(&name.to_string(), &bytes)
    }

    /// Read `get-resources` pages from bytes (`name` is used in errors).
    pub fn from_slice(name: &str, bytes: &[u8]) -> Result<ResourceTags, String> {
        let mut out = ResourceTags::default();
        let mut pages = 0usize;
        for (i, page) in serde_json::Deserializer::from_slice(bytes)
            .into_iter::<Value>()
            .enumerate()
        {
            let page = page.map_err(|e| format!("{name}: page {}: {e}", i + 1))?;
            pages += 1;
            let at = |path: &str, what: &str| format!("{name}: page {}: {path}: {what}", i + 1);
            let list = page
                .get("ResourceTagMappingList")
                .ok_or_else(|| {
                    at(
                        "$",
                        "no ResourceTagMappingList (expected `aws resourcegroupstaggingapi \
                         get-resources` output)",
                    )
                })?
                .as_array()
                .ok_or_else(|| at("$.ResourceTagMappingList", "expected an array"))?;
            for (j, m) in list.iter().enumerate() {
                let p = format!("$.ResourceTagMappingList[{j}]");
                let arn = m
                    .get("ResourceARN")
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(&format!("{p}.ResourceARN"), "expected a string"))?;
                let tags = match m.get("Tags") {
                    None => &[][..],
                    Some(t) => t
                        .as_array()
                        .ok_or_else(|| at(&format!("{p}.Tags"), "expected an array"))?,
                };
                let entry = out.by_arn.entry(arn.to_string()).or_default();
                for (k, t) in tags.iter().enumerate() {
                    let field = |f: &str| {
                        t.get(f)
                            .and_then(Value::as_str)
                            .ok_or_else(|| at(&format!("{p}.Tags[{k}].{f}"), "expected a string"))
                    };
                    entry.push((field("Key")?.to_string(), field("Value")?.to_string()));
                }
            }
        }
        if pages == 0 {
            return Err(format!(
                "{name}: empty (expected `aws resourcegroupstaggingapi get-resources` output)"
            ));
        }
        Ok(out)
    }

    /// The tags of a resource in the file.
    pub fn get(&self, arn: &str) -> Option<&[(String, String)]> {
        self.by_arn.get(arn).map(Vec::as_slice)
    }

    /// Resources in the file.
    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    /// Whether the file named no resource.
    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_name_a_resource_tag() {
        assert_eq!(
            tag_key("aws:ResourceTag/env"),
            Some(TagKey::Any("env".into()))
        );
        assert_eq!(
            tag_key("ec2:resourcetag/Owner"),
            Some(TagKey::Any("Owner".into()))
        );
        assert_eq!(
            tag_key("rds:db-tag/stage"),
            Some(TagKey::Rds {
                kind: "db".into(),
                tag: "stage".into()
            })
        );
        assert_eq!(
            tag_key("rds:cluster-pg-tag/x").map(|k| match k {
                TagKey::Rds { kind, .. } => kind,
                TagKey::Any(_) => String::new(),
            }),
            Some("cluster-pg".into())
        );
        for k in [
            "s3:ExistingObjectTag/t",
            "aws:RequestTag/t",
            "rds:-tag/x",
            "SAML:aud",
        ] {
            assert_eq!(tag_key(k), None, "{k}");
        }
    }

    #[test]
    fn values_follow_the_resource_type() {
        let tags = vec![("stage".to_string(), "prod".to_string())];
        let db = "arn:aws:rds:us-east-1:1:db:main";
        let cl = "arn:aws:rds:us-east-1:1:cluster:main";
        let k = tag_key("rds:db-tag/stage").unwrap();
        assert_eq!(value(&tags, db, &k), Some("prod"));
        assert_eq!(value(&tags, cl, &k), None);
        assert_eq!(
            value(&tags, cl, &tag_key("aws:ResourceTag/Stage").unwrap()),
            Some("prod")
        );
        assert_eq!(
            value(&tags, cl, &tag_key("aws:ResourceTag/team").unwrap()),
            None
        );
    }

    #[test]
    fn pages_concatenated_or_one_a_line_and_errors_with_paths() {
        let one = r#"{"ResourceTagMappingList":[{"ResourceARN":"arn:aws:s3:::a","Tags":[{"Key":"k","Value":"v"}]}],"PaginationToken":"x"}"#;
        let two = r#"{"ResourceTagMappingList":[{"ResourceARN":"arn:aws:s3:::b","Tags":[]}]}"#;
        for text in [
            format!("{one}{two}"),
            format!("{one}\n{two}\n"),
            format!("{one}\n\n  {two}"),
        ] {
            let t = ResourceTags::from_slice("t.json", text.as_bytes()).unwrap();
            assert_eq!(t.len(), 2);
            assert_eq!(
                t.get("arn:aws:s3:::a"),
                Some(&[("k".into(), "v".into())][..])
            );
            assert_eq!(t.get("arn:aws:s3:::b"), Some(&[][..]));
        }
        let bad = r#"{"ResourceTagMappingList":[{"ResourceARN":"arn:aws:s3:::a","Tags":[{"Key":"k","Value":1}]}]}"#;
        let e = ResourceTags::from_slice("t.json", format!("{one}\n{bad}").as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "t.json: page 2: $.ResourceTagMappingList[0].Tags[0].Value: expected a string"
        );
        let e = ResourceTags::from_slice("t.json", br#"{"Records":[]}"#).unwrap_err();
        assert!(
            e.starts_with("t.json: page 1: $: no ResourceTagMappingList"),
            "{e}"
        );
        let e = ResourceTags::from_slice("t.json", b"  ").unwrap_err();
        assert!(e.starts_with("t.json: empty"), "{e}");
        let e = ResourceTags::from_slice("t.json", format!("{one} {{").as_bytes()).unwrap_err();
        assert!(e.starts_with("t.json: page 2: "), "{e}");
    }
}
