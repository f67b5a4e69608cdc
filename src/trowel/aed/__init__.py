"""The App Evidence Database: build it from APKs, match it against a device, ask it about one app.

For other parts of trowel (the generic extraction of unknown SQLite/XML/JSON files):
:func:`predictions_for` lists what the AED predicts for a package; :func:`predicted_types` answers which
evidence types it predicts for one extraction path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trowel.aed.db import AedDatabase, AedError
from trowel.aed.match import Matcher

__all__ = ["AedDatabase", "AedError", "aed_path", "predicted_types", "predictions_for"]


def aed_path(ctx: Any) -> Path:
    """The AED an examine run uses: ``--aed`` when given, else ``<case folder>/aed.sqlite``."""
    options = ctx.options
    return Path(options.aed) if getattr(options, "aed", None) else Path(options.out) / "aed.sqlite"


def _open(ctx_or_db: Any) -> tuple[AedDatabase | None, bool]:
    if isinstance(ctx_or_db, AedDatabase):
        return ctx_or_db, False
    path = Path(ctx_or_db) if isinstance(ctx_or_db, str | Path) else aed_path(ctx_or_db)
    if not path.is_file():
        return None, False
    return AedDatabase(path, create=False), True


def predictions_for(ctx_or_db: Any, package: str) -> list[dict[str, Any]]:
    """Every prediction for ``package``: dicts with package, path (pattern), types, storage, kind,
    tables/columns (databases), keys/committed (preferences), trace, sources. Empty when there is no AED.

    ``ctx_or_db`` is an ExamineContext, an AED path, or an open :class:`AedDatabase`.
    """
    aed, owned = _open(ctx_or_db)
    if aed is None:
        return []
    try:
        return [p.to_json() for p in aed.predictions(package)]
    finally:
        if owned:
            aed.close()


def predicted_types(ctx_or_db: Any, package: str, path: str) -> list[str]:
    """Evidence types the AED predicts for one extraction path (e.g. ``data/data/<package>/databases/x.db``)."""
    aed, owned = _open(ctx_or_db)
    if aed is None:
        return []
    try:
        matcher = Matcher(aed.predictions(package), {package})
        return sorted({t for compiled, _ in matcher.match_path(path) for t in compiled.prediction.types})
    finally:
        if owned:
            aed.close()
