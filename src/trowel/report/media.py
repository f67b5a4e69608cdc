"""Attachments of the report: which media copy of the case folder an attachment string names."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from trowel.report.casedata import SHA256_RE, CaseData


def _jsontext(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


class MediaIndex:
    """Finds the media copy an attachment string names (a SHA-256, a path, a media record's path)."""

    def __init__(self, case: CaseData) -> None:
        self.case = case
        self.by_key: dict[str, str] = {}
        self.by_ref: dict[str, list[str]] = defaultdict(list)
        for m in case.records("media"):
            sha = m.get("sha256")
            if not isinstance(sha, str) or not SHA256_RE.match(sha):
                continue
            for ref in m.get("referenced_by") or []:
                self.by_ref[str(ref)].append(sha)
            for key in (m.get("media_path"), (m.get("source") or {}).get("path")):
                if isinstance(key, str) and key:
                    self.by_key.setdefault(key.lstrip("/"), sha)
                    self.by_key.setdefault(key.rsplit("/", 1)[-1], sha)

    def resolve(self, label: Any) -> dict[str, Any]:
        text = label if isinstance(label, str) else _jsontext(label)
        sha = text.lower() if SHA256_RE.match(text.lower()) else None
        if sha is None:
            sha = self.by_key.get(text.lstrip("/")) or self.by_key.get(text.rsplit("/", 1)[-1])
        mime = self.case.media_type(sha)
        why = "" if mime else ("no copy in the case's media folder" if sha is None or not
                               (self.case.root / "media" / sha).is_file() else "not an image, audio or video file")
        return {"label": text, "sha256": sha, "mime": mime, "why": why}

    def attachments(self, r: dict[str, Any]) -> list[dict[str, Any]]:
        """What a message, story or sticker shows: its attachments, the media records that name it
        (``<package>/u<user>/<table>#<rowid>``) and a sticker's own file and members, each copy once."""
        labels: list[Any] = list(r.get("attachments") or [])
        src = r.get("source") or {}
        if src.get("table") is not None and src.get("rowid") is not None:
            labels += self.by_ref.get(f"{r.get('package')}/u{r.get('user')}/{src['table']}#{src['rowid']}", [])
        if r.get("kind") == "sticker":
            labels += [r.get("sha256")] + [m.get("sha256") for m in r.get("members") or [] if isinstance(m, dict)]
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for label in labels:
            if label is None:
                continue
            item = self.resolve(label)
            if item["sha256"] and item["sha256"] in seen:
                continue
            if item["sha256"]:
                seen.add(item["sha256"])
            frames = self.case.archive_frames(item["sha256"]) if item["mime"] is None else []
            if frames:  # a sticker pack: show its images
                for frame in frames:
                    if frame not in seen:
                        seen.add(frame)
                        out.append({**self.resolve(frame), "label": f"{item['label']} (frame)"})
                continue
            out.append(item)
        return out
