"""An uploaded text file's encoding, decided from its bytes before DuckDB reads anything.

A file that decodes as UTF-8 is UTF-8 (DuckDB reads it in place); one that does not is
Windows-1251, transcoded in one pass to a temporary UTF-8 copy, unless some of its lines are UTF-8
too, which would be garbled: such a file is refused, naming lines in each. Kazakh letters that
Windows-1251 cannot hold are warned of (:func:`lost_letter_warnings`). Both importers (values and
money) read their files through :func:`prepare`.
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .i18n import t

SHOWN_LINES = 5  # line numbers listed per encoding in a mixed-encoding refusal


class UploadError(ValueError):
    """The file cannot be read as a measurement table at all (encoding, header, empty)."""


_CHUNK = 1 << 20
# Byte pairs that open UTF-8 Cyrillic letters (А–я, Ё/ё, Kazakh Ә Ғ Қ Ң Ө Ұ Ү Һ І), « » NBSP ° and
# № / – — “ ” in UTF-8. In Windows-1251 text these are rare pairs (Р, С, Т, У, В or в followed by a
# punctuation byte), and every line where one occurs is then decoded to tell.
_UTF8_HINTS = tuple(re.compile(p) for p in (rb"\xd0[\x81-\xbf]", rb"\xd1[\x80-\x9f]", rb"\xd2[\x80-\xbf]",
                                             rb"\xd3[\x80-\xbf]", rb"\xc2[\xa0-\xbf]", rb"\xe2[\x80\x84][\x80-\xbf]"))
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass
class FileFacts:
    encoding: str
    readable: Path  # what DuckDB reads: the file itself, or its UTF-8 copy
    lines: int  # physical lines, not counting blank lines at the end
    sha256: str
    lost_letters: dict[str, list[int]] = field(default_factory=dict)  # cp1251 hint -> first lines


# What Windows-1251 did to Kazakh text: the rule is :func:`_lost_letters`'s.
_CP1251_LETTER = rb"[\xc0-\xff\xa8\xb8\xb2\xb3]"
_LOST_LETTER_HINTS = {
    "substituted": re.compile(rb"\?" + _CP1251_LETTER),
    "kazakh": re.compile(rb"[\xc0-\xff][\xb2\xb3]|[\xb2\xb3][\xc0-\xff]"),
}


def _line_list(lines: list[int], more: bool) -> str:
    return ", ".join(str(n) for n in lines) + (" …" if more else "")


def prepare(path: Path, file_name: str, lang: str = "en") -> FileFacts:
    """Encoding, transcoded copy, sha256 and line count in at most two passes over the bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines, offset, bad_at, first_utf8 = 0, 0, None, None
    last = b""
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            if bad_at is None and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                    where = _NON_ASCII.search(chunk) if first_utf8 is None else None
                    if where is not None:
                        first_utf8 = newlines + chunk.count(b"\n", 0, where.start()) + 1
                except UnicodeDecodeError as exc:
                    bad_at = offset + exc.start
            newlines += chunk.count(b"\n")
            offset += len(chunk)
            last = (last + chunk)[-(1 << 16):]
    if bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_at = offset - 1
    lines = _content_lines(newlines, last)
    if bad_at is None:
        return FileFacts("utf-8", path, lines, digest.hexdigest())
    lost: dict[str, list[int]] = {hint: [] for hint in _LOST_LETTER_HINTS}
    readable = _transcode(path, file_name, bad_at, first_utf8, lang, lost)
    return FileFacts("cp1251", readable, lines, digest.hexdigest(), {k: v for k, v in lost.items() if v})


def _content_lines(newlines: int, tail: bytes) -> int:
    """Physical lines of a file with ``newlines`` line feeds ending in ``tail``, less blank lines at its end."""
    lines = newlines + (0 if tail.endswith(b"\n") else 1)
    blank_at_end = max(tail[len(tail.rstrip(b"\r\n")):].count(b"\n") - 1, 0)
    return lines - blank_at_end


