"""What an extraction path means on Android: which user, which package, which storage area.

The same app data is reached by several paths (``data/data/<pkg>`` is user 0's ``data/user/0/<pkg>``;
``data_mirror/data_ce/null/<N>/<pkg>`` mirrors it; ``sdcard``, ``storage/emulated/<N>``, ``data/media/<N>``
and ``mnt/sdcard`` are one external storage). :func:`locate` maps each to one canonical key so that a file
is reported once per Android user. Extractions often put a prefix in front (``Dump/``, ``fs/``...): the
first recognisable anchor in the path wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PACKAGE = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"

# (a text every match contains, pattern, area, canonical template). Groups: user (optional), pkg (optional),
# rest. The text is looked for first: ``in`` is far cheaper than a regex search (a million messages may name
# 200,000 attachment paths).
_RULES: list[tuple[str, re.Pattern[str], str, str]] = [
    ("data/data/", re.compile(rf"(?:^|/)data/data/(?P<pkg>{PACKAGE})(?P<rest>/.*)?$"),
     "internal", "data/user/0/{pkg}{rest}"),
    ("data/user/", re.compile(rf"(?:^|/)data/user/(?P<user>\d+)/(?P<pkg>{PACKAGE})(?P<rest>/.*)?$"),
     "internal", "data/user/{user}/{pkg}{rest}"),
    ("data/user_de/", re.compile(rf"(?:^|/)data/user_de/(?P<user>\d+)/(?P<pkg>{PACKAGE})(?P<rest>/.*)?$"),
     "device_protected", "data/user_de/{user}/{pkg}{rest}"),
    ("data_mirror/data_ce/",
     re.compile(rf"(?:^|/)data_mirror/data_ce/[^/]+/(?P<user>\d+)/(?P<pkg>{PACKAGE})(?P<rest>/.*)?$"),
     "internal", "data/user/{user}/{pkg}{rest}"),
    ("data_mirror/data_de/",
     re.compile(rf"(?:^|/)data_mirror/data_de/[^/]+/(?P<user>\d+)/(?P<pkg>{PACKAGE})(?P<rest>/.*)?$"),
     "device_protected", "data/user_de/{user}/{pkg}{rest}"),
    ("media/", re.compile(r"(?:^|/)(?:data/)?media/(?P<user>\d+)(?P<rest>/.*)?$"), "external", "media/{user}{rest}"),
    ("storage/emulated/", re.compile(r"(?:^|/)storage/emulated/(?P<user>\d+)(?P<rest>/.*)?$"),
     "external", "media/{user}{rest}"),
    ("storage/self/primary", re.compile(r"(?:^|/)storage/self/primary(?P<rest>/.*)?$"), "external", "media/0{rest}"),
    ("sdcard", re.compile(r"(?:^|/)(?:mnt/)?sdcard(?P<rest>/.*)?$"), "external", "media/0{rest}"),
    # Android backup (.ab) layout: apps/<pkg>/<token>/..., apps/<pkg>/_manifest, shared storage as shared/<N>/...
    ("apps/", re.compile(rf"^apps/(?P<pkg>{PACKAGE})/(?P<token>db|f|sp|r|c|nb|ef|a|obb|k)(?P<rest>/.*)?$"),
     "backup", ""),
    ("apps/", re.compile(rf"^apps/(?P<pkg>{PACKAGE})/(?P<token>_manifest)$"), "backup", ""),
    ("shared/", re.compile(r"^shared/(?P<user>\d+)(?P<rest>/.*)?$"), "external", "media/{user}{rest}"),
    ("data/app/", re.compile(rf"(?:^|/)data/app/(?:[^/]+/)*?(?P<pkg>{PACKAGE})-[^/]*(?P<rest>/.*)?$"),
     "apk", "data/app/{pkg}{rest}"),
]

_AB_TOKENS = {
    "db": "databases", "f": "files", "sp": "shared_prefs", "r": "", "c": "cache", "nb": "no_backup",
}
_EXTERNAL_PKG = re.compile(rf"^media/\d+/Android/(?:data|obb|media)/(?P<pkg>{PACKAGE})(?:/|$)")


@dataclass(frozen=True, slots=True)
class AndroidLocation:
    """An extraction path read as Android sees it."""

    canonical: str  # one key for every path that reaches the same data for the same user
    area: str  # internal | device_protected | external | apk | backup | other
    user: int | None = None
    package: str | None = None

    @property
    def app_relative(self) -> str | None:
        """The path inside the app's data folder (``databases/x.db``), for internal storage."""
        if self.area not in ("internal", "device_protected") or self.package is None:
            return None
        _, _, rest = self.canonical.partition(f"/{self.package}")
        return rest.lstrip("/")


def locate(path: str) -> AndroidLocation:
    """Map an extraction path to its Android user, package, area and canonical key."""
    clean = path.strip("/")
    for needed, pattern, area, template in _RULES:
        if needed not in clean:
            continue
        match = pattern.search(clean)
        if not match:
            continue
        groups = match.groupdict()
        rest = groups.get("rest") or ""
        user = int(groups["user"]) if groups.get("user") is not None else (0 if area != "apk" else None)
        pkg = groups.get("pkg")
        if area == "backup":
            token = groups["token"]
            if token == "_manifest":
                return AndroidLocation(f"apps/{pkg}/_manifest", "backup", 0, pkg)
            if token in ("ef", "obb"):
                sub = "files" if token == "ef" else ""
                canonical = f"media/0/Android/{'data' if token == 'ef' else 'obb'}/{pkg}/{sub}{rest}".replace("//", "/")
                return AndroidLocation(canonical.rstrip("/"), "external", 0, pkg)
            if token in ("a", "k"):
                return AndroidLocation(f"data/app/{pkg}{rest}", "apk", None, pkg)
            sub = _AB_TOKENS[token]
            canonical = f"data/user/0/{pkg}/{sub}{rest}" if sub else f"data/user/0/{pkg}{rest}"
            return AndroidLocation(canonical.replace("//", "/").rstrip("/"), "internal", 0, pkg)
        canonical = template.format(user=user, pkg=pkg, rest=rest)
        if area == "external":
            ext = _EXTERNAL_PKG.match(canonical)
            pkg = ext.group("pkg") if ext else None
        return AndroidLocation(canonical, area, user, pkg)
    return AndroidLocation(clean, "other")
