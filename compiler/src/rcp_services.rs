//! E-10's list of services that RCPs apply to, as a file names it (`--rcp-services FILE`).
//!
//! Two shapes are read, so both a hand-written list and a JSON export work: a JSON array of
//! strings (`["s3", "kms"]`, the shape of the corpus's `rcpSupportedServices.json`), or text
//! with one or more service prefixes per line separated by commas or spaces, `#` comments.
//! Every prefix must look like an IAM service prefix (ASCII letters, digits and `-`); prefixes
//! are lower-cased and deduplicated, order kept. An empty list is allowed and means RCPs
//! apply to no service.

use std::path::Path;

/// The largest list file read (a list of every AWS service is about 8 KiB).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Read a service list from `path`; the error names the file and what is wrong.
pub fn read_rcp_services(path: &Path) -> Result<Vec<String>, String> {
    use std::io::Read;
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: over {MAX_FILE_BYTES} bytes; an RCP service list is a few KiB"
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("{name}: not UTF-8: {e}"))?;
    parse_rcp_services(text).map_err(|e| format!("{name}: {e}"))
}

/// Parse a service list's text (see the module docs for the shapes).
pub fn parse_rcp_services(text: &str) -> Result<Vec<String>, String> {
    let words: Vec<String> = if text.trim_start().starts_with('[') {
        let json =
            crate::json::parse(text, 8).map_err(|e| format!("not a JSON array of strings: {e}"))?;
        let crate::json::Json::Array(items) = json else {
            return Err("not a JSON array of strings".into());
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("$[{i}]: not a string"))
            })
            .collect::<Result<_, _>>()?
    } else {
        text.lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .flat_map(|l| l.split([',', ' ', '\t']))
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if w.is_empty() || !w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "{w:?} is not a service prefix (letters, digits and '-', as in \"s3\")"
            ));
        }
        let w = w.to_ascii_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e10_both_shapes_read_and_bad_words_refused() {
        assert_eq!(
            parse_rcp_services("[\"S3\", \"kms\", \"s3\"]").unwrap_or_default(),
            ["s3", "kms"]
        );
        assert_eq!(
            parse_rcp_services("# list\ns3, kms\n sqs ecr # more\n").unwrap_or_default(),
            ["s3", "kms", "sqs", "ecr"]
        );
        assert_eq!(
            parse_rcp_services("").unwrap_or_default(),
            Vec::<String>::new()
        );
        assert!(parse_rcp_services("s3:GetObject").is_err());
        assert!(parse_rcp_services("[1]").is_err());
        assert!(parse_rcp_services("[\"s3\"").is_err());
    }
}
