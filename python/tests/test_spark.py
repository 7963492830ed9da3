"""The Spark job for real: `python -m iamc.spark_audit` in `local[2]` over the shared trail
corpus with a proposed change; its summary equals `iamc audit --json`'s on the same inputs,
its Parquet output holds the CLI's decisions event for event, and read = decided + unreadable
+ not decided. Skipped only when IAMC_SKIP_SPARK=1 (CI never sets it)."""

import glob
import json
import os
import sys
import time

import pyarrow.dataset as ds
import pytest

from conftest import AUDIT, CHANGE, SHARED, run

pytestmark = pytest.mark.skipif(os.environ.get("IAMC_SKIP_SPARK") == "1", reason="IAMC_SKIP_SPARK=1")

LOGS = SHARED / "corpus" / "cloudtrail"


@pytest.fixture(scope="module")
def both(iamc_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark") / "audit"
    args = ["--account-details", AUDIT / "account-details.json", "--proposed", *CHANGE, "--attach-to", "all"]
    t = time.monotonic()
    cli = run([iamc_bin, "audit", *args, "--logs", LOGS, "--json", "--no-progress"])
    cli_s = time.monotonic() - t
    # The change denies calls that succeeded: exit status 1 (changed decisions), as the job's.
    assert cli.returncode == 1, cli.stderr
    lines = [json.loads(l) for l in cli.stdout.splitlines()]
    t = time.monotonic()
    job = run([sys.executable, "-m", "iamc.spark_audit", "--master", "local[2]", *args, "--logs", LOGS,
               "--out", out, "--json"], timeout=600)
    job_s = time.monotonic() - t
    assert job.returncode == cli.returncode, job.stderr[-4000:]
    spark = json.loads(job.stdout.splitlines()[-1])["summary"]
    cli_sum = lines[-1]["summary"]
    print(f"\nfigures: iamc audit {cli_sum['read']} events in {cli_s:.2f}s wall "
          f"({cli_sum['read'] / cli_s:.0f} events/s, its own timer {cli_sum['events_per_second']:.0f}); "
          f"Spark local[2] job {job_s:.1f}s wall, audit+write {spark['audit_seconds']:.1f}s "
          f"({spark['read'] / spark['audit_seconds']:.0f} events/s)")
    return cli_sum, lines[:-1], spark, job, out


def test_summary_equals_the_cli(both):
    cli, _, spark, job, _ = both
    assert spark["read"] == spark["decided"] + spark["unreadable"] + sum(spark["not_decided"].values())
    for k in ["read", "decided", "unreadable", "before", "after", "changed", "approximate",
              "became_indeterminate", "was_indeterminate", "files", "file_errors_count"]:
        assert spark[k] == cli[k], k
    assert spark["not_decided"] == {"duplicate": cli["not_decided"]["duplicate"],
                                    "not_a_request": cli["not_decided"]["not_a_request"]}
    base = lambda p: os.path.basename(p)  # noqa: E731
    want = {base(f["file"]): (f["read"], f["decided"], f["unreadable"], f["not_a_request"], f["duplicate"])
            for f in cli["files_counts"]}
    got = {base(f["file"]): (f["read"], f["decided"], f["unreadable"], f["not_a_request"], f["duplicate"])
           for f in spark["files_counts"]}
    assert got == want
    for name in ["newly_denied", "newly_allowed"]:
        assert spark[name]["groups"] == len(cli[name])
        top = {(g["principal"], g["action"]): (g["count"], g["succeeded"]["count"], g["failed"]["count"])
               for g in cli[name]}
        for g in spark[name]["listed"]:
            assert top[(g["principal"], g["action"])] == (g["count"], g["succeeded"], g["failed"])
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS iamc_audit" in job.stdout
    assert "PARTITIONED BY (`day` string)" in job.stdout


def test_parquet_holds_the_clis_decisions_event_for_event(both):
    cli, events, spark, _, out = both
    t = ds.dataset(str(out), format="parquet", partitioning="hive").to_table(
        columns=["status", "event_id", "before", "after", "after_policy", "after_sid", "day", "event_time"])
    assert t.num_rows == cli["read"]
    want = {}
    for v in events:
        a = v["after_by"] or {}
        want.setdefault(v["event_id"], []).append((v["before"], v["after"], a.get("policy"), a.get("sid")))
    got = {}
    for r in t.to_pylist():
        if r["status"] == "decided":
            got.setdefault(r["event_id"], []).append((r["before"], r["after"], r["after_policy"], r["after_sid"]))
        if r["event_time"]:
            assert str(r["day"]) == r["event_time"][:10]
    assert got == want
    days = glob.glob(os.path.join(str(out), "day=*"))
    assert len(days) >= 2, days
