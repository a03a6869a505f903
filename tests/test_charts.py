"""Publishable charts: what a user downloads (SVG, PNG, HTML) is laid out by real Chromium and
checked for cut or overlapping text, the unit on the value axis, milestones as done / not done,
a legend entry for every mark and no English month name in a Kazakh or Russian chart."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser, Page

from kzlogframe import chart_export, chart_page, cli, report_pdf, style
from kzlogframe.catalog import load_catalog
from kzlogframe.charts import STATUS_COLOURS, breakdown_chart, indicator_chart
from kzlogframe.gantt import gantt_figure
from kzlogframe.i18n import t
from kzlogframe.models import Indicator
from kzlogframe.schedule import Actual, plan

LANGS = ("kk", "en", "ru")
AS_OF = dt.date(2014, 6, 30)
MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
                    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b")
LONG_KK = ("Жергілікті атқарушы органдардың облыстық және аудандық деңгейлерде халыққа көрсететін "
           "мемлекеттік қызметтерінің сапасына, қолжетімділігіне және ашықтығына қанағаттанған "
           "азаматтардың, оның ішінде ауылдық елді мекендерде тұратын әйелдер мен жастардың үлесі")
OBLASTS = ["Солтүстік Қазақстан облысы әкімдігінің ауыл шаруашылығы басқармасы", "Батыс Қазақстан облысы",
           "Шығыс Қазақстан облысы", "Қарағанды", "Маңғыстау облысы жергілікті атқарушы органдары",
           "Алматы қаласы"]
# value range name: (actual values, baseline, target, unit kk/en/ru)
RANGES = {
    "fraction": ([0.2, 0.35, 0.5, 0.8], 0.1, 0.9, ("үлес", "share", "доля")),
    "dozen": ([0, 2, 5, 7, 12], 0, 12, ("бастама", "initiatives", "инициатив")),
    "percent": ([8.3, 34.5, 60.2, 100], 0, 100, ("%", "% of citizens satisfied", "% удовлетворённых граждан")),
    "millions": ([200_000, 640_000, 1_250_000], 150_000, 1_500_000,
                 ("жергілікті бюджеттерден бөлінген қаражат, мың теңге, жинақталған сома",
                  "thousand tenge from local budgets, cumulative",
                  "тыс. тенге из местных бюджетов, нарастающим итогом")),
    "negative": ([-40, -12.5, 3, 30], -45, 35, ("пайыздық тармақ", "percentage points", "процентных пункта")),
}


def text(kk: str, en: str, ru: str) -> dict:
    return {"kk": kk, "en": en, "ru": ru}


def quantitative(name: str) -> tuple[Indicator, pd.DataFrame, float]:
    """A synthetic indicator over one value range, its chart series and its expected value."""
    values, baseline, target, unit = RANGES[name]
    indicator = Indicator.model_validate({
        "code": f"TEST.{name.upper()}.I1", "type": "quantitative", "text": text(LONG_KK, "Share of citizens", "Доля"),
        "unit": text(*unit), "baseline": {"value": baseline, "date": dt.date(2011, 6, 23)},
        "targets": [{"date": dt.date(2013, 6, 30), "value": (baseline + target) / 2},
                    {"date": dt.date(2016, 6, 23), "value": target}]})
    dates = pd.date_range("2011-12-31", periods=len(values), freq="6ME")
    actual = pd.DataFrame({"kind": "actual", "date": dates, "value": values,
                           "period_label": [f"{d.year}-H{1 + (d.month > 6)}" for d in dates], "point": "measurement"})
    path = [(dt.date(2011, 6, 23), baseline, "baseline" if name != "dozen" else "first_measurement")] + [
        (target_.date, target_.value, "target") for target_ in indicator.targets]
    planned = pd.DataFrame({"kind": "planned", "date": pd.to_datetime([d for d, _, _ in path]),
                            "value": [v for _, v, _ in path], "period_label": None, "point": [p for _, _, p in path]})
    return indicator, pd.concat([actual, planned], ignore_index=True), (baseline + target) / 2


def milestone() -> tuple[Indicator, pd.DataFrame]:
    indicator = Indicator.model_validate({
        "code": "TEST.M.I1", "type": "milestone", "text": text(LONG_KK, "Law adopted", "Закон принят"),
        "targets": [{"date": dt.date(2015, 6, 30), "value": 1}]})
    dates = pd.date_range("2011-12-31", periods=6, freq="6ME")
    series = pd.DataFrame({"kind": "actual", "date": dates, "value": [0, 0, 0, 0, 1, 1],
                           "period_label": [f"{d.year}-H{1 + (d.month > 6)}" for d in dates], "point": "measurement"})
    return indicator, series


def rating_without_data(lang: str) -> go.Figure:
    """A rating on its scale words, measured over one year only (no target, no data before)."""
    indicator = Indicator.model_validate({
        "code": "TEST.RATING.I1", "type": "rating", "text": text(LONG_KK, "Quality of coordination", "Качество"),
        "scale": [text("төмен", "low", "низкое"), text("орташа", "medium", "среднее"),
                  text("өте жоғары деңгейде", "very high", "очень высокое")]})
    dates = pd.to_datetime(["2014-03-31", "2014-09-30", "2014-12-31"])
    series = pd.DataFrame({"kind": "actual", "date": dates, "value": [1, 2, 3],
                           "period_label": ["2014-Q1", "2014-Q3", "2014-Q4"], "point": "measurement"})
    return indicator_chart(series, indicator, lang, dt.date(2014, 12, 31), None)


def breakdown(lang: str) -> go.Figure:
    indicator, _, _ = quantitative("millions")
    cells = pd.DataFrame({"oblast": OBLASTS, "actual": [1_250_000, 640_000, 12, None, -30_000, 980_000],
                          "status": ["on_track", "at_risk", "off_track", "no_data", "insufficient_data", "above_plan"]})
    return breakdown_chart(cells, "oblast", lang, "2014-H1", indicator=indicator)


def gantt(lang: str) -> go.Figure:
    lf = load_catalog()["psr"]
    programme_plan = plan(lf)
    first, second = list(programme_plan.activities)[:2]
    actuals = {first: Actual(dt.date(2012, 1, 10), dt.date(2013, 2, 1), "completed"),
               second: Actual(dt.date(2013, 3, 1), None, "ongoing")}
    return gantt_figure(lf, programme_plan, actuals, AS_OF, lang)


def long_title() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[5, 1, 3], name="нақты"))
    return style.apply_layout(fig, LONG_KK, subtitle=LONG_KK + " " + LONG_KK, lang="kk")


def build_charts() -> dict[str, tuple[go.Figure, str]]:
    """``{name: (figure, language)}``: every kind of chart at every value range and language."""
    charts = {}
    for lang in LANGS:
        for name in RANGES:
            indicator, series, expected = quantitative(name)
            charts[f"{name}-{lang}"] = indicator_chart(series, indicator, lang, AS_OF, expected), lang
        indicator, series = milestone()
        charts[f"milestone-{lang}"] = indicator_chart(series, indicator, lang, AS_OF, 0.0), lang
        charts[f"breakdown-{lang}"] = breakdown(lang), lang
        charts[f"gantt-{lang}"] = gantt(lang), lang
        charts[f"rating-{lang}"] = rating_without_data(lang), lang
    empty = pd.DataFrame(columns=["kind", "date", "value", "period_label", "point"])
    charts["empty-en"] = indicator_chart(empty, quantitative("dozen")[0], "en", AS_OF, None), "en"
    charts["long-title-kk"] = long_title(), "kk"
    return charts


CHARTS = build_charts()

MEASURE = """() => {
  const svg = document.querySelector('svg.main-svg');
  const root = svg.getBoundingClientRect();
  const texts = [];
  for (const el of svg.querySelectorAll('text')) {
    const box = el.getBoundingClientRect();
    if (!el.textContent.trim() || box.width === 0) continue;
    texts.push({text: el.textContent, cls: el.getAttribute('class') || el.parentNode.getAttribute('class') || '',
                x0: box.left - root.left, y0: box.top - root.top,
                x1: box.right - root.left, y1: box.bottom - root.top});
  }
  return {width: root.width, height: root.height, texts};
}"""


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """A tab of the run's one Chromium (tests/conftest.py): Playwright's sync API allows one per thread."""
    tab = browser.new_page(viewport={"width": 1200, "height": 900})
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def svgs() -> dict[str, str]:
    """Every chart as SVG, rendered in one batch."""
    rendered = chart_export.render_many({name: fig for name, (fig, _) in CHARTS.items()}, "svg")
    return {name: data.decode("utf-8") for name, data in rendered.items()}


@pytest.fixture(scope="module")
def layouts(page, svgs) -> dict[str, dict]:
    """Each SVG as Chromium lays it out: its size and every text's box and class."""
    measured = {}
    for name, svg in svgs.items():
        page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
        measured[name] = page.evaluate(MEASURE)
    return measured


