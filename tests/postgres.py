"""A real PostgreSQL cluster for the tests of the DuckLake backend, started once per run through
the same script a person uses (scripts/pg_local.sh), in a temporary directory, stopped at the end."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kzlogframe.lake import data_path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg_local.sh"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    directory: Path
    port: int
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))
    _template: str | None = None

    @classmethod
    def start(cls) -> Cluster:
        # not under pytest's 0700 tmp dirs: as root the server runs as `postgres`, which must reach it
        directory = Path(tempfile.mkdtemp(prefix="kzlogframe-pg-"))
        cluster = cls(directory, _free_port())
        subprocess.run(["bash", str(SCRIPT), "start", str(directory), str(cluster.port)], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "PG_FAST": "1"})
        return cluster

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop", str(self.directory)], check=True)
        shutil.rmtree(self.directory, ignore_errors=True)

    def new_database(self, *, migrated: bool = False) -> str:
        """A fresh catalog database; its URL (``KZLOGFRAME_DB``'s form). Empty, or ``migrated``: a
        copy of one store migrated once for the run (migrating a DuckLake catalog takes seconds)."""
        name = f"store_{next(self._names)}"
        if migrated and self._template is None:
            self._template = self.new_database()
            subprocess.run([sys.executable, "-c", "import sys\nfrom kzlogframe.store import connect\n"
                            "with connect(sys.argv[1]): pass", self._template], cwd=ROOT, check=True)
        template = ["-T", self._template.rsplit("/", 1)[1]] if migrated else []
        subprocess.run([self._bin("createdb"), *self._client, *template, name], check=True)
        url = f"postgresql://kzlogframe@127.0.0.1:{self.port}/{name}"
        if migrated:  # the copy's data files go to its own folder, as a new store's would
            subprocess.run([self._bin("psql"), *self._client, "-q", "-d", name, "-c",
                            f"UPDATE ducklake_metadata SET value = '{data_path(url)}' WHERE key = 'data_path'"],
                           check=True)
        return url

    @property
    def _client(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "kzlogframe"]

    @staticmethod
    def _bin(name: str) -> str:
        return str(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1] / name)
