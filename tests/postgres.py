"""A real PostgreSQL cluster for the tests of the DuckLake backend, started once per run through
the same script a person uses (scripts/pg_local.sh), in a temporary directory, stopped at the end."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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

    def new_database(self) -> str:
        """A fresh, empty catalog database; its URL (``KZLOGFRAME_DB``'s form)."""
        name = f"store_{next(self._names)}"
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "kzlogframe", name],
                       check=True)
        return f"postgresql://kzlogframe@127.0.0.1:{self.port}/{name}"
