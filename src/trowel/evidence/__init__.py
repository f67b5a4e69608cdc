"""Read-only evidence sources behind one interface; hashing; Android path meaning."""

from trowel.evidence.android import AndroidLocation, locate
from trowel.evidence.base import Entry, EntryKind, EvidenceSource, sha256_file
from trowel.evidence.detect import open_evidence

__all__ = ["AndroidLocation", "Entry", "EntryKind", "EvidenceSource", "locate", "open_evidence", "sha256_file"]
