"""The IATI activity file: valid against the official 2.03 schema (vendored in
tests/iati-2.03 with its licence note), and its numbers are the stored measurements."""

import datetime as dt
import re

import pandas as pd
import pytest
from lxml import etree

from kzlogframe.catalog import load_catalog
from kzlogframe.cli import main
from kzlogframe.iati import activity_identifier, iati_xml
from kzlogframe.measurements import current_measurements
from kzlogframe.models import Logframe, Text
from tests.conftest import ROOT
from tests.test_exports import fixture_db  # noqa: F401  (a pytest fixture)

SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "iati-2.03" / "iati-activities-schema.xsd")))
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
AS_OF = dt.date(2014, 12, 31)
H = {label: (f"{label[:4]}-{'01-01' if label[-1] == '1' else '07-01'}", f"{label[:4]}-{'06-30' if label[-1] == '1' else '12-31'}")
     for label in ("2012-H1", "2012-H2", "2013-H1", "2014-H1", "2016-H1")}  # the fixture's calendar: halves
S = {2: ("2011-12-23", "2012-06-22"), 3: ("2012-06-23", "2012-12-22"), 4: ("2012-12-23", "2013-06-22"),
     11: ("2016-06-23", "2016-12-22")}


def parse(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    assert SCHEMA.validate(root), SCHEMA.error_log
    return root


def narratives(element: etree._Element, path: str) -> dict[str, str]:
    return {n.get(LANG): n.text for n in element.find(path).findall("narrative")}


def periods(root: etree._Element, code: str) -> dict[tuple[str, str], dict]:
    """{(start, end): {"target": value|comment, "actual": value|comment, "cells": {dims: value}}}."""
    indicator = root.find(f".//indicator/reference[@code='{code}']/..")
    out = {}
    for period in indicator.findall("period"):
        entry: dict = {"cells": {}}
        for tag in ("target", "actual"):
            for element in period.findall(tag):
                value = element.get("value")
                value = float(value) if value is not None else element.find(f"comment/narrative[@{LANG}='en']").text
                dims = tuple((d.get("name"), d.get("value")) for d in element.findall("dimension"))
                if dims:
                    entry["cells"][dims] = value
                else:
                    entry[tag] = value
        out[(period.find("period-start").get("iso-date"), period.find("period-end").get("iso-date"))] = entry
    return out


@pytest.fixture(scope="module")
def fixture_file(fixture_db):
    lf, db = fixture_db
    return parse(iati_xml(lf, current_measurements("demo", db), as_of=AS_OF))


def test_activity_header(fixture_file):
    activity = fixture_file.find("iati-activity")
    assert fixture_file.get("version") == "2.03"
    assert activity.get(LANG) == "en" and activity.get("default-currency") == "EUR"
    assert activity.findtext("iati-identifier") == "XI-IATI-EC_DEVCO-DCI-ASIE-2010-000-000"
    assert activity.find("reporting-org").attrib == {"ref": "XI-IATI-EC_DEVCO", "type": "15"}
    assert narratives(activity, "title") == {"en": "Demo programme", "kk": "Демо бағдарлама"}
    assert [(o.get("role"), o.get("ref")) for o in activity.findall("participating-org")] == [
        ("1", "XI-IATI-EC_DEVCO"), ("3", "XI-IATI-EC_DEVCO"), ("2", None)]
    assert activity.find("other-identifier").attrib == {"ref": "DCI-ASIE/2010/000-000", "type": "A1"}
    assert activity.find("activity-status").get("code") == "2"  # operational phase at AS_OF
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    assert dates == {"1": "2011-06-23", "2": "2011-06-23", "3": "2018-06-23"}
    assert "Assumed date" in narratives(activity, "activity-date")["en"]
    assert activity.find("recipient-country").get("code") == "KZ"
    last = pd.Timestamp(activity.get("last-updated-datetime"))
    assert last <= pd.Timestamp.now() and last.year == dt.date.today().year


def test_levels_become_results_of_the_right_type(fixture_file):
    results = fixture_file.findall(".//result")
    assert [(r.get("type"), narratives(r, "title")["en"]) for r in results] == [
        ("3", "Overall objective"), ("2", "Specific objective"), ("1", "Result one")]  # R1.1 has no indicator
    indicators = {i.find("reference").get("code"): i for r in results for i in r.findall("indicator")}
    assert {code: (i.get("measure"), i.get("ascending")) for code, i in indicators.items()} == {
        "DEMO.G.I1": ("5", None), "DEMO.P1.I1": ("2", "false"), "DEMO.P1.I2": ("4", "true"),
        "DEMO.P1.I3": ("1", "true"), "DEMO.R1.I1": ("1", "true")}
    assert all(i.find("reference").get("vocabulary") == "99" for i in indicators.values())
    r1 = indicators["DEMO.R1.I1"]
    assert narratives(r1, "title") == {"en": "Civil servants trained", "kk": "Оқытылған қызметшілер"}
    assert "running totals" in narratives(r1, "description")["en"]
    assert "жинақталған" in narratives(r1, "description")["kk"]
    assert "sets no target" in narratives(indicators["DEMO.P1.I3"], "description")["en"]
    assert r1.find("baseline").attrib == {"year": "2011", "iso-date": "2011-06-23", "value": "0"}
    assert indicators["DEMO.P1.I1"].find("baseline").get("value") == "40"
    rating = indicators["DEMO.P1.I2"].find("baseline")  # none declared: the first measurement, said so
    assert rating.attrib == {"year": "2012", "iso-date": "2012-06-30", "value": "1"}
    assert "first measurement (2012-H1)" in narratives(rating, "comment")["en"]


def test_actuals_are_the_reporting_values_per_half(fixture_file):
    # Summing: running totals of the CSV rows (10+15, +5, +20, +30), per cell too; targets only where
    # the logframe dates them, in the half holding their date.
    assert periods(fixture_file, "DEMO.R1.I1") == {
        H["2012-H1"]: {"actual": 25.0, "cells": {(("sex", "female"), ("oblast", "Mangystau")): 10.0,
                                                 (("sex", "male"), ("oblast", "Kyzylorda")): 15.0}},
        H["2012-H2"]: {"actual": 30.0, "cells": {(("sex", "female"), ("oblast", "Mangystau")): 15.0}},
        H["2013-H1"]: {"target": 100.0, "actual": 50.0, "cells": {(("sex", "male"), ("oblast", "Mangystau")): 20.0}},
        H["2014-H1"]: {"actual": 80.0, "cells": {(("sex", "female"), ("oblast", "Kyzylorda")): 30.0}},
        H["2016-H1"]: {"target": 400.0, "cells": {}},
    }
    # Percentage: the latest quarter of each half (Q1 and Q2 2012 in 2012-H1, Q3 and Q4 in 2012-H2).
    assert periods(fixture_file, "DEMO.P1.I1") == {
        H["2012-H1"]: {"actual": 36.0, "cells": {}}, H["2012-H2"]: {"actual": 33.0, "cells": {}},
        H["2016-H1"]: {"target": 20.0, "cells": {}}}
    # Per-period count: the half's sum; no target in the logframe, so none invented.
    assert periods(fixture_file, "DEMO.P1.I3") == {H["2012-H1"]: {"actual": 4.0, "cells": {}},
                                                   H["2012-H2"]: {"actual": 6.0, "cells": {}},
                                                   H["2013-H1"]: {"actual": 3.0, "cells": {}}}
    assert periods(fixture_file, "DEMO.P1.I2") == {
        H["2012-H1"]: {"actual": 1.0, "cells": {}}, H["2013-H1"]: {"actual": 2.0, "cells": {}},
        H["2016-H1"]: {"target": 3.0, "cells": {}}}
    assert periods(fixture_file, "DEMO.G.I1") == {
        H["2012-H1"]: {"actual": "Not done", "cells": {}}, H["2013-H1"]: {"actual": "Done", "cells": {}},
        H["2016-H1"]: {"target": "To be done by 2016-06-23.", "cells": {}}}


def test_qualitative_and_ordinal_values_carry_words_in_both_languages(fixture_file):
    milestone = fixture_file.find(".//indicator/reference[@code='DEMO.G.I1']/..")
    assert all(e.get("value") is None for e in milestone.iter("target", "actual"))
    comment = milestone.find("period/actual/comment")
    assert {n.get(LANG): n.text for n in comment} == {"en": "Not done", "kk": "Орындалмады"}
    rating = fixture_file.find(".//indicator/reference[@code='DEMO.P1.I2']/..")
    assert [n.text for n in rating.find("period/actual/comment")] == ["low", "төмен"]


def test_kazakh_first_and_no_data(fixture_db):
    lf, _ = fixture_db
    title = Text(kk=lf.programme.title.kk, en=lf.programme.title.en)  # no Russian title
    lf = lf.model_copy(update={"programme": lf.programme.model_copy(update={"title": title})})
    empty = current_measurements("demo", fixture_db[1]).iloc[0:0]
    root = parse(iati_xml(lf, empty, lang_order=("kk", "en", "ru"), as_of=dt.date(2019, 1, 1)))
    activity = root.find("iati-activity")
    assert activity.get(LANG) == "kk" and activity.get("last-updated-datetime") is None
    assert activity.find("activity-status").get("code") == "4"  # past the closure phase
    assert [n.get(LANG) for n in activity.find("title")] == ["kk", "en"]  # the logframe has no Russian title
    assert [n.get(LANG) for n in activity.find("reporting-org")] == ["kk", "en", "ru"]
    assert not root.findall(".//actual") and len(root.findall(".//target")) == 5  # the logframe's dated targets


def test_semesters_from_fa_signature(fixture_db):
    """A programme reporting in semesters: each value in the semester holding its period's last day
    (2012-Q2 ends 30.6., in S3 with Q3; the importer would now refuse it, as it straddles S2 and S3)."""
    lf, db = fixture_db
    data = lf.model_dump()
    data["programme"]["implementation"]["reporting"] = "semester"
    semesters = Logframe.model_validate(data)
    root = parse(iati_xml(semesters, current_measurements("demo", db), as_of=AS_OF))
    assert periods(root, "DEMO.P1.I1") == {
        S[2]: {"actual": 38.5, "cells": {}}, S[3]: {"actual": 35.25, "cells": {}},
        S[4]: {"actual": 33.0, "cells": {}}, S[11]: {"target": 20.0, "cells": {}}}


def test_identifier_is_readable_and_free_of_forbidden_characters():
    for lf in load_catalog().values():
        identifier = activity_identifier(lf)
        assert re.fullmatch(r"[^/&|?\s]+", identifier)  # the IATI ruleset's rule for iati-identifier
        own = "DCI-ASIE-2010-" if lf.programme.is_eu else "KZ-GOV-"  # the Government's: its resolution
        assert identifier.startswith(f"XI-IATI-EC_DEVCO-{own}")
    assert activity_identifier(load_catalog()["psr"]) == "XI-IATI-EC_DEVCO-DCI-ASIE-2010-022-081"
    assert activity_identifier(load_catalog()["psr_oecd"]) == "XI-IATI-EC_DEVCO-KZ-GOV-1371"  # its resolution


def test_the_schema_is_strict_about_element_order(fixture_file):
    period = fixture_file.find(".//period")
    period.insert(0, period[1])  # period-end before period-start
    assert not SCHEMA.validate(fixture_file)


def test_bundled_programmes_validate_and_match_the_database(demo_store):
    """Every level of both logframes, with demo data; each non-summing total indicator's actual
    per semester is the latest stored value ending in that semester, recomputed here with pandas."""
    for code, lf in load_catalog().items():
        stored = current_measurements(code, demo_store)
        root = parse(iati_xml(lf, stored))
        assert len(root.findall(".//indicator")) == sum(1 for _ in lf.indicators())
        semesters = lf.reporting_periods()
        starts = pd.to_datetime([p.start for p in semesters])
        checked = 0
        for _, ind in lf.indicators():
            rows = stored[stored["indicator"] == ind.code]
            if ind.type.value != "quantitative" or ind.cumulative.value != "non_summing" or ind.disaggregation \
                    or rows.empty:
                continue
            slot = starts.searchsorted(rows["period_end"], side="right") - 1
            latest = rows.assign(slot=slot).sort_values("period_end").groupby("slot")["value"].last()
            expected = {(semesters[s].start.isoformat(), semesters[s].end.isoformat()): v for s, v in latest.items()}
            got = {key: entry["actual"] for key, entry in periods(root, ind.code).items() if "actual" in entry}
            assert got == expected, ind.code
            checked += 1
        assert checked >= (0 if code == "psr_oecd" else 3), code  # the OECD review: milestones and one count


def test_cli_writes_a_valid_file(demo_store, tmp_path, capsys):
    out = tmp_path / "psr.xml"
    assert main(["--db", str(demo_store), "iati", "psr", "-o", str(out)]) == 0
    assert "XI-IATI-EC_DEVCO-DCI-ASIE-2010-022-081" in capsys.readouterr().out
    root = parse(out.read_bytes())
    assert root.find("iati-activity/title/narrative").text.startswith("Public sector reform")
    assert main(["--db", str(demo_store), "iati", "nope", "-o", str(tmp_path / "x.xml")]) == 1
    assert "unknown programme 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.xml").exists()


