from __future__ import annotations

import pytest

from trowel.evidence import locate

IMO = "com.imo.android.imoim"


@pytest.mark.parametrize(("path", "canonical", "user", "package", "area"), [
    (f"data/data/{IMO}/databases/imofriends.db", f"data/user/0/{IMO}/databases/imofriends.db", 0, IMO, "internal"),
    (f"Dump/data/user/0/{IMO}/databases/imofriends.db", f"data/user/0/{IMO}/databases/imofriends.db", 0, IMO, "internal"),
    (f"data_mirror/data_ce/null/0/{IMO}/databases/imofriends.db", f"data/user/0/{IMO}/databases/imofriends.db", 0, IMO, "internal"),
    (f"data/user/10/{IMO}/files/a.json", f"data/user/10/{IMO}/files/a.json", 10, IMO, "internal"),
    (f"data/user_de/0/{IMO}/files/b", f"data/user_de/0/{IMO}/files/b", 0, IMO, "device_protected"),
    ("sdcard/DCIM/imo/x.jpg", "media/0/DCIM/imo/x.jpg", 0, None, "external"),
    ("storage/emulated/0/DCIM/imo/x.jpg", "media/0/DCIM/imo/x.jpg", 0, None, "external"),
    ("data/media/0/DCIM/imo/x.jpg", "media/0/DCIM/imo/x.jpg", 0, None, "external"),
    ("storage/emulated/10/IMO/y", "media/10/IMO/y", 10, None, "external"),
    (f"sdcard/Android/data/{IMO}/files/s.zip", f"media/0/Android/data/{IMO}/files/s.zip", 0, IMO, "external"),
    (f"apps/{IMO}/db/imofriends.db", f"data/user/0/{IMO}/databases/imofriends.db", 0, IMO, "internal"),
    (f"apps/{IMO}/sp/prefs.xml", f"data/user/0/{IMO}/shared_prefs/prefs.xml", 0, IMO, "internal"),
    ("system/build.prop", "system/build.prop", None, None, "other"),
])
def test_same_data_same_key(path: str, canonical: str, user: int | None, package: str | None, area: str) -> None:
    loc = locate(path)
    assert (loc.canonical, loc.user, loc.package, loc.area) == (canonical, user, package, area)


def test_app_relative() -> None:
    assert locate(f"data/data/{IMO}/databases/x.db").app_relative == "databases/x.db"


SEGMENTS = ["data", "user", "user_de", "data_mirror", "data_ce", "data_de", "null", "0", "10", "media", "storage",
            "emulated", "self", "primary", "mnt", "sdcard", "apps", "shared", "app", "com.imo.android.imoim",
            "com.x-1", "db", "f", "ef", "obb", "_manifest", "DCIM", "imo", "IMG_1.jpg", "Dump", ""]


def test_the_text_looked_for_first_changes_no_result() -> None:
    """Every rule's text is in every path its pattern matches (so skipping the search when the text is absent
    changes nothing), for paths made of the anchors' parts in every order."""
    import itertools
    import random

    from trowel.evidence import android

    def check(path: str) -> None:
        clean = path.strip("/")
        for needed, pattern, _area, _template in android._RULES:
            if pattern.search(clean):
                assert needed in clean, (needed, path)

    rng = random.Random(11)
    paths = ["/".join(p) for n in (1, 2, 3) for p in itertools.product(SEGMENTS, repeat=n)]
    paths += ["/".join(rng.choice(SEGMENTS) for _ in range(rng.randrange(3, 9))) for _ in range(20_000)]
    for path in paths:
        check(path)
