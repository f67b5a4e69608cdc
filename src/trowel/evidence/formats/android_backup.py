"""Android backups (``adb backup`` .ab files), versions 1 to 5, plain or zlib, unencrypted or AES-256.

Layout: header lines ``ANDROID BACKUP``, version, compressed flag (``0``/``1``), encryption (``none`` or
``AES-256``). An encrypted backup adds five lines: user-password salt (hex), master-key checksum salt (hex),
PBKDF2 rounds, user-key IV (hex) and the encrypted master-key blob (hex). The body follows: AES-256-CBC
(when encrypted) of a zlib stream (when compressed) of a tar archive.

The password opens the master-key blob (PBKDF2-HMAC-SHA1 with the user salt); the blob holds the master IV,
the master key and a checksum of the key. Android computes that checksum over the key bytes turned into Java
chars: from version 2 on each byte is sign-extended and the chars are UTF-8 encoded (the "utf-8-ish" form),
version 1 used the 8-bit bytes as they are (and, for the same reason, the low 8 bits of each password char).
Both forms are tried, so a backup made by any Android version opens.

The body is never held in memory nor written to disk: :class:`BackupBodyStream` decrypts and inflates on
the fly and offers a seekable view (a forward seek reads on, a backward seek restarts the pipeline). The tar
reader lists members in one pass; hashing the members in order costs one more pass.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from trowel.errors import EvidenceError, PasswordError
from trowel.evidence.archive import TarSource
from trowel.evidence.base import Entry
from trowel.evidence.detect import Format, register_format

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAGIC = b"ANDROID BACKUP\n"
SUPPORTED_VERSIONS = range(1, 6)
READ_CHUNK = 1 << 20
MAX_HEADER_LINE = 4096
MAX_ROUNDS = 1_000_000  # Android uses 10,000; a hostile header must not stall the open for minutes


@dataclass(frozen=True, slots=True)
class BackupHeader:
    """The parsed header of an Android backup; ``body_offset`` is where the body stream starts."""

    version: int
    compressed: bool
    encryption: str
    body_offset: int
    user_salt: bytes = b""
    checksum_salt: bytes = b""
    rounds: int = 0
    user_iv: bytes = b""
    master_blob: bytes = b""


def read_header(stream: BinaryIO, label: str) -> BackupHeader:
    """Parse the header lines; one clear error when they are not an Android backup header."""

    def line() -> str:
        raw = stream.readline(MAX_HEADER_LINE)
        if not raw.endswith(b"\n"):
            raise EvidenceError(f"{label}: Android backup header is truncated or malformed")
        try:
            return raw[:-1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise EvidenceError(f"{label}: Android backup header is not ASCII") from exc

    if line() != MAGIC[:-1].decode():
        raise EvidenceError(f"{label}: not an Android backup")
    try:
        version = int(line())
        compressed_flag = int(line())
    except ValueError as exc:
        raise EvidenceError(f"{label}: Android backup header has a bad version or compression flag") from exc
    if version not in SUPPORTED_VERSIONS:
        raise EvidenceError(f"{label}: Android backup version {version} is not supported (1 to 5 are)")
    if compressed_flag not in (0, 1):
        raise EvidenceError(f"{label}: Android backup compression flag {compressed_flag} is neither 0 nor 1")
    encryption = line()
    if encryption == "none":
        return BackupHeader(version, bool(compressed_flag), encryption, stream.tell())
    if encryption != "AES-256":
        raise EvidenceError(f"{label}: Android backup encryption {encryption!r} is not supported")
    try:
        user_salt = bytes.fromhex(line())
        checksum_salt = bytes.fromhex(line())
        rounds = int(line())
        user_iv = bytes.fromhex(line())
        master_blob = bytes.fromhex(line())
    except ValueError as exc:
        raise EvidenceError(f"{label}: Android backup encryption header is malformed ({exc})") from exc
    if not 0 < rounds <= MAX_ROUNDS:
        raise EvidenceError(f"{label}: Android backup declares {rounds} PBKDF2 rounds, outside 1..{MAX_ROUNDS}")
    if len(user_iv) != 16 or not master_blob or len(master_blob) % 16:
        raise EvidenceError(f"{label}: Android backup encryption header has a bad IV or master-key blob")
    return BackupHeader(version, bool(compressed_flag), encryption, stream.tell(), user_salt, checksum_salt,
                        rounds, user_iv, master_blob)


def pbkdf2_sha1(secret: bytes, salt: bytes, rounds: int) -> bytes:
    """PBKDF2-HMAC-SHA1 with a 256-bit output, as Android's backup code uses it."""
    return PBKDF2HMAC(algorithm=hashes.SHA1(), length=32, salt=salt, iterations=rounds).derive(secret)  # noqa: S303


