"""The two programmes outside the EU budget against the seeds they were transcribed from: the OECD
Integrity Systems Review the Government finances (psr_oecd, seed 002) and the Civil Service Affairs
Agency's 2007 budget-programme passports (rbp2007, seed 004). Every Kazakh text is looked up in the seed,
every number and target is read back from it."""

import re

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.models import IndicatorType, Logframe, ProgrammeKind, ResultKind, Text
from kzlogframe.validation import check_file
from tests.conftest import ROOT
from tests.seedtext import OECD_SEED, PASSPORTS_SEED, fold, passports_squashed, seed_lines, squash

FILES = {"psr_oecd": OECD_SEED, "rbp2007": PASSPORTS_SEED}
# Cells the PDF conversion split: other columns of the action-plan table fell between their words.
SPLIT = {"activity 001.001.A5", "activity 002.A2", "indicator RBP2007.002.AP1"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ROOT / "logframes")


def seed_text(code: str) -> str:
    return passports_squashed() if code == "rbp2007" else squash("\n".join(seed_lines(OECD_SEED)))


def statements(lf: Logframe) -> list[tuple[str, Text]]:
    """Every text of the logframe that the seed states: (where, text)."""
    p, sc = lf.programme, lf.steering_committee
    found = [("beneficiary", p.beneficiary), ("financing", p.financing), ("resolution", p.resolution.title)]
    found += [(f"amendment {a.number}", a.text) for a in p.amendments]
    found += [(f"contract {c.id}", c.title) for c in lf.contracts]
    for level in lf.levels():
        found.append((f"level {level.code}", level.text))
        found += [(f"indicator {i.code}", i.text) for i in level.indicators]
        found += [(f"assumption {a.id}", a.text) for a in level.assumptions]
        found += [(f"source {level.code}", s) for s in level.sources]
    found += [(f"activity {a.code}", a.text) for r in lf.results for a in r.activities]
    found += [(f"monitoring {m.kind.value}", m.text) for m in lf.monitoring]
    found += [(f"budget line {b.code}", b.label) for b in lf.budget.lines]
    found += [("committee", sc.name)] + [("committee member", m) for m in sc.members]
    found += [("committee task", task) for task in sc.tasks] + ([("committee support", sc.support)] if sc.support else [])
    return found


def in_two_pieces(text: str, seed: str, gap: int = 400) -> bool:
    """Somewhere in the seed, the text's opening words (at least 20 characters) and the rest soon after them."""
    wanted = squash(text)
    for cut in range(len(wanted) - 1, 19, -1):
        starts = [m.start() for m in re.finditer(re.escape(wanted[:cut]), seed)]
        if any(0 <= seed.find(wanted[cut:], at + cut) - (at + cut) <= gap for at in starts):
            return True
    return False


@pytest.mark.parametrize("code", list(FILES))
def test_every_kazakh_text_is_in_the_seed(catalog, code):
    seed = seed_text(code)
    texts = statements(catalog[code])
    assert len(texts) > 40
    missing = [where for where, text in texts if where not in SPLIT and squash(text.kk) not in seed]
    assert missing == []
    for where, text in texts:
        if where in SPLIT:
            assert squash(text.kk) not in seed and in_two_pieces(text.kk, seed), where


@pytest.mark.parametrize("code", list(FILES))
def test_every_text_has_kazakh_english_and_russian(catalog, code):
    lf = catalog[code]
    texts = statements(lf) + [("title", lf.programme.title), ("short title", lf.programme.short_title)]
    texts += [(f"unit {i.code}", i.unit) for _, i in lf.indicators() if i.unit]
    texts += [(f"note {i.code}", i.note) for _, i in lf.indicators() if i.note]
    texts += [("budget", t) for t in (lf.budget.discrepancy, lf.budget.note) if t]
    assert [where for where, t in texts if not (t.kk and t.en and t.ru)] == []
    assert [where for where, t in texts if t.en == t.kk and not re.fullmatch(r"[\d%\W]+", t.kk)] == []


def test_the_files_validate_with_only_the_seed_002_budget_warning():
    checked = {code: check_file(ROOT / "logframes" / f"{code}.yaml") for code in FILES}
    assert all(c.errors == [] for c in checked.values())
    assert checked["rbp2007"].problems == []
    [warning] = checked["psr_oecd"].problems
    assert (warning.path, warning.severity) == ("budget.total.total", "warning")
    assert "add up to 376731 in column 'total', but the stated total is 376726" in warning.message


