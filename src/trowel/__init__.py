"""trowel: find, extract, recover and date the evidence Android apps leave behind."""

# The one place the version is written: pyproject.toml reads it from here (``[tool.setuptools.dynamic]``), so
# the installed metadata and what the tool records in a case can never differ, and start-up does not pay for
# importlib.metadata (about 50 ms).
__version__ = "0.1.0"

__all__ = ["__version__"]