def java_utf8ish(key: bytes) -> bytes:
    """The key bytes as Java chars (sign-extended bytes), UTF-8 encoded: Android's checksum input from v2."""
    chars = "".join(chr(b if b < 0x80 else 0xFF00 | b) for b in key)
    return chars.encode("utf-8")


def checksum_inputs(master_key: bytes, version: int) -> list[bytes]:
    """Both known checksum inputs, the one this version should use first."""
    variants = [java_utf8ish(master_key), master_key]
    return variants if version >= 2 else variants[::-1]


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(plain) + unpadder.finalize()


def password_inputs(password: str, version: int) -> list[bytes]:
    """The password as PBKDF2 input: UTF-8 (Android >= 2), or the low 8 bits of each char (version 1's bug).

    The two differ only for non-ASCII passwords; both are tried, the version's own first."""
    variants = [password.encode("utf-8")]
    eight_bit = bytes(ord(c) & 0xFF for c in password)
    if eight_bit != variants[0]:
        variants.append(eight_bit)
    return variants if version >= 2 else variants[::-1]


def _open_blob(user_key: bytes, header: BackupHeader) -> tuple[bytes, bytes, bytes] | None:
    """(master IV, master key, checksum) from the master-key blob, or None when the key is wrong."""
    try:
        blob = _aes_cbc_decrypt(user_key, header.user_iv, header.master_blob)
    except ValueError:
        return None
    fields: list[bytes] = []
    pos = 0
    for _ in range(3):
        if pos >= len(blob):
            return None
        length = blob[pos]
        fields.append(blob[pos + 1:pos + 1 + length])
        if len(fields[-1]) != length:
            return None
        pos += 1 + length
    master_iv, master_key, checksum = fields
    if len(master_iv) != 16 or len(master_key) != 32:
        return None
    return master_iv, master_key, checksum


def unlock_master_key(header: BackupHeader, password: str, label: str) -> tuple[bytes, bytes]:
    """Return (master key, master IV); :class:`PasswordError` when the password is wrong."""
    for secret in password_inputs(password, header.version):
        opened = _open_blob(pbkdf2_sha1(secret, header.user_salt, header.rounds), header)
        if opened is None:
            continue
        master_iv, master_key, checksum = opened
        for key_chars in checksum_inputs(master_key, header.version):
            if pbkdf2_sha1(key_chars, header.checksum_salt, header.rounds) == checksum:
                return master_key, master_iv
    raise PasswordError(f"wrong password for Android backup {label}")


