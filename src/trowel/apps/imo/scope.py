"""What every imo row mapper needs to know about the package, user and database it is reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trowel.apps.imo.fields import APP_EPOCH_NS
from trowel.apps.rows import Row
from trowel.model import Finding, Provenance, Record, TimeValue

APP = "imo"


@dataclass
class Scope:
    """One imo package of one Android user: names known from friends, the owner, what replies refer to."""

    evidence: str
    package: str
    user: int | None
    db_path: str = ""
    now_ns: int = 0
    owner_uid: str | None = None
    owner_name: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # buid -> name (friends)
    story_ids: set[str] = field(default_factory=set)  # object ids of live stories
    deleted_story_ids: set[str] = field(default_factory=set)
    replies: dict[str, list[tuple[Row, str | None]]] = field(default_factory=dict)  # story id -> (reply, buid)
    attachment_refs: dict[str, list[str]] = field(default_factory=dict)  # attachment path -> record refs
    live_counts: dict[str, int] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)  # relationship rel_id -> the stranger's anon_id

    def common(self, row: Row, detail: str | None = None) -> dict[str, Any]:
        """The common record fields for a row (provenance, state, confidence, app, package, user, raw)."""
        return {
            "source": row.provenance(self.evidence, self.db_path, detail), "state": row.state,
            "confidence": row.confidence, "app": APP, "package": self.package, "user": self.user,
            "raw": row.values,
        }

    def ref(self, row: Row) -> str:
        return f"{self.package}/u{self.user}/{row.ref()}"

    def finding(self, name: str, message: str, severity: str, source: Provenance, related: list[str],
                time: TimeValue | None = None) -> Record:
        return Finding(source=source, app=APP, package=self.package, user=self.user, finding=name, message=message,
                       severity=severity, related=related, time=time)

    def check_time(self, value: TimeValue | None, row: Row, what: str) -> Record | None:
        """A finding when a time lies in the future or before imo for Android existed."""
        if value is None or value.unix_ns is None or APP_EPOCH_NS <= value.unix_ns <= self.now_ns + 86_400 * 10**9:
            return None
        if value.unix_ns > self.now_ns + 86_400 * 10**9:
            return self.finding("time_in_future", f"{what} time {value.to_json()['utc']} is in the future "
                                "(more than a day after the examination)", "warning",
                                row.provenance(self.evidence, self.db_path), [self.ref(row)], value)
        if value.unix_ns < APP_EPOCH_NS:
            return self.finding("time_before_app", f"{what} time {value.to_json()['utc']} is before imo for Android "
                                "existed (2009)", "warning", row.provenance(self.evidence, self.db_path),
                                [self.ref(row)], value)
        return None
