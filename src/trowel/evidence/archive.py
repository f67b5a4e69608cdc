"""tar (plain, gz, bz2, xz) and zip evidence, read in place (see :mod:`trowel.evidence.tar` and
:mod:`trowel.evidence.zip`)."""

from __future__ import annotations

from trowel.evidence.tar import TarSource
from trowel.evidence.zip import ZipSource

__all__ = ["TarSource", "ZipSource"]