def test_the_catalog_keeps_the_eu_programmes_first(catalog):
    """The picker opens on the first programme: an EU one; the related project follows its programme."""
    assert list(catalog) == ["kazlod", "psr", "psr_oecd", "rbp2007"]
    assert [lf.programme.kind for lf in catalog.values()] == [ProgrammeKind.eu_programme] * 2 + [
        ProgrammeKind.government_project, ProgrammeKind.state_budget_programme]


# ---------------------------------------------------------------- seed 002: the OECD Integrity Systems Review


def test_oecd_review_is_government_financed_and_linked_to_psr(catalog):
    p = catalog["psr_oecd"].programme
    seed = seed_text("psr_oecd")
    assert "2.ҮкіметЖобанықаржыландыруғакеліседі." in seed  # Art. 1(2), line 48
    assert p.related_to == "psr" and catalog["psr"].programme.kind is ProgrammeKind.eu_programme
    assert p.eu_contribution_eur is None and p.eu_budget_line is None and p.currency.value == "EUR"
    assert p.total_cost_eur == 376726 and seed.count("376726") == 3  # Art. 2(1), section VII, the budget table
    assert (p.resolution.number, p.resolution.date.isoformat()) == ("1371", "2014-12-24")
    assert "2014жылғы24желтоқсандағы№1371қаулысы" in seed
    assert p.decision == "№ 1371, 24.12.2014"


def test_oecd_review_runs_18_months_from_an_assumed_last_signature(catalog):
    lf = catalog["psr_oecd"]
    impl, seed = lf.programme.implementation, seed_text("psr_oecd")
    assert "Жобаныіскеасырумерзімі18айдықұрайды,бұлреттеТараптардыңсоңғысыосыКелісімгеқолқойғанкүн" in seed
    assert "Жобаныңжалпыұзақтығы18айдықұрайды.Ұзақтығы1-2айдаярлықкезеңінен" in seed
    assert "ЖобааяқталғаннанбастапЭЫДҰалтыайдыңішінде" in seed and "24айбойы" in seed
    assert (impl.operational_months, impl.closure_months, impl.inception_months) == (18, 6, 2)
    assert impl.fa_signature == lf.programme.resolution.date and impl.fa_signature_assumed and impl.inception_assumed
    assert impl.operational_months + impl.closure_months == 24  # the agreement's validity
    report = next(m for m in lf.monitoring if m.kind.value == "final_report")
    assert (report.start_months, report.end_months) == (18, 24)
    assert lf.indicator("PSR_OECD.R3.I3").targets[0].date == lf.end_date


def test_oecd_review_phases_steps_and_five_events_follow_the_terms_of_reference(catalog):
    lf = catalog["psr_oecd"]
    seed = seed_text("psr_oecd")
    section_vii = seed[seed.index("VII.Жобаныіскеасыруталаптары"):]
    results = [squash(r.text.kk) for r in lf.results]
    assert [section_vii.index(r) for r in results] == sorted(section_vii.index(r) for r in results)
    assert results[0].startswith("1-2ай") and results[1].startswith("10айдың") and results[2].startswith("Қалған6ай")
    events = [a for r in lf.results for a in r.activities]
    assert "бесіс-шараұйымдастырылады" in seed and len(events) == 5
    section_v = seed[seed.index("V.Іс-шаралар"):seed.index("VI.Жобаны")]
    assert [section_v.index(squash(a.text.kk)) for a in events] == sorted(section_v.index(squash(a.text.kk))
                                                                          for a in events)
    steps = [squash(s.text.kk) for r in lf.results for s in r.sub_results]
    section_iv = seed[seed.index("IV.Жобаныіскеасырудыңәдіснамасы"):seed.index("V.Іс-шаралар")]
    assert len(steps) == 9 and [section_iv.index(s) for s in steps] == sorted(section_iv.index(s) for s in steps)
    assert all(a.schedule.duration_months == 1 and "lag_months" in a.schedule.assumed for a in events)


def test_oecd_review_deliverables_are_milestones_with_assumed_dates(catalog):
    lf = catalog["psr_oecd"]
    indicators = [i for _, i in lf.indicators()]
    assert not lf.goal.indicators and not any(p.indicators for p in lf.purposes)  # the agreement states none
    events = lf.indicator("PSR_OECD.R2.I3")
    assert events.type is IndicatorType.quantitative and events.targets[0].value == 5 and "бес" in events.text.kk
    assert all(i.type is IndicatorType.milestone for i in indicators if i is not events)
    start, end = lf.programme.implementation.fa_signature, lf.end_date
    assert all(start <= t.date <= end for i in indicators for t in i.targets)
    assert all("assumed" in i.note.en for i in indicators)  # every date rests on the assumed signature


