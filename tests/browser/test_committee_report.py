"""The committee report's journey in Russian, in a real browser (issue 18): the TA team writes the
summary, a deviation and a risk; an administrator records two decisions, submits and approves; the
downloaded PDF and DOCX carry each of them. Screenshots and the PDF's pages (PNG) are saved in the
test's temporary directory."""

import re
import subprocess
from collections.abc import Iterator

import docx
import pytest
from pypdf import PdfReader

from kzlogframe.committee_text import toc
from kzlogframe.i18n import LANGUAGES, t
from kzlogframe.store import connect
from tests.browser.conftest import _serve, sign_in, wait_for_app
from tests.conftest import ADMIN

LANG = "ru"
WRITTEN = {"summary": "Гранты подписаны с двенадцатью акиматами", "cause": "Закупки задержались на квартал",
           "risk": "Смена персонала в акиматах", "first": "Утвердить рабочий план на 2015 год",
           "second": "Продлить компонент R2 на шесть месяцев"}


@pytest.fixture(scope="module")
def committee_server(tmp_path_factory) -> Iterator[dict]:
    from kzlogframe.access import add_user

    workdir = tmp_path_factory.mktemp("committee")
    users = workdir / "users.yaml"
    for name, role in (("ta-team", "uploader"), ("chair", "admin")):
        add_user(name, role, f"{name}-password", path=users, db=workdir / "kzlogframe.duckdb", actor=ADMIN)
    yield from _serve(workdir, {"KZLOGFRAME_USERS": str(users)})


def report_page(page, url: str, name: str) -> None:
    sign_in(page, url, name)
    page.locator("[data-testid=stSelectbox]", has_text=t("sidebar.language", "en")).click()
    page.get_by_role("option", name=LANGUAGES[LANG]).click()
    wait_for_app(page)
    page.get_by_role("link", name=t("page.report", LANG)).click()
    page.get_by_role("heading", name=t("page.report", LANG)).wait_for()
    wait_for_app(page)


def form(page, text: str):
    return page.locator("[data-testid=stForm]", has_text=text)


def save(page, box, button: str, db, table: str) -> None:
    """Submit a form and wait until the app has stored the row (a click during that run would cut it short)."""
    before = rows(db, table)
    box.get_by_role("button", name=button).click()
    for _ in range(300):
        if rows(db, table) > before:
            break
        page.wait_for_timeout(100)
    wait_for_app(page)
    assert rows(db, table) == before + 1


def rows(db, table: str) -> int:
    with connect(db, write=False) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_ta_writes_admin_decides_approves_and_the_files_carry_it(committee_server, page, browser, tmp_path):
    url, db = committee_server["url"], committee_server["db"]
    report_page(page, url, "ta-team")
    summary = form(page, t("committee.page.save_summary", LANG))
    summary.get_by_role("textbox").fill(WRITTEN["summary"])
    save(page, summary, t("committee.page.save_summary", LANG), db, "executive_summary")
    deviation = form(page, t("committee.page.deviation_title", LANG))
    deviation.get_by_role("textbox", name=t("committee.col.cause", LANG)).fill(WRITTEN["cause"])
    deviation.get_by_role("textbox", name=t("committee.col.measure", LANG)).fill("Рамочный договор")
    deviation.get_by_role("textbox", name=t("committee.col.owner", LANG)).fill("Руководитель группы")
    save(page, deviation, t("committee.page.save_deviation", LANG), db, "deviation")
    risk = form(page, t("committee.col.mitigation", LANG))
    risk.get_by_role("textbox", name=t("committee.col.risk", LANG)).fill(WRITTEN["risk"])
    risk.get_by_role("textbox", name=t("committee.col.mitigation", LANG)).fill("Обучение заместителей")
    risk.get_by_role("textbox", name=t("committee.col.owner", LANG)).fill("Ключевой эксперт 2")
    save(page, risk, t("committee.page.save_risk", LANG), db, "risk")
    assert page.get_by_role("button", name=t("committee.page.save_decision", LANG)).count() == 0
    page.screenshot(path=str(tmp_path / "1-ta.png"), full_page=True)

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    chair = context.new_page()
    chair.set_default_timeout(30_000)
    report_page(chair, url, "chair")
    for text in (WRITTEN["first"], WRITTEN["second"]):
        decision = form(chair, t("committee.col.meeting", LANG))
        decision.get_by_role("textbox", name=t("committee.col.decision", LANG)).fill(text)
        decision.get_by_role("textbox", name=t("committee.col.owner", LANG)).fill("Министерство")
        save(chair, decision, t("committee.page.save_decision", LANG), db, "committee_decision")
    for button, status in (("committee.page.submit", "submitted"), ("committee.page.approve", "approved")):
        chair.get_by_role("button", name=t(button, LANG)).click()
        wait_for_app(chair)
        chair.get_by_text(t("committee.page.status_changed", LANG, version=1,
                            status=t(f"committee.status.{status}", LANG))).wait_for()
        wait_for_app(chair)  # the run goes on after the message: the files' buttons are drawn again
    chair.get_by_role("button", name=t("report.download", LANG, format="DOCX")).wait_for()
    chair.screenshot(path=str(tmp_path / "2-chair.png"), full_page=True)

    files = {}
    for fmt in ("PDF", "DOCX"):
        wait_for_app(chair)
        with chair.expect_download(timeout=180_000) as download:
            chair.get_by_role("button", name=t("report.download", LANG, format=fmt)).click()
        files[fmt] = tmp_path / f"report.{fmt.lower()}"
        download.value.save_as(files[fmt])
    context.close()

    pdf = squash("\n".join(p.extract_text() for p in PdfReader(files["PDF"]).pages))
    document = docx.Document(files["DOCX"])
    words = squash("\n".join([p.text for p in document.paragraphs] +
                             [c.text for tb in document.tables for row in tb.rows for c in row.cells]))
    for text in [*WRITTEN.values(), t("committee.status.approved", LANG), t("committee.risks", LANG),
                 t("report18.workplan", LANG), t("report18.annex.logframe", LANG), t("report18.annex.contracts", LANG)]:
        assert squash(text) in pdf, text
        assert squash(text) in words, text
    pages = PdfReader(files["PDF"]).pages  # the contents give each section's page, the list of contracts' last
    numbers = [int(n) for n in re.findall(r"^\d+$", pages[1].extract_text(), re.M)]
    assert len(numbers) == len(toc(LANG)) and numbers == sorted(numbers), numbers
    assert squash(t("report18.annex.contracts", LANG)) in squash(pages[numbers[-1] - 1].extract_text())
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(files["PDF"]), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == len(PdfReader(files["PDF"]).pages)
