"""Per-batch cost of the audit kernel from Python (`Auditor.audit`), against `iamc audit` on
the same files in the same run: ROUNDS rounds (default 5), each a fresh auditor (duplicates
are found per auditor) deciding one batch of every trail file of the shared corpus, and the
CLI with --threads 1 (the kernel decides a batch on one thread). Prints medians and the load
average: the machine is shared, so the figures are noisy.

    target/py-venv/bin/python python/bench/kernel.py
"""

import glob
import os
import statistics
import subprocess
import sys
import time

import pyarrow as pa

import iamc

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = os.environ.get("IAMC_SHARED", os.path.join(repo, "..", "shared"))
audit = os.path.join(repo, "corpus", "audit")
change = [os.path.join(audit, "RDSDenyDelete.json"), os.path.join(audit, "BlockMostAccessUnlessSignedInWithMFA.json")]
files = sorted(glob.glob(os.path.join(shared, "corpus", "cloudtrail", "*")))
iamc_bin = os.environ.get("IAMC_BIN", os.path.join(repo, "target", "release", "iamc"))
rounds = int(os.environ.get("ROUNDS", "5"))

image = iamc.image(os.path.join(audit, "account-details.json"), proposed=change, attach_to=["all"])
batch = pa.record_batch({"path": files, "content": [open(f, "rb").read() for f in files]})
kernel, cli, load = [], [], []
for _ in range(rounds):
    t = time.perf_counter()
    a = iamc.load(image)
    load.append(time.perf_counter() - t)
    t = time.perf_counter()
    out = a.audit(batch)
    kernel.append(time.perf_counter() - t)
    t = time.perf_counter()
    subprocess.run([iamc_bin, "audit", "--account-details", os.path.join(audit, "account-details.json"),
                    "--logs", *files, "--proposed", *change, "--attach-to", "all", "--summary-only",
                    "--threads", "1", "--no-progress"], check=True, capture_output=True)
    cli.append(time.perf_counter() - t)
n = out.num_rows
k, c, l = statistics.median(kernel), statistics.median(cli), statistics.median(load)
print(f"load average {os.getloadavg()[0]:.1f}; {len(files)} files, {n} events, {batch.nbytes} bytes gzipped; median of {rounds}")
print(f"iamc.load(image): {l * 1e3:.1f} ms")
print(f"Auditor.audit(batch): {k * 1e3:.1f} ms = {k / n * 1e6:.2f} us/event, {n / k:.0f} events/s (Arrow in and out)")
print(f"iamc audit --threads 1 --summary-only (process included): {c * 1e3:.1f} ms, {n / c:.0f} events/s")
sys.exit(0)
