"""Fixtures for the browse tests: one demo database per session (built by `analyze demo`'s own
function: real import, prices, sentiment model, align and compare), a live `analyze serve` on a
free loopback port, and a headless Chromium driven over the DevTools protocol."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    from analyzer.browse.demo import build_demo

    tmp = tmp_path_factory.mktemp("demo")
    path = tmp / "demo.db"
    lines: list[str] = []
    report = build_demo(path, echo=lines.append)  # reports in the default place, which serve mounts
    report["lines"] = lines
    report["path"] = path
    return report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, base: str, db_name: str, log: Path):
        self.proc, self.base, self.db_name, self.log = proc, base, db_name, log

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.base + path, params=params or None, timeout=30)


@pytest.fixture(scope="session")
def server(demo, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    exe = Path(sys.executable).parent / "analyze"
    cmd = [str(exe), "serve", "--db", str(demo["path"]), "--port", str(port)]  # host defaults to 127.0.0.1
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"analyze serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(base + "-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"analyze serve did not answer on {base} within 90 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield Server(proc, base, demo["path"].stem, log)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the process has not gone within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="session")
def metadata():
    return json.loads((REPO / "datasette_metadata.json").read_text())


class Page:
    """One Chromium tab over the DevTools Protocol, recording console errors and failed requests."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self._ids = iter(range(1, 10**9))
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params):
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def _drain(self, seconds: float) -> None:
        import websocket

        self.ws.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(30)

    def goto(self, url: str, timeout: float = 60) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == "Page.loadEventFired" for e in self.events):
                return
            self._drain(0.2)
        raise TimeoutError(f"{url} did not load in {timeout} s")

    def evaluate(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return res.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self._drain(0.25)
        return self.evaluate(expression)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed network requests seen since the last goto."""
        self._drain(0.3)
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(
                    "console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                )
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                out.append(f"network: {p.get('errorText')}")
            elif m == "Network.responseReceived" and p.get("response", {}).get("status", 200) >= 400:
                out.append(f"http {p['response']['status']}: {p['response']['url']}")
        return out

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000), "scale": 1},
            )
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile; yields a function that opens a new tab."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`make browser`) to run the browser tests")
    pytest.importorskip("websocket", reason="websocket-client (test extra) is needed to drive Chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    port = free_port()
    log = profile.parent / "chromium.log"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--remote-debugging-port={port}",
        "--remote-debugging-address=127.0.0.1",
        "--window-size=1280,1000",
        "about:blank",
    ]
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    pages: list[Page] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/json/version", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chromium did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)

        def new_page() -> Page:
            target = httpx.put(f"http://127.0.0.1:{port}/json/new?about:blank", timeout=10).json()
            page = Page(target["webSocketDebuggerUrl"])
            page.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
            pages.append(page)
            return page

        yield new_page
    finally:
        for page in pages:
            try:
                page.close()
            except Exception:
                pass
        stop(proc)


ARTIFACTS = REPO / "build" / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Kept after the run as test artifacts: build/test-artifacts/screenshots (not committed), or
    BROWSE_SCREENSHOTS (e.g. to refresh docs/screenshot.png by hand)."""
    path = Path(os.environ.get("BROWSE_SCREENSHOTS") or ARTIFACTS)
    path.mkdir(parents=True, exist_ok=True)
    return path
