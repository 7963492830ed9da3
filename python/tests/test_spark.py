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
TOP = 25  # groups listed per table, by both (the CLI's --json lists all)


@pytest.fixture(scope="module")
def both(iamc_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark") / "audit"
    args = ["--account-details", AUDIT / "account-details.json", "--proposed", *CHANGE, "--attach-to", "all"]
    t = time.monotonic()
    cli = run([iamc_bin, "audit", *args, "--logs", LOGS, "--json", "--no-progress", "--top", str(TOP)])
    cli_s = time.monotonic() - t
    # The change denies calls that succeeded: exit status 1 (changed decisions), as the job's.
    assert cli.returncode == 1, cli.stderr
    lines = [json.loads(l) for l in cli.stdout.splitlines()]
    t = time.monotonic()
    job = run([sys.executable, "-m", "iamc.spark_audit", "--master", "local[2]", *args, "--logs", LOGS,
               "--out", out, "--json", "--top", str(TOP)], timeout=600)
    job_s = time.monotonic() - t
    assert job.returncode == cli.returncode, job.stderr[-4000:]
    spark = json.loads(job.stdout.splitlines()[-1])["summary"]
    cli_sum = lines[-1]["summary"]
    print(f"\nfigures: iamc audit {cli_sum['read']} events in {cli_s:.2f}s wall "
          f"({cli_sum['read'] / cli_s:.0f} events/s, its own timer {cli_sum['events_per_second']:.0f}); "
          f"Spark local[2] job {job_s:.1f}s wall, audit+write {spark['audit_seconds']:.1f}s "
          f"({spark['read'] / spark['audit_seconds']:.0f} events/s)")
    return cli_sum, lines[:-1], spark, job, out, cli.stderr


def assert_part(s, c, key):
    """A group's part (calls that succeeded, or had already failed) as the CLI's."""
    for k in ["count", "approximate", "decided_by", "first_seen", "last_seen", "example"]:
        assert s[k] == c[k], (key, k)
    assert s["other_resources"] == 0 and s["distinct_resources_kept"] == s["distinct_resources"], key
    if c["other_resources"] == 0:
        # The CLI kept every distinct resource: the same top list and count.
        assert (s["top_resources"], s["distinct_resources"]) == (c["top_resources"], c["distinct_resources_kept"]), key
    else:
        # The CLI kept the first 64 distinct resources it met; Spark counts them all.
        assert s["distinct_resources"] > c["distinct_resources_kept"], key
        assert sum(r["count"] for r in s["top_resources"]) >= sum(r["count"] for r in c["top_resources"]), key
    assert len(s["top_resources"]) == min(5, s["distinct_resources"]), key


def human_key_lines(text, cli):
    """The lines of `iamc audit`'s human summary the job prints the same: the counts (not the
    time or the file paths), decisions, groups with their deciding statement, first/last seen
    and example, and their resources where the CLI kept every distinct one."""
    capped = {(g["principal"], g["action"], part) for g in cli["newly_denied"] + cli["newly_allowed"]
              for part in ["succeeded", "failed"] if g[part]["other_resources"]}
    part, group, out = None, None, []
    for line in text.splitlines():
        if line.startswith("  current decision vs CloudTrail"):
            break  # the matrix and service principals: not in the job's summary
        if line.startswith("audit:") or (line.startswith("    ") and ": read " in line):
            continue  # the time; the files' paths (the job's are URIs)
        if line.startswith("  newly "):
            part = "failed" if "already failed" in line else "succeeded"
        elif line.startswith("    arn:") or (line.startswith("    ") and "  " in line.strip() and " events" in line):
            p, a = line.strip().split("  ")[:2]
            group = (p, a, part)
        elif line.startswith("      resources:") and group in capped:
            continue
        elif line.startswith("    … ") and "more groups" in line:
            line = line.split(" more groups")[0]
        out.append(line)
    return out


def test_human_summary_has_the_clis_lines(both):
    cli, _, _, job, _, cli_text = both
    want = human_key_lines(cli_text, cli)
    assert len(want) > 3 * TOP, want
    got = human_key_lines(job.stderr, cli)
    # In the same order; Spark's log lines may come between.
    it = iter(got)
    missing = [w for w in want if not any(g == w for g in it)]
    assert not missing, missing[:5]


def test_summary_equals_the_cli(both):
    cli, _, spark, job, _, _ = both
    nd = spark["not_decided"]
    assert spark["read"] == spark["decided"] + spark["unreadable"] + nd["duplicate"] + nd["not_a_request"]
    assert nd["not_a_request"] == sum(nd["not_a_request_by_event_type"].values())
    for k in ["read", "decided", "unreadable", "before", "after", "changed", "approximate",
              "became_indeterminate", "was_indeterminate", "files", "file_errors_count"]:
        assert spark[k] == cli[k], k
    assert spark["not_decided"] == cli["not_decided"]
    base = lambda p: os.path.basename(p)  # noqa: E731
    want = {base(f["file"]): (f["read"], f["decided"], f["unreadable"], f["not_a_request"], f["duplicate"])
            for f in cli["files_counts"]}
    got = {base(f["file"]): (f["read"], f["decided"], f["unreadable"], f["not_a_request"], f["duplicate"])
           for f in spark["files_counts"]}
    assert got == want
    # What the CLI's summary holds beyond the counts: approximations by reason, E-20, the IAM
    # principals' accounts and the warnings (computed by the audit's own code from them).
    for k in ["approximate_by", "allowed_by_e20", "principal_accounts", "account_warning", "warnings",
              "opaque_statements", "unreadable_records", "unreadable_records_omitted", "file_errors_omitted"]:
        assert spark[k] == cli[k], k
    # The groups: the first TOP in the CLI's order, every per-group field equal.
    for name in ["newly_denied", "newly_allowed"]:
        assert spark[name]["groups"] == len(cli[name])
        assert len(spark[name]["listed"]) == min(TOP, len(cli[name]))
        for s, c in zip(spark[name]["listed"], cli[name]):
            key = (c["principal"], c["action"])
            assert (s["principal"], s["action"], s["count"], s["example"]) == (*key, c["count"], c["example"]), key
            for part in ["succeeded", "failed"]:
                assert_part(s[part], c[part], key + (part,))
        # Per part (the human summary's two lists): the groups with such calls, by their events.
        for part in ["succeeded", "failed"]:
            want = sorted((g for g in cli[name] if g[part]["count"] > 0),
                          key=lambda g: (-g[part]["count"], g["principal"], g["action"]))
            assert spark[name][part]["groups"] == len(want)
            got = spark[name][part]["listed"]
            assert len(got) == min(TOP, len(want))
            for s, c in zip(got, want):
                assert (s["principal"], s["action"]) == (c["principal"], c["action"])
                assert_part(s, c[part], (c["principal"], c["action"], part))
    assert spark["newly_denied"]["groups"] > TOP, "the corpus has more groups than listed: the cap is tested"
    assert any(g["succeeded"]["other_resources"] for g in cli["newly_denied"][:TOP])
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS iamc_audit" in job.stdout
    assert "PARTITIONED BY (`day` string)" in job.stdout


def test_parquet_holds_the_clis_decisions_event_for_event(both):
    cli, events, spark, _, out, _ = both
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