def test_the_vendored_schema_keeps_its_licence_note():
    assert "license" in (ROOT / "tests" / "iati-2.03" / "LICENSE").read_text()


def test_bundled_programmes_declare_their_dac_sector(tmp_path):
    for code, sector in (("psr", "15110"), ("kazlod", "15112")):
        root = parse(iati_xml(load_catalog()[code], current_measurements(code, db=tmp_path / "empty.duckdb")))
        assert root.xpath("//sector/@code") == [sector] and root.xpath("//sector/@vocabulary") == ["1"]


@pytest.mark.parametrize("code, identifier", [("psr_oecd", "KZ-GOV-1371"), ("rbp2007", "KZ-GOV-1220")])
def test_a_programme_outside_the_eu_budget_is_the_governments_activity(demo_store, code, identifier):
    """Not an EU activity: the Commission appears only as secondary reporter, the Government funds it, amounts
    are in the programme's currency, no EU contribution anywhere; its numbers are still the stored values."""
    lf = load_catalog()[code]
    root = parse(iati_xml(lf, current_measurements(code, demo_store), lang_order=("en", "kk", "ru")))
    activity = root.find("iati-activity")
    assert activity.get("default-currency") == lf.programme.currency.value
    assert activity.findtext("iati-identifier") == f"XI-IATI-EC_DEVCO-{identifier}"
    assert activity.find("reporting-org").attrib == {"ref": "XI-IATI-EC_DEVCO", "type": "15",
                                                     "secondary-reporter": "true"}
    orgs = [(o.get("role"), o.get("ref"), o.get("type"), narratives(o, ".")["en"])
            for o in activity.findall("participating-org")]
    assert orgs[:2] == [("1", None, "10", "Government of the Republic of Kazakhstan"),
                        ("3", None, "10", "Government of the Republic of Kazakhstan")]
    assert orgs[2][:3] == ("2", None, "10") and "EC_DEVCO" not in str(orgs)
    assert activity.find("other-identifier").attrib == {"ref": lf.programme.decision, "type": "A9"}
    description = narratives(activity, "description")
    assert "not part of the eu budget" in description["en"].lower() and "secondary reporter" in description["en"]
    assert "ЕО бюджетіне кірмейді" in description["kk"] and "не входит в бюджет ес" in description["ru"].lower()
    assert "EU contribution" not in description["en"]
    assert len(root.findall(".//indicator")) == sum(1 for _ in lf.indicators())


