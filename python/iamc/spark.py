"""iamc on Apache Spark: the audit kernel for ``DataFrame.mapInArrow``, and the summary of
its output computed with Spark.

Example (trail files read whole by the ``binaryFile`` source; no ``spark.read.json``)::

    import iamc, iamc.spark
    image = iamc.image("account-details.json", proposed=["RDSDenyDelete.json"], attach_to=["all"])
    files = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
             .option("pathGlobFilter", iamc.spark.LOG_GLOB).load("s3://trail-bucket/AWSLogs/"))
    rows = files.select("path", "content").mapInArrow(iamc.spark.audit_fn(image), iamc.spark.OUTPUT_DDL)
    rows = iamc.spark.mark_duplicates(rows)
    print(iamc.spark.summary(rows))

Each task loads the image once per partition (a fresh auditor: a retried task decides the same
way) and finds duplicate event ids within its partition; :func:`mark_duplicates` finds those
across partitions, so the counts equal ``iamc audit``'s (which decides each event id once).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List

import pyarrow as pa

import iamc

OUTPUT_DDL: str = iamc.OUTPUT_DDL
"""The kernel's output schema, for ``mapInArrow(fn, OUTPUT_DDL)``."""

LOG_GLOB = "{*.json,*.json.gz,*.jsonl,*.jsonl.gz,*.ndjson,*.ndjson.gz}"
"""The file names ``iamc audit`` reads in a directory, as a ``pathGlobFilter``."""

DUPLICATE = "duplicate event id"
"""The ``reason`` of a duplicate's row (as the kernel writes it)."""

FILE_ERROR = "file_error"
"""The ``status`` of a row that stands for a file error (not a record)."""


def audit_fn(image: bytes) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A function for ``DataFrame.mapInArrow(audit_fn(image), OUTPUT_DDL)``.

    Its input batches hold ``path`` and ``content`` (``binaryFile``; other columns are
    ignored) or ``record`` (JSON-lines records). The image is checked here, on the driver, so
    a bad image fails before any task runs.
    """
    iamc.load(image)

    def audit_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        auditor = iamc.load(image)
        for batch in batches:
            yield auditor.audit(batch)

    return audit_partition


def mark_duplicates(rows: Any) -> Any:
    """Mark as ``not_decided`` / duplicate every row of an event id already seen in an earlier
    (file, position) — what one auditor does within its partition, across partitions. Rows
    without an event id are left alone, as ``iamc audit`` leaves them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keyed = (F.col("event_id").isNotNull()) & (F.col("event_id") != "") & (F.col("status") != "unreadable") & (
        F.col("status") != FILE_ERROR
    )
    first = (
        F.row_number().over(
            Window.partitionBy("event_id").orderBy(F.col("file"), F.col("record_index"), F.col("position"))
        )
        == 1
    )
    # Only rows that are not already duplicates take part in the ranking.
    candidate = keyed & ~((F.col("status") == "not_decided") & (F.col("reason") == DUPLICATE))
    ranked = rows.withColumn("_first", F.when(candidate, first).otherwise(F.lit(True)))
    dup = ~F.col("_first")
    cleared = [
        "principal",
        "actions",
        "resources",
        "before",
        "before_policy",
        "before_statement",
        "before_sid",
        "after",
        "after_policy",
        "after_statement",
        "after_sid",
        "changed",
        "approximate",
        "indeterminate",
        "observed_denied",
    ]
    out = ranked.withColumn("status", F.when(dup, F.lit("not_decided")).otherwise(F.col("status"))).withColumn(
        "reason", F.when(dup, F.lit(DUPLICATE)).otherwise(F.col("reason"))
    )
    for c in cleared:
        out = out.withColumn(c, F.when(dup, F.lit(None)).otherwise(F.col(c)))
    return out.drop("_first")


def _counts(rows: Iterable[Any]) -> Dict[str, int]:
    return {r[0]: r[1] for r in rows}


