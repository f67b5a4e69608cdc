"""trowel: find, extract, recover and date the evidence Android apps leave behind."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trowel")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