def texts(layout: dict, cls: str) -> list[str]:
    return [item["text"] for item in layout["texts"] if cls in item["cls"].split()]


def overlap(a: dict, b: dict) -> float:
    return min(min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]), min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]))


# ---------------------------------------------------------------- nothing cut, nothing on top of another


@pytest.mark.parametrize("name", CHARTS)
def test_every_text_lies_inside_the_image(layouts, name):
    layout = layouts[name]
    assert len(layout["texts"]) >= 5
    outside = [item for item in layout["texts"] if item["x0"] < -1 or item["y0"] < -1
               or item["x1"] > layout["width"] + 1 or item["y1"] > layout["height"] + 1]
    assert not outside, outside


@pytest.mark.parametrize("name", CHARTS)
def test_no_text_overlaps_another(layouts, name):
    items = layouts[name]["texts"]
    clashes = [(a["text"], b["text"]) for i, a in enumerate(items) for b in items[i + 1:] if overlap(a, b) > 1]
    assert not clashes, clashes


def test_long_titles_are_wrapped_within_the_image(layouts):
    layout = layouts["long-title-kk"]
    [title] = [item for item in layout["texts"] if item["cls"] == "gtitle"]
    assert title["y1"] - title["y0"] > 6 * style.TITLE_SIZE  # title and subtitle wrapped over many lines
    assert title["text"].replace(" ", "").startswith(LONG_KK.replace(" ", ""))
    assert title["text"].endswith("…")  # the subtitle is cut to three lines, visibly
    plot_top = min(item["y0"] for item in layout["texts"] if item["cls"] == "ytick")
    assert title["y1"] < plot_top


