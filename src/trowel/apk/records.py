"""Record kinds of the APK analysis: predictions of the AED and files of a device that match them.

``evidence_prediction``: one file an app is predicted to write evidence into (``path`` is an Android path
pattern; ``file_kind`` is file | shared_prefs | database, called ``kind`` in ``trowel apk analyze``).
``evidence_file``: one file of an extraction matching a prediction, with the predicted types.
Apps installed on the device that the AED does not cover are ``finding`` records (``app_not_in_aed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from trowel.model import Record, record_kind


@record_kind
@dataclass(frozen=True, kw_only=True)
class EvidencePrediction(Record):
    kind: ClassVar[str] = "evidence_prediction"
    path: str
    file_kind: str
    types: list[str] = field(default_factory=list)
    storage: str = "internal"
    committed: bool = True
    tables: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    apk_sha256: str | None = None
    time_only: bool = False  # the only evidence type is time: kept, ranked last


@record_kind
@dataclass(frozen=True, kw_only=True)
class EvidenceFile(Record):
    kind: ClassVar[str] = "evidence_file"
    path: str  # the path inside the extraction
    pattern: str  # the AED prediction it matches
    file_kind: str
    types: list[str] = field(default_factory=list)
    storage: str = "internal"
    tables: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)
    size: int | None = None
    deleted: bool = False
    time_only: bool = False  # the prediction's only evidence type is time: weak on its own, ranked last
