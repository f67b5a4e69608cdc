"""Start-up: a command loads only its own group (the others' modules, numpy and the SQLite engine stay out)."""

from __future__ import annotations

import subprocess
import sys

from trowel import __version__
from trowel.cli.main import GROUPS, build_parser, command_named


def test_command_named_skips_global_flags_and_refuses_unknown_words() -> None:
    assert command_named(["-q", "--json", "net", "analyze", "x.pcap"]) == "net"
    assert command_named(["time", "decode", "1"]) == "time"
    assert command_named(["--help"]) is None  # the top-level help lists every group
    assert command_named(["--version"]) is None
    assert command_named(["nosuch", "x"]) is None  # argparse names the valid choices
    assert command_named([]) is None


def test_one_group_parser_has_only_that_command() -> None:
    sub = [a for a in build_parser("net")._actions if a.dest == "command"][0]
    assert sorted(sub.choices) == ["net"]  # type: ignore[attr-defined]
    sub = [a for a in build_parser()._actions if a.dest == "command"][0]
    assert sorted(sub.choices) == sorted(GROUPS)  # type: ignore[attr-defined]


def test_net_analyze_does_not_import_numpy_sqlite_or_other_groups() -> None:
    code = ("import sys\nfrom trowel.cli.main import main\ntry:\n    main(['net', 'analyze', '--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m == 'numpy' or m.startswith(('trowel.sqlite', 'trowel.case', "
            "'trowel.cli.'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "['trowel.cli.common', 'trowel.cli.main', 'trowel.cli.net']"


def test_version_has_one_source() -> None:
    out = subprocess.run([sys.executable, "-m", "trowel.cli.main", "--version"], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == f"trowel {__version__}"
    from importlib.metadata import version

    assert version("trowel") == __version__  # the installed metadata reads the same constant
