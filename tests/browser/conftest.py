"""A real ``streamlit run`` on a free port and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import ADMIN, ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")


@contextmanager
def streamlit_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """``streamlit run app.py`` with ``env`` on a free port: its URL once healthy; stopped when the block ends."""
    port = _free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
            process.kill()
            process.wait()


def _serve(workdir: Path, extra_env: dict[str, str]) -> Iterator[dict]:
    """The app on the bundled logframes with the demo data in a fresh database."""
    db = workdir / "kzlogframe.duckdb"
    env = {**os.environ, "KZLOGFRAME_DB": str(db), **extra_env}
    subprocess.run([sys.executable, "-m", "kzlogframe", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log = workdir / "streamlit.log"
    with streamlit_server(env, log) as url:
        yield {"url": url, "db": db, "log": log}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    """Local single-user mode (no users file)."""
    workdir = tmp_path_factory.mktemp("server")
    yield from _serve(workdir, {"KZLOGFRAME_USERS": str(workdir / "no-users.yaml")})


TEAM = {"sc-member": "viewer", "ta-team": "uploader", "m-and-e": "exporter", "reviewer1": "reviewer"}


@pytest.fixture(scope="module")
def team_server(tmp_path_factory) -> Iterator[dict]:
    """With a users file: everyone signs in; passwords are '<name>-password'."""
    from kzlogframe.access import add_user

    workdir = tmp_path_factory.mktemp("team")
    users = workdir / "users.yaml"
    for name, role in TEAM.items():
        add_user(name, role, f"{name}-password", path=users, db=workdir / "kzlogframe.duckdb", actor=ADMIN)
    yield from _serve(workdir, {"KZLOGFRAME_USERS": str(users)})


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def wait_for_app(page: Page) -> None:
    """Streamlit is idle: the app is rendered and no script run is in progress."""
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " || !document.querySelector('[data-testid=stStatusWidget]').innerText.includes('Running')")
    page.wait_for_timeout(300)


def sign_in(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(f"{name}-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}").wait_for()
    wait_for_app(page)