class BackupBodyStream(io.RawIOBase):
    """The decrypted, inflated body (a tar) as a read-only seekable stream with bounded memory."""

    def __init__(self, path: Path, header: BackupHeader, key: bytes | None, iv: bytes | None, label: str) -> None:
        super().__init__()
        self._path = path
        self._header = header
        self._key = key
        self._iv = iv
        self._label = label
        self.warnings: list[str] = []
        self._host: BinaryIO | None = None
        self._restart()

    def _restart(self) -> None:
        if self._host is None:
            self._host = open(self._path, "rb")  # noqa: SIM115 - closed in close()
        self._host.seek(self._header.body_offset)
        self._decryptor = (Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
                           if self._key is not None and self._iv is not None else None)
        self._unpadder = padding.PKCS7(128).unpadder() if self._decryptor is not None else None
        self._inflater = zlib.decompressobj() if self._header.compressed else None
        self._pending = b""  # bytes to inflate
        self._buffer = bytearray()
        self._pos = 0
        self._raw_done = False
        self._eof = False

    def _note(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _raw(self) -> bytes:
        """The next piece of the plaintext (decrypted, not yet inflated) body; b"" at its end."""
        assert self._host is not None
        if self._raw_done:
            return b""
        data = self._host.read(READ_CHUNK)
        if self._decryptor is None or self._unpadder is None:
            if not data:
                self._raw_done = True
            return data
        if data:
            return self._unpadder.update(self._decryptor.update(data))
        self._raw_done = True
        try:
            return self._unpadder.update(self._decryptor.finalize()) + self._unpadder.finalize()
        except ValueError:
            self._note(f"{self._label}: encrypted body is truncated or damaged (bad final block)")
            return b""

    def _produce(self) -> bytes:
        """The next piece of the tar stream; b"" at its end."""
        if self._inflater is None:
            return self._raw()
        while True:
            if self._inflater.eof:
                return b""
            if self._inflater.unconsumed_tail:
                source = self._inflater.unconsumed_tail
            elif self._pending:
                source, self._pending = self._pending, b""
            else:
                source = self._raw()
                if not source:
                    try:
                        tail = self._inflater.flush()  # output zlib still holds for input already consumed
                    except zlib.error:
                        tail = b""
                    if not self._inflater.eof:
                        self._note(f"{self._label}: compressed body ends before the end of the zlib stream (truncated)")
                    self._inflater = zlib.decompressobj()
                    self._inflater.decompress(zlib.compress(b""))  # a finished inflater: no further output
                    return tail
            try:
                out = self._inflater.decompress(source, READ_CHUNK)
            except zlib.error as exc:
                self._note(f"{self._label}: compressed body is damaged ({exc})")
                self._raw_done = True
                self._inflater = zlib.decompressobj()
                self._inflater.decompress(zlib.compress(b""))  # a finished inflater: no further output
                return b""
            if out:
                return out

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, target: WriteableBuffer) -> int:
        view = memoryview(target).cast("B")
        want = len(view)
        while len(self._buffer) < want and not self._eof:
            piece = self._produce()
            if not piece:
                self._eof = True
                break
            self._buffer += piece
        n = min(want, len(self._buffer))
        view[:n] = self._buffer[:n]
        del self._buffer[:n]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("an Android backup body can only be seeked from its start")
        if offset < 0:
            raise ValueError("negative seek position")
        if offset < self._pos:
            self._restart()
        skip = offset - self._pos
        while skip > 0:
            n = len(self.read(min(skip, READ_CHUNK)) or b"")
            if n == 0:
                break
            skip -= n
        return self._pos

    def close(self) -> None:
        if self._host is not None:
            self._host.close()
            self._host = None
        super().close()


class AndroidBackupSource(TarSource):
    """An Android backup read as the tar it holds (``apps/<pkg>/<token>/...``, ``shared/<N>/...``)."""

    kind = "android-backup"

    def __init__(self, path: Path, password: str | None = None) -> None:
        label = str(path)
        try:
            with open(path, "rb") as stream:
                header = read_header(stream, label)
        except OSError as exc:
            raise EvidenceError(f"{label}: cannot read ({exc.strerror or exc})") from exc
        key = iv = None
        if header.encryption == "AES-256":
            if not password:
                raise PasswordError(f"{label}: Android backup is encrypted (AES-256); give its password with --password")
            key, iv = unlock_master_key(header, password, label)
        self.header = header
        self._body = BackupBodyStream(path, header, key, iv, f"{label} (Android backup)")
        try:
            super().__init__(path, fileobj=self._body, label=f"{label} (Android backup)")  # type: ignore[arg-type]
        except EvidenceError:
            self._body.close()
            raise
        self._take_body_warnings()

    def _take_body_warnings(self) -> None:
        for message in self._body.warnings:
            if message not in self.warnings:
                self.warnings.append(message)

    def entries(self) -> Iterator[Entry]:
        yield from super().entries()
        self._take_body_warnings()

    def describe(self) -> dict[str, object]:
        info: dict[str, object] = {
            "kind": self.kind, "members": self.member_count, "version": self.header.version,
            "compressed": self.header.compressed, "encryption": self.header.encryption,
        }
        if self.header.encryption != "none":
            info["pbkdf2_rounds"] = self.header.rounds
        return info

    def close(self) -> None:
        super().close()
        self._body.close()


register_format(Format("android-backup", lambda head: head.startswith(MAGIC), AndroidBackupSource))
