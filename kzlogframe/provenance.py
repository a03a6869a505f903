"""Where a statement of a logframe comes from: the line of its source document that holds its Kazakh text.

The source documents (``logframes/sources/``) are PDF conversions: words are letter-spaced, lines
break anywhere and the "Кезектілік:" side heading falls into the middle of sequencing paragraphs. So
the search ignores whitespace and that heading, as the seed-checking tests do. A statement is found
``verbatim`` (its whole text, contiguous), by its ``opening`` only (the matrix cells the conversion
split or shuffled: its first words are there, the rest is not contiguous), or not at all.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .catalog import logframes_dir
from .i18n import t
from .models import Logframe

OPENING_CHARS = 24  # the fewest opening characters of a split matrix cell that count as finding it
_IGNORED = re.compile(r"\s+|:?Кезектілік:?")


@dataclass(frozen=True)
class Located:
    """``first_line``–``last_line`` (1-based) of the document hold the statement; ``verbatim`` is
    False when only its opening words were found there."""

    document: str
    first_line: int
    last_line: int
    verbatim: bool


@dataclass(frozen=True)
class _Index:
    """A document without whitespace, and the line each of its kept characters stood on."""

    text: str
    line_starts: tuple[int, ...]  # offset in ``text`` where each line's first kept character falls

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)


def squash(text: str) -> str:
    """The text as the search compares it: no whitespace, no "Кезектілік" heading."""
    return _IGNORED.sub("", text)


@lru_cache(maxsize=16)
def _index(path: Path, mtime_ns: int) -> _Index:
    kept: list[str] = []
    starts: list[int] = []
    length = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        starts.append(length)
        piece = re.sub(r"\s+", "", line)
        kept.append(piece)
        length += len(piece)
    text = "".join(kept)
    # The heading is removed after joining (its colon may be on the next line); shift the line starts.
    removed = [(m.start(), m.end() - m.start()) for m in re.finditer(r":?Кезектілік:?", text)]
    if removed:
        starts = [s - sum(min(n, s - at) for at, n in removed if at < s) for s in starts]
        text = re.sub(r":?Кезектілік:?", "", text)
    return _Index(text, tuple(starts))


def _document(path: Path) -> _Index:
    return _index(path, path.stat().st_mtime_ns)


def locate(kk: str | None, path: Path, after_line: int = 1) -> Located | None:
    """Where ``kk`` stands in the document at ``path``: its first occurrence from ``after_line`` on
    (else anywhere), verbatim if the whole text is there, else by its opening words; None when
    neither is, when the document is missing, or when the text has no Kazakh to look for."""
    if not kk or not path.is_file():
        return None
    index = _document(path)
    wanted = squash(kk)
    if not wanted:
        return None
    start = index.line_starts[after_line - 1] if 1 < after_line <= len(index.line_starts) else 0
    for begin in (start, 0):
        if index.text.find(wanted, begin) >= 0:
            at, length = index.text.find(wanted, begin), len(wanted)
            return Located(path.name, index.line_of(at), index.line_of(at + length - 1), True)
        length = _longest_opening(index.text, wanted, begin)
        if length >= OPENING_CHARS:
            at = index.text.find(wanted[:length], begin)
            return Located(path.name, index.line_of(at), index.line_of(at + length - 1), False)
    return None


def _longest_opening(text: str, wanted: str, begin: int) -> int:
    """The length of the longest start of ``wanted`` found in ``text`` from ``begin`` (a found start's
    own starts are found too, so a binary search finds it)."""
    low, high = 0, len(wanted)
    while low < high:
        middle = (low + high + 1) // 2
        if text.find(wanted[:middle], begin) >= 0:
            low = middle
        else:
            high = middle - 1
    return low


def statement_sources(lf: Logframe, path: Path) -> dict[str, Located | None]:
    """Where every statement of ``lf`` comes from in its source document at ``path``, keyed by
    :func:`statement_key`. Level texts, activities, sequencing paragraphs and M&E provisions are
    searched from the top (section 7 defines the first three); a level's indicators, sources and assumptions from where the
    matrix reaches that level, so a short cell ("Шолулар.") is found in its own row, not an earlier one."""
    found: dict[str, Located | None] = {}
    cursor = 1
    for level in lf.levels():
        found[statement_key("level", level.code)] = locate(level.text.kk, path)
        cells = [(statement_key("indicator", i.code), i.text) for i in level.indicators]
        first = [found.setdefault(key, locate(text.kk, path, cursor)) for key, text in cells]
        lines = [place.first_line for place in first if place is not None and place.first_line >= cursor]
        cursor = min(lines, default=cursor)
        cells = [(statement_key("source", f"{level.code}.{n}"), s) for n, s in enumerate(level.sources, start=1)]
        cells += [(statement_key("assumption", a.id), a.text) for a in level.assumptions]
        for key, text in cells:
            found[key] = locate(text.kk, path, cursor)
    for result in lf.results:
        for activity in result.activities:
            found[statement_key("activity", activity.code)] = locate(activity.text.kk, path)
        if result.sequencing:
            found[statement_key("sequencing", result.code)] = locate(result.sequencing.kk, path)
    for provision in lf.monitoring:
        found[statement_key("monitoring", provision.kind.value)] = locate(provision.text.kk, path)
    return found


def statement_key(kind: str, code: str) -> str:
    """``level``, ``indicator``, ``source`` (level code and position from 1, ``R2.3``), ``assumption``,
    ``activity``, ``sequencing`` (result code) or ``monitoring`` (a provision's kind)."""
    return f"{kind}:{code}"


def source_path(lf: Logframe, directory: Path | None = None) -> Path | None:
    """The programme's source document in ``directory``'s ``sources/`` (the catalog's directory by
    default), or None when the logframe names none."""
    name = lf.programme.source_document
    return (directory or logframes_dir()) / "sources" / name if name else None


def document_label(lf: Logframe, lang: str) -> str:
    """How a reader knows the document: the Government resolution that carries it, else its file."""
    resolution = lf.programme.resolution
    if resolution:
        return t("source.document.resolution", lang, number=resolution.number)
    return lf.programme.source_document or ""


def describe(place: Located | None, document: str, lang: str) -> str:
    """One short line: the document and lines of a statement, or plainly that it is not there verbatim."""
    if place is None:
        return t("source.not_found", lang, document=document)
    if not place.verbatim:
        return t("source.opening", lang, document=document, first=place.first_line)
    if place.first_line == place.last_line:
        return t("source.line", lang, document=document, line=place.first_line)
    return t("source.lines", lang, document=document, first=place.first_line, last=place.last_line)