def test_oecd_review_budget_is_the_seeds_table_five_euros_over_its_total(catalog):
    lf = catalog["psr_oecd"]
    table = squash("\n".join(seed_lines(OECD_SEED)[446:466]))
    assert lf.budget.unit.value == "EUR" and all(line.eu == 0 for line in lf.budget.lines)
    for line in lf.budget.lines:
        assert line.cofinancing == line.total and f"{squash(line.label.kk)}{line.total:g}" in table, line.code
    assert sum(line.total for line in lf.budget.lines) == 376731 == lf.budget.total.total + 5
    assert "Шығыстаржиыны376726" in table
    assert "EUR 5 more" in lf.budget.discrepancy.en and "5 евро" in lf.budget.discrepancy.kk


# ---------------------------------------------------------------- seed 004: the 2007 budget-programme passports

PROGRAMMES = ["001", "002", "003", "004", "005", "006", "007"]
KIND_LABELS = {"Тікелейнәтиже:": ResultKind.direct, "Түпкінәтиже:": ResultKind.final,
               "Қаржы-экономикалықнәтиже:": ResultKind.financial_economic,
               "Қаржылық-экономикалықнәтиже:": ResultKind.financial_economic,
               "Қаржылық-экономикалықтиімділік:": ResultKind.financial_economic,
               "Уақтылығы:": ResultKind.timeliness, "Сапасы:": ResultKind.quality}
KIND_LABEL = re.compile("|".join(map(re.escape, KIND_LABELS)))


def annex(seed: str, programme: str) -> str:
    """One passport: from its annex heading ("423-ҚОСЫМША" for programme 001) to the next one."""
    number = 422 + int(programme)
    start = seed.index(f"{number}-ҚОСЫМША")
    return seed[start:seed.find(f"{number + 1}-ҚОСЫМША", start) % (len(seed) + 1)]


def kinds_in_seed(passport: str) -> list[tuple[int, ResultKind]]:
    return [(m.start(), KIND_LABELS[m.group()]) for m in KIND_LABEL.finditer(fold(passport))]


def test_passports_all_65_rows_with_their_kind_as_the_seed_files_them(catalog):
    lf, seed = catalog["rbp2007"], passports_squashed()
    indicators = [i for _, i in lf.indicators()]
    assert len(indicators) == 65 and len({i.code for i in indicators}) == 65
    for programme in PROGRAMMES:
        passport = annex(seed, programme)
        labels = kinds_in_seed(passport)
        mine = [i for i in indicators if i.code.startswith(f"RBP2007.{programme}.") and i.result_kind]
        assert {kind for _, kind in labels} == {i.result_kind for i in mine}, programme  # 002 has no direct result
        for ind in mine:
            at = passport.index(squash(ind.text.kk))
            assert max((p, kind) for p, kind in labels if p < at)[1] is ind.result_kind, ind.code
    [plan_row] = [i for i in indicators if i.result_kind is None]  # from the action plan, said so
    assert plan_row.code == "RBP2007.002.AP1" and "action plan (item 6)" in plan_row.note.en


def test_passports_kinds_per_programme(catalog):
    counts: dict[str, dict[str, int]] = {}
    for _, ind in catalog["rbp2007"].indicators():
        kind = ind.result_kind.value if ind.result_kind else "plan"
        counts.setdefault(ind.code.split(".")[1], {}).setdefault(kind, 0)
        counts[ind.code.split(".")[1]][kind] += 1
    assert counts == {
        "001": {"final": 1, "direct": 3, "financial_economic": 2, "timeliness": 1, "quality": 3},
        "002": {"final": 2, "quality": 2, "plan": 1},
        "003": {"final": 3, "direct": 2, "timeliness": 1, "financial_economic": 1, "quality": 2},
        "004": {"final": 2, "direct": 20, "financial_economic": 1, "timeliness": 1, "quality": 3},
        "005": {"final": 1, "direct": 1, "financial_economic": 1, "quality": 1},
        "006": {"final": 1, "direct": 1, "financial_economic": 1, "timeliness": 1, "quality": 1},
        "007": {"final": 1, "direct": 2, "timeliness": 1, "quality": 1}}


