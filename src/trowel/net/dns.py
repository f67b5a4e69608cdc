"""DNS answers seen in a capture: which names resolved to which addresses (A and AAAA records of
responses over UDP port 53), so that a connection to an address can be tied to the name the app asked for.
Bounded: at most ``MAX_ADDRESSES`` addresses are remembered (the first name given for each wins)."""

from __future__ import annotations

MAX_ADDRESSES = 100_000
MAX_POINTERS = 32


def _name(data: bytes, pos: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at ``pos``: (name, position after it); ValueError when damaged."""
    labels: list[str] = []
    end = -1
    jumps = 0
    while True:
        if pos >= len(data):
            raise ValueError("name past the end")
        length = data[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(data) or jumps >= MAX_POINTERS:
                raise ValueError("bad compression pointer")
            if end < 0:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | data[pos + 1]
            jumps += 1
            continue
        if length & 0xC0:
            raise ValueError("bad label type")
        pos += 1
        if length == 0:
            break
        labels.append(data[pos:pos + length].decode("ascii", "replace"))
        pos += length
    return ".".join(labels).lower(), end if end >= 0 else pos


def answers(data: bytes) -> list[tuple[str, bytes]]:
    """(question name, address) for every A/AAAA answer of a DNS response; [] for anything else."""
    if len(data) < 12 or not data[2] & 0x80:
        return []
    qd = (data[4] << 8) | data[5]
    an = (data[6] << 8) | data[7]
    out: list[tuple[str, bytes]] = []
    try:
        pos = 12
        asked = ""
        for _ in range(qd):
            asked, pos = _name(data, pos)
            pos += 4
        for _ in range(an):
            _owner, pos = _name(data, pos)
            if pos + 10 > len(data):
                break
            rtype = (data[pos] << 8) | data[pos + 1]
            rdlen = (data[pos + 8] << 8) | data[pos + 9]
            pos += 10
            rdata = data[pos:pos + rdlen]
            pos += rdlen
            if (rtype == 1 and rdlen == 4) or (rtype == 28 and rdlen == 16):
                out.append((asked or _owner, bytes(rdata)))
    except ValueError:
        return out
    return out


class DnsNames:
    """Addresses and the names they were resolved from."""

    def __init__(self) -> None:
        self.by_address: dict[bytes, str] = {}

    def add(self, payload: bytes) -> None:
        for name, address in answers(payload):
            if address not in self.by_address and len(self.by_address) < MAX_ADDRESSES:
                self.by_address[address] = name
