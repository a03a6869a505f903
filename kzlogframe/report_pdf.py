"""The report as an A4 PDF: its HTML printed by headless Chromium, which embeds the Noto Sans subsets
it used, so Kazakh reads the same on any machine; "n / N" page numbers in the footer, and in the
table of contents (printed twice: see ``FILL_PAGES``).

The charts are drawn in the page that prints (``chart_page``), so a PDF starts one browser, not a
second one for kaleido. Starting Chromium and loading plotly.js take about 2 s; a caller that
knows a PDF is coming (the CLI) opens :func:`printer_ahead` first, and that happens in a thread of
its own on the other core while the caller builds the report."""

from __future__ import annotations

import io
import queue
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import plotly.graph_objects as go
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from . import chart_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
PDF_MARGIN = {"top": "15mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
PDF_FOOTER = ('<div style="width:100%;text-align:center;font-family:\'Noto Sans\',sans-serif;font-size:8pt;'
              'color:#5a6a7a"><span class="pageNumber"></span> / <span class="totalPages"></span></div>')
# Chromium has no CSS target-counter(): the printed PDF says where each linked element landed, and
# each ``data-page-of="anchor"`` element gets that page before the second, final print. The contents
# has pages of its own (breaks before it and after it), so its numbers move nothing else.
FILL_PAGES = """pages => document.querySelectorAll('[data-page-of]').forEach(
    e => { e.textContent = pages[e.dataset.pageOf] ?? ''; })"""
BLANK = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>'

Job = tuple[str, Mapping[str, go.Figure]]


class _Printer:
    """One Chromium, started at once in a thread of its own, that prints one PDF when given it.

    Playwright's sync API refuses a thread that already runs an asyncio loop (a caller driving its
    own browser, a notebook), and works only in the thread that started it: hence the thread."""

    def __init__(self, plotly_ahead: bool) -> None:
        self.used = False
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._pdf: Future[bytes | None] = Future()
        self._thread = threading.Thread(target=self._run, args=(plotly_ahead,), name="pdf-printer", daemon=True)
        self._thread.start()

    def print(self, html: str, charts: Mapping[str, go.Figure]) -> bytes:
        self.used = True
        self._jobs.put((html, charts))
        return self._pdf.result()

    def close(self) -> None:
        """Let the browser go without printing (no-op once it has printed)."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self, plotly_ahead: bool) -> None:
        try:
            self._pdf.set_result(self._session(plotly_ahead))
        except BaseException as error:
            self._pdf.set_exception(error)

    def _session(self, plotly_ahead: bool) -> bytes | None:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="kzlogframe-pdf-") as folder:
            blank = Path(folder) / "report.html"  # a file: URL, from which the page may load plotly.js
            blank.write_text(BLANK, encoding="utf-8")
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(blank.as_uri(), wait_until="load")
                if plotly_ahead:
                    chart_page.load(page)
                job = self._jobs.get()
                if job is None:
                    return None
                html, charts = job
                page.set_content(html, wait_until="load")
                chart_page.draw(page, charts)
                pdf = _print(page)
                if page.locator("[data-page-of]").count():  # a table of contents: its page numbers, then again
                    page.evaluate(FILL_PAGES, destination_pages(pdf))
                    pdf = _print(page)
                return pdf
            finally:
                browser.close()


def _print(page) -> bytes:
    return page.pdf(format="A4", print_background=True, margin=PDF_MARGIN, display_header_footer=True,
                    header_template="<div></div>", footer_template=PDF_FOOTER)


def destination_pages(pdf: bytes) -> dict[str, int]:
    """The page (1-based) each named destination of ``pdf`` lands on: Chromium names one for every
    element an internal link points to, so a contents list of links gives its own page numbers."""
    reader = PdfReader(io.BytesIO(pdf))
    return {name.lstrip("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}


_ahead: ContextVar[_Printer | None] = ContextVar("kzlogframe_printer_ahead", default=None)


def _check_chromium() -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium is not installed ({CHROMIUM} is missing), so the PDF cannot be printed; "
                           "HTML, DOCX and XLSX still work. Install it with scripts/setup.sh.")


@contextmanager
def printer_ahead() -> Iterator[None]:
    """Start Chromium with plotly.js now for the first :func:`to_pdf` of this thread in the block."""
    _check_chromium()
    printer = _Printer(plotly_ahead=True)
    token = _ahead.set(printer)
    try:
        yield
    finally:
        _ahead.reset(token)
        printer.close()


def to_pdf(html: str, charts: Mapping[str, go.Figure] | None = None) -> bytes:
    """``html`` printed, with ``charts`` (``{name: figure}``) drawn as SVG into its ``data-chart`` slots."""
    _check_chromium()
    printer = _ahead.get()
    if printer is None or printer.used:
        printer = _Printer(plotly_ahead=False)
    return printer.print(html, charts or {})
