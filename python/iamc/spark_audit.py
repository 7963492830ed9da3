"""The audit as a Spark job::

    python -m iamc.spark_audit --account-details details.json --logs s3://bucket/AWSLogs/ \\
        --proposed RDSDenyDelete.json --attach-to all --out s3://bucket/iamc-audit/

Reads trail files with the ``binaryFile`` source (recursive; ``*.json[.gz]``,
``*.jsonl[.gz]``, ``*.ndjson[.gz]``), decides them with the audit kernel
(``iamc.spark.audit_fn``) in ``mapInArrow``, marks duplicate event ids across partitions,
writes Parquet partitioned by ``day`` (the event's date; ``unknown`` for rows without one),
prints the summary (``iamc audit``'s: the accounting, decisions, the newly denied / newly
allowed groups with their per-group details, and its warnings; ``--json``: as one JSON object,
last on stdout) and an Athena ``CREATE TABLE`` for the output. Exit status as
``iamc audit``'s: 0, 1 for changed decisions, 2 for input that cannot be used (3: the counts
do not add up, a bug).

The options ``--account-details``, ``--proposed``, ``--attach-to``, ``--replace``,
``--proposed-scp``, ``--scp``, ``--resource-policies`` and ``--service-reference`` are
``iamc audit``'s. ``--master`` sets the Spark master (default: what ``spark-submit`` or the
environment gives, else ``local[*]``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import List, Optional

import iamc
import iamc.spark as isp


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m iamc.spark_audit", description=__doc__.split("\n\n")[0])
    p.add_argument("--account-details", required=True)
    p.add_argument("--logs", required=True, nargs="+", help="files or directories, local or s3://…")
    p.add_argument("--out", required=True, help="where the Parquet output goes (replaced)")
    p.add_argument("--proposed", nargs="*", default=[])
    p.add_argument("--attach-to", nargs="*", default=[])
    p.add_argument("--replace")
    p.add_argument("--proposed-scp", nargs="*", default=[])
    p.add_argument("--scp", action="append", default=[])
    p.add_argument("--resource-policies")
    p.add_argument("--service-reference")
    p.add_argument("--max-record-bytes", type=int)
    p.add_argument("--master")
    p.add_argument("--json", action="store_true", help="print the summary as JSON, last on stdout")
    p.add_argument("--top", type=int, default=10,
                   help="groups listed per newly denied / newly allowed table, in the text and the JSON (full counts given)")
    p.add_argument("--all-groups", action="store_true", help="list every group (overrides --top)")
    p.add_argument("--table", default="iamc_audit", help="the Athena table's name")
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    a = parse(argv)
    try:
        image = iamc.image(
            a.account_details,
            proposed=a.proposed,
            attach_to=a.attach_to,
            replace=a.replace,
            proposed_scp=a.proposed_scp,
            scp=a.scp,
            resource_policies=a.resource_policies,
            service_reference=a.service_reference,
            max_record_bytes=a.max_record_bytes,
        )
    except iamc.IamcError as e:
        print(f"iamc: {e}", file=sys.stderr)
        return 2

    # The executors' Python is this one unless the environment says otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    b = SparkSession.builder.appName("iamc-audit")
    if a.master:
        b = b.master(a.master)
    spark = b.getOrCreate()
    start = time.monotonic()
    files = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", isp.LOG_GLOB)
        .load(a.logs)
        .select("path", "content")
    )
    rows = isp.mark_duplicates(files.mapInArrow(isp.audit_fn(image), isp.OUTPUT_DDL))
    day = F.coalesce(F.substring(F.col("event_time"), 1, 10), F.lit("unknown"))
    rows.withColumn("day", day).write.mode("overwrite").partitionBy("day").parquet(a.out)
    audit_seconds = time.monotonic() - start
    written = spark.read.parquet(a.out)
    s = isp.summary(written, top=None if a.all_groups else a.top, image=image)
    s["seconds"] = time.monotonic() - start
    s["events_per_second"] = s["read"] / max(s["seconds"], 1e-9)
    # Reading, deciding and writing, without the summary's queries.
    s["audit_seconds"] = audit_seconds
    print(isp.human(s), file=sys.stderr)
    print(f"  {s['read']} events in {s['seconds']:.1f}s ({s['events_per_second']:.0f} events/s, Spark)", file=sys.stderr)
    print(isp.athena_ddl(a.table, a.out))
    if a.json:
        print(json.dumps({"summary": s}, sort_keys=True))
    spark.stop()
    nd = s["not_decided"]
    adds_up = s["read"] == s["decided"] + s["unreadable"] + nd["duplicate"] + nd["not_a_request"]
    if not adds_up:
        print("iamc: the counts do not add up (a bug)", file=sys.stderr)
        return 3
    # `iamc audit`'s exit status: 2 for input that cannot be used (unreadable records, file
    # errors), 1 for changed decisions (newly denied or newly allowed calls), else 0.
    if s["unreadable"] or s["file_errors_count"]:
        return 2
    return 1 if s["newly_denied"]["groups"] or s["newly_allowed"]["groups"] else 0


if __name__ == "__main__":
    sys.exit(main())
