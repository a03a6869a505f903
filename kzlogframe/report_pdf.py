"""The report as an A4 PDF: its HTML printed by headless Chromium, which embeds the Noto Sans subsets
it used, so Kazakh reads the same on any machine; "n / N" page numbers in the footer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
PDF_MARGIN = {"top": "15mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
PDF_FOOTER = ('<div style="width:100%;text-align:center;font-family:\'Noto Sans\',sans-serif;font-size:8pt;'
              'color:#5a6a7a"><span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def to_pdf(html: str) -> bytes:
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium is not installed ({CHROMIUM} is missing), so the PDF cannot be printed; "
                           "HTML, DOCX and XLSX still work. Install it with scripts/setup.sh.")
    # Playwright's sync API refuses a thread that already runs an asyncio loop (a caller driving its
    # own browser, a notebook), so the printing gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, html).result()


def _print(html: str) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, margin=PDF_MARGIN, display_header_footer=True,
                            header_template="<div></div>", footer_template=PDF_FOOTER)
        finally:
            browser.close()
