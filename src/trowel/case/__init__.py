"""The case store, the examine pipeline and correlation."""

from trowel.case.store import CaseStore

__all__ = ["CaseStore"]
