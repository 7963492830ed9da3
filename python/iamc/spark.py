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

from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

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
        "principal_account",
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


MAX_LISTED = 1000
"""Unreadable records and file errors listed in the summary (``iamc audit``'s cap); the full
counts and how many were left out are given."""

TOP_RESOURCES = 5
"""Resources listed per group part, most frequent first (``iamc audit --json``'s)."""

_PART_KEYS = ["principal", "action", "part"]


def _empty_part() -> Dict[str, Any]:
    return {
        "count": 0,
        "approximate": 0,
        "decided_by": None,
        "top_resources": [],
        "distinct_resources": 0,
        "distinct_resources_kept": 0,
        "other_resources": 0,
        "first_seen": "",
        "last_seen": "",
        "example": "",
    }


def _part_dict(r: Any) -> Dict[str, Any]:
    """One part row (see :func:`_parts`) as ``iamc audit --json``'s part object."""
    by = r["_by"]
    res = sorted(r["_top"] or [], key=lambda x: x["rank"])
    distinct = r["distinct_resources"] or 0
    return {
        "count": r["count"],
        "approximate": r["approximate"],
        "decided_by": {"policy": by["policy"], "statement": by["statement"], "sid": by["sid"]} if by else None,
        "top_resources": [{"resource": x["resource"], "count": x["count"]} for x in res],
        # Spark keeps every distinct resource (the CLI the first 64 it meets): the top list
        # is exact and nothing is left out.
        "distinct_resources": distinct,
        "distinct_resources_kept": distinct,
        "other_resources": 0,
        "first_seen": r["first_seen"] or "",
        "last_seen": r["last_seen"] or "",
        "example": r["_ex"]["event_id"] if r["_ex"] else "",
    }


