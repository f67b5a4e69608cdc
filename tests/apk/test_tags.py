"""Tags: joins, string concatenation with dynamic parts, caps."""

from __future__ import annotations

from trowel.apk.tags import ANY, EMPTY, MAX_STRS, UNKNOWN, Tag, absolute, cap_strs, concat, join_path, text_of


def test_concat_keeps_dynamic_parts_and_joins_data() -> None:
    a = Tag(strs=frozenset({"/data/data/<pkg>/cache/loc_"}))
    b = Tag(ev=frozenset({"time"}), strs=frozenset({"<timestamp>"}))
    c = concat(concat(a, b), Tag(strs=frozenset({".json"})))
    assert c.strs == {"/data/data/<pkg>/cache/loc_<timestamp>.json"}
    assert c.ev == {"time"}
    assert concat(EMPTY, EMPTY).strs == {UNKNOWN}
    assert concat(Tag(strs=frozenset({"a"})), EMPTY).strs == {"a<unknown>"}


def test_join_path_and_absolute() -> None:
    assert join_path("/data/data/<pkg>/files", "a.txt") == "/data/data/<pkg>/files/a.txt"
    assert join_path("/sdcard/", "/Browser/b.txt") == "/sdcard/Browser/b.txt"
    assert join_path("/x", "") == "/x"
    assert absolute("log.txt") == "/log.txt"
    assert absolute("/a//b") == "/a/b"


def test_join_and_caps() -> None:
    a = Tag(ev=frozenset({"location"}), origins=frozenset({("location", "x")}))
    b = Tag(strs=frozenset({"s"}), res=frozenset({("file", "/f")}))
    joined = a.join(b)
    assert (joined.ev, joined.strs, joined.res) == ({"location"}, {"s"}, {("file", "/f")})
    assert a.join(EMPTY) is a and EMPTY.join(a) is a
    many = frozenset(f"s{i}" for i in range(MAX_STRS + 1))
    assert cap_strs(many) == {ANY}
    assert Tag(strs=frozenset({ANY})).join(Tag(strs=frozenset({"x"}))).strs == {ANY}  # absorbing: monotone
    assert text_of(Tag(strs=frozenset({ANY}))) == {UNKNOWN}
    assert text_of(EMPTY) == {UNKNOWN}
    assert a.data_only() == a and b.data_only() is EMPTY
    with_entries = Tag(entries=frozenset({("col", "time")}))
    assert with_entries.data_only().ev == {"time"}
