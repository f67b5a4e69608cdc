"""Writers: every output of a case folder (HTML report, timeline, bodyfile, CSV, KML, CASE/UCO) made from
the case store alone. Parsers produce records; these modules only read the records' JSON form."""

from trowel.report.casedata import CaseData
from trowel.report.registry import WRITERS, Writer, register_writer, write_all

__all__ = ["WRITERS", "CaseData", "Writer", "register_writer", "write_all"]
