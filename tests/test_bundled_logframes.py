"""The bundled logframes against the seeds they were transcribed from."""

import re

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.models import IndicatorType
from kzlogframe.validation import check_file
from tests.conftest import ROOT
from tests.seedtext import KAZLOD_SEED, PSR_SEED, SEEDS, seed_lines, seed_results, squash

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
    assert lf.programme.disaggregation_values.codes("oblast") == ["Mangystau", "Kyzylorda", "East Kazakhstan"]


@pytest.mark.parametrize("code", ["kazlod", "psr"])
def test_every_disaggregation_value_is_labelled_in_three_languages(catalog, code):
    declared = catalog[code].programme.disaggregation_values
    values = [value for dim in ("sex", "oblast", "ministry") for value in getattr(declared, dim)]
    assert values and all(value.label is not None and not value.label.missing() for value in values)


def test_oblast_labels_are_the_official_names(catalog):
    labels = {v.code: (v.label.kk, v.label.ru) for v in catalog["kazlod"].programme.disaggregation_values.oblast}
    assert labels == {"Mangystau": ("Маңғыстау облысы", "Мангистауская область"),
                      "Kyzylorda": ("Қызылорда облысы", "Кызылординская область"),
                      "East Kazakhstan": ("Шығыс Қазақстан облысы", "Восточно-Казахстанская область")}
    seed = seed_squashed(FILES["kazlod"])
    assert all(squash(kk.removesuffix(" облысы")) in seed for kk, _ in labels.values())


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


# ---------------------------------------------------------------- issue 15: the transcription fixes, against the seed

KAZAKH_QUOTE = re.compile(r'#.*?\blines? (\d+)(?:-(\d+))?[^"#\d]*?: "([^"]*[ӘәҒғҚқҢңӨөҰұҮүІі][^"]*)"')


@pytest.mark.parametrize("code", list(FILES))
def test_quoted_seed_lines_hold_the_quote(code):
    """A comment quoting the seed at a line ("line 831: "(I) Сервистік ...") cites the line the quote starts on."""
    from kzlogframe.provenance import locate

    checked = 0
    for line in (ROOT / "logframes" / f"{code}.yaml").read_text(encoding="utf-8").splitlines():
        for first, last, quote in KAZAKH_QUOTE.findall(line):
            found = locate(quote, SEEDS / FILES[code], int(first))
            assert found is not None and int(first) <= found.first_line <= int(last or first), (line, found)
            checked += 1
    assert checked >= 3


def test_psr_governance_matters_is_the_world_bank_series(catalog):
    source = catalog["psr"].goal.sources[4]
    assert "\n".join(seed_lines(PSR_SEED)[1087:1090]).startswith('"Басқару мәселелері')
    assert squash(source.kk) == squash('"Басқару мәселелері". Индикаторлар.')
    assert "Governance Matters" in source.en and "World Bank" in source.en and "Glance" not in source.en
    assert "Governance Matters" in source.ru and "Всемирный банк" in source.ru


def test_psr_dac_code_budget_line_and_management_mode_as_the_seed_states_them(catalog):
    p = catalog["psr"].programme
    lines = seed_lines(PSR_SEED)
    assert re.search(r"DAC коды (\d{5})", lines[495]).group(1) == p.dac_sector == "15110"
    assert re.search(r"бюджеттің бабы (\d{6})", lines[481]).group(1) == p.eu_budget_line.replace(" ", "")
    block = squash("\n".join(lines[488:494]))
    assert [squash(m.kk) in block for m in p.management] == [True, True]
    assert [m.en for m in p.management] == ["Direct centralised management", "Joint management (OECD)"]


def test_kazlod_beneficiary_is_the_government_as_in_psr(catalog):
    assert "«Бенефициар» деп аталатын Қазақстан Республикасының Үкіметін" in " ".join(
        " ".join(seed_lines(KAZLOD_SEED)[23:28]).split())
    assert catalog["kazlod"].programme.beneficiary == catalog["psr"].programme.beneficiary


@pytest.mark.parametrize("code", list(FILES))
def test_every_target_dated_at_the_operational_end_says_the_date_is_assumed(catalog, code):
    """The seeds date no OVI: a target on the last day of the operational phase is our assumption."""
    from kzlogframe.models import add_months

    impl = catalog[code].programme.implementation
    end = add_months(impl.fa_signature, impl.operational_months)
    flagged = [(ind.code, "Target date assumed" in (ind.note.en if ind.note else "")
                or any(t.note and "assumed" in t.note.en for t in ind.targets))
               for _, ind in catalog[code].indicators() if any(t.date == end for t in ind.targets)]
    assert flagged and all(ok for _, ok in flagged), [c for c, ok in flagged if not ok]


@pytest.mark.parametrize("code", list(FILES))
def test_a_percentage_unit_only_where_the_seed_speaks_of_percent(catalog, code):
    for _, ind in catalog[code].indicators():
        if ind.unit and "%" in ind.unit.kk + ind.unit.en + (ind.unit.ru or ""):
            assert "%" in ind.text.kk or "пайыз" in ind.text.kk, ind.code


