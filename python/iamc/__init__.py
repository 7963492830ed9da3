"""iamc from Python.

- ``iamc.image(...)`` bundles what ``iamc audit`` reads (snapshot, proposed change, SCPs,
  resource policies) into bytes; ``iamc.load(image)`` gives an :class:`Auditor` whose
  ``audit(batch)`` decides a ``pyarrow.RecordBatch`` of trail files (``path``, ``content``)
  or JSON-lines records (``record``) with the same code as ``iamc audit``, one output row per
  record read (``iamc.OUTPUT_DDL``).
- ``iamc.compile(...)`` / ``PolicySet.evaluate(...)``: the compiler and runtime, for
  authorizers and notebooks.
- ``iamc.spark``: ``audit_fn(image)`` for ``DataFrame.mapInArrow``; ``python -m
  iamc.spark_audit`` runs the audit as a Spark job.

Errors are :class:`IamcError` (subclasses ``ImageError``, ``CompileError``, ``BatchError``)
with the CLI's messages.
"""

from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from ._iamc import (
    APPROXIMATIONS,
    E20_RULE,
    OUTPUT_DDL,
    Auditor,
    BatchError,
    CompileError,
    Decision,
    IamcError,
    ImageError,
    PolicySet,
    image,
    load,
)
from ._iamc import compile as _compile

__all__ = [
    "APPROXIMATIONS",
    "E20_RULE",
    "OUTPUT_DDL",
    "Auditor",
    "BatchError",
    "CompileError",
    "Decision",
    "IamcError",
    "ImageError",
    "PolicySet",
    "compile",
    "image",
    "load",
]

Document = Union[str, bytes, Mapping[str, Any], "os.PathLike[str]", Tuple[str, Any]]


def _doc(d: Any, default_name: str) -> Tuple[str, str]:
    """A document as ``(name, json_text)``: a dict, JSON text (str/bytes), a path, or a
    ``(name, document)`` pair."""
    if isinstance(d, tuple) and len(d) == 2 and isinstance(d[0], str):
        return (d[0], _doc(d[1], d[0])[1])
    if isinstance(d, Mapping):
        return (default_name, _json.dumps(d))
    if isinstance(d, bytes):
        return (default_name, d.decode("utf-8"))
    if isinstance(d, _os.PathLike):
        p = _os.fspath(d)
        with open(p, encoding="utf-8") as f:
            return (p, f.read())
    if isinstance(d, str):
        return (default_name, d)
    raise TypeError(f"{default_name}: a policy document is a dict, JSON text, a path or (name, document); got {type(d).__name__}")


def _docs(ds: Optional[Iterable[Any]], kind: str) -> list:
    return [_doc(d, f"{kind}[{i}]") for i, d in enumerate(ds or [])]


def compile(
    identity: Optional[Sequence[Document]] = None,
    *,
    boundaries: Optional[Sequence[Document]] = None,
    scps: Optional[Sequence[Sequence[Document]]] = None,
    rcps: Optional[Sequence[Sequence[Document]]] = None,
    resource_policy: Optional[Document] = None,
    session_policy: Optional[Document] = None,
    lenient: bool = False,
    management_account: Optional[str] = None,
    rcp_services: Optional[Sequence[str]] = None,
) -> PolicySet:
    """Compile a policy set with iamc's compiler (``iamc_compiler::Compiler``).

    Each document is a dict, JSON text (str or bytes), an ``os.PathLike`` (read as a file,
    named by its path), or a ``(name, document)`` pair; unnamed documents are named
    ``identity[0]``, ``scp[1][0]``, … in messages and deciding statements. ``scps`` and
    ``rcps`` are organization levels, root first, each a list of documents. ``lenient=True``
    reads as AWS holds policies (G-21: what breaks a G rule becomes an opaque statement).

    Raises :class:`CompileError` with every error, as ``iamc compile`` prints them.
    """
    return _compile(
        _docs(identity, "identity"),
        boundaries=_docs(boundaries, "boundary"),
        scps=[_docs(level, f"scp[{i}]") for i, level in enumerate(scps or [])],
        rcps=[_docs(level, f"rcp[{i}]") for i, level in enumerate(rcps or [])],
        resource_policy=_doc(resource_policy, "resource_policy") if resource_policy is not None else None,
        session_policy=_doc(session_policy, "session_policy") if session_policy is not None else None,
        lenient=lenient,
        management_account=management_account,
        rcp_services=list(rcp_services) if rcp_services is not None else None,
    )