def _parts(table: Any) -> Any:
    """Per (principal, action, part) — ``part`` is ``succeeded`` or ``failed`` (CloudTrail
    recorded AccessDenied) — what ``iamc audit`` keeps per group: events, approximate ones,
    the first event's id (in (file, record) order, as the CLI reads files), the statement
    deciding after the change of the first event that names one, first and last time seen,
    the most frequent resources and how many distinct ones."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keyed = table.select(
        "principal",
        F.col("actions")[0].alias("action"),
        F.when(F.col("observed_denied"), F.lit("failed")).otherwise(F.lit("succeeded")).alias("part"),
        "file",
        "record_index",
        "event_id",
        "event_time",
        "resources",
        "approximate",
        "after_policy",
        "after_statement",
        "after_sid",
    )
    first = lambda cond, *cols: F.min(F.when(cond, F.struct("file", "record_index", *cols)))  # noqa: E731
    parts = keyed.groupBy(*_PART_KEYS).agg(
        F.count(F.lit(1)).alias("count"),
        F.sum(F.when(F.size("approximate") > 0, 1).otherwise(0)).alias("approximate"),
        first(F.col("event_id").isNotNull() & (F.col("event_id") != ""), "event_id").alias("_ex"),
        first(
            F.col("after_policy").isNotNull(),
            F.col("after_policy").alias("policy"),
            F.col("after_statement").alias("statement"),
            F.col("after_sid").alias("sid"),
        ).alias("_by"),
        F.min(F.when(F.col("event_time") != "", F.col("event_time"))).alias("first_seen"),
        F.max(F.when(F.col("event_time") != "", F.col("event_time"))).alias("last_seen"),
    )
    per_resource = (
        keyed.select(*_PART_KEYS, F.explode("resources").alias("resource")).groupBy(*_PART_KEYS, "resource").count()
    )
    w = Window.partitionBy(*_PART_KEYS).orderBy(F.desc("count"), F.asc("resource"))
    top = (
        per_resource.withColumn("rank", F.row_number().over(w))
        .filter(F.col("rank") <= TOP_RESOURCES)
        .groupBy(*_PART_KEYS)
        .agg(F.collect_list(F.struct("rank", "resource", "count")).alias("_top"))
    )
    distinct = per_resource.groupBy(*_PART_KEYS).agg(F.count(F.lit(1)).alias("distinct_resources"))
    return parts.join(top, _PART_KEYS, "left").join(distinct, _PART_KEYS, "left")


def _groups(table: Any, top: Optional[int]) -> Dict[str, Any]:
    """A newly denied / newly allowed table as ``iamc audit --json`` gives it, capped at
    ``top`` groups (``groups`` is the full count): ``listed`` by events, then (principal,
    action), each with its succeeded and failed parts; and per part (``succeeded``,
    ``failed``) the groups that have such calls, by the part's events (the human summary's
    two lists), with their full counts."""
    from pyspark.sql import functions as F

    parts = _parts(table).cache()
    totals = parts.groupBy("principal", "action").agg(F.sum("count").alias("count"))
    order = [F.desc("count"), F.asc("principal"), F.asc("action")]
    total = totals.count()
    ordered = totals.orderBy(*order)
    listed_keys = (ordered.limit(top) if top is not None else ordered).cache()
    keys = [(r["principal"], r["action"], r["count"]) for r in listed_keys.collect()]
    found: Dict[Any, Dict[str, Any]] = {}
    for r in parts.join(listed_keys.select("principal", "action"), ["principal", "action"]).collect():
        found.setdefault((r["principal"], r["action"]), {})[r["part"]] = _part_dict(r)
    listed_keys.unpersist()
    listed = []
    for p, a, n in keys:
        ps = found.get((p, a), {})
        succ, fail = ps.get("succeeded", _empty_part()), ps.get("failed", _empty_part())
        listed.append(
            {
                "principal": p,
                "action": a,
                "count": n,
                "example": succ["example"] or fail["example"],
                "succeeded": succ,
                "failed": fail,
            }
        )
    out: Dict[str, Any] = {"groups": total, "listed": listed}
    for name in ("succeeded", "failed"):
        q = parts.filter(F.col("part") == name)
        n = q.count()
        q = q.orderBy(*order)
        rows = (q.limit(top) if top is not None else q).collect()
        out[name] = {
            "groups": n,
            "listed": [{"principal": r["principal"], "action": r["action"], **_part_dict(r)} for r in rows],
        }
    parts.unpersist()
    return out


def summary(rows: Any, top: Optional[int] = 10, image: Optional[bytes] = None) -> Dict[str, Any]:
    """The audit's summary from its output rows, with the keys and meaning of ``iamc audit
    --json``'s: the accounting (``read = decided + unreadable + not decided``, per file, not
    a request by event type), decisions before and after, changes, approximations (by
    reason), calls allowed by E-20, the IAM principals' accounts, and the newly denied / newly
    allowed groups by (principal, action), each with the calls that succeeded apart from
    those that had already failed: events, approximate ones, the statement deciding after the
    change, the most frequent resources, first and last time seen, an example event id.
    ``top`` caps the groups listed (``None``: all; the full counts are given). The unreadable
    records and file errors listed are the first :data:`MAX_LISTED` (counts given).

    With ``image`` (the audit image the rows were decided with), also ``iamc audit``'s
    warnings, computed by the audit's own code: ``account_warning`` (the decided calls' IAM
    principals are not, or not all, of the snapshot's accounts), ``warnings`` (the
    snapshot's and the compiler's) and ``opaque_statements``."""
    from pyspark.sql import functions as F

    rows = rows.cache()
    records = rows.filter(F.col("status") != FILE_ERROR)
    st = _counts(records.groupBy("status").count().collect())
    nd = records.filter(F.col("status") == "not_decided")
    dup = nd.filter(F.col("reason") == DUPLICATE).count()
    by_type = _counts(
        nd.filter(F.col("reason") != DUPLICATE)
        .groupBy(F.regexp_extract("reason", r"\(eventType (.*)\)$", 1).alias("t"))
        .count()
        .collect()
    )
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
    approx = _counts(decided.select(F.explode("approximate").alias("a")).groupBy("a").count().collect())
    accounts = _counts(decided.filter(F.col("principal_account").isNotNull()).groupBy("principal_account").count().collect())
    # An entry per unreadable place (the rest of a broken file is one entry for its records).
    unreadable = records.filter(F.col("status") == "unreadable")
    unreadable_list = [
        {"file": r["file"], "position": r["position"], "reason": r["reason"], "records": r["records"]}
        for r in unreadable.groupBy("file", "position", "reason")
        .agg(F.count(F.lit(1)).alias("records"), F.min("record_index").alias("i"))
        .orderBy("file", "i", "position")
        .limit(MAX_LISTED)
        .collect()
    ]
    errors_q = rows.filter(F.col("status") == FILE_ERROR)
    errors_count = errors_q.count()
    errors = [r.reason for r in errors_q.select("reason").orderBy("file", "reason").limit(MAX_LISTED).collect()]

    neither_indeterminate = (F.col("before") != "indeterminate") & (F.col("after") != "indeterminate")
    s: Dict[str, Any] = {
        "read": sum(st.values()),
        "decided": st.get("decided", 0),
        "unreadable": st.get("unreadable", 0),
        "not_decided": {
            "duplicate": dup,
            "not_a_request": st.get("not_decided", 0) - dup,
            "not_a_request_by_event_type": by_type,
        },
        "before": {k: before.get(k, 0) for k in kinds},
        "after": {k: after.get(k, 0) for k in kinds},
        "changed": changed.count(),
        "became_indeterminate": changed.filter(F.col("after") == "indeterminate").count(),
        "was_indeterminate": changed.filter(
            (F.col("before") == "indeterminate") & (F.col("after") != "indeterminate")
        ).count(),
        "approximate": decided.filter(F.size("approximate") > 0).count(),
        "approximate_by": {a: approx.get(a, 0) for a in iamc.APPROXIMATIONS},
        "allowed_by_e20": decided.filter(F.col("after_policy") == iamc.E20_RULE).count(),
        "principal_accounts": accounts,
        "files": len(per_file),
        "files_counts": [r.asDict() for r in per_file],
        "newly_denied": _groups(
            changed.filter(neither_indeterminate & (F.col("before") == "allow") & (F.col("after") != "allow")), top
        ),
        "newly_allowed": _groups(changed.filter(neither_indeterminate & (F.col("after") == "allow")), top),
        "unreadable_records": unreadable_list,
        "unreadable_records_omitted": st.get("unreadable", 0) - sum(u["records"] for u in unreadable_list),
        "file_errors": errors,
        "file_errors_count": errors_count,
        "file_errors_omitted": errors_count - len(errors),
        "top": top,
    }
    if image is not None:
        warnings, account_warning, catalog, change = iamc.load(image).report_facts(accounts)
        s["warnings"] = warnings
        s["account_warning"] = account_warning
        s["opaque_statements"] = sum(1 for w in warnings if "opaque statement" in w)
        s["catalog"] = catalog
        s["change"] = change
    rows.unpersist()
    return s


def _deciding_text(d: Optional[Dict[str, Any]]) -> str:
    if d is None:
        return "no statement applies (implicit)"
    sid = f" (Sid {d['sid']})" if d["sid"] is not None else ""
    return f"{d['policy']} statement {d['statement']}{sid}"


def human(s: Dict[str, Any]) -> str:
    """:func:`summary` as text, in ``iamc audit``'s wording (its lines, without the time)."""
    nd = s["not_decided"]
    out: List[str] = []
    if s.get("account_warning"):
        out.append(f"WARNING: {s['account_warning']}")
    out += [
        f"audit: {s['files']} files, {s['read']} events read",
        f"  read {s['read']} = decided {s['decided']} + unreadable {s['unreadable']} + not decided "
        f"{nd['duplicate'] + nd['not_a_request']} (not a request {nd['not_a_request']}, duplicate {nd['duplicate']})",
        f"  approximate {s['approximate']}",
    ]
    if len(s["files_counts"]) > 1:
        for f in s["files_counts"][:20]:
            out.append(
                f"    {f['file']}: read {f['read']} = decided {f['decided']} + unreadable {f['unreadable']} + "
                f"not a request {f['not_a_request']} + duplicate {f['duplicate']}"
            )
        if len(s["files_counts"]) > 20:
            out.append(f"    … {len(s['files_counts']) - 20} more files (all in --json)")
    for a, n in s.get("approximate_by", {}).items():
        if n:
            out.append(f"    {a:<18} {n}")
    if s.get("catalog") is False:
        out.append("    (no --service-reference: actions were not checked)")
    if s.get("allowed_by_e20"):
        out.append(f"  sts:GetCallerIdentity allowed by the built-in rule E-20: {s['allowed_by_e20']}")
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
    out.append(f"  decisions now:         {fmt(s['before'])}")
    if s.get("change") is False:
        out.append("  no change given (--proposed/--attach-to, --proposed-scp, --proposed-rcp)")
    else:
        out.append(f"  decisions with change: {fmt(s['after'])}")
        out.append(f"  changed {s['changed']}")
        if s["became_indeterminate"] + s["was_indeterminate"] > 0:
            out.append(
                "  of which indeterminate (E-21: depends on facts the logs do not hold, such as resource tags, "
                f"or on opaque statements): {s['became_indeterminate']} became indeterminate, "
                f"{s['was_indeterminate']} became determinate"
            )
        for name in ("newly_denied", "newly_allowed"):
            title = name.replace("_", " ")
            g = s[name]
            if not g["groups"]:
                out.append(f"  {title}: none")
                continue
            for part, what in (
                ("succeeded", "calls that succeeded"),
                ("failed", "calls that had already failed (AccessDenied)"),
            ):
                p = g[part]
                if not p["groups"]:
                    out.append(f"  {title}, {what}: none")
                    continue
                out.append(f"  {title}, {what}: {p['groups']} groups (principal, action)")
                for r in p["listed"]:
                    approx = f", {r['approximate']} approximate" if r["approximate"] else ""
                    out.append(f"    {r['principal']}  {r['action']}  {r['count']} events{approx}")
                    out.append(f"      decided after the change by: {_deciding_text(r['decided_by'])}")
                    res = ", ".join(f"{x['resource']} ({x['count']})" for x in r["top_resources"][:3])
                    more = ", …" if r["distinct_resources"] > 3 else ""
                    out.append(f"      resources: {res}{more}")
                    out.append(f"      first {r['first_seen']}  last {r['last_seen']}  example {r['example']}")
                if p["groups"] > len(p["listed"]):
                    out.append(f"    … {p['groups'] - len(p['listed'])} more groups (--top N or --all-groups)")
    shown = s.get("unreadable_records", [])[:20]
    for u in shown:
        out.append(f"  unreadable: {u['file']}: {u['position']}: {u['reason']}")
    shown_records = sum(u["records"] for u in shown)
    if s["unreadable"] > shown_records:
        listed = len(s.get("unreadable_records", []))
        where = "all listed in --json" if listed < MAX_LISTED else f"first {MAX_LISTED} in --json"
        out.append(f"  … {s['unreadable'] - shown_records} more unreadable records ({where})")
    if s["file_errors_count"]:
        out.append(f"  {s['file_errors_count']} file errors:")
    for e in s["file_errors"][:20]:
        out.append(f"  file error: {e}")
    if s["file_errors_count"] > min(len(s["file_errors"]), 20):
        where = "all listed in --json" if len(s["file_errors"]) < MAX_LISTED else f"first {MAX_LISTED} in --json"
        out.append(f"  … {s['file_errors_count'] - min(len(s['file_errors']), 20)} more file errors ({where})")
    if s.get("opaque_statements"):
        out.append(
            "  opaque statements (G-21, read leniently; decisions they could change are indeterminate): "
            f"{s['opaque_statements']}"
        )
    warnings = s.get("warnings") or []
    for w in warnings[:20]:
        out.append(f"  warning: {w}")
    if len(warnings) > 20:
        out.append(f"  … {len(warnings) - 20} more warnings (all listed in --json)")
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
