"""Static analysis of Android apps: which files an app writes, and which evidence each file holds.

Public API: :func:`analyse_apk` (one APK -> :class:`AppAnalysis` with its :class:`Prediction` list).
The App Evidence Database built from many apps lives in :mod:`trowel.aed`.
"""

from trowel.apk.predict import AppAnalysis, Prediction, analyse_apk

__all__ = ["AppAnalysis", "Prediction", "analyse_apk"]
