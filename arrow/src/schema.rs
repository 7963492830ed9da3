//! The output schema of the kernel, as Arrow fields and as a Spark/Hive DDL string (the two
//! are written side by side and a test checks they name the same columns in the same order).
//!
//! Every column is nullable: Spark's DDL columns are, and `mapInArrow` compares the batch's
//! schema with the one it was given. Which columns are set for which status is documented per
//! column and checked by the tests.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// The name of a list's item field, as Spark names it.
pub const ITEM: &str = "element";

/// `List<Utf8>` as Spark writes `ARRAY<STRING>`.
pub fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new(ITEM, DataType::Utf8, true)))
}

/// The columns, in order: (name, type, meaning).
pub fn columns() -> Vec<(&'static str, DataType, &'static str)> {
    use DataType::{Boolean, Int32, Int64, Utf8};
    vec![
        ("file", Utf8, "the trail file (or the records' source)"),
        (
            "position",
            Utf8,
            "where in the file: `record I (byte B)`, `line L`, `after record I (byte B)`",
        ),
        (
            "record_index",
            Int64,
            "the record's index in Records (0-based) or line number (1-based)",
        ),
        ("status", Utf8, "`decided`, `unreadable` or `not_decided`"),
        (
            "reason",
            Utf8,
            "why unreadable or not decided (null when decided)",
        ),
        ("event_id", Utf8, "eventID (when the record could be read)"),
        (
            "event_time",
            Utf8,
            "eventTime (when the record could be read)",
        ),
        ("principal", Utf8, "the principal's ARN (decided rows)"),
        (
            "principal_account",
            Utf8,
            "the account of an IAM principal (user, role session, root, federated user; null \
             for others): what the audit compares with the snapshot's accounts",
        ),
        (
            "actions",
            string_list(),
            "the call's action, then each further permission it needs",
        ),
        ("resources", string_list(), "the call's resources"),
        (
            "before",
            Utf8,
            "decision before the change: allow, explicit_deny, implicit_deny, indeterminate",
        ),
        (
            "before_policy",
            Utf8,
            "the deciding policy before the change",
        ),
        ("before_statement", Int32, "its statement index"),
        ("before_sid", Utf8, "its Sid"),
        ("after", Utf8, "decision after the change"),
        ("after_policy", Utf8, "the deciding policy after the change"),
        ("after_statement", Int32, "its statement index"),
        ("after_sid", Utf8, "its Sid"),
        ("changed", Boolean, "before != after (decided rows)"),
        (
            "approximate",
            string_list(),
            "approximations made in mapping the record (empty: exact)",
        ),
        (
            "indeterminate",
            Boolean,
            "a decision hinges on a fact CloudTrail does not record (E-21)",
        ),
        ("observed_error", Utf8, "the record's errorCode"),
        (
            "observed_denied",
            Boolean,
            "the errorCode says access was denied",
        ),
    ]
}

/// The output schema.
pub fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(
        columns()
            .into_iter()
            .map(|(n, t, _)| Field::new(n, t, true))
            .collect::<Vec<_>>(),
    ))
}

/// The output schema as DDL (Spark `mapInArrow`'s schema argument; Hive/Athena column list).
pub const OUTPUT_DDL: &str = "file STRING, position STRING, record_index BIGINT, \
status STRING, reason STRING, event_id STRING, event_time STRING, principal STRING, \
principal_account STRING, actions ARRAY<STRING>, resources ARRAY<STRING>, before STRING, \
before_policy STRING, before_statement INT, before_sid STRING, after STRING, after_policy STRING, \
after_statement INT, after_sid STRING, changed BOOLEAN, approximate ARRAY<STRING>, \
indeterminate BOOLEAN, observed_error STRING, observed_denied BOOLEAN";

#[cfg(test)]
mod tests {
    use super::*;

    fn ddl_type(t: &DataType) -> String {
        match t {
            DataType::Utf8 => "STRING".into(),
            DataType::Int64 => "BIGINT".into(),
            DataType::Int32 => "INT".into(),
            DataType::Boolean => "BOOLEAN".into(),
            DataType::List(f) => format!("ARRAY<{}>", ddl_type(f.data_type())),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn ddl_names_the_schema_columns_in_order() {
        let from_schema: Vec<String> = output_schema()
            .fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), ddl_type(f.data_type())))
            .collect();
        let ddl: Vec<String> = OUTPUT_DDL.split(", ").map(str::to_string).collect();
        assert_eq!(from_schema, ddl);
    }
}