# ---------------------------------------------------------------- what the axes and legend say


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", RANGES)
def test_unit_is_the_value_axis_title(layouts, name, lang):
    unit = dict(zip(LANGS, RANGES[name][3]))[lang]
    assert [title.replace(" ", "") for title in texts(layouts[f"{name}-{lang}"], "ytitle")] == [unit.replace(" ", "")]


@pytest.mark.parametrize("lang", LANGS)
def test_value_axis_numbers(layouts, lang):
    percent = texts(layouts[f"percent-{lang}"], "ytick")
    assert percent and all(label.endswith("%") for label in percent)
    millions = texts(layouts[f"millions-{lang}"], "ytick")
    grouped = r"^1,\d{3},000$" if lang == "en" else r"^1\s\d{3}\s000$"
    assert any(re.match(grouped, label) for label in millions), millions
    assert any(label.startswith(("-", "−")) for label in texts(layouts[f"negative-{lang}"], "ytick"))
    fractions = texts(layouts[f"fraction-{lang}"], "ytick")
    assert ("0.8" if lang == "en" else "0,8") in fractions, fractions


@pytest.mark.parametrize("lang", LANGS)
def test_milestones_read_done_or_not_done(layouts, lang):
    assert texts(layouts[f"milestone-{lang}"], "ytick") == [t("chart.not_done", lang), t("chart.done", lang)]


@pytest.mark.parametrize("lang", LANGS)
def test_ratings_read_their_scale_and_a_short_span_its_months(layouts, lang):
    layout = layouts[f"rating-{lang}"]
    scale = {"kk": ["төмен", "орташа", "өте жоғары деңгейде"], "en": ["low", "medium", "very high"],
             "ru": ["низкое", "среднее", "очень высокое"]}[lang]
    assert texts(layout, "ytick") == scale
    assert texts(layout, "xtick") == [f"2014-{month:02}" for month in range(4, 13)] + ["2015-01"]


