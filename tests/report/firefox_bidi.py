"""A small WebDriver BiDi client driving Debian's Firefox ESR (Playwright cannot drive stock Firefox and there is
no geckodriver here). Firefox is started headless with a fresh profile whose prefs turn off every background
service, its built-in BiDi endpoint is reached over a websocket, and every console entry, network request and
CSP violation is recorded so tests can prove that nothing failed, nothing ran and nothing left the page.
The browser process is always killed, and every wait has a deadline."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

FIREFOX = "/usr/bin/firefox-esr"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
START_TIMEOUT = 45.0
COMMAND_TIMEOUT = 30.0

# Prefs for the throw-away profile: no proxy lookup, no Safe Browsing lists, no updates, no telemetry, no
# captive-portal or connectivity probes, no remote settings, no first-run pages; BiDi as the remote protocol.
# The remote agent's "recommended" automation prefs are turned off: among them is
# security.fileuri.strict_origin_policy = false (every local file may read every other), which would hide exactly
# the file:// restrictions an examiner's Firefox applies. The strict policy (Firefox's default) is set explicitly,
# and a test proves it is in force (a file:// page cannot fetch its neighbour).
PREFS: dict[str, object] = {
    "remote.active-protocols": 1,
    "remote.prefs.recommended": False,
    "security.fileuri.strict_origin_policy": True,
    "network.proxy.type": 0,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.predictor.enabled": False,
    "network.http.speculative-parallel-limit": 0,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "app.normandy.enabled": False,
    "app.shield.optoutstudies.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.server": "",
    "toolkit.startup.max_resumed_crashes": -1,
    "services.settings.server": "data:,",
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "browser.search.update": False,
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.newtabpage.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.ping-centre.telemetry": False,
    "browser.newtabpage.activity-stream.feeds.telemetry": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "captivedetect.canonicalURL": "",
    "dom.push.connection.enabled": False,
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": False,
    "toolkit.telemetry.user_characteristics_ping.opt-out": True,
}


class BiDiError(RuntimeError):
    """A BiDi command answered with an error, timed out, or the browser went away."""


def _user_js() -> str:
    return "".join(f'user_pref("{name}", {json.dumps(value)});\n' for name, value in PREFS.items())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Firefox:
    """One BiDi session: commands are answered in order; events that arrive meanwhile are kept."""

    ws: ClientConnection
    log: Path
    next_id: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    context: str = ""

    def send(self, method: str, params: dict[str, Any], timeout: float = COMMAND_TIMEOUT) -> dict[str, Any]:
        self.next_id += 1
        cid = self.next_id
        self.ws.send(json.dumps({"id": cid, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BiDiError(f"{method}: no answer in {timeout:.0f} s")
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                raise BiDiError(f"{method}: Firefox closed the connection ({exc}); log {self.log}") from exc
            msg = json.loads(raw)
            if msg.get("type") == "event":
                self.events.append(msg)
            elif msg.get("id") == cid:
                if msg.get("type") == "error":
                    raise BiDiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
                result: dict[str, Any] = msg.get("result", {})
                return result

    def navigate(self, url: str) -> None:
        """Load a URL and wait until its load event has fired (every classic script has run by then)."""
        self.send("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str, timeout: float = COMMAND_TIMEOUT) -> Any:
        """Value of a JavaScript expression in the page (awaited if it is a promise), passed through JSON."""
        result = self.send("script.evaluate", {
            "expression": f"(async () => JSON.stringify(await ({expression})))()",
            "target": {"context": self.context}, "awaitPromise": True, "resultOwnership": "none"},
            timeout=timeout)
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BiDiError(f"page exception in {expression!r}: {details.get('text')}")
        value = result["result"]
        if value.get("type") == "undefined":
            return None
        return json.loads(value["value"])

    def wait_for(self, condition: str, timeout: float = 15.0) -> None:
        """Poll a JavaScript condition until it is true; fail with the condition's text after the deadline."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({condition})"):
            if time.monotonic() > deadline:
                raise BiDiError(f"still false after {timeout:.0f} s: {condition}")
            time.sleep(0.05)

    def screenshot(self, name: str) -> Path:
        data = self.send("browsingContext.captureScreenshot", {"context": self.context, "origin": "document"})
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def drain(self, seconds: float = 0.2) -> None:
        """Collect the events still in flight (console entries are sent after the page's own work)."""
        self.evaluate(f"new Promise(r => setTimeout(r, {int(seconds * 1000)}))")

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "network.beforeRequestSent"]

    def console(self) -> list[tuple[str, str, str]]:
        return [(e["params"].get("type", ""), e["params"].get("level", ""), e["params"].get("text", ""))
                for e in self.events if e["method"] == "log.entryAdded"]

    def problems(self) -> list[str]:
        """Every request that could leave the machine (not file:, not data:), and every console error or warning
        (uncaught page errors arrive as type "javascript", level "error") seen so far."""
        # data: URLs never reach a network; Firefox's own html.css loads its list-bullet font as one
        # (-moz-bullet-font) on any page with a <ul>, and reports it as a request of that page.
        out = [f"request {u}" for u in self.requests() if not u.startswith(("file://", "data:"))]
        out += [f"console {t}/{lvl}: {m}" for t, lvl, m in self.console() if lvl in ("error", "warn", "warning")]
        return out

    def reset_events(self) -> None:
        self.events.clear()


