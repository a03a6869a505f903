"""The bundled programmes: every ``*.yaml`` in the logframes directory, keyed by programme code."""

from __future__ import annotations

import os
from pathlib import Path

from .models import Logframe
from .validation import LogframeError, check_file
from .yaml_source import Problem

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "logframes"


def logframes_dir() -> Path:
    return Path(os.environ.get("KZLOGFRAME_LOGFRAMES", DEFAULT_DIR))


def load_catalog(directory: Path | None = None) -> dict[str, Logframe]:
    """All logframes in ``directory``, sorted by file name; any error in any file refuses the lot."""
    directory = directory or logframes_dir()
    catalog: dict[str, Logframe] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        checked = check_file(path)
        problems += checked.errors
        if checked.logframe is None:
            continue
        code = checked.logframe.programme.code
        if code in catalog:
            problems.append(Problem(str(path), 1, "programme.code", f"programme code '{code}' is used by two files"))
        catalog[code] = checked.logframe
    if problems:
        raise LogframeError(problems)
    return catalog
