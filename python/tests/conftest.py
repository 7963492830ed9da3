"""Paths shared by the tests: the repository, the shared data, the CLI to compare with."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("IAMC_SHARED", REPO.parent / "shared")).resolve()
IAMC_BIN = pathlib.Path(os.environ.get("IAMC_BIN", REPO / "target" / "release" / "iamc"))
AUDIT = REPO / "corpus" / "audit"
CHANGE = [str(AUDIT / "RDSDenyDelete.json"), str(AUDIT / "BlockMostAccessUnlessSignedInWithMFA.json")]


@pytest.fixture(scope="session")
def iamc_bin() -> pathlib.Path:
    assert IAMC_BIN.is_file(), f"{IAMC_BIN}: build it first (cargo build --release -p iamc) or set IAMC_BIN"
    return IAMC_BIN


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