def summary(rows: Any, top: int = 10) -> Dict[str, Any]:
    """The audit's summary from its output rows, with the keys and meaning of ``iamc audit
    --json``'s: the accounting (``read = decided + unreadable + not decided``, per file),
    decisions before and after, changes, approximations, and the newly denied / newly allowed
    groups by (principal, action) with calls that succeeded apart from calls that had already
    failed. ``top`` caps the groups listed (their full count is given)."""
    from pyspark.sql import functions as F

    rows = rows.cache()
    records = rows.filter(F.col("status") != FILE_ERROR)
    st = _counts(records.groupBy("status").count().collect())
    nd = records.filter(F.col("status") == "not_decided")
    dup = nd.filter(F.col("reason") == DUPLICATE).count()
    decided = records.filter(F.col("status") == "decided")
    kinds = ["allow", "explicit_deny", "implicit_deny", "indeterminate"]
    before = _counts(decided.groupBy("before").count().collect())
    after = _counts(decided.groupBy("after").count().collect())
    changed = decided.filter(F.col("changed"))
    per_file = (
        records.groupBy("file")
        .agg(
            F.count(F.lit(1)).alias("read"),
            F.sum(F.when(F.col("status") == "decided", 1).otherwise(0)).alias("decided"),
            F.sum(F.when(F.col("status") == "unreadable", 1).otherwise(0)).alias("unreadable"),
            F.sum(F.when((F.col("status") == "not_decided") & (F.col("reason") == DUPLICATE), 1).otherwise(0)).alias(
                "duplicate"
            ),
            F.sum(F.when((F.col("status") == "not_decided") & (F.col("reason") != DUPLICATE), 1).otherwise(0)).alias(
                "not_a_request"
            ),
        )
        .orderBy("file")
        .collect()
    )

    def groups(cond: Any) -> Dict[str, Any]:
        g = (
            changed.filter(cond)
            .groupBy("principal", F.col("actions")[0].alias("action"))
            .agg(
                F.count(F.lit(1)).alias("count"),
                F.sum(F.when(~F.col("observed_denied"), 1).otherwise(0)).alias("succeeded"),
                F.sum(F.when(F.col("observed_denied"), 1).otherwise(0)).alias("failed"),
            )
            .orderBy(F.desc("count"), "principal", "action")
        )
        total = g.count()
        listed = [r.asDict() for r in g.limit(top).collect()] if top is not None else [r.asDict() for r in g.collect()]
        return {"groups": total, "listed": listed}

    neither_indeterminate = (F.col("before") != "indeterminate") & (F.col("after") != "indeterminate")
    errors = [r.reason for r in rows.filter(F.col("status") == FILE_ERROR).select("reason").collect()]
    s = {
        "read": sum(st.values()),
        "decided": st.get("decided", 0),
        "unreadable": st.get("unreadable", 0),
        "not_decided": {"duplicate": dup, "not_a_request": st.get("not_decided", 0) - dup},
        "before": {k: before.get(k, 0) for k in kinds},
        "after": {k: after.get(k, 0) for k in kinds},
        "changed": changed.count(),
        "became_indeterminate": changed.filter(F.col("after") == "indeterminate").count(),
        "was_indeterminate": changed.filter(
            (F.col("before") == "indeterminate") & (F.col("after") != "indeterminate")
        ).count(),
        "approximate": decided.filter(F.size("approximate") > 0).count(),
        "files": len(per_file),
        "files_counts": [r.asDict() for r in per_file],
        "newly_denied": groups(neither_indeterminate & (F.col("before") == "allow") & (F.col("after") != "allow")),
        "newly_allowed": groups(neither_indeterminate & (F.col("after") == "allow")),
        "file_errors": errors,
        "file_errors_count": len(errors),
    }
    rows.unpersist()
    return s


def human(s: Dict[str, Any]) -> str:
    """:func:`summary` as text, in ``iamc audit``'s wording."""
    nd = s["not_decided"]
    out: List[str] = [
        f"audit: {s['files']} files, {s['read']} events read",
        f"  read {s['read']} = decided {s['decided']} + unreadable {s['unreadable']} + not decided "
        f"{nd['duplicate'] + nd['not_a_request']} (not a request {nd['not_a_request']}, duplicate {nd['duplicate']})",
        f"  approximate {s['approximate']}",
    ]
    for f in s["files_counts"]:
        out.append(
            f"    {f['file']}: read {f['read']} = decided {f['decided']} + unreadable {f['unreadable']} + "
            f"not a request {f['not_a_request']} + duplicate {f['duplicate']}"
        )
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
    out.append(f"  decisions now:         {fmt(s['before'])}")
    out.append(f"  decisions with change: {fmt(s['after'])}")
    out.append(f"  changed {s['changed']}")
    for name in ("newly_denied", "newly_allowed"):
        g = s[name]
        out.append(f"  {name.replace('_', ' ')}: {g['groups']} groups (principal, action)")
        for r in g["listed"]:
            out.append(
                f"    {r['principal']}  {r['action']}  {r['count']} events "
                f"(succeeded {r['succeeded']}, already failed {r['failed']})"
            )
        if g["groups"] > len(g["listed"]):
            out.append(f"    … {g['groups'] - len(g['listed'])} more groups")
    for e in s["file_errors"]:
        out.append(f"  file error: {e}")
    return "\n".join(out)


def athena_ddl(table: str, location: str) -> str:
    """``CREATE EXTERNAL TABLE`` for the job's Parquet output (partitioned by ``day``), and
    the statement that loads its partitions."""
    cols = []
    for part in OUTPUT_DDL.split(", "):
        name, typ = part.split(" ", 1)
        cols.append(f"  `{name}` {typ.lower()}")
    loc = location if location.endswith("/") else location + "/"
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {table} (\n"
        + ",\n".join(cols)
        + f"\n)\nPARTITIONED BY (`day` string)\nSTORED AS PARQUET\nLOCATION '{loc}';\n"
        + f"MSCK REPAIR TABLE {table};"
    )
