//! Role trust policies as IAM stores them: no `Resource` (E-19, G-10).

use super::*;

/// Parse a role's trust policy as IAM stores it, as `mode` says. A trust policy names no
/// `Resource` (the role it is attached to is the resource; IAM refuses the element there), but
/// every statement iamc compiles needs one (G-10): a statement with neither `Resource` nor
/// `NotResource` gets `"Resource": role_arn`. Everything else is read as for any resource-based
/// policy (E-19 makes the trust policy decide `sts:AssumeRole*` on the role).
pub fn parse_trust_policy_with(
    source: &str,
    bytes: &[u8],
    role_arn: &str,
    limits: &Limits,
    mode: ReadMode,
) -> Result<Parsed, Vec<Error>> {
    let src: Arc<str> = Arc::from(source);
    let doc = (bytes.len() <= limits.max_policy_bytes)
        .then(|| read_document(&src, bytes, limits).ok())
        .flatten();
    let Some(mut doc) = doc else {
        // Too large or not JSON: reported exactly as for any other policy.
        return parse_policy_with(source, bytes, PolicyKind::Resource, limits, mode);
    };
    with_role_resource(&mut doc, role_arn);
    match (
        parse_policy_json(Arc::clone(&src), &doc, PolicyKind::Resource, limits),
        mode,
    ) {
        (Ok(p), _) => Ok(p),
        (Err(e), ReadMode::Strict) => Err(e),
        (Err(_), ReadMode::Lenient) => {
            Ok(parse_lenient_json(src, &doc, PolicyKind::Resource, limits))
        }
    }
}

/// Give each statement (an object or an array of them) without `Resource`/`NotResource` the
/// role's ARN as its `Resource`; anything of another shape is left for the parser to report.
fn with_role_resource(doc: &mut Json, role_arn: &str) {
    let Json::Object(members) = doc else {
        return;
    };
    for (k, v) in members.iter_mut() {
        if k != "Statement" {
            continue;
        }
        let statements: &mut [Json] = match v {
            Json::Array(a) => a,
            one @ Json::Object(_) => std::slice::from_mut(one),
            _ => continue,
        };
        for st in statements {
            if let Json::Object(m) = st {
                if !m.iter().any(|(k, _)| k == "Resource" || k == "NotResource") {
                    m.push(("Resource".to_string(), Json::String(role_arn.to_string())));
                }
            }
        }
    }
}
