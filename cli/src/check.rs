//! `iamc check`: parse policy files and report every error and warning with its place.
//!
//! Each file is read as a bare document, a `PolicyVersion` wrapper or URL-encoded
//! ([`iamc_compiler::parse_policy`]) and parsed as the `--kind` given (G-11 decides which
//! elements are allowed). Errors are the spec group G rejections; warnings are the parser's
//! (G-2, G-7, G-12, C-11, V-6) plus [`extra_warnings`], the catalog-based checks of
//! [`iamc_compiler::check::check_policy`].
//!
//! Human output (stdout): `file: path: error: message` lines, then
//! `file: path: warning: message` lines, per file; a summary goes to stderr.
//! `--json`: one line per diagnostic `{"file","severity","path","message"}` and a last line
//! `{"summary":{...}}`, all on stdout. Exit status non-zero when any file has an error.

use std::io::{self, Write};
use std::path::PathBuf;

use iamc_compiler::ast::{Policy, PolicyKind};
use iamc_compiler::check::{check_policy, Catalog, Warning};
use iamc_compiler::{parse_policy, Error, Limits};
use serde_json::json;

/// Options of `iamc check`.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions<'a> {
    /// The kind every file is parsed as.
    pub kind: PolicyKind,
    /// JSON lines instead of text.
    pub json: bool,
    /// The IAM service reference, for the checks that need it.
    pub catalog: Option<&'a Catalog>,
}

/// Counts from one `iamc check` run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Files checked.
    pub files: usize,
    /// Files with at least one error.
    pub files_with_errors: usize,
    /// Errors over every file.
    pub errors: usize,
    /// Warnings over every file.
    pub warnings: usize,
}

impl CheckSummary {
    /// Whether the run succeeded (exit status 0): no file has an error.
    pub fn ok(&self) -> bool {
        self.files_with_errors == 0
    }
}

/// The hook for warnings beyond the parser's: the semantic and catalog-based checks
/// (C-24, C-20/C-21, unknown actions and keys, V-2, C-3/C-5/K-10).
pub fn extra_warnings(policy: &Policy, catalog: Option<&Catalog>) -> Vec<Warning> {
    check_policy(policy, catalog)
}

/// The diagnostics of one policy file: errors, or (when it parses) warnings.
pub fn check_file(
    file: &str,
    bytes: &[u8],
    kind: PolicyKind,
    catalog: Option<&Catalog>,
) -> (Vec<Error>, Vec<Warning>) {
    match parse_policy(file, bytes, kind, &Limits::default()) {
        Ok(parsed) => {
            let mut warnings = parsed.warnings;
            for w in extra_warnings(&parsed.policy, catalog) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            (Vec::new(), warnings)
        }
        Err(errors) => (errors, Vec::new()),
    }
}

/// Check `files`, writing diagnostics to `out` and the human summary to `err`.
pub fn check(
    files: &[PathBuf],
    opts: CheckOptions<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<CheckSummary> {
    let mut sum = CheckSummary::default();
    for path in files {
        let file = path.display().to_string();
        sum.files += 1;
        // Read no more than the policy limit allows (parse_policy would refuse the rest).
        let limit = Limits::default().max_policy_bytes as u64;
        let (errors, warnings) = match crate::bounded::read_file(path, limit) {
            Ok(bytes) => check_file(&file, &bytes, opts.kind, opts.catalog),
            Err(e) => (vec![crate::bounded::to_error(&file, &e)], Vec::new()),
        };
        if !errors.is_empty() {
            sum.files_with_errors += 1;
        }
        sum.errors += errors.len();
        sum.warnings += warnings.len();
        let diagnostics = errors
            .iter()
            .map(|e| ("error", &e.source, &e.path, e.kind.to_string()))
            .chain(
                warnings
                    .iter()
                    .map(|w| ("warning", &w.source, &w.path, w.kind.to_string())),
            );
        for (severity, source, path, message) in diagnostics {
            if opts.json {
                let line = json!({
                    "file": &**source,
                    "severity": severity,
                    "path": path.as_str(),
                    "message": message,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{source}: {path}: {severity}: {message}")?;
            }
        }
    }
    if opts.json {
        let line = json!({"summary": {
            "files": sum.files,
            "files_with_errors": sum.files_with_errors,
            "errors": sum.errors,
            "warnings": sum.warnings,
            "ok": sum.ok(),
        }});
        writeln!(out, "{line}")?;
    }
    writeln!(
        err,
        "iamc check: {} file(s), {} with errors; {} error(s), {} warning(s)",
        sum.files, sum.files_with_errors, sum.errors, sum.warnings
    )?;
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_warnings_with_paths() {
        let (errors, warnings) = check_file(
            "p.json",
            br#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
                              {"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]}"#,
            PolicyKind::Identity,
            None,
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path.as_str(), "$.Statement[1].Effect");
        assert!(warnings.is_empty(), "no warnings for a policy that fails");

        let (errors, warnings) = check_file(
            "p.json",
            br#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            PolicyKind::Identity,
            None,
        );
        assert!(errors.is_empty());
        // G-2: no Version.
        assert!(!warnings.is_empty());
        assert_eq!(&*warnings[0].source, "p.json");
    }

    #[test]
    fn identity_policy_checked_as_resource_policy_fails() {
        let (errors, _) = check_file(
            "p.json",
            br#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            PolicyKind::Resource,
            None,
        );
        assert_eq!(errors.len(), 1, "G-11: a resource policy needs a Principal");
    }
}
