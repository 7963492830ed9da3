#!/bin/sh
# Throughput of `iamc audit` on ~1M replicated CloudTrail events (.json.gz), against the bound
# of just inflating and parsing the same files (`--parse-only`), measured in the same run.
#
#   audit/bench.sh [EVENTS] [EVENTS_PER_FILE]      (defaults 1000000 and 5000)
#   OLD_BIN=/path/to/older/iamc audit/bench.sh    (also times that binary, interleaved)
#
# The input is built under /tmp/iamc-audit-bench from the shared corpus's events (never copied
# into the repository): records are taken round-robin from the three corpus files and written
# as {"Records":[...]} .json.gz files of EVENTS_PER_FILE events each, like CloudTrail delivers.
# Every copy gets its own eventID (the audit decides each eventID once: replicas with the
# corpus's ids would be skipped as duplicates and measure nothing).
set -eu
cd "$(dirname "$0")/.."
SHARED=${IAMC_SHARED:-../shared}
N=${1:-1000000}
PER=${2:-5000}
OUT=/tmp/iamc-audit-bench
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-audit}
cargo build --release -q -p iamc
BIN=$CARGO_TARGET_DIR/release/iamc
if [ ! -f "$OUT/.done-uniq-$N-$PER" ]; then
  rm -rf "$OUT" && mkdir -p "$OUT"
  python3 - "$SHARED/corpus/cloudtrail" "$OUT" "$N" "$PER" <<'PY'
import gzip, json, os, re, sys
src, out, n, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
recs = []
for f in sorted(os.listdir(src)):
    p = os.path.join(src, f)
    if f.endswith('.jsonl.gz'):
        recs += [l.decode().strip() for l in gzip.open(p) if l.strip()]
    else:
        recs += [json.dumps(r, separators=(',', ':')) for r in json.load(gzip.open(p))['Records']]
EID = re.compile(r'"eventID"\s*:\s*"[^"]*"')
recs = [r if EID.search(r) else '{"eventID":"",' + r[1:] for r in recs]
i = 0
k = 0
while i < n:
    m = min(per, n - i)
    ids = ('"eventID":"%08x-%04x-4000-8000-%012x"' % ((i + j) >> 16, (i + j) & 0xffff, i + j) for j in range(m))
    body = '{"Records":[' + ','.join(EID.sub(next(ids), recs[(i + j) % len(recs)], count=1) for j in range(m)) + ']}'
    with gzip.open(os.path.join(out, 'part-%05d.json.gz' % k), 'wt', compresslevel=6) as g:
        g.write(body)
    i += m
    k += 1
PY
  touch "$OUT/.done-uniq-$N-$PER"
fi
ARGS="--account-details corpus/audit/account-details.json --logs $OUT --summary-only --json"
CHANGE="--proposed corpus/audit/RDSDenyDelete.json corpus/audit/BlockMostAccessUnlessSignedInWithMFA.json --attach-to all"
ROUNDS=${ROUNDS:-3}
# events/s and seconds of one run (the summary's own clock: files inflated, parsed, decided).
rate() { python3 -c 'import json,sys; s=json.loads(sys.stdin.read().strip().splitlines()[-1])["summary"]; print("%d %.0f %.3f" % (s["read"], s["events_per_second"], s["seconds"]))'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "input: $(ls "$OUT" | grep -c gz) files, $(du -sh "$OUT" | cut -f1), $N events; $(nproc) cores"
echo "load average before: $(load)"
# Parse-only (the bound: the same one-pass inflate + parse into the typed event, nothing
# decided) and the full audit, interleaved ROUNDS times so both see the same machine.
P_ALL=""; A_ALL=""; O_ALL=""; R_ALL=""
i=0
while [ $i -lt "$ROUNDS" ]; do
  P=$($BIN audit $ARGS --parse-only 2>/dev/null | rate)
  A=$($BIN audit $ARGS $CHANGE 2>/dev/null | rate)
  O=""
  if [ -n "${OLD_BIN:-}" ]; then
    O=$($OLD_BIN audit $ARGS $CHANGE 2>/dev/null | rate)
    O_ALL="$O_ALL $(echo $O | cut -d' ' -f2)"
    R_ALL="$R_ALL $(echo "$(echo $A | cut -d' ' -f2) $(echo $O | cut -d' ' -f2)" | awk '{printf "%.1f", 100*$1/$2}')"
    O=", old binary full $(echo $O | cut -d' ' -f2) events/s"
  fi
  echo "round $((i + 1)): parse-only $(echo $P | cut -d' ' -f2) events/s, full $(echo $A | cut -d' ' -f2) events/s$O (load $(load))"
  P_ALL="$P_ALL $(echo $P | cut -d' ' -f2)"; A_ALL="$A_ALL $(echo $A | cut -d' ' -f2)"
  i=$((i + 1))
done
T0=$(date +%s.%N)
$BIN audit --account-details corpus/audit/account-details.json --logs $OUT $CHANGE >/dev/null 2>/dev/null || true
F=$(echo "$(date +%s.%N) $T0" | awk '{printf "%.2f", $1-$2}')
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
PM=$(med $P_ALL); AM=$(med $A_ALL)
echo "parse only (inflate + parse), median: $PM events/s"
echo "full audit (--summary-only), median:  $AM events/s"
echo "$PM $AM" | awk '{printf "ratio full/parse-only: %.1f%%\n", 100*$2/$1}'
if [ -n "$O_ALL" ]; then
  OM=$(med $O_ALL)
  echo "old binary full audit, median:        $OM events/s"
  echo "$OM $AM" | awk '{printf "new/old (medians): %.1f%%\n", 100*$2/$1}'
  echo "new/old per round:$R_ALL (median $(med $R_ALL) %)"
fi
echo "full audit with per-event lines to /dev/null: ${F}s wall"
echo "load average after: $(load)"
