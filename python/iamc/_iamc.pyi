"""Typed stubs of iamc's native module (pyo3)."""

from os import PathLike
from typing import Dict, List, Optional, Sequence, Tuple, Union

import pyarrow

OUTPUT_DDL: str
"""The kernel's output schema as a Spark/Hive DDL column list."""

APPROXIMATIONS: List[str]
"""The audit's approximation names (the ``approximate`` column's values), in its report order."""

E20_RULE: str
"""The deciding policy's name of a call allowed by the built-in rule E-20."""

class IamcError(Exception):
    """Any error of iamc (its message is the CLI's)."""

class ImageError(IamcError):
    """An audit image cannot be built or loaded."""

class CompileError(IamcError):
    """A policy set does not compile (every error, one a line)."""

class BatchError(IamcError):
    """A record batch cannot be audited (a missing or mistyped column)."""

_Path = Union[str, "PathLike[str]"]

def image(
    account_details: _Path,
    *,
    proposed: Sequence[_Path] = ...,
    attach_to: Sequence[str] = ...,
    replace: Optional[str] = ...,
    proposed_scp: Sequence[_Path] = ...,
    scp: Sequence[str] = ...,
    resource_policies: Optional[_Path] = ...,
    service_reference: Optional[_Path] = ...,
    max_record_bytes: Optional[int] = ...,
    rcp: Sequence[str] = ...,
    proposed_rcp: Sequence[_Path] = ...,
    rcp_services: Optional[_Path] = ...,
    resource_tags: Optional[_Path] = ...,
) -> bytes:
    """Bundle the files ``iamc audit`` reads with these options (same names and meaning as
    its flags) into an audit image; raises :class:`ImageError` with the CLI's message when
    the options or a file are wrong."""

def load(image: bytes) -> Auditor:
    """Load an audit image; raises :class:`ImageError`."""

class Auditor:
    """Decides record batches against an image's snapshot and change."""

    def audit(self, batch: pyarrow.RecordBatch) -> pyarrow.RecordBatch:
        """Audit a batch of trail files (``path: string``, ``content: binary``) or JSON-lines
        records (``record: string``, optional ``path``, ``line: int64``). One output row per
        record read (status ``decided``, ``unreadable`` or ``not_decided``), plus one
        ``file_error`` row per file error; schema ``OUTPUT_DDL``. Raises :class:`BatchError`."""

    def summary(self, *, json: bool = False, top: Optional[int] = None) -> str:
        """The summary of everything audited so far, as ``iamc audit`` prints it (or its
        ``--json`` summary line)."""

    def report_facts(self, principal_accounts: Dict[str, int]) -> Tuple[List[str], Optional[str], bool, bool]:
        """What ``iamc audit``'s report adds to counters gathered elsewhere (a Spark job's):
        ``(warnings, account_warning, catalog, change)`` — the snapshot's and compiler's
        warnings; the warning when the decided calls' IAM principals (account → events, the
        ``principal_account`` column's counts) are not of the snapshot's accounts; whether a
        service reference was given; whether a change was."""

    def counts(self) -> Tuple[int, int, int, int]:
        """``(read, decided, unreadable, not_decided)`` so far."""

class Decision:
    """A decision and the statement (or rule) that made it."""

    decision: str
    policy: Optional[str]
    statement: Optional[int]
    sid: Optional[str]
    rule: Optional[str]

class PolicySet:
    """A compiled, immutable policy set."""

    warnings: list[str]

    def evaluate(
        self,
        principal: str,
        action: str,
        resource: str = "*",
        *,
        context: Optional[dict[str, Union[str, int, float, bool, Sequence[Union[str, int, float, bool]]]]] = ...,
        resource_account: Optional[str] = ...,
    ) -> Decision:
        """Decide one request (``Decision == "allow"`` compares the decision's text)."""

    def to_bytes(self) -> bytes:
        """The compiled set as an artifact (what ``iamc compile`` writes)."""

def compile(
    identity: Sequence[Tuple[str, str]] = ...,
    *,
    boundaries: Sequence[Tuple[str, str]] = ...,
    scps: Sequence[Sequence[Tuple[str, str]]] = ...,
    rcps: Sequence[Sequence[Tuple[str, str]]] = ...,
    resource_policy: Optional[Tuple[str, str]] = ...,
    session_policy: Optional[Tuple[str, str]] = ...,
    lenient: bool = ...,
    management_account: Optional[str] = ...,
    rcp_services: Optional[Sequence[str]] = ...,
) -> PolicySet: ...
