"""shared_prefs exactly as Android writes them (issue 15): control-character references, surrogate pairs
written as two references, and files that still fail keep what was read, with a warning."""

from __future__ import annotations

from trowel.apps.prefs_xml import read_prefs

HEAD = b"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n"


def test_control_character_references_are_read_into_the_exact_string() -> None:
    data = HEAD + (b'    <string name="session">a&#1;b&#2;c&#0;d&#x1F;e&#9;f</string>\n'
                   b'    <string name="k&#3;">&#55357;&#56832; &amp; &#233;</string>\n'
                   b'    <set name="s"><string>&#4;</string><string>x</string></set>\n'
                   b'    <long name="t" value="1700000000000" />\n'
                   b'    <boolean name="b" value="true" />\n</map>\n')
    parsed = read_prefs(data)
    assert parsed.warnings == []
    assert parsed.items == [("session", "string", "a\x01b\x02c\x00d\x1fe\tf"),
                            ("k\x03", "string", "\U0001F600 & \u00e9"), ("s", "set", ["\x04", "x"]),
                            ("t", "long", 1_700_000_000_000), ("b", "boolean", True)]


def test_raw_control_characters_and_marker_lookalikes_stay_exact() -> None:
    data = HEAD + b'<string name="a">trowel0ref1x\x01</string>\n<string name="b">&#1;</string></map>'
    parsed = read_prefs(data)
    assert parsed.items == [("a", "string", "trowel0ref1x\x01"), ("b", "string", "\x01")]


def test_a_file_that_still_fails_keeps_what_was_read_with_a_warning() -> None:
    data = HEAD + b'<string name="a">1</string>\n<int name="b" value="2" />\n<string name="c">x</strin>\n</map>'
    parsed = read_prefs(data)
    assert parsed.items == [("a", "string", "1"), ("b", "int", 2)]
    assert parsed.warnings == ["shared_prefs XML does not parse (mismatched tag: line 5, column 20); kept the 2 "
                               "preferences read before the error"]
    truncated = read_prefs(HEAD + b'<string name="a">1</string>\n<int name="b" va')
    assert truncated.items == [("a", "string", "1")] and len(truncated.warnings) == 1
    broken_utf8 = read_prefs(HEAD + b'<string name="a">\xff1</string></map>')
    assert broken_utf8.items == [("a", "string", "\ufffd1")]
    assert broken_utf8.warnings == ["invalid UTF-8 at byte 80 (replaced by U+FFFD)"]
