"""The exception hierarchy.

Every error trowel raises on purpose derives from :class:`TrowelError`; its message is one line that an
examiner can read without a traceback. Commands turn it into ``trowel: <message>`` and exit status 1.
"""


class TrowelError(Exception):
    """Base class: a finding could not be produced."""


class UsageError(TrowelError):
    """The command line or an API call was used wrongly (exit status 2)."""


class EvidenceError(TrowelError):
    """An evidence source cannot be read: missing, unknown format, truncated, corrupt."""


class UnknownFormatError(EvidenceError):
    """The content does not match any evidence format trowel knows."""


class PasswordError(EvidenceError):
    """An encrypted evidence source needs a password, or the one given is wrong."""


class UnsafeArchiveError(EvidenceError):
    """An archive member tries to escape the scratch folder or expands beyond the bomb limits."""


class EvidenceChangedError(TrowelError):
    """An input's hash at the end of a run differs from its hash at the start."""


class CaseError(TrowelError):
    """The case folder or case store cannot be created, opened or migrated."""


class ParseError(TrowelError):
    """A parser could not make sense of one file (recorded as a warning; the run goes on)."""


class SqliteFormatError(ParseError):
    """Bytes that should be an SQLite structure are not."""


class TimestampError(TrowelError):
    """A value cannot be decoded or encoded in the requested timestamp format."""


class CaptureError(ParseError):
    """A packet capture cannot be read."""


class ApkError(ParseError):
    """An APK or DEX file cannot be analysed."""