@pytest.mark.parametrize("first, last, ticks", [
    (dt.date(2011, 5, 1), dt.date(2016, 8, 1), ["2012", "2013", "2014", "2015", "2016"]),
    (dt.date(2005, 5, 1), dt.date(2030, 8, 1), ["2010", "2015", "2020", "2025", "2030"]),
    (dt.date(2009, 5, 1), dt.date(2024, 8, 1), ["2010", "2012", "2014", "2016", "2018", "2020", "2022", "2024"]),
    (dt.date(2013, 11, 15), dt.date(2015, 2, 1), ["2014-01", "2014-04", "2014-07", "2014-10", "2015-01"]),
    (dt.date(2014, 5, 20), dt.date(2014, 8, 20), ["2014-06", "2014-07", "2014-08"]),
])
def test_date_ticks_are_digits_at_a_readable_step(first, last, ticks):
    values, labels = style.date_ticks(first, last)
    assert labels == ticks and all(first <= day <= last for day in values)


def test_milestone_words_are_kazakh_and_russian():
    assert (t("chart.done", "kk"), t("chart.not_done", "kk")) == ("орындалды", "орындалмады")
    assert (t("chart.done", "ru"), t("chart.not_done", "ru")) == ("выполнено", "не выполнено")


@pytest.mark.parametrize("lang", LANGS)
def test_every_mark_is_in_the_legend(layouts, lang):
    legend = texts(layouts[f"percent-{lang}"], "legendtext")
    assert legend == [t("ind.planned", lang), t("chart.baseline", lang), t("ind.actual", lang),
                      t("ind.target", lang), t("ind.expected_now", lang),
                      t("chart.as_of_line", lang, date="2014-06-30")]
    assert t("chart.baseline_first", lang) in texts(layouts[f"dozen-{lang}"], "legendtext")
    gantt_legend = texts(layouts[f"gantt-{lang}"], "legendtext")
    for key in ("gantt.planned", "gantt.actual", "gantt.phase.inception", "gantt.contracting_deadline",
                "gantt.deadline"):
        assert t(key, lang) in gantt_legend
    assert t("gantt.assessment_date", lang, date="2014-06-30") in gantt_legend
    assert t("gantt.dependency", lang) in gantt_legend and t("gantt.planned_critical", lang) in gantt_legend


def test_breakdown_names_every_status_and_value(layouts):
    layout = layouts["breakdown-kk"]
    assert set(texts(layout, "legendtext")) >= {t("status.on_track", "kk"), t("status.at_risk", "kk")}
    labels = "".join(texts(layout, "ytick")).replace(" ", "")
    assert all(name.replace(" ", "") in labels for name in OBLASTS)  # wrapped, never cropped
    values = texts(layout, "bartext")
    assert "1\u00a0250\u00a0000" in values and "–" in values


@pytest.mark.parametrize("name", [f"{kind}-{lang}" for kind in ("percent", "milestone", "gantt")
                                  for lang in ("kk", "ru")])
def test_no_english_month_names(layouts, name):
    words = " ".join(item["text"] for item in layouts[name]["texts"])
    assert not MONTHS.search(words), MONTHS.search(words)
    assert all(re.fullmatch(r"\d{4}(-\d{2})?", label) for label in texts(layouts[name], "xtick"))


def test_html_export_ticks_are_ours_and_fit_a_page_column(page):
    fig, _ = CHARTS["percent-kk"]
    html = chart_export.to_html(fig)
    figure_json = html[html.rindex("Plotly.newPlot("):]  # after the inlined plotly.js
    assert '"ticktext":["2012"' in figure_json and not MONTHS.search(figure_json)
    page.set_viewport_size({"width": 760, "height": 900})
    page.set_content(html)
    page.wait_for_selector("svg.main-svg .xtick text")
    layout = page.evaluate(MEASURE)
    assert texts(layout, "xtick") == ["2012", "2013", "2014", "2015", "2016"]
    assert all(-1 <= item["x0"] and item["x1"] <= layout["width"] + 1 for item in layout["texts"]), layout["texts"]


