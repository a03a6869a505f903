import shutil
from pathlib import Path

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from streamlit.testing.v1 import AppTest

from kzlogframe.access import User
from kzlogframe.models import Logframe
from kzlogframe.validation import check_file
from tests.postgres import Cluster

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ADMIN = User("test-admin", "admin")  # who the tests act as when a write needs someone
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update",
                  # many tabs at once (the load test): keep every one of them rendering
                  "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                  "--disable-backgrounding-occluded-windows"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole run: Playwright's sync API allows one per thread."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/setup.sh (installs Debian's chromium)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


BACKENDS = ("duckdb", "ducklake")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory) -> Iterator[Cluster]:
    """A real PostgreSQL server for the DuckLake backend, for the whole run; its data files (Parquet)
    go under a temporary folder."""
    cluster = Cluster.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KZLOGFRAME_DATA_PATH", str(tmp_path_factory.mktemp("ducklake-data")))
        yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The store backend a test of the store contract runs on: each such test runs on both."""
    return request.param


@pytest.fixture
def new_store(backend, tmp_path, request) -> Callable[..., Path | str]:
    """Makes a store without data on the test's backend: a new DuckDB file, or a DuckLake catalog
    database, empty or (``migrated=True``, quicker) with the schema in place."""
    files = iter(tmp_path / f"store-{n}.duckdb" for n in range(1, 1000))
    if backend == "duckdb":
        return lambda migrated=False: next(files)
    return request.getfixturevalue("postgres").new_database


@pytest.fixture
def store_db(new_store) -> Path | str:
    """A store without data on the test's backend (``--db``/``KZLOGFRAME_DB``'s value)."""
    return new_store(migrated=True)


@pytest.fixture
def minimal_text() -> str:
    return (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The bundled programmes with the demo data (measurements and activity dates), built once for
    the whole run through the CLI a newcomer uses; tests only read it."""
    from kzlogframe.cli import main

    db = tmp_path_factory.mktemp("demo-store") / "demo.duckdb"
    assert main(["--db", str(db), "demo"]) == 0
    return db


@pytest.fixture(scope="session")
def demo_backup(demo_store, tmp_path_factory) -> Path:
    """A backup of :func:`demo_store`: restoring it puts the demo on DuckLake far quicker than the
    demo's hundreds of small writes."""
    from kzlogframe.backup import backup

    folder = tmp_path_factory.mktemp("demo-backup")
    copy = folder / "demo.duckdb"
    shutil.copyfile(demo_store, copy)  # the backup's audit entry goes into the copy, not the shared store
    backup(folder / "backup", ADMIN, copy)
    return folder / "backup"


def demo_on_ducklake(postgres: Cluster, demo_backup: Path) -> str:
    """A new DuckLake store on ``postgres`` holding the demo data (its backup restored); its URL."""
    from kzlogframe.backup import restore

    url = postgres.new_database()
    restore(demo_backup, ADMIN, url)
    return url


@pytest.fixture(scope="session")
def demo_lake_store(demo_backup, postgres) -> str:
    """The demo store on DuckLake, shared by the tests that compare the two backends and change nothing."""
    return demo_on_ducklake(postgres, demo_backup)


@pytest.fixture
def own_lake_demo_store(demo_backup, postgres) -> str:
    """The demo data in a DuckLake store of the test's own: for tests that write."""
    return demo_on_ducklake(postgres, demo_backup)


@pytest.fixture(params=BACKENDS)
def own_demo_store(request, demo_store, tmp_path) -> Path | str:
    """The demo data in a store of the test's own, on each backend in turn: for tests that write."""
    if request.param == "duckdb":
        target = tmp_path / "store.duckdb"
        shutil.copyfile(demo_store, target)
        return target
    return request.getfixturevalue("own_lake_demo_store")


@pytest.fixture
def app(demo_store, monkeypatch) -> AppTest:
    """The whole app, as a reader first sees it, on the shared demo store."""
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    return at


def load_logframe(path: Path) -> Logframe:
    """A logframe file the test needs to be valid: fails the test with its problems otherwise."""
    checked = check_file(path)
    assert checked.logframe is not None, "\n".join(str(p) for p in checked.problems)
    return checked.logframe


def open_page(script: str, timeout: float = 60) -> AppTest:
    """The app as Streamlit runs it, switched to ``script`` (e.g. ``views/upload.py``) without an error."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout).run()
    at.switch_page(script).run()
    assert not at.exception
    return at


@pytest.fixture
def own_store_and_users(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A store and a users file of the test's own, chosen through the environment as the app and the
    command line choose them."""
    db, users = tmp_path / "store.duckdb", tmp_path / "users.yaml"
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(users))
    return db, users
