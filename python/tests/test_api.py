"""The Python API against the CLI: `compile`/`PolicySet.evaluate` decide every request of the
spec cases as `iamc eval` does (decision and deciding statement), `Auditor.audit` decides the
shared trail corpus as `iamc audit` does (event for event, same summary), and errors carry the
CLI's messages."""

import glob
import json
import pathlib

import pyarrow as pa
import pytest

import iamc
from conftest import AUDIT, CHANGE, SHARED, run

POLICY_FIELDS = [
    "identity_policies",
    "resource_policy",
    "permission_boundaries",
    "permission_boundary",
    "session_policy",
    "scps",
    "rcps",
]

CASES = sorted(glob.glob(str(SHARED / "spec" / "cases" / "*.json")))


def cli_decisions(iamc_bin, path):
    out = run([iamc_bin, "eval", "--scenarios", path, "--engine", "compiled"])
    got = {}
    for line in out.stdout.splitlines():
        v = json.loads(line)
        if "summary" in v:
            continue
        d = v.get("deciding") or {}
        got[(v["scenario"], v["index"])] = (v["decision"], d.get("name"), d.get("statement"), d.get("sid"))
    return got


def compile_scenario(path, si, scenario, request, ri):
    """The request's policies (a request-level field replaces the scenario's; null removes
    it), named as the CLI names them."""
    fields = {}
    where = {}
    for f in POLICY_FIELDS:
        if f in scenario:
            fields[f], where[f] = scenario[f], f"scenarios[{si}]"
        if f in request:
            fields[f], where[f] = request[f], f"scenarios[{si}].requests[{ri}]"
    name = lambda f, *ix: f"{path}: {where[f]}.{f}" + "".join(f"[{i}]" for i in ix)  # noqa: E731
    doc = lambda d: d if isinstance(d, str) else json.dumps(d)  # noqa: E731
    boundaries = fields.get("permission_boundaries") or []
    bname = "permission_boundaries"
    if fields.get("permission_boundary") is not None:
        boundaries, bname = [fields["permission_boundary"]], "permission_boundary"
    return iamc.compile(
        [(name("identity_policies", j), doc(d)) for j, d in enumerate(fields.get("identity_policies") or [])],
        boundaries=[
            ((name(bname, j) if bname == "permission_boundaries" else name(bname)), doc(d))
            for j, d in enumerate(boundaries)
        ],
        scps=[[(name("scps", l, j), doc(d)) for j, d in enumerate(level)] for l, level in enumerate(fields.get("scps") or [])],
        rcps=[[(name("rcps", l, j), doc(d)) for j, d in enumerate(level)] for l, level in enumerate(fields.get("rcps") or [])],
        resource_policy=(name("resource_policy"), doc(fields["resource_policy"])) if fields.get("resource_policy") is not None else None,
        session_policy=(name("session_policy"), doc(fields["session_policy"])) if fields.get("session_policy") is not None else None,
        management_account=scenario.get("management_account"),
        rcp_services=scenario.get("rcp_services"),
    )


@pytest.mark.parametrize("path", CASES, ids=[pathlib.Path(c).name for c in CASES])
def test_spec_cases_decide_as_the_cli(iamc_bin, path):
    want = cli_decisions(iamc_bin, path)
    assert want, f"{path}: the CLI decided nothing"
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    got = {}
    for si, s in enumerate(doc["scenarios"]):
        for ri, r in enumerate(s["requests"]):
            ps = compile_scenario(path, si, s, r, ri)
            d = ps.evaluate(
                r["principal"],
                r["action"],
                r.get("resource", "*"),
                context=r.get("context") or {},
                resource_account=r.get("resource_account"),
            )
            got[(s.get("name", f"scenarios[{si}]"), ri)] = (d.decision, d.policy, d.statement, d.sid)
            if "expect" in r:
                assert d == r["expect"], f"{s.get('name')} request {ri}: {d!r}"
    assert got == want


def test_compile_errors_are_the_clis(iamc_bin, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}')
    cli = run([iamc_bin, "compile", bad, "-o", tmp_path / "out.iamc"])
    assert cli.returncode != 0
    with pytest.raises(iamc.CompileError) as e:
        iamc.compile([(str(bad), bad.read_text())])
    first = str(e.value).splitlines()[0]
    assert first in cli.stderr, f"{first!r} not in {cli.stderr!r}"
    # A path is read and named by its path.
    with pytest.raises(iamc.CompileError, match="bad.json"):
        iamc.compile([bad])


def test_evaluate_context_and_deciding_statement():
    ps = iamc.compile(
        [
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                    {
                        "Sid": "NoMfaNoDelete",
                        "Effect": "Deny",
                        "Action": "s3:DeleteObject",
                        "Resource": "*",
                        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                    },
                    {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*"},
                ],
            }
        ]
    )
    who, obj = "arn:aws:iam::111122223333:user/alice", "arn:aws:s3:::b/k"
    d = ps.evaluate(who, "s3:GetObject", obj)
    assert (d.decision, d.policy, d.statement, d.sid) == ("allow", "identity[0]", 0, "Read")
    assert ps.evaluate(who, "s3:DeleteObject", obj).sid == "NoMfaNoDelete"
    assert ps.evaluate(who, "s3:DeleteObject", obj, context={"aws:MultiFactorAuthPresent": True}) == "allow"
    assert ps.evaluate(who, "s3:PutObject", obj) == "implicit_deny"
    with pytest.raises(iamc.IamcError):
        ps.evaluate(who, "s3:GetObject", obj, context={"k": object()})


