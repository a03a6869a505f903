"""Upload templates (issue 16, item 1): the XLSX with names, units and drop-down lists and the
Excel-friendly CSV, each in the reader's language, each going back through the importer as it is."""

import io

import openpyxl
import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_bytes
from kzlogframe.upload_templates import period_text, template_csv, template_xlsx
from tests.conftest import ADMIN


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def sheets(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_xlsx_template_lists_every_indicator_with_its_name_and_unit_and_no_value(catalog):
    lf = catalog["kazlod"]
    book = sheets(template_xlsx(lf, "kk"))
    assert book.sheetnames == ["Деректер", "Тізімдер"]
    rows = list(book["Деректер"].iter_rows(values_only=True))
    assert rows[0][:6] == ("бағдарлама", "көрсеткіш", "көрсеткіш атауы", "өлшем бірлігі", "кезең", "мән")
    indicators = [ind for _, ind in lf.indicators()]
    assert [row[1] for row in rows[1:]] == [ind.code for ind in indicators]
    assert [row[2] for row in rows[1:]] == [ind.text.kk for ind in indicators]
    assert [row[3] for row in rows[1:]] == [ind.unit.kk if ind.unit else None for ind in indicators]
    assert all(cell is None for row in rows[1:] for cell in row[4:])  # nothing pre-filled, milestones included
    assert any(ind.type.value == "milestone" for ind in indicators)


def test_the_xlsx_template_offers_periods_values_and_milestone_words_as_drop_down_lists(catalog):
    lf = catalog["kazlod"]
    book = sheets(template_xlsx(lf, "ru"))
    data, lists = book.worksheets
    columns = [c.value for c in lists[1]]
    assert columns[:3] == ["период", "пол", "область"]
    listed = {name: [row[i] for row in lists.iter_rows(min_row=2, values_only=True) if row[i] is not None]
              for i, name in enumerate(columns)}
    assert listed["период"] == [period_text(p) for p in lf.reporting_periods()]
    assert listed["пол"] == ["женщины", "мужчины"]
    assert listed["область"] == [v.label.ru for v in lf.programme.disaggregation_values.oblast]
    validations = {str(v.sqref): v for v in data.data_validations.dataValidation}
    period = next(v for ref, v in validations.items() if ref.startswith("E2:"))
    assert period.type == "list" and period.formula1 == f"'Списки'!$A$2:$A${len(listed['период']) + 1}"
    assert period.errorStyle == "information"  # another period form may still be typed
    milestone_row = next(i for i, (_, ind) in enumerate(lf.indicators(), start=2) if ind.type.value == "milestone")
    assert validations[f"F{milestone_row}"].formula1 == '"да,нет"'


def test_a_filled_xlsx_template_goes_back_as_it_is_with_kazakh_text(catalog, tmp_path):
    lf = catalog["kazlod"]
    book = sheets(template_xlsx(lf, "kk"))
    data = book["Деректер"]
    data["E2"], data["F2"], data["K2"] = "2013-H2", 12.5, "Маңғыстау деректері: әғқңөұүһі"
    out = io.BytesIO()
    book.save(out)
    report = import_bytes(out.getvalue(), "kazlod-template.xlsx", catalog, ADMIN, db=tmp_path / "s.duckdb")
    assert (report.status, report.rows_total, report.accepted_total, len(report.rejected)) == ("committed", 1, 1, 0)
    assert report.accepted[["indicator", "value", "comment"]].values.tolist() == [
        [data["B2"].value, 12.5, "Маңғыстау деректері: әғқңөұүһі"]]


def test_the_csv_template_opens_in_a_russian_excel_and_goes_back_with_its_notes(catalog, tmp_path):
    lf = catalog["psr"]
    data = template_csv(lf, "ru")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("программа;индикатор;наименование показателя;единица измерения;период;значение;пол;область;"
                        "министерство;источник;комментарий;числитель;знаменатель;ссылка")
    first = next(ind for _, ind in lf.indicators())
    assert lines[1] == f"psr;{first.code};{first.text.ru};;;;;;;;;;;"
    notes = [line for line in lines if line.startswith("#")]
    assert notes[0].startswith("# период: один из отчётных периодов 2011-H1, 2011-H2")
    assert "десятичной запятой" in notes[1] and "да / нет" in notes[1]
    filled = data.decode("utf-8-sig").replace(f"psr;{first.code};{first.text.ru};;;", f"psr;{first.code};x;;2013-H1;да", 1)
    report = import_bytes(("\ufeff" + filled).encode("utf-8"), "psr.csv", catalog, ADMIN, db=tmp_path / "s.duckdb",
                          dry_run=True)
    assert (report.rows_total, report.accepted_total, report.delimiter) == (1, 1, ";")


def test_a_semester_calendar_is_offered_by_the_last_day_of_each_semester():
    from kzlogframe.periods import semesters
    import datetime as dt

    first = semesters(dt.date(2011, 6, 23), dt.date(2012, 1, 1))[0]
    assert (first.label, period_text(first)) == ("S1", "2011-12-22")