def _line_at(path: Path, offset: int) -> int:
    with open(path, "rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def _transcode(path: Path, file_name: str, bad_at: int, first_utf8: int | None, lang: str,
               lost: dict[str, list[int]]) -> Path:
    """The UTF-8 copy of a Windows-1251 file, after making sure no line of it is UTF-8."""
    utf8_lines: list[int] = [] if first_utf8 is None else [first_utf8]
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-")
    copy = Path(name)
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            line_base, carry = 1, b""
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                chunk, carry = carry + chunk, b""
                cut = chunk.rfind(b"\n") + 1
                if cut and cut < len(chunk):
                    chunk, carry = chunk[:cut], chunk[cut:]
                elif not cut:
                    carry, chunk = chunk, b""
                    continue
                _convert(chunk, line_base, utf8_lines, dst, file_name, lang)
                _lost_letters(chunk, line_base, lost)
                line_base += chunk.count(b"\n")
            if carry:
                _convert(carry, line_base, utf8_lines, dst, file_name, lang)
                _lost_letters(carry, line_base, lost)
        utf8_lines = sorted(set(utf8_lines))
        if utf8_lines:
            cp_lines, more = _non_utf8_lines(path, bad_at)
            first = max(cp_lines[0], utf8_lines[0])  # where the second encoding begins
            raise UploadError(f"{file_name}:{first}: " + t(
                "ingest.error.mixed_encoding", lang,
                utf8=_line_list(utf8_lines[:SHOWN_LINES], len(utf8_lines) > SHOWN_LINES),
                cp1251=_line_list(cp_lines, more)))
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


def _convert(chunk: bytes, line_base: int, utf8_lines: list[int], dst, file_name: str, lang: str) -> None:
    """One run of whole lines: look for UTF-8 lines among them, then write them as UTF-8."""
    if len(utf8_lines) <= SHOWN_LINES:
        for hint in _UTF8_HINTS:
            for found in hint.finditer(chunk):
                start = chunk.rfind(b"\n", 0, found.start()) + 1
                end = chunk.find(b"\n", found.start())
                try:
                    chunk[start:end if end >= 0 else len(chunk)].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                utf8_lines.append(line_base + chunk.count(b"\n", 0, start))
                if len(utf8_lines) > 4 * SHOWN_LINES:
                    break
    try:
        dst.write(chunk.decode("cp1251").encode("utf-8"))
    except UnicodeDecodeError as exc:
        line = line_base + chunk.count(b"\n", 0, exc.start)
        raise UploadError(f"{file_name}:{line}: " + t("ingest.error.not_text", lang)) from None


def _lost_letters(chunk: bytes, line_base: int, lost: dict[str, list[int]]) -> None:
    """The first :data:`SHOWN_LINES` lines of each :data:`_LOST_LETTER_HINTS` kind in a run of whole
    cp1251 lines starting at line ``line_base``.

    The rule, on the cp1251 bytes: ``substituted`` — a ``?`` directly followed by a Cyrillic letter
    is a letter the encoding could not hold, replaced when the file was saved ("м?ні", "?азақ"; a
    question mark ends a word, it does not start one); ``kazakh`` — a Cyrillic word holding і
    (Kazakh, never Russian) is Kazakh text, whose ә ғ қ ң ө ұ ү һ cp1251 cannot hold: they were
    replaced too, by "?" or by look-alike Russian letters that nothing in the bytes tells apart.
    Each kind is one warning naming its first lines; a UTF-8 file holds every letter and is never warned of."""
    for kind, hint in _LOST_LETTER_HINTS.items():
        found = lost[kind]
        position = 0
        while len(found) < SHOWN_LINES and (match := hint.search(chunk, position)):
            line = line_base + chunk.count(b"\n", 0, match.start())
            if not found or found[-1] != line:
                found.append(line)
            position = chunk.find(b"\n", match.start()) + 1 or len(chunk)


def _non_utf8_lines(path: Path, bad_at: int) -> tuple[list[int], bool]:
    """The first :data:`SHOWN_LINES` lines from ``bad_at`` on that are not UTF-8, and whether there are more."""
    found: list[int] = []
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        line = _line_at(path, bad_at)
        start = data.rfind(b"\n", 0, bad_at) + 1
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            try:
                data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                if len(found) == SHOWN_LINES:
                    return found, True
                found.append(line)
            start, line = end + 1, line + 1
    return found, False


def lost_letter_warnings(facts: FileFacts, lang: str) -> pd.DataFrame:
    """One warning per kind of :data:`_LOST_LETTER_HINTS` found in a Windows-1251 file, at its first line."""
    return pd.DataFrame([(lines[0], t(f"entry.warning.{kind}", lang, lines=_line_list(lines, len(lines) >= SHOWN_LINES)),
                          None, None, None) for kind, lines in facts.lost_letters.items()],
                        columns=["line", "warning", "indicator", "period", "value"])
