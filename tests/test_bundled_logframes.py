"""The bundled logframes against the seeds they were transcribed from."""

import re

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.models import IndicatorType
from kzlogframe.validation import check_file
from tests.conftest import ROOT
from tests.seedtext import KAZLOD_SEED, PSR_SEED, seed_lines, seed_results, squash

FILES = {"psr": PSR_SEED, "kazlod": KAZLOD_SEED}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ROOT / "logframes")


def without_label(text: str) -> str:
    """The PDF conversion dropped the "Кезектілік:" side heading (colon sometimes on another line)
    into the middle of the sequencing paragraphs."""
    return re.sub(r":?Кезектілік:?", "", text)


def seed_squashed(name: str) -> str:
    return without_label(squash("\n".join(seed_lines(name))))


@pytest.mark.parametrize("code", list(FILES))
def test_file_validates_with_only_documented_seed_discrepancies(code):
    checked = check_file(ROOT / "logframes" / f"{code}.yaml")
    assert checked.errors == []
    for warning in checked.problems:
        assert warning.path.startswith("budget."), warning


@pytest.mark.parametrize("code", list(FILES))
def test_results_sub_results_and_activities_match_the_seed(catalog, code):
    lf = catalog[code]
    expected = seed_results(FILES[code])
    assert [r.code for r in lf.results] == list(expected)
    for result in lf.results:
        seed = expected[result.code]
        assert [s.code for s in result.sub_results] == seed.sub_results, result.code
        assert [a.code for a in result.activities] == [f"{result.code}.A{i}" for i in range(1, seed.activities + 1)]
        assert (result.sequencing is not None) == (seed.sequencing_paragraphs > 0), result.code


@pytest.mark.parametrize("code", list(FILES))
def test_narrative_texts_are_verbatim_from_the_seed(catalog, code):
    lf = catalog[code]
    seed = seed_squashed(FILES[code])
    texts = [("goal", lf.goal.text.kk)] + [(p.code, p.text.kk) for p in lf.purposes]
    for result in lf.results:
        texts.append((result.code, result.text.kk))
        texts += [(s.code, s.text.kk) for s in result.sub_results]
        texts += [(a.code, a.text.kk) for a in result.activities]
        if result.sequencing:
            texts.append((f"{result.code} sequencing", result.sequencing.kk))
    missing = [where for where, kk in texts if without_label(squash(kk)) not in seed]
    assert missing == []


@pytest.mark.parametrize("code", list(FILES))
def test_matrix_cells_come_from_the_seed(catalog, code):
    """Indicators, sources and assumptions: each cell's opening words appear in the seed's matrix."""
    lf = catalog[code]
    seed = seed_squashed(FILES[code])
    cells = []
    for level in lf.levels():
        cells += [(i.code, i.text.kk) for i in level.indicators]
        cells += [(a.id, a.text.kk) for a in level.assumptions]
        cells += [(f"{level.code} source", s.kk) for s in level.sources]
    assert cells
    missing = [where for where, kk in cells if squash(kk)[:24] not in seed]
    assert missing == []


@pytest.mark.parametrize("code", list(FILES))
def test_every_level_has_indicators_and_a_kazakh_and_english_text(catalog, code):
    lf = catalog[code]
    assert lf.goal.indicators and all(p.indicators for p in lf.purposes)
    assert all(r.indicators or any(s.indicators for s in r.sub_results) for r in lf.results)
    for level in lf.levels():
        assert level.text.kk != level.text.en


def test_psr_programme_facts(catalog):
    p = catalog["psr"].programme
    assert p.decision == "DCI-ASIE/2010/022-081"
    assert p.eu_contribution_eur == 10_000_000
    assert p.resolution.number == "688"
    assert len(catalog["psr"].purposes) == 1


def test_kazlod_programme_facts(catalog):
    lf = catalog["kazlod"]
    assert lf.programme.decision == "DCI-ASIE/2010/020-609"
    assert lf.programme.eu_contribution_eur == 15_000_000
    assert lf.programme.resolution.number == "687"
    assert len(lf.purposes) == 2
    assert set(lf.programme.disaggregation_values.oblast) == {"Mangystau", "Kyzylorda", "East Kazakhstan"}


