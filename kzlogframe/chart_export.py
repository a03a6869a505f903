"""Charts as files: PNG and SVG rendered by kaleido in the system's Chromium, and self-contained
HTML, which needs no browser on the server.

Kaleido starts a headless Chromium per render unless its sync server runs: a cold render costs
about 2.5 s, a warm one about 0.15 s. So the first static export starts ONE kaleido server for
the process and every later one reuses it. That server's request queue assumes one caller at a
time, and Streamlit renders sessions and deferred downloads in threads, so renders take a lock.

Public API::

    browser_available() -> bool                     can PNG/SVG be produced here (checked once)
    to_png(fig) / to_svg(fig) -> bytes              static images (BrowserUnavailable without one)
    to_html(fig) -> str                             interactive, plotly.js inlined, works offline
    export_formats(fig) -> {ext: (data, mime, ext)} what a page can offer; ``data`` is deferred
    charts_zip(figures) -> bytes                    PNG and SVG of every figure in one zip
"""

from __future__ import annotations

import io
import re
import subprocess
import threading
import zipfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import kaleido
import plotly.graph_objects as go
from choreographer.browsers.chromium import Chromium

WIDTH = 1000
DEFAULT_HEIGHT = 420
PNG_SCALE = 2  # print quality: 2000 px wide
_render_lock = threading.Lock()

Export = tuple[Callable[[], bytes | str], str, str]


class BrowserUnavailable(RuntimeError):
    """No Chromium to render static images with; HTML export still works."""


@cache
def browser_available() -> bool:
    """Whether a Chromium that kaleido would use is present and runs.

    Found the way kaleido finds it (``BROWSER_PATH``, kaleido's own download, ``PATH``, the usual
    install paths), then started once with ``--version``: a kaleido server whose browser fails to
    start never answers, so this check is what keeps a page from hanging. Cached per process."""
    path = Chromium.find_browser(skip_local=False)
    if not path or not Path(path).is_file():
        return False
    try:
        return subprocess.run([path, "--version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _render(fig: go.Figure, fmt: str, scale: float) -> bytes:
    if not browser_available():
        raise BrowserUnavailable("no Chromium browser found: PNG and SVG export is not available, HTML is")
    opts = {"format": fmt, "width": fig.layout.width or WIDTH, "height": fig.layout.height or DEFAULT_HEIGHT,
            "scale": scale}
    with _render_lock:
        # No MathJax: our charts have no LaTeX, and kaleido would fetch it from a CDN.
        kaleido.start_sync_server(silence_warnings=True, mathjax=False)
        return kaleido.calc_fig_sync(fig, opts=opts)


def to_png(fig: go.Figure) -> bytes:
    return _render(fig, "png", PNG_SCALE)


def to_svg(fig: go.Figure) -> bytes:
    """SVG keeps text as text, so Kazakh titles stay searchable and editable."""
    return _render(fig, "svg", 1)


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
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, fig in figures.items():
            stem = _file_stem(name)
            archive.writestr(f"{stem}.png", to_png(fig))
            archive.writestr(f"{stem}.svg", to_svg(fig))
    return buffer.getvalue()