def test_passports_final_results_sit_on_the_purpose_the_others_on_the_programme(catalog):
    """So the state methodology reads final results as the goal's target indicators (our mapping)."""
    lf = catalog["rbp2007"]
    assert [p.code for p in lf.purposes] == [f"P{c}" for c in PROGRAMMES]
    assert [(r.code, r.purpose) for r in lf.results] == [(c, f"P{c}") for c in PROGRAMMES]
    assert all(i.result_kind is ResultKind.final for p in lf.purposes for i in p.indicators)
    assert not any(i.result_kind is ResultKind.final for r in lf.results for i in r.indicators)
    assert all(i.code.startswith(f"RBP2007.{p.code[1:]}.") for p in lf.purposes for i in p.indicators)


def test_passports_targets_are_the_seeds_2007_figures(catalog):
    """A figure is written in the row as the seed writes it (decimal comma); "кем емес" is a minimum;
    "50-70 пайыз" a range; the experts invited by country add up to the target."""
    checked = 0
    for _, ind in catalog["rbp2007"].indicators():
        [target] = ind.targets
        assert target.date.isoformat() == "2007-12-31", ind.code
        text = squash(ind.text.kk)
        assert target.at_least == ("кемемес" in text), ind.code
        if ind.type is IndicatorType.milestone:
            assert target.value == 1
            continue
        if ind.code == "RBP2007.004.D10":
            assert target.value == sum(int(n) for n in re.findall(r"-(\d+)адам", text)) == 26
            assert "our sum" in ind.note.en
        elif target.up_to is not None:
            assert f"{target.value:g}-{target.up_to:g}пайыз" in text, ind.code
        else:
            assert re.search(rf"(?<![\d,]){f'{target.value:g}'.replace('.', ',')}(?![\d,])", text), ind.code
        checked += 1
    assert checked == 44  # and 21 milestones: rows without a figure


def test_passports_units_follow_the_rows_words(catalog):
    for _, ind in catalog["rbp2007"].indicators():
        if ind.type is IndicatorType.milestone:
            assert ind.unit is None
            continue
        text, unit = ind.text.kk, ind.unit.kk
        assert (unit == "%") == ("%" in text or "пайыз" in text), ind.code
        assert unit.startswith("мың теңге") == ("мыңтеңге" in squash(text)), ind.code
        assert unit != "адам" or any(word in fold(text) for word in ("адам", "қызметші", "тыңдаушы")), ind.code
        if unit.startswith("мың теңге /"):  # a unit cost: lower reads as better, said so
            assert ind.direction.value == "decrease" and "our reading" in ind.note.en, ind.code


def test_passports_costs_are_the_seeds_in_thousand_tenge(catalog):
    lf, seed = catalog["rbp2007"], passports_squashed()
    assert (lf.programme.currency.value, lf.budget.unit.value) == ("KZT", "KZT thousand")
    assert [line.code for line in lf.budget.lines] == PROGRAMMES
    for line in lf.budget.lines:
        assert re.search(r":(\d+)мыңтеңге", annex(seed, line.code)).group(1) == f"{line.total:.0f}", line.code
        assert line.eu == 0 and line.cofinancing == line.total
        assert line.label == next(r.text for r in lf.results if r.code == line.code)
    assert lf.budget.total.total == sum(line.total for line in lf.budget.lines) == 4_353_886
    assert "states no total" in lf.budget.note.en  # the sum is ours


def test_passports_amending_resolutions_as_their_notes_say(catalog):
    lf, seed = catalog["rbp2007"], passports_squashed()
    assert [(a.number, a.result, a.items) for a in lf.programme.amendments] == [
        ("308", "004", []), ("597", "007", [6, 7]), ("1070", "005", [6, 7])]
    for a in lf.programme.amendments:
        passport = annex(seed, a.result)
        note = squash(a.text.kk)
        assert note in passport
        assert a.date.strftime("%Y.%m.%d") in note and f"N{a.number}" in note
        if a.items:
            assert all(f"{item}-тармаққаөзгертуенгізілді-ҚРҮкіметінің{a.date:%Y.%m.%d}.N{a.number}" in passport
                       for item in a.items)
        else:
            assert f"{422 + int(a.result)}-қосымшағаөзгертуенгізілді" in passport