@pytest.mark.parametrize("code", list(FILES))
def test_duration_matches_the_seed(catalog, code):
    impl = catalog[code].programme.implementation
    text = squash("\n".join(seed_lines(FILES[code])))
    assert "84ай" in text and "60ай" in text and "24ай" in text
    assert (impl.operational_months, impl.closure_months) == (60, 24)
    assert impl.operational_months + impl.closure_months == 84
    assert impl.contracting_deadline_months == 36


@pytest.mark.parametrize("code", list(FILES))
def test_budget_figures_appear_in_the_seed(catalog, code):
    """Each stated line figure (EUR thousand) appears in the seed's budget table in millions (3,45)."""
    lf = catalog[code]
    start, end = {"psr": (926, 970), "kazlod": (884, 957)}[code]
    table = "\n".join(seed_lines(FILES[code])[start - 1:end])
    figures = set(re.findall(r"\d+,\d+", table))
    for line in lf.budget.lines:
        for value in (line.eu, line.total):
            if value:
                millions = f"{value / 1000:.2f}".rstrip("0")
                millions = (millions + "0" if millions.endswith(".") else millions).replace(".", ",")
                assert millions in figures, (line.code, value)
    assert lf.budget.total.eu * 1000 == lf.programme.eu_contribution_eur


@pytest.mark.parametrize("code", list(FILES))
def test_steering_committee_rhythm(catalog, code):
    sc = catalog[code].steering_committee
    assert (sc.meetings_per_year, sc.report_every_months) == (2, 6)
    assert len(sc.members) >= 4


@pytest.mark.parametrize("code", list(FILES))
def test_numbers_in_indicator_texts_are_captured_as_targets(catalog, code):
    """An OVI whose text states a count or percentage must carry it as a target value."""
    for _, ind in catalog[code].indicators():
        numbers = {float(n.replace(",", ".")) for n in re.findall(r"(?<![\d.])(\d+(?:,\d+)?)\s*(?:%|пайыз)", ind.text.kk)}
        if numbers and ind.type is IndicatorType.quantitative:
            assert numbers & {t.value for t in ind.targets}, ind.code


# What each sequencing paragraph says, read from the Kazakh text itself, and what the schedule must carry.
SEQUENCING_RULES = [
    # (phrase in the seed paragraph, check on the result's activities)
    ("ынтымақтастық туралы келісім", lambda acts: any("contract:oecd" in a.schedule.after for a in acts)),
    ("сервистік келісімшарт", lambda acts: any("contract:service" in a.schedule.after for a in acts)),
    ("8 ай ішінде", lambda acts: any(a.schedule.start_deadline_months == 8 for a in acts)),
    ("бірінші жыл", lambda acts: any(a.schedule.start_deadline_months == 12 for a in acts)),
    ("48 айға дейін", lambda acts: any(a.schedule.max_duration_months == 48 for a in acts)),
    ("мерзімінің ішінде", lambda acts: any(a.schedule.throughout for a in acts)),
    ("қажеттілігіне қарай", lambda acts: any(a.schedule.as_needed for a in acts)),
]


@pytest.mark.parametrize("code", list(FILES))
def test_schedules_follow_the_sequencing_paragraphs(catalog, code):
    from kzlogframe.schedule import plan

    lf = catalog[code]
    checked = 0
    for result in lf.results:
        if not result.sequencing:
            continue
        assert all(a.schedule is not None for a in result.activities), result.code
        paragraph = " ".join(result.sequencing.kk.split())
        for phrase, rule in SEQUENCING_RULES:
            if phrase in paragraph:
                assert rule(result.activities), (result.code, phrase)
                checked += 1
    assert checked >= 5
    planned = plan(lf)
    assert all(p.end_month <= lf.programme.implementation.operational_months for p in planned.activities.values())
    assert planned.critical_path


def test_psr_sequencing_chains(catalog):
    """PSR R1: "A1 immediately after the cooperation agreement is signed, then A2 and A3; A4 throughout"."""
    r1 = {a.code: a.schedule for a in catalog["psr"].results[0].activities}
    assert r1["R1.A1"].after == ["contract:oecd"] and r1["R1.A1"].lag_months == 0
    assert r1["R1.A2"].after == ["R1.A1"] and r1["R1.A3"].after == ["R1.A1"]
    assert r1["R1.A4"].throughout
    r4 = {a.code: a.schedule for a in catalog["psr"].results[3].activities}
    assert sorted(r4["R4.A3"].after) == ["R4.A1", "R4.A2"]  # "A3 builds on the success of A1 and A2"
