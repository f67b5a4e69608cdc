"""Benchmark: ``trowel net analyze`` on a generated capture of about 1 GB, side by side with
``tshark -r F -q -z conv,tcp`` and ``tshark -r F -q --export-objects http,DIR`` on the same file.

Targets (issues 7 and 16): at least 1.5 times tshark's speed for the same output (tshark doing the
conversations and the HTTP export in one run), under 1 GB of memory. ``--scale 0.1``
builds about 100 MB; ``--quick`` is ``--scale 0.05``. The capture is built once under ``--work`` (default
/tmp/trowel-bench-net) and reused when it exists with the same size.

The capture repeats one unit of traffic with a new client port (and, every 3,800 units, a new client address,
so no four-tuple repeats), new times and a distinct body counter each
time: an HTTP/1.1 keep-alive connection carrying two 32 KiB objects (so each unit gives two distinct files
to both tools), a TLS-looking connection on 443, 40 small UDP call packets, a real TLS 1.3 connection (curl
and openssl s_server, from tests/fixtures/net/live/tls13.pcap, decrypted by both tools with its key log)
and a real QUIC v1 connection (aioquic, from live/quic.pcap). TCP/UDP checksums of the copies are not
recomputed (neither tool checks them by default).

Both tools are timed by wall clock and CPU (user + system, children included). trowel runs with its default
``--jobs`` (the machine's processors, at most 4: worker processes share the capture by flow), tshark uses one
core; the target is judged by wall clock, the examiner's speed, with the load average printed beside it (on a
shared machine the wall clock also measures the other processes); the CPU ratio is printed too. Memory is the
largest process's peak and the peak of the sum over trowel's processes (proportional set sizes: pages the
processes share, such as the mapped capture, count once; sampled every 50 ms). trowel runs
with compiled bytecode, as an installed package would (a warm-up run fills a bytecode cache under --work).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.net import tlsmaterial as tm  # noqa: E402
from tests.fixtures.net.make_more import read_pcap  # noqa: E402
from tests.fixtures.net.pcapwriter import ETHERNET, TcpTalk, ip, link, udp  # noqa: E402

from trowel.net.shards import shard_count  # noqa: E402

TARGET_MB = 1024.0
TARGET_SPEED = 1.5
URL_MARK = b"u0000000"  # replaced by the unit number (8 hex digits): tshark names files by the last segment
LIVE = ROOT / "tests" / "fixtures" / "net" / "live"


def live_connection(name: str, client_port: int, server_port: int) -> list[tuple[int, bytes]]:
    """The frames of the first connection of a live capture, times from 0, its ports renamed."""
    _linktype, frames = read_pcap(LIVE / name)
    first = frames[0][1]
    cport = struct.unpack_from("!H", first, 14 + 20)[0]
    out = []
    for ts, frame in frames:
        sport, dport = struct.unpack_from("!HH", frame, 14 + 20)
        if cport not in (sport, dport):
            continue
        data = bytearray(frame)
        ports = (client_port, server_port) if sport == cport else (server_port, client_port)
        struct.pack_into("!HH", data, 14 + 20, *ports)
        out.append((ts - frames[0][0], bytes(data)))
    return out
T0 = 1_600_000_000 * 1_000_000_000
BODY = 32 * 1024


def unit_template() -> tuple[list[tuple[int, bytes]], list[int], list[tuple[int, int]]]:
    """(packets as (time offset, frame), frames whose client port is patched, (frame, offset) of body
    counters)."""
    frames: list[tuple[int, bytes]] = []
    body_marks: list[tuple[int, int]] = []
    http = TcpTalk("10.0.0.2", 50000, "10.0.0.80", 80)
    t = http.handshake(0)
    for n in range(2):
        t = http.send(t, 0, f"GET /obj/{n}-{URL_MARK.decode()}.bin HTTP/1.1\r\nHost: bench.example\r\n\r\n".encode())
        body = bytes([n + 1]) * BODY
        t = http.send(t, 1, f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            f"Content-Length: {BODY}\r\n\r\n".encode() + body, step=50_000)
    http.close(t)
    for ts, packet in http.packets:
        frames.append((ts, link(ETHERNET, packet)))
    tls = TcpTalk("10.0.0.2", 50001, "10.0.0.43", 443)
    t = tls.handshake(5_000_000)
    t = tls.send(t, 0, tm.client_hello("chat.imo.im", ["http/1.1"]))
    t = tls.send(t, 1, tm.record(23, bytes(3000)))
    tls.close(t)
    frames += [(ts, link(ETHERNET, p)) for ts, p in tls.packets]
    for i in range(40):
        payload = b"\x09\x02" + struct.pack("<I", i) + bytes(4) if i % 10 == 0 else b"\x90\x01" + bytes(158)
        src, dst = ("10.0.0.2", "10.0.0.99") if i % 2 == 0 else ("10.0.0.99", "10.0.0.2")
        sp, dp = (50002, 30000) if i % 2 == 0 else (30000, 50002)
        frames.append((6_000_000 + i * 20_000_000, link(ETHERNET, ip(src, dst, 17, udp(src, sp, dst, dp, payload)))))
    frames += [(600_000_000 + ts, f) for ts, f in live_connection("quic.pcap", 50001, 4433)]
    frames += [(850_000_000 + ts, f) for ts, f in live_connection("tls13.pcap", 50003, 8443)]
    frames.sort(key=lambda item: item[0])
    for index, (_ts, frame) in enumerate(frames):  # the first segment of each body carries the counter
        at = frame.find(b"\r\n\r\n" + bytes([1]) * 8)
        at = at if at >= 0 else frame.find(b"\r\n\r\n" + bytes([2]) * 8)
        if at >= 0:
            body_marks.append((index, at + 4))
        at = frame.find(URL_MARK)
        if at >= 0:  # the unit number goes into the URL too: every object has its own name for tshark
            body_marks.append((index, -at))
    return frames, list(range(len(frames))), body_marks


def plan(target_bytes: int) -> tuple[int, int]:
    """(units, frames per unit) for a capture of about ``target_bytes``."""
    frames, _ports, _marks = unit_template()
    return max(1, target_bytes // sum(16 + len(f) for _t, f in frames)), len(frames)


def build(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write the capture; returns (frames, objects)."""
    frames, _ports, marks = unit_template()
    units, _per_unit = plan(target_bytes)
    port_at = 14 + 20  # Ethernet + IPv4: source port, destination port
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, ETHERNET))
        templates = [bytearray(f) for _t, f in frames]
        mark_at: dict[int, list[int]] = {}
        for index, at in marks:
            mark_at.setdefault(index, []).append(at)
        originals = [(bytes(f[26:30]), bytes(f[30:34])) for f in templates]  # each frame's IPv4 addresses
        for u in range(units):
            base = T0 + u * 1_000_000_000
            shift = (u % 3800) * 4  # client ports 50000-65203, reused every 3800 units ...
            cycle = u // 3800  # ... by a client whose address differs: no connection repeats its four-tuple
            for index, (offset, _frame) in enumerate(frames):
                data = templates[index]
                sport, dport = struct.unpack_from("!HH", data, port_at)
                src, dst = originals[index]
                if sport >= 50000:
                    struct.pack_into("!H", data, port_at, 50000 + (sport - 50000) % 4 + shift)
                    src = _client(src, cycle)
                elif dport >= 50000:
                    struct.pack_into("!H", data, port_at + 2, 50000 + (dport - 50000) % 4 + shift)
                    dst = _client(dst, cycle)
                if (src, dst) != (bytes(data[26:30]), bytes(data[30:34])):
                    data[26:34] = src + dst
                    data[24:26] = b"\0\0"
                    data[24:26] = struct.pack("!H", _ip_checksum(bytes(data[14:34])))
                for at in mark_at.get(index, ()):
                    if at > 0:
                        struct.pack_into("<Q", data, at, u)
                    else:
                        data[-at:-at + len(URL_MARK)] = b"%08x" % u
                sec, ns = divmod(base + offset, 1_000_000_000)
                out.write(struct.pack("<IIII", sec, ns // 1000, len(data), len(data)))
                out.write(data)
    return units * len(frames), units * 2


def _client(address: bytes, cycle: int) -> bytes:
    """The client's IPv4 address in the given cycle of client ports (the third byte counts the cycles)."""
    return address[:2] + bytes([(address[2] + cycle) % 256]) + address[3:]


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


PROBE = """\
import resource, subprocess, sys, time
from pathlib import Path

def tree_rss(pid):
    total, todo = 0, [pid]
    while todo:
        here = todo.pop()
        try:
            for line in Path(f"/proc/{here}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{here}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total

out = open(sys.argv[1], 'wb') if sys.argv[1] != '-' else subprocess.DEVNULL
t = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
peak_sum = 0
while proc.poll() is None:
    peak_sum = max(peak_sum, tree_rss(proc.pid))
    time.sleep(0.05)
rc = proc.returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, rc, u.ru_stime, peak_sum / 1024)
"""


def measure(cmd: list[str], stdout: Path | None = None,
            env: dict[str, str] | None = None) -> tuple[float, float, float, float, float]:
    """Wall seconds, CPU seconds (user + system, every process of the command), peak resident memory of its
    largest process (MB), system seconds, and the peak of the sum of its processes' proportional set sizes
    (MB; shared pages count once; sampled every 50 ms) of one command, run in a fresh process after the file system's pending writes are
    flushed (so neither tool pays for the other's). The system part (mostly creating the exported files)
    varies several-fold from run to run on this machine."""
    os.sync()
    res = subprocess.run([sys.executable, "-c", PROBE, str(stdout) if stdout else "-", *cmd], capture_output=True,
                         text=True, check=True, env=env)
    seconds, cpu, mb, rc, system, mb_sum = res.stdout.split()
    if rc != "0":
        raise SystemExit(f"command failed ({rc}): {' '.join(cmd)}")
    return float(seconds), float(cpu), float(mb), float(system), float(mb_sum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="capture size in GB (default 1.0)")
    parser.add_argument("--quick", action="store_true", help="same as --scale 0.05")
    parser.add_argument("--work", default="/tmp/trowel-bench-net", help="folder for the capture and outputs")
    parser.add_argument("--jobs", type=int, default=None,
                        help="trowel's --jobs (default: trowel's own default, the machine's processors up to 4)")
    args = parser.parse_args()
    scale = 0.05 if args.quick else args.scale
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    capture = work / f"bench-v2-{scale:g}.pcap"  # v2: no four-tuple repeats at any scale
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark is not installed: run scripts/system-deps.sh", file=sys.stderr)
        return 1
    started = time.perf_counter()
    units, per_unit = plan(int(scale * 1_000_000_000))
    packets = units * per_unit
    if not capture.exists():
        frames, objects = build(capture, int(scale * 1_000_000_000))
        print(f"built {capture} ({capture.stat().st_size / 1e6:.0f} MB, {frames} frames, {objects} objects) in "
              f"{time.perf_counter() - started:.1f} s")
    size_mb = capture.stat().st_size / 1e6
    ours_out = work / "trowel-out"
    tshark_objs = work / "tshark-objects"
    for folder in (ours_out, tshark_objs):
        shutil.rmtree(folder, ignore_errors=True)
    tshark_objs.mkdir()
    keylog = LIVE / "tls13.keylog"
    # Bytecode as an installed package has it: a warm-up run on a small live capture compiles every module the
    # analysis imports into a cache under --work (the shell may set PYTHONDONTWRITEBYTECODE, which would make
    # every measured run compile trowel's sources again; tshark has no such cost).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    warm = work / "warm-up"
    shutil.rmtree(warm, ignore_errors=True)
    measure([sys.executable, "-m", "trowel.cli.main", "--quiet", "net", "analyze", str(LIVE / "tls13.pcap"), "--out",
             str(warm), "--json", "--keylog", str(keylog)], env=env)
    trowel = [sys.executable, "-m", "trowel.cli.main", "--quiet", "net", "analyze", str(capture), "--out",
              str(ours_out), "--json", "--keylog", str(keylog)]
    if args.jobs is not None:
        trowel += ["--jobs", str(args.jobs)]
    load = os.getloadavg()[0]
    ours_s, ours_cpu, ours_mb, ours_sys, ours_sum = measure(trowel, work / "trowel.jsonl", env=env)
    lines = (work / "trowel.jsonl").read_text().splitlines()
    both_s, both_cpu, both_mb, both_sys, _both_sum = measure([tshark, "-r", str(capture), "-q", "-o", f"tls.keylog_file:{keylog}",
                                         "-z", "conv,tcp", "-z", "conv,udp", "--export-objects",
                                         f"http,{tshark_objs}"])
    ours_objects = sum(1 for line in lines if '"kind":"http_object"' in line)
    ours_flows = sum(1 for line in lines if '"kind":"flow"' in line)
    ours_quic = sum(1 for line in lines if '"kind":"quic_session"' in line)
    ours_tls = sum(1 for line in lines if '"kind":"tls_session"' in line and '"decrypted":true' in line)
    tshark_files = sum(1 for _ in tshark_objs.iterdir())

    def row(name: str, wall: float, cpu: float, mb: float, system: float, extra: str = "") -> str:
        return (f"{name:<54} wall {wall:7.1f} s  cpu {cpu:7.1f} s (system {system:4.1f} s)  "
                f"{packets / cpu:>9,.0f} packets/cpu-s  peak {mb:6.0f} MB{extra}")

    jobs = shard_count(capture, args.jobs)
    print(f"capture: {size_mb:.0f} MB, {packets} frames; {os.cpu_count()} CPUs, load average {load:.2f} before "
          f"the runs, {os.getloadavg()[0]:.2f} after")
    print(row(f"trowel net analyze --keylog (all records, {jobs} jobs)", ours_s, ours_cpu, ours_mb, ours_sys,
              f"  ({ours_flows} flows, {ours_objects} objects, {ours_tls} TLS decrypted, {ours_quic} QUIC)"))
    print(row("tshark conv,tcp + conv,udp + export http", both_s, both_cpu, both_mb, both_sys,
              f"  ({tshark_files} files)"))
    speed = both_s / ours_s
    print(f"target: at least {TARGET_SPEED}x tshark's speed by wall clock: "
          f"{'met' if speed >= TARGET_SPEED else 'NOT met'} ({speed:.2f}x at load average {load:.2f} on "
          f"{os.cpu_count()} CPUs); CPU-time ratio {both_cpu / ours_cpu:.2f}x")
    peak = max(ours_mb, ours_sum)
    print(f"target: peak memory under {TARGET_MB:.0f} MB: {'met' if peak < TARGET_MB else 'NOT met'} "
          f"(largest process {ours_mb:.0f} MB, sum over trowel's {jobs + 1 if jobs > 1 else 1} processes "
          f"{ours_sum:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