def test_the_budget_programme_counts_its_year_and_its_tenge(demo_store):
    lf = load_catalog()["rbp2007"]
    root = parse(iati_xml(lf, current_measurements("rbp2007", demo_store)))
    description = narratives(root.find("iati-activity"), "description")["en"]
    assert "Total cost 4 353 886 000 KZT" in description  # 4,353,886 thousand tenge
    count = periods(root, "RBP2007.001.D2")  # summing: 2007-H1 + 2007-H2 in the one reporting year
    assert list(count) == [("2007-01-01", "2007-12-31")] and count[("2007-01-01", "2007-12-31")]["target"] == 42
    stored = current_measurements("rbp2007", demo_store)
    assert count[("2007-01-01", "2007-12-31")]["actual"] == stored.loc[stored["indicator"] == "RBP2007.001.D2",
                                                                        "value"].sum()
    baseline = root.find(".//indicator/reference[@code='RBP2007.001.D2']/../baseline")
    assert "start of the programme" in narratives(baseline, "comment")["en"]  # not "the financing agreement"


def test_cli_says_a_government_activity_is_not_an_eu_one(demo_store, tmp_path, capsys):
    out = tmp_path / "oecd.xml"
    assert main(["--db", str(demo_store), "iati", "psr_oecd", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "XI-IATI-EC_DEVCO-KZ-GOV-1371" in printed and "not an EU activity" in printed
    assert "secondary reporter" in printed
    parse(out.read_bytes())