def test_passports_action_plans_and_sub_programmes(catalog):
    lf = catalog["rbp2007"]
    rows = [m.group(1) for line in seed_lines(PASSPORTS_SEED)[90:265] if (m := re.match(r"^\d\s+(\d{3})\s", line))]
    assert rows[0] == "001" and [s.code for s in lf.results[0].sub_results] == [f"001.{c}" for c in rows[1:]]
    assert [len(r.activities) for r in lf.results] == [21, 3, 2, 9, 1, 2, 1]
    timed = {a.code: a.schedule for r in lf.results for a in r.activities if not a.schedule.throughout}
    assert set(timed) == {"002.A2", "004.A5"}
    assert (timed["002.A2"].lag_months, timed["002.A2"].duration_months) == (1, 2)  # February-March
    assert "Ақпан-наурыз" in "\n".join(seed_lines(PASSPORTS_SEED)[355:359]) and "lag_months" in timed["002.A2"].assumed
    assert (timed["004.A5"].lag_months, timed["004.A5"].duration_months) == (5, 5)  # June-October
    assert "маусым-қазан" in squash(lf.results[3].activities[4].text.kk) and not timed["004.A5"].assumed


def test_passports_are_an_annual_state_budget_programme_scored_by_the_state_method(catalog):
    lf = catalog["rbp2007"]
    p, impl = lf.programme, lf.programme.implementation
    assert "2007жылғы1қаңтарданбастапқолданысқаенгiзiледi" in passports_squashed()
    assert (p.kind, p.scoring.value, impl.reporting.value) == (ProgrammeKind.state_budget_programme, "state",
                                                               "calendar_year")
    assert (impl.fa_signature.isoformat(), impl.operational_months, impl.closure_months) == ("2007-01-01", 12, 0)
    assert [period.label for period in lf.reporting_periods()] == ["2007"]
    assert p.eu_contribution_eur is None and p.total_cost_eur is None
    assert squash(p.financing.kk) in passports_squashed() and "republican budget" in p.financing.en


@pytest.mark.parametrize("code", list(FILES))
def test_the_committee_the_sources_do_not_name_is_said_so(catalog, code):
    committee = catalog[code].steering_committee
    assert committee.name is not None and set(committee.assumed) == {"meetings_per_year", "report_every_months"}
    assert "no steering committee" in committee.note.en or "neither a steering committee" in committee.note.en


# ---------------------------------------------------------------- demo data and the numbers every output shares


def test_the_demo_measures_each_programme_inside_its_window_and_says_it_is_synthetic(catalog):
    from kzlogframe.demo import DEMO_SOURCE, demo_rows

    for code, periods in (("psr_oecd", {"2014-H2", "2015-H1", "2015-H2", "2016-H1", "2016-H2"}),
                          ("rbp2007", {"2007-H1", "2007-H2"})):
        rows = demo_rows(catalog[code])
        assert {r["period"] for r in rows} == periods and {r["source"] for r in rows} == {DEMO_SOURCE}
        assert rows == demo_rows(catalog[code])  # deterministic
        done = {r["indicator"] for r in rows if r["value"] == "done"}
        assert done  # a short programme's milestones are paced on its own months, so some are done


@pytest.mark.parametrize("code", list(FILES))
def test_report_page_export_and_iati_give_the_same_number(demo_store, catalog, code):
    """As tests/test_reconciliation.py for the EU programmes: each measured indicator and reporting
    period has one number in the report's annex, on the Indicators page, in the export and in IATI."""
    from kzlogframe.exports import export_table
    from kzlogframe.iati import iati_xml
    from kzlogframe.measurements import current_measurements
    from kzlogframe.progress import indicator_progress
    from kzlogframe.report import build_report
    from tests.test_reconciliation import export_values, iati_actuals

    lf = catalog[code]
    stored = current_measurements(code, demo_store)
    table = export_table(lf, stored, "en")
    exported, iati = export_values(table), iati_actuals(iati_xml(lf, stored))
    checked = 0
    for period in lf.reporting_periods():
        if period.label not in set(table["reporting_period"]):
            continue
        annex = {row.code: row for row in build_report(lf, stored, period, "en").annex}
        page = indicator_progress(stored, {code: lf}, period.end).set_index("indicator")
        for indicator in sorted(set(table.loc[table["reporting_period"] == period.label, "indicator"])):
            row = annex[indicator]
            numbers = {"report": row.actual, "page": page.loc[indicator, "actual"],
                       "export": exported[indicator, period.label, ()]}
            if row.kind != "milestone":
                numbers["iati"] = iati[indicator, period.end.isoformat(), ()]
            assert len({round(v, 9) for v in numbers.values()}) == 1, (indicator, period.label, numbers)
            checked += 1
    assert checked >= (20 if code == "psr_oecd" else 50)
