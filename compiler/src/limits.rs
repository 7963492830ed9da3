//! Limits on policy input.
//!
//! AWS's own quotas (IAM and STS quotas page; Organizations quotas) are far below these: a
//! managed policy may hold 6,144 characters, a role's inline policies 10,240, an SCP 5,120, an
//! S3 bucket policy 20 KB. The largest AWS managed policy in the corpus is 157 KB of
//! pretty-printed JSON. iamc's defaults leave room for generated and concatenated policy sets
//! while keeping hostile documents from taking unbounded time or memory. `docs/limits.md`
//! lists them with the reasoning.

/// Bounds on what the parser accepts. Every field has a documented default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest policy document in bytes (default 1 MiB; AWS's largest quota is 20 KB).
    pub max_policy_bytes: usize,
    /// Deepest JSON nesting (default 32; a policy needs 6).
    pub max_json_depth: usize,
    /// Most statements in one policy (default 10,000).
    pub max_statements: usize,
    /// Longest single pattern or condition value in bytes (default 4,096; AWS ARNs are at
    /// most 2,048 characters).
    pub max_pattern_bytes: usize,
    /// Most wildcard characters (`*`, `?`) in one pattern (default 256).
    pub max_wildcards: usize,
    /// Most values in one list (actions, resources, condition values; default 10,000).
    pub max_list_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_policy_bytes: 1 << 20,
            max_json_depth: 32,
            max_statements: 10_000,
            max_pattern_bytes: 4096,
            max_wildcards: 256,
            max_list_len: 10_000,
        }
    }
}