# Runs before any page script in every document: records CSP violations (a blocked script never reaches the
# console API) so a test can prove the report's own scripts were allowed and nothing else was attempted.
CSP_PROBE = ("() => { window.__cspViolations = []; document.addEventListener('securitypolicyviolation',"
             " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI), true); }")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _connect(port: int, proc: subprocess.Popen[bytes], log: Path) -> ClientConnection:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise BiDiError(f"firefox-esr exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            return connect(f"ws://127.0.0.1:{port}/session", open_timeout=5, max_size=64 * 1024 * 1024,
                           proxy=None)
        except (OSError, TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise BiDiError(f"no BiDi endpoint on port {port} after {START_TIMEOUT:.0f} s: {exc}") from exc
            time.sleep(0.25)


@contextmanager
def firefox(width: int = 1280, height: int = 900) -> Iterator[Firefox]:
    """Start headless Firefox ESR on a fresh profile, open a BiDi session with one tab, yield it; always kill it.
    Fails loudly when firefox-esr is not installed."""
    if not Path(FIREFOX).is_file():
        raise RuntimeError(f"{FIREFOX} is missing: install Debian's firefox-esr (scripts/system-deps.sh)")
    tmp = Path(tempfile.mkdtemp(prefix="trowel-firefox-"))
    profile = tmp / "profile"
    profile.mkdir()
    (profile / "user.js").write_text(_user_js(), encoding="utf-8")
    log = tmp / "firefox.log"
    port = _free_port()
    env = {**os.environ, "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1", "HOME": str(tmp)}
    with log.open("wb") as out:
        proc = subprocess.Popen([FIREFOX, "--headless", f"--remote-debugging-port={port}", "--profile",
                                 str(profile), "--no-remote", "--new-instance", "about:blank"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
    try:
        with _connect(port, proc, log) as ws:
            ff = Firefox(ws, log)
            ff.send("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": False}}})
            ff.context = ff.send("browsingContext.create", {"type": "tab"})["context"]
            # events and the CSP probe only for the test's tab: Firefox's own hidden pages are not the report's
            ff.send("session.subscribe", {"events": ["log.entryAdded", "network.beforeRequestSent"],
                                          "contexts": [ff.context]})
            ff.send("script.addPreloadScript", {"functionDeclaration": CSP_PROBE, "contexts": [ff.context]})
            ff.send("browsingContext.setViewport", {"context": ff.context,
                                                    "viewport": {"width": width, "height": height}})
            yield ff
            with suppress(BiDiError):
                ff.send("session.end", {}, timeout=5)
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