def trail_batch():
    files = sorted(glob.glob(str(SHARED / "corpus" / "cloudtrail" / "*")))
    assert len(files) >= 3
    return files, pa.record_batch({"path": files, "content": [open(f, "rb").read() for f in files]})


def test_audit_equals_the_cli_event_for_event(iamc_bin):
    files, batch = trail_batch()
    cli = run([iamc_bin, "audit", "--account-details", AUDIT / "account-details.json", "--logs", *files,
               "--proposed", *CHANGE, "--attach-to", "all", "--json", "--no-progress"])
    assert cli.returncode == 1, cli.stderr  # changed decisions
    lines = [json.loads(l) for l in cli.stdout.splitlines()]
    summary = lines[-1]["summary"]
    events = {}
    for v in lines[:-1]:
        events.setdefault(v["event_id"], []).append((v["before"], v["after"], (v["after_by"] or {}).get("policy")))

    auditor = iamc.load(iamc.image(AUDIT / "account-details.json", proposed=CHANGE, attach_to=["all"]))
    out = auditor.audit(batch)
    assert out.schema.names == [c.split(" ")[0] for c in iamc.OUTPUT_DDL.split(", ")]
    rows = out.to_pylist()
    assert len(rows) == summary["read"]
    got = {}
    for r in rows:
        if r["status"] == "decided":
            got.setdefault(r["event_id"], []).append((r["before"], r["after"], r["after_policy"]))
    assert got == events
    read, decided, unreadable, not_decided = auditor.counts()
    assert read == decided + unreadable + not_decided
    assert (read, decided, unreadable) == (summary["read"], summary["decided"], summary["unreadable"])
    # The summary is iamc audit's, from the same code.
    mine = json.loads(auditor.summary(json=True))["summary"]
    for k in ["read", "decided", "unreadable", "not_decided", "before", "after", "changed", "approximate",
              "newly_denied", "newly_allowed", "confusion", "files_counts"]:
        assert mine[k] == summary[k], k
    assert "read 26801" in auditor.summary() or str(summary["read"]) in auditor.summary()


def test_records_batches_and_errors():
    files, _ = trail_batch()
    jsonl = [f for f in files if f.endswith(".jsonl.gz")][0]
    import gzip

    lines = gzip.open(jsonl, "rt", encoding="utf-8").read().splitlines()
    a = iamc.load(iamc.image(AUDIT / "account-details.json", proposed=CHANGE, attach_to=["all"]))
    out = a.audit(pa.record_batch({"path": [jsonl] * len(lines), "record": lines}))
    assert out.num_rows == len([l for l in lines if l.strip()])
    assert set(out.column("status").to_pylist()) <= {"decided", "unreadable", "not_decided"}
    # Not JSON: an unreadable row, with the reason and the line.
    bad = a.audit(pa.record_batch({"record": ["{not json"]}))
    r = bad.to_pylist()[0]
    assert (r["status"], r["position"]) == ("unreadable", "line 1") and "malformed" in r["reason"]
    with pytest.raises(iamc.BatchError, match="neither a `content` column"):
        a.audit(pa.record_batch({"x": [1]}))
    with pytest.raises(iamc.ImageError, match="not an iamc audit image"):
        iamc.load(b"nope")
    with pytest.raises(iamc.ImageError, match="No such file"):
        iamc.image("/nonexistent/details.json")
    with pytest.raises(iamc.ImageError, match="--proposed needs --attach-to"):
        iamc.image(AUDIT / "account-details.json", proposed=CHANGE)


def test_report_facts_are_the_audits_warnings():
    """`Auditor.report_facts`: what `iamc audit` adds to its counters (the Spark summary's
    warnings), from the audit's own code."""
    a = iamc.load(iamc.image(AUDIT / "account-details.json", proposed=CHANGE, attach_to=["all"]))
    warnings, account_warning, catalog, change = a.report_facts({})
    # The service reference built into iamc: actions are checked (catalog True), as the CLI's.
    assert (account_warning, catalog, change) == (None, True, True)
    assert isinstance(warnings, list)
    # Calls by principals of an account the snapshot does not hold: the CLI's warning.
    _, w, _, _ = a.report_facts({"999999999999": 7})
    assert w.startswith("THE SNAPSHOT IS NOT OF THE LOGS' ACCOUNTS") and "999999999999 (7 events)" in w
    assert iamc.APPROXIMATIONS[:2] == ["unknown_action", "resource_star"] and "unknown_principal" in iamc.APPROXIMATIONS
    assert iamc.E20_RULE.startswith("built-in rule E-20")
