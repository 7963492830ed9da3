#!/usr/bin/env bash
# The Python package and the Spark job, tested for real (a step of .ci/run; runnable alone):
# a venv under target/ with pinned maturin, pyarrow, pyspark and pytest; the wheel built by
# maturin and pip-installed; then pytest: the Python API against the CLI on the spec cases and
# the trail corpus, and `python -m iamc.spark_audit` in local[2] against `iamc audit --json`.
# Needs Python 3.9+ (python3.11 by default) and Java 17 for Spark (installed with apt when
# missing). Measured on 2 shared cores, installs done: wheel build ~1-7 min (cold/warm), pytest
# ~2 min (Spark ~110 s of it).
set -euo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
fail() {
    echo "python/ci.sh: FAILED: $*" >&2
    exit 1
}
trap 'echo "python/ci.sh: FAILED at line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR

export IAMC_SHARED="${IAMC_SHARED:-$repo/../shared}"
[ -d "$IAMC_SHARED/corpus/cloudtrail" ] || fail "shared data not found: $IAMC_SHARED/corpus/cloudtrail"
export CARGO_TARGET_DIR="$repo/target"

py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null || py=python3
"$py" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' || fail "$py is older than 3.9"

if ! command -v java >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless
fi
java -version 2>&1 | head -n 1

venv="$repo/target/py-venv"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# Pinned: what this was tested with (pandas < 3: PySpark's Arrow functions check for it).
"$venv/bin/python" -m pip install -q maturin==1.16.0 pyarrow==26.0.1 pyspark==4.3.0 \
    'pandas>=2.2,<3' pytest==9.2.0
"$venv/bin/python" -c 'import pyspark, pyarrow; print("pyspark", pyspark.__version__, "pyarrow", pyarrow.__version__)'

# The CLI the tests compare with.
cargo build --release -p iamc
export IAMC_BIN="$repo/target/release/iamc"

rm -rf "$repo/target/wheels"
"$venv/bin/maturin" build --release --locked -m python/Cargo.toml -o "$repo/target/wheels"
wheel="$(ls "$repo"/target/wheels/iamc-*.whl)"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"
"$venv/bin/python" -m pip check

# From the repository root: `iamc` is the installed wheel, not python/iamc.
"$venv/bin/pytest" -q -s -p no:cacheprovider python/tests
