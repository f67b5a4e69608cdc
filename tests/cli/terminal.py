"""Run trowel as an examiner does: stderr (and optionally stdout) on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CONTROL = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|\r|\n")
HIDE_CURSOR = b"\x1b[?25l"  # rich hides the cursor while it draws a live progress display


@dataclass
class Run:
    status: int
    stdout: bytes  # the redirected file, or what the stdout terminal showed
    terminal: bytes  # raw bytes the stderr terminal received

    @property
    def stderr_text(self) -> str:
        """What the examiner reads on the stderr terminal at the end: lines a live display erased are gone."""
        return screen(self.terminal)


def screen(data: bytes) -> str:
    """The text a terminal shows after ``data``: cursor moves, line erases, carriage returns applied."""
    text = data.decode("utf-8", errors="replace")
    lines: list[list[str]] = [[]]
    row = col = 0
    at = 0

    def put(chunk: str) -> None:
        nonlocal col
        line = lines[row]
        for char in chunk:
            line.extend(" " * (col - len(line) + 1) if col >= len(line) else "")
            line[col] = char
            col += 1

    for match in CONTROL.finditer(text):
        put(text[at:match.start()])
        at = match.end()
        token = match.group(0)
        if token == "\r":
            col = 0
        elif token == "\n":
            row += 1
            col = 0
        elif match.group(2):
            arg, code = match.group(1), match.group(2)
            count = int(arg) if arg.isdigit() else 1
            if code == "A":
                row = max(0, row - count)
            elif code == "B":
                row += count
            elif code == "G":
                col = count - 1
            elif code == "K":
                del lines[min(row, len(lines) - 1)][0 if arg == "2" else col:]
        while len(lines) <= row:
            lines.append([])
    put(text[at:])
    shown = ["".join(line).rstrip() for line in lines]
    while shown and not shown[-1]:
        shown.pop()
    return "".join(line + "\n" for line in shown if line)


def run_trowel(args: list[str], stdout_file: Path | None, columns: int = 120, timeout: float = 180) -> Run:
    """trowel ARGS with stderr on a pty; stdout to ``stdout_file``, or to a second pty when it is None."""
    err_master, err_slave = pty.openpty()
    out_master = out_slave = None
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(columns), LINES="40")
    env.pop("NO_COLOR", None)
    env.pop("TERM_PROGRAM", None)
    handle = stdout_file.open("wb") if stdout_file is not None else None
    if handle is None:
        out_master, out_slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "trowel.cli.main", *args],
                                stdout=handle if handle is not None else out_slave, stderr=err_slave,
                                stdin=subprocess.DEVNULL, env=env)
        os.close(err_slave)
        if out_slave is not None:
            os.close(out_slave)
        seen = {err_master: bytearray(), **({out_master: bytearray()} if out_master is not None else {})}
        open_fds = set(seen)
        while open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], timeout)
            if not ready:
                proc.kill()
                raise TimeoutError(f"trowel {' '.join(args)} did not finish")
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the terminal closed with its last writer
                    chunk = b""
                if chunk:
                    seen[fd] += chunk
                else:
                    open_fds.discard(fd)
        status = proc.wait(timeout=timeout)
    finally:
        if handle is not None:
            handle.close()
        os.close(err_master)
        if out_master is not None:
            os.close(out_master)
    stdout = stdout_file.read_bytes() if stdout_file is not None else bytes(seen[out_master])  # type: ignore[index]
    return Run(status, stdout, bytes(seen[err_master]))
