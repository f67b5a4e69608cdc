"""``locations.kml``: one placemark per record that carries coordinates (written only when one does).

A record has coordinates when it has numeric ``latitude`` and ``longitude`` fields (or ``lat`` and
``lon``/``lng``), either at the top level or inside a generic row's ``values``. Values outside the valid
ranges are left out. Text goes through the XML writer, so evidence cannot break the document.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trowel.report.casedata import CaseData, decode
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import describe, record_times, source_label

KML_NS = "http://www.opengis.net/kml/2.2"
_LAT = ("latitude", "lat")
_LON = ("longitude", "lon", "lng")


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: characters it forbids are written as \\xNN / \\uNNNN escapes."""
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        text)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def coordinates(record: dict[str, Any]) -> tuple[float, float] | None:
    """(latitude, longitude) of a record, or None."""
    values = record.get("values")
    holders: list[dict[str, Any]] = [record, values if isinstance(values, dict) else {}]
    for holder in holders:
        lowered = {str(k).lower(): v for k, v in holder.items()}
        lat = next((_number(lowered[k]) for k in _LAT if k in lowered), None)
        lon = next((_number(lowered[k]) for k in _LON if k in lowered), None)
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def located(case: CaseData) -> Iterator[tuple[dict[str, Any], float, float]]:
    """Records with coordinates. Only rows whose JSON holds a key starting with "lat" are parsed."""
    case.store.flush()
    rows = case.store.db.execute("SELECT id, json FROM records WHERE instr(lower(json), '\"lat') > 0 ORDER BY id")
    for rid, text in rows:
        record = decode(text)
        record["id"] = rid
        where = coordinates(record)
        if where is not None:
            yield record, where[0], where[1]


def write_kml(case: CaseData) -> list[Path]:
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = ET.SubElement(root, f"{{{KML_NS}}}Document")
    ET.SubElement(doc, f"{{{KML_NS}}}name").text = xml_text(f"trowel case {case.info().get('case_number') or ''}".strip())
    count = 0
    for record, lat, lon in located(case):
        mark = ET.SubElement(doc, f"{{{KML_NS}}}Placemark", id=f"record-{record.get('id')}")
        ET.SubElement(mark, f"{{{KML_NS}}}name").text = xml_text(f"{record.get('kind')} {record.get('id')}")
        ET.SubElement(mark, f"{{{KML_NS}}}description").text = xml_text(f"{describe(record)}\nsource: {source_label(record)}")
        times = list(record_times(record))
        if times:
            stamp = ET.SubElement(mark, f"{{{KML_NS}}}TimeStamp")
            ET.SubElement(stamp, f"{{{KML_NS}}}when").text = times[0][1]["utc"]
        point = ET.SubElement(mark, f"{{{KML_NS}}}Point")
        ET.SubElement(point, f"{{{KML_NS}}}coordinates").text = f"{lon!r},{lat!r}"
        count += 1
    path = case.root / "locations.kml"
    if count == 0:
        path.unlink(missing_ok=True)
        return []
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]


register_writer(Writer("kml", "locations.kml when any record has coordinates", 50, write_kml))
