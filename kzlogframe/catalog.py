"""The bundled programmes: every ``*.yaml`` in the logframes directory, keyed by programme code."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .models import Logframe
from .validation import LogframeError, check_text
from .yaml_source import FileTooLarge, Problem, read_text

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "logframes"
_CACHE_SIZE = 256  # valid files remembered by content; a model is a few hundred KB
_parsed: dict[str, Logframe] = {}  # sha256 of a valid file's text → its model (models are frozen)


def logframes_dir() -> Path:
    return Path(os.environ.get("KZLOGFRAME_LOGFRAMES", DEFAULT_DIR))


def _load(path: Path) -> tuple[Logframe | None, list[Problem]]:
    """One file's model, or its errors at their lines. A file whose text was valid before costs a
    hash: reloading an unchanged catalog parses nothing."""
    try:
        text = read_text(path)
    except FileTooLarge as exc:
        return None, [Problem(str(path), 1, "(file)", str(exc))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), 1, "(file)", f"cannot read: {exc}")]
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if key in _parsed:
        return _parsed[key], []
    checked = check_text(text, str(path), fast=True)
    if checked.logframe is not None:
        if len(_parsed) >= _CACHE_SIZE:
            _parsed.pop(next(iter(_parsed)))
        _parsed[key] = checked.logframe
    return checked.logframe, checked.errors


def load_catalog(directory: Path | None = None) -> dict[str, Logframe]:
    """All logframes in ``directory``, sorted by file name; any error in any file refuses the lot."""
    directory = directory or logframes_dir()
    catalog: dict[str, Logframe] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        logframe, errors = _load(path)
        problems += errors
        if logframe is None:
            continue
        code = logframe.programme.code
        if code in catalog:
            problems.append(Problem(str(path), 1, "programme.code", f"programme code '{code}' is used by two files"))
        catalog[code] = logframe
    if problems:
        raise LogframeError(problems)
    return catalog
