"""Charts as files: PNG and SVG rendered by kaleido in the system's Chromium, and self-contained
HTML, which needs no browser on the server.

Starting Chromium costs about 2 s, so the first static export starts ONE kaleido browser for the
process (with a tab per core, on its own event-loop thread) and every later export reuses it.
Kaleido reloads a tab's page, plotly.js and all, after every image: about 0.2 s, most of a render.
Plotly draws each of our figures in a fresh element that it purges afterwards, so our tabs are
reloaded only every ``kaleido_tabs.RELOAD_EVERY`` images. With the charts' own economies (no
template, margins that need no second drawing: ``style.py``), the 43 charts of a programme (PNG
and SVG) take about 2 s instead of 14-16 s (``bench/charts.py``). Streamlit renders sessions in
threads: they share the browser through its event loop, and a lock guards starting and stopping
it. Kaleido itself is imported with the first image (``kaleido_tabs``), not by every page.

Public API::

    browser_available() -> bool                        can PNG/SVG be produced here (checked once)
    started_ahead()                                    context: start the browser now, in a thread
    to_png(fig) / to_svg(fig) -> bytes                 static images (BrowserUnavailable without one)
    render_many({name: fig}, "png"|"svg") -> {name: bytes}   many images in one browser session
    to_html(fig) -> str                                interactive, plotly.js inlined, works offline
    export_formats(fig) -> {ext: (data, mime, ext)}    what a page can offer; ``data`` is deferred
    charts_zip(figures) -> bytes                       PNG and SVG of every figure in one zip
"""

from __future__ import annotations

import asyncio
import atexit
import io
import os
import re
import subprocess
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from .style import image_size

if TYPE_CHECKING:
    import kaleido

PNG_SCALE = 2  # print quality: 2000 px wide
SCALES = {"png": PNG_SCALE, "svg": 1}
TABS = max(1, min(4, os.cpu_count() or 1))  # renders in parallel; more tabs than cores only cost memory
RENDER_TIMEOUT = 300  # seconds for one batch; kaleido's own limit is 90 s per image
_render_lock = threading.Lock()
_browser: tuple[asyncio.AbstractEventLoop, kaleido.Kaleido] | None = None

Export = tuple[Callable[[], bytes | str], str, str]


class BrowserUnavailable(RuntimeError):
    """No Chromium to render static images with; HTML export still works."""


@cache
def browser_available() -> bool:
    """Whether a Chromium that kaleido would use is present and runs.

    Found the way kaleido finds it (``BROWSER_PATH``, kaleido's own download, ``PATH``, the usual
    install paths), then started once with ``--version``: a kaleido browser that fails to start
    never answers, so this check is what keeps a page from hanging. Cached per process."""
    from choreographer.browsers.chromium import Chromium  # imported when first needed, as kaleido is

    path = Chromium.find_browser(skip_local=False)
    if not path or not Path(path).is_file():
        return False
    try:
        return subprocess.run([path, "--version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _started() -> tuple[asyncio.AbstractEventLoop, kaleido.Kaleido]:
    """The process's browser, started on first use on an event loop of its own."""
    global _browser
    with _render_lock:
        if _browser is None:
            from .kaleido_tabs import ReusingKaleido

            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="kaleido", daemon=True).start()

            async def start() -> kaleido.Kaleido:
                # No MathJax: our charts have no LaTeX, and kaleido would fetch it from a CDN.
                return await ReusingKaleido(n=TABS, mathjax=False)

            try:
                _browser = loop, asyncio.run_coroutine_threadsafe(start(), loop).result(RENDER_TIMEOUT)
            except BaseException:
                loop.call_soon_threadsafe(loop.stop)
                raise
        return _browser


@atexit.register
def _stop() -> None:
    """Close the browser (at exit, or after a failed render so the next one starts afresh)."""
    global _browser
    with _render_lock:
        if _browser is not None:
            loop, browser = _browser
            _browser = None
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(30)
            finally:
                loop.call_soon_threadsafe(loop.stop)


@contextmanager
def started_ahead() -> Iterator[None]:
    """Start the process's browser now, in a thread, for images asked for in the block: its 2-3 s
    start then runs on the other core while the caller builds what the images go into. A start
    that fails here is tried again, and reported, by the render that needs it."""
    def start() -> None:
        with suppress(Exception):
            if browser_available():
                _started()

    thread = threading.Thread(target=start, name="kaleido-start", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _render(jobs: list[tuple[go.Figure, str]]) -> list[bytes]:
    """An image per (figure, format), all in one browser session, the tabs working in parallel."""
    if unknown := {fmt for _, fmt in jobs} - SCALES.keys():
        raise ValueError(f"unknown image format {sorted(unknown)} (known: {', '.join(SCALES)})")
    if not browser_available():
        raise BrowserUnavailable("no Chromium browser found: PNG and SVG export is not available, HTML is")
    if not jobs:
        return []
    loop, browser = _started()

    specs = {id(fig): fig.to_dict() for fig, _ in jobs}  # once per figure, however many formats

    def opts(fig: go.Figure, fmt: str) -> dict:
        width, height = image_size(fig)
        return {"format": fmt, "scale": SCALES[fmt], "width": width, "height": height}

    async def batch() -> list[bytes]:
        return await asyncio.gather(*(browser.calc_fig(specs[id(fig)], opts=opts(fig, fmt)) for fig, fmt in jobs))

    try:
        return asyncio.run_coroutine_threadsafe(batch(), loop).result(RENDER_TIMEOUT)
    except BaseException:
        _stop()
        raise


def render_many(figures: Mapping[str, go.Figure], fmt: str) -> dict[str, bytes]:
    """``{name: image}`` for every figure as ``fmt`` ("png" at ``PNG_SCALE``, or "svg"), in one
    browser session; sized by ``style.image_size``."""
    return dict(zip(figures, _render([(fig, fmt) for fig in figures.values()])))


def to_png(fig: go.Figure) -> bytes:
    return render_many({"chart": fig}, "png")["chart"]


def to_svg(fig: go.Figure) -> bytes:
    """SVG keeps text as text, so Kazakh titles stay searchable and editable."""
    return render_many({"chart": fig}, "svg")["chart"]


def to_html(fig: go.Figure) -> str:
    """One file that opens anywhere, offline: plotly.js is inlined rather than loaded from a CDN."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})


def export_formats(fig: go.Figure) -> dict[str, Export]:
    """``{extension: (data, mime, extension)}`` for a chart's download buttons: HTML always, PNG and
    SVG when a browser is available. ``data`` is a zero-argument callable, which
    ``st.download_button(data=...)`` runs only when clicked, so showing the buttons costs nothing."""
    formats: dict[str, Export] = {}
    if browser_available():
        formats["png"] = (lambda: to_png(fig), "image/png", "png")
        formats["svg"] = (lambda: to_svg(fig), "image/svg+xml", "svg")
    formats["html"] = (lambda: to_html(fig), "text/html", "html")
    return formats


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip("._") or "chart"


def charts_zip(figures: Mapping[str, go.Figure]) -> bytes:
    """A zip with ``<name>.png`` and ``<name>.svg`` for every figure (names made file-safe)."""
    images = iter(_render([(fig, fmt) for fig in figures.values() for fmt in ("png", "svg")]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in figures:
            stem = _file_stem(name)
            archive.writestr(f"{stem}.png", next(images))  # Chromium's PNGs deflate by another 20 %
            archive.writestr(f"{stem}.svg", next(images))
    return buffer.getvalue()