# ---------------------------------------------------------------- the style


def test_a_chart_judged_at_a_date_leaves_out_values_of_later_periods():
    indicator, series, expected = quantitative("fraction")  # actuals at the ends of 2011-H2 … 2013-H1
    full = indicator_chart(series, indicator, "en", dt.date(2013, 6, 30), expected)
    earlier = indicator_chart(series, indicator, "en", dt.date(2012, 6, 30), expected)

    def actual_dates(fig: go.Figure) -> list[str]:
        trace = next(tr for tr in fig.data if tr.name == t("ind.actual", "en"))
        return [str(pd.Timestamp(x).date()) for x in trace.x]

    assert actual_dates(full) == ["2011-12-31", "2012-06-30", "2012-12-31", "2013-06-30"]
    assert actual_dates(earlier) == ["2011-12-31", "2012-06-30"]
    targets = [tr for tr in earlier.data if tr.name == t("ind.target", "en")]
    assert len(targets) == len(indicator.targets)  # the plan is drawn whole: targets are not measurements


def test_one_palette_with_a_tint_for_every_status():
    assert set(style.STATUS_TINTS) == set(style.STATUS_COLOURS)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", tint) for tint in style.STATUS_TINTS.values())
    assert style.STATUS_TINTS["on_track"] == "#E3F4E8" and style.STATUS_TINTS["off_track"] == "#FBE3E0"
    assert style.STATUS_COLOURS["insufficient_data"] not in {c for s, c in style.STATUS_COLOURS.items()
                                                            if s != "insufficient_data"}
    assert STATUS_COLOURS["on_track"] == style.STATUS_COLOURS["on_track"]
    assert style.FONT.startswith("Noto Sans")


def test_svg_uses_the_style_font(svgs):
    assert all("Noto Sans" in svg for svg in svgs.values())


# ---------------------------------------------------------------- batch rendering


def test_render_many_gives_the_images_single_renders_give(svgs):
    names = ["percent-kk", "milestone-ru", "breakdown-en"]
    figures = {name: CHARTS[name][0] for name in names}
    batch = chart_export.render_many(figures, "png")
    assert list(batch) == names
    for name, fig in figures.items():
        single, many = Image.open(io.BytesIO(chart_export.to_png(fig))), Image.open(io.BytesIO(batch[name]))
        assert single.format == many.format == "PNG"
        assert single.size == many.size == (2 * style.WIDTH, 2 * fig.layout.height)
        assert ImageChops.difference(single.convert("RGB"), many.convert("RGB")).getbbox() is None
        svg = chart_export.to_svg(fig).decode("utf-8")
        assert svg.startswith("<svg") and f'width="{style.WIDTH}" height="{fig.layout.height}"' in svg
        assert f'width="{style.WIDTH}" height="{fig.layout.height}"' in svgs[name]
    assert chart_export.render_many({}, "svg") == {}
    with pytest.raises(ValueError):
        chart_export.render_many(figures, "gif")


def without_random_ids(svg: str) -> str:
    """An SVG in canonical XML (attributes in order) without the random ids plotly.js gives each
    drawing (its defs, clip paths and traces)."""
    drawing = re.search(r'id="defs-([0-9a-f]{6})"', svg).group(1)
    return ElementTree.canonicalize(re.sub(r"\btrace[0-9a-f]{6}\b", "trace", svg.replace(drawing, "drawing")))


def test_the_pdf_page_draws_the_svg_kaleido_draws(browser, svgs, tmp_path):
    """The PDF's charts are drawn by plotly.js in the page that prints it: the same SVG, but for
    plotly's random ids and the order of attributes, as kaleido's browser gives for a download."""
    names = ["percent-kk", "milestone-ru", "breakdown-en", "gantt-kk", "long-title-kk", "empty-en"]
    blank = tmp_path / "page.html"  # a file: URL, as the printer's page is
    blank.write_text(report_pdf.BLANK, encoding="utf-8")
    tab = browser.new_page()
    try:
        tab.goto(blank.as_uri())
        tab.set_content("".join(f'<div data-chart="{name}"></div>' for name in reversed(names)))
        drawn = chart_page.draw(tab, {name: CHARTS[name][0] for name in names})
        filled = tab.evaluate("[...document.querySelectorAll('[data-chart]')].map((slot) => "
                              "[slot.dataset.chart, slot.querySelectorAll('svg.main-svg').length])")
    finally:
        tab.close()
    assert sorted(filled) == sorted([name, 1] for name in names)
    for name in names:
        assert without_random_ids(drawn[name]) == without_random_ids(svgs[name]), name
    assert without_random_ids(drawn["percent-kk"]) != without_random_ids(svgs["percent-ru"])