def test_kazlod_units_the_seed_does_not_give_are_neutral_and_say_so(catalog):
    lf = catalog["kazlod"]
    for code in ("KAZLOD.P2.I2", "KAZLOD.R1.I7", "KAZLOD.R2.I7", "KAZLOD.R4.I4"):
        ind = lf.indicator(code)
        assert "%" not in ind.unit.kk + ind.unit.en + ind.unit.ru and "gives no unit" in ind.note.en, code
    assert "Бастапқы кезеңде қызметтің стандарттары мен көрсеткіштері" in " ".join(
        " ".join(seed_lines(KAZLOD_SEED)[591:593]).split())  # the note's lines 592-593
    assert {lf.indicator(c).combine_cells.value for c in ("KAZLOD.P2.I2", "KAZLOD.R2.I7")} == {"pooled"}


def test_psr_section_7_has_two_components(catalog):
    """Components No 1 (R1, R2) and No 2 (R3-R5); no "component No 3" anywhere, seed or YAML comments."""
    section = "\n".join(seed_lines(PSR_SEED)[665:847])
    assert re.findall(r"№ ?(\d) құрауыш", section) == ["1", "2"]
    yaml_text = (ROOT / "logframes" / "psr.yaml").read_text(encoding="utf-8")
    assert "Component No 3" not in yaml_text and "components No 2 (R3) and No 3" not in yaml_text
    assert "887-891" in yaml_text and "900-901" in yaml_text  # the seed's contradiction on component No 2 is noted


def test_kazlod_committee_conflict_and_tasks_as_the_seed_states_them(catalog):
    sc = catalog["kazlod"].steering_committee
    seed = squash("\n".join(seed_lines(KAZLOD_SEED)[805:852]))
    assert squash(sc.conflicting_composition.text.kk) in seed and "two different compositions" in \
        sc.conflicting_composition.note.en
    assert len(sc.members) == 7 and all(squash(m.kk) in seed for m in sc.members)
    assert [squash(task.kk) in seed for task in sc.tasks] == [True]
    visits = next(p for p in catalog["kazlod"].monitoring if p.kind.value == "monitoring_visit")
    assert squash(visits.text.kk) in seed


def test_schedules_flag_what_the_seed_does_not_give(catalog):
    psr, kazlod = catalog["psr"], catalog["kazlod"]
    assert psr.programme.implementation.inception_assumed and kazlod.programme.implementation.inception_assumed
    assert psr.programme.implementation.inception_months == 6  # stated in the file, not a code default
    assert "inception_months: 6" in (ROOT / "logframes" / "psr.yaml").read_text(encoding="utf-8")
    for code in ("R2.A5", "R2.A6", "R2.A7"):  # start at the end of the (assumed) inception phase
        schedule = next(a.schedule for r in kazlod.results for a in r.activities if a.code == code)
        assert "inception_end" in schedule.after and "after" in schedule.assumed
    r2 = {a.code: a.schedule for a in psr.results[1].activities}
    assert "after" not in r2["R2.A2"].assumed and all("after" in r2[c].assumed for c in ("R2.A3", "R2.A4"))


def test_kazlod_r5_a1_is_financed_by_the_government(catalog):
    """"А2-7 ... ҚР Үкіметі қаржыландырған жобаның бірінші фазасы (А1) нәтижелеріне негізделетін болады" (lines 771-772)."""
    assert "ҚРҮкіметіқаржыландырғанжобаныңбіріншіфазасы(А1)" in squash("\n".join(seed_lines(KAZLOD_SEED)[770:773]))
    r5 = {a.code: a for a in catalog["kazlod"].results[4].activities}
    assert r5["R5.A1"].contract is None and r5["R5.A1"].financing.kk == "ҚР Үкіметі"
    assert all(r5[f"R5.A{i}"].contract == "oecd" and "contract:oecd" in r5[f"R5.A{i}"].schedule.after
               for i in range(2, 8))


@pytest.mark.parametrize("code", list(FILES))
def test_m_and_e_provisions_are_verbatim_and_timed_as_the_seed_says(catalog, code):
    """The M&E section: every provision's Kazakh words are in the seed; ROM from month 6 to 6 months before
    the operational end, the final evaluation at the start of the closure phase; the mid-term, the ex-post
    and the ROM rhythm are flagged as assumed, because the seed gives no timing for them."""
    lf = catalog[code]
    seed = seed_squashed(FILES[code])
    provisions = {p.kind.value: p for p in lf.monitoring}
    assert set(provisions) >= {"benchmarking", "rom", "midterm_evaluation", "final_evaluation", "ex_post_evaluation",
                               "mission_notice"}
    assert all(squash(p.text.kk) in seed for p in lf.monitoring)
    impl = lf.programme.implementation
    rom = provisions["rom"]
    assert (rom.start_months, rom.end_months, rom.assumed) == (6, impl.operational_months - 6, ["every_months"])
    assert "алтыншыайынан" in squash(rom.text.kk) and "алтыайбұрыннанкешікпей" in squash(rom.text.kk)
    assert provisions["final_evaluation"].start_months == impl.operational_months
    assert "сатының басында" in provisions["final_evaluation"].text.kk or "сатысының басында" in \
        provisions["final_evaluation"].text.kk
    assert provisions["midterm_evaluation"].assumed == ["start_months"]
    assert provisions["ex_post_evaluation"].possible and "мүмкін" in provisions["ex_post_evaluation"].text.kk
    assert provisions["mission_notice"].notice_months == 1 and "бір ай" in provisions["mission_notice"].text.kk
    benchmarking = provisions["benchmarking"]
    assert (benchmarking.start_months, benchmarking.end_months) == (0, impl.inception_months)
    assert benchmarking.assumed == ["end_months"]