def test_threads_share_the_browser():
    """Streamlit sessions render in threads: batches at the same time each get their own images."""
    names = ["dozen-kk", "milestone-en", "gantt-ru"]
    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(lambda name: chart_export.render_many({name: CHARTS[name][0]}, "svg")[name], names))
    for name, svg in zip(names, results):
        assert f'height="{CHARTS[name][0].layout.height}"' in svg.decode("utf-8")
    assert t("chart.done", "en") in results[1].decode("utf-8")


def test_charts_zip_holds_a_png_and_an_svg_per_chart():
    figures = {"a/b c": CHARTS["dozen-en"][0], "KAZ.R1.I1": CHARTS["milestone-kk"][0]}
    archive = zipfile.ZipFile(io.BytesIO(chart_export.charts_zip(figures)))
    assert sorted(archive.namelist()) == ["KAZ.R1.I1.png", "KAZ.R1.I1.svg", "a_b_c.png", "a_b_c.svg"]
    size = (2 * style.WIDTH, 2 * figures["a/b c"].layout.height)
    assert Image.open(io.BytesIO(archive.read("a_b_c.png"))).size == size
    assert t("chart.done", "kk") in archive.read("KAZ.R1.I1.svg").decode("utf-8")


# ---------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The bundled programmes with their synthetic demo data, loaded as a user would."""
    db = tmp_path_factory.mktemp("chart_cli") / "demo.duckdb"
    assert cli.main(["--db", str(db), "demo"]) == 0
    return db


@pytest.mark.parametrize("fmt", ["png", "svg", "html"])
def test_cli_writes_a_chart(demo_db, tmp_path, capsys, fmt):
    out = tmp_path / f"chart.{fmt}"
    assert cli.main(["--db", str(demo_db), "chart", "kazlod", "KAZLOD.R2.I8", "--format", fmt, "--lang", "ru",
                     "--as-of", "2014-06-30", "-o", str(out)]) == 0
    data = out.read_bytes()
    if fmt == "png":
        assert Image.open(io.BytesIO(data)).size[0] == 2 * style.WIDTH
    elif fmt == "svg":
        assert data.startswith(b"<svg") and t("chart.as_of_line", "ru", date="2014-06-30").encode() in data
    else:
        assert data.lstrip().startswith(b"<html") and "KAZLOD.R2.I8: факт и план".encode() in data
    assert f"{out}: {fmt} chart of KAZLOD.R2.I8 at 2014-06-30 in ru" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, message", [
    (["kazlod", "KAZLOD.NOPE"], "error: unknown indicator 'KAZLOD.NOPE' in kazlod\n"),
    (["nope", "KAZLOD.R2.I8"], "error: unknown programme 'nope' (known: kazlod, psr, psr_oecd, rbp2007)\n"),
    (["kazlod", "KAZLOD.R2.I8", "--as-of", "2014-13-01"], "error: --as-of '2014-13-01' is not a date (YYYY-MM-DD)\n"),
])
def test_cli_refuses_with_one_line(demo_db, tmp_path, capsys, arguments, message):
    out = tmp_path / "chart.png"
    assert cli.main(["--db", str(demo_db), "chart", *arguments, "-o", str(out)]) == 1
    assert capsys.readouterr().err == message and not out.exists()


def test_cli_default_as_of_is_the_end_of_the_latest_data(demo_db, tmp_path, capsys):
    assert cli.main(["--db", str(demo_db), "chart", "kazlod", "KAZLOD.R1.I1", "--format", "svg",
                     "-o", str(tmp_path / "chart.svg")]) == 0
    assert " at 2014-12-31 in kk" in capsys.readouterr().out
