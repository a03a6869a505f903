"""Schedules: date resolution, graph checks, critical path and violations on a hand-checked plan."""

import datetime as dt

import pytest

from kzlogframe.calendar_text import violation_detail
from kzlogframe.schedule import Actual, ScheduleError, WatchItem, plan, violations, watch_list
from kzlogframe.validation import check_text

# Months from FA signature (2011-06-23). Hand-resolved:
#   A1 after contract:service (month 6) lag 0, 6 months     -> 6..12
#   A2 after A1, lag 2, 10 months                           -> 14..24
#   A3 after A1 and A2, 12 months                           -> 24..36
#   A4 after fa, throughout                                 -> 0..60
#   A5 after inception_end (6), 4 months, as needed         -> 6..10
#   A6 after R1 (= A1, A2, A3, A5: timed ones), 6 months     -> 36..42
# Critical path (sets the latest finish, month 42): A1 -> A2 -> A3 -> A6.
# Slack to month 60: A6 18, A3 18, A2 18, A1 18 (A2 needs 2 of lag), A5 54 - 10 = 44.
ACTIVITIES = """
    activities:
      - code: R1.A1
        text: {kk: Бір, en: One}
        contract: service
        schedule: {after: ["contract:service"], duration_months: 6}
      - code: R1.A2
        text: {kk: Екі, en: Two}
        schedule: {after: [R1.A1], lag_months: 2, duration_months: 10, assumed: [duration_months, lag_months]}
      - code: R1.A3
        text: {kk: Үш, en: Three}
        schedule: {after: [R1.A1, R1.A2], duration_months: 12, start_deadline_months: 30}
      - code: R1.A4
        text: {kk: Төрт, en: Four}
        schedule: {after: [fa], throughout: true}
      - code: R1.A5
        text: {kk: Бес, en: Five}
        schedule: {after: [inception_end], duration_months: 4, as_needed: true}
  - code: R2
    purpose: P1
    text: {kk: Нәтиже екі, en: Result two}
    activities:
      - code: R2.A1
        text: {kk: Алты, en: Six}
        schedule: {after: [R1], duration_months: 6}
"""


@pytest.fixture
def text(minimal_text):
    text = minimal_text.replace("    max_eur: 800000\n", "    max_eur: 800000\n    signature_months: 6\n")
    start = text.index("    activities:")
    end = text.index("budget:")
    return text[:start] + ACTIVITIES.lstrip("\n") + text[end:]


def load(text):
    checked = check_text(text, "demo.yaml")
    assert checked.errors == [], checked.errors
    return checked.logframe


def test_planned_months(text):
    p = plan(load(text))
    months = {code: (a.start_month, a.end_month) for code, a in p.activities.items()}
    assert months == {"R1.A1": (6, 12), "R1.A2": (14, 24), "R1.A3": (24, 36), "R1.A4": (0, 60),
                      "R1.A5": (6, 10), "R2.A1": (36, 42)}
    assert p.date(14) == dt.date(2012, 8, 23)
    assert p.activities["R1.A2"].assumed == ("duration_months", "lag_months")


def test_critical_path_and_slack(text):
    p = plan(load(text))
    assert p.critical_path == ["R1.A1", "R1.A2", "R1.A3", "R2.A1"]
    assert {c for c, a in p.activities.items() if a.critical} == set(p.critical_path)
    assert p.activities["R2.A1"].slack_months == 18
    assert p.activities["R1.A1"].slack_months == 18
    assert p.activities["R1.A5"].slack_months == 44


# An M&E section as the bundled programmes have it, on the hand-checked schedule above.
MONITORING = """
monitoring:
  - kind: benchmarking
    text: {kk: Бастапқы сатыда, en: In the inception phase}
    start_months: 0
    end_months: 6
    assumed: [end_months]
  - kind: rom
    text: {kk: Сыртқы мониторинг, en: External monitoring}
    start_months: 6
    end_months: 54
    every_months: 12
    assumed: [every_months]
  - kind: midterm_evaluation
    text: {kk: Орта мерзімді бағалау, en: Mid-term evaluation}
    start_months: 30
    assumed: [start_months]
  - kind: ex_post_evaluation
    text: {kk: Іс жүзіндегі бағалау (мүмкін), en: Ex-post evaluation (possible)}
    start_months: 84
    possible: true
    assumed: [start_months]
  - kind: mission_notice
    text: {kk: Бір ай бұрын хабардар ету, en: One month's notice}
    notice_months: 1
"""


def test_calendar_without_an_m_and_e_section(text):
    p = plan(load(text))
    assert [e.key for e in p.events if e.provision is not None] == []
    assert [(e.month, e.assumed) for e in p.events if e.key == "steering_committee"] == [
        (m, True) for m in range(6, 85, 6)]  # twice a year, as the seeds say; which months is ours
    assert [(e.key, e.month, e.label, e.assumed) for e in p.events if e.key != "steering_committee"] == [
        ("contract_signature", 6, "service", True), ("inception_end", 6, "", False),
        ("contracting_deadline", 36, "", False)]
    assert [(ph.key, ph.start_month, ph.end_month) for ph in p.phases] == [
        ("inception", 0, 6), ("operational", 0, 60), ("closure", 60, 84)]


def test_calendar_of_the_m_and_e_provisions(text):
    p = plan(load(text + MONITORING))
    rows = [(e.key, e.month, e.end_month, e.label, e.assumed, e.possible) for e in p.events
            if e.provision is not None]
    assert rows == [
        ("benchmarking", 0, 6, "", True, False),  # the inception phase, its end assumed
        ("mission_notice", 5, None, "rom", False, False),  # one month before each external mission
        ("rom", 6, None, "", False, False),  # the first mission: "from about month 6", as the seed says
        ("mission_notice", 17, None, "rom", True, False),
        ("rom", 18, None, "", True, False),  # later ones a year apart: an assumed rhythm
        ("mission_notice", 29, None, "midterm_evaluation", True, False),
        ("mission_notice", 29, None, "rom", True, False),
        ("midterm_evaluation", 30, None, "", True, False),
        ("rom", 30, None, "", True, False),
        ("mission_notice", 41, None, "rom", True, False),
        ("rom", 42, None, "", True, False),
        ("mission_notice", 53, None, "rom", True, False),
        ("rom", 54, None, "", True, False),  # no later than 6 months before the end of month 60
        ("mission_notice", 83, None, "ex_post_evaluation", True, True),
        ("ex_post_evaluation", 84, None, "", True, True)]
    assert p.date(5) == dt.date(2011, 11, 23) and p.date(83) == dt.date(2018, 5, 23)


@pytest.mark.parametrize("provision, message", [
    ("  - kind: rom\n    text: {kk: а, en: a}\n", "a rom needs start_months"),
    ("  - kind: rom\n    text: {kk: а, en: a}\n    start_months: 6\n    every_months: 12\n",
     "every_months repeats within a span: give end_months too"),
    ("  - kind: rom\n    text: {kk: а, en: a}\n    start_months: 30\n    end_months: 6\n",
     "end_months 6 is before start_months 30"),
    ("  - kind: final_evaluation\n    text: {kk: а, en: a}\n    start_months: 60\n    assumed: [end_months]\n",
     "assumed names timing that is not given: end_months"),
    ("  - kind: mission_notice\n    text: {kk: а, en: a}\n",
     "notice_months is for, and required by, kind mission_notice"),
    ("  - kind: mission_notice\n    text: {kk: а, en: a}\n    notice_months: 1\n    start_months: 3\n",
     "a mission_notice has no months of its own"),
    ("  - kind: audit\n    text: {kk: а, en: a}\n    start_months: 3\n", "monitoring[0].kind"),
    ("  - kind: rom\n    text: {kk: а, en: a}\n    start_months: 6\n    when: soon\n", "unknown key 'when'"),
])
def test_m_and_e_provisions_are_validated_at_their_line(text, provision, message):
    broken = text + "monitoring:\n" + provision
    errors = [str(p) for p in check_text(broken, "demo.yaml").errors]
    first = broken[:broken.index("  - kind:")].count("\n") + 1
    assert len(errors) == 1 and message in errors[0], errors
    assert first <= int(errors[0].split(":")[1]) < first + provision.count("\n"), errors  # a line of the provision


def test_cycle_is_a_clear_error(text):
    text = text.replace("schedule: {after: [R1.A1], lag_months: 2", "schedule: {after: [R1.A3], lag_months: 2")
    errors = [str(p) for p in check_text(text, "demo.yaml").errors]
    assert len(errors) == 1
    assert "dependency cycle: R1.A2 → R1.A3 → R1.A2" in errors[0] or "dependency cycle: R1.A3 → R1.A2 → R1.A3" in errors[0]
    assert ".schedule.after: " in errors[0]


def test_dangling_reference_is_a_clear_error(text):
    text = text.replace('after: ["contract:service"]', 'after: ["contract:oecd"]')
    errors = [str(p) for p in check_text(text, "demo.yaml").errors]
    assert errors == [f"demo.yaml:{text[:text.index('contract:oecd')].count(chr(10)) + 1}: "
                      "results[0].activities[0].schedule.after: unknown reference 'contract:oecd' in after "
                      "(use fa, inception_end, contract:<id>, an activity code or a result code)"]


def test_dependency_graph_raises_schedule_error(text):
    from kzlogframe.schedule import dependency_graph

    lf = load(text)
    broken = lf.model_copy(deep=True)
    object.__setattr__(broken.results[0].activities[0].schedule, "after", ["R9.A9"])
    with pytest.raises(ScheduleError, match="unknown reference 'R9.A9'"):
        dependency_graph(broken)


def test_ending_after_the_operational_phase(text):
    text = text.replace("after: [R1], duration_months: 6", "after: [R1], duration_months: 30")
    errors = [str(p) for p in check_text(text, "demo.yaml").errors]
    assert len(errors) == 1 and "ends in month 66, after the operational phase (month 60)" in errors[0]


def test_contract_signed_after_contracting_deadline(text):
    text = text.replace("signature_months: 6", "signature_months: 40")
    errors = [str(p) for p in check_text(text, "demo.yaml").errors]
    assert any("contracts[0].signature_months: signed in month 40, after the contracting deadline (month 36)" in e
               for e in errors)


def test_violations(text):
    lf = load(text)
    p = plan(lf)
    d = p.date
    actuals = {
        "R1.A1": Actual(d(7), d(13), "completed"),          # started a month late
        "R1.A2": Actual(d(12), None, "ongoing"),             # started before A1 finished; not finished by today
        "R1.A5": Actual(None, None, "not_started"),          # as needed: never late
    }
    today = d(31)
    found = {(v.kind, v.activity) for v in violations(lf, p, actuals, today)}
    assert found == {
        ("late_start", "R1.A1"),
        ("started_before_predecessor", "R1.A2"),
        ("late_finish", "R1.A2"),
        ("late_start", "R1.A3"),            # planned month 24, not started
        ("missed_deadline", "R1.A3"),       # must start by month 30
        ("late_start", "R1.A4"),            # throughout from month 0, never started
    }


def test_each_violation_says_what_shows_it_in_the_readers_language(text):
    lf = load(text)
    p = plan(lf)
    d = p.date
    actuals = {"R1.A1": Actual(d(7), d(13), "completed"), "R1.A2": Actual(d(12), None, "ongoing")}
    found = {(v.kind, v.activity): v for v in violations(lf, p, actuals, d(31))}
    late, before = found[("late_start", "R1.A1")], found[("started_before_predecessor", "R1.A2")]
    assert violation_detail(late, "en") == f"started {d(7)}, planned {d(6)}"
    assert violation_detail(late, "ru") == f"начато {d(7)}, по плану {d(6)}"
    assert violation_detail(late, "kk") == f"басталды: {d(7)}; жоспар бойынша: {d(6)}"
    assert violation_detail(before, "ru") == f"начато {d(12)}, а R1.A1 завершено {d(13)}"
    deadline = violation_detail(found[("missed_deadline", "R1.A3")], "kk")
    assert deadline == (f"басталудың соңғы мерзімі: {d(30)} (қаржыландыру туралы келісімге қол қойылғаннан кейін "
                        "30 ай); басталмаған")


def test_cancelled_activity_is_not_reported(text):
    lf = load(text)
    p = plan(lf)
    found = violations(lf, p, {"R1.A3": Actual(None, None, "cancelled")}, p.date(31))
    assert "R1.A3" not in {v.activity for v in found}


def test_programmes_outside_the_eu_have_no_contracting_deadline_and_no_empty_inception() -> None:
    """Only an EU financing agreement sets a contracting deadline; the 2007 budget programmes have
    no inception phase, so neither a band nor an "inception ends" event is drawn for them."""
    from kzlogframe.catalog import load_catalog
    from kzlogframe.schedule import calendar

    catalog = load_catalog()
    for code in ("psr", "kazlod"):
        keys = {e.key for e in calendar(catalog[code])}
        assert {"contracting_deadline", "inception_end"} <= keys, code
    for code in ("psr_oecd", "rbp2007"):
        assert "contracting_deadline" not in {e.key for e in calendar(catalog[code])}, code
    budget = catalog["rbp2007"]
    assert budget.programme.implementation.inception_months == 0
    assert "inception_end" not in {e.key for e in calendar(budget)}
    assert "inception" not in {p.key for p in plan(budget).phases}


def test_watch_list_is_what_is_late_then_what_comes_up(text):
    """The phone's list instead of the Gantt: one entry per activity, late first, then by date."""
    p = plan(load(text))
    d = p.date
    actuals = {"R1.A1": Actual(d(7), d(13), "completed"), "R1.A2": Actual(d(14), None, "ongoing")}
    assert watch_list(p, actuals, d(20), months=6) == [
        WatchItem("late_start", "R1.A4", d(0)),  # throughout from month 0, never started
        WatchItem("ends", "R1.A2", d(24)),       # within six months; A5 is as needed, A1 done
        WatchItem("starts", "R1.A3", d(24)),
    ]
    assert watch_list(p, actuals, d(30), months=6) == [
        WatchItem("late_start", "R1.A4", d(0)),
        WatchItem("late_finish", "R1.A2", d(24)),
        WatchItem("late_start", "R1.A3", d(24)),
        WatchItem("starts", "R2.A1", d(36)),
    ]
    cancelled = {**actuals, "R1.A3": Actual(None, None, "cancelled")}
    assert "R1.A3" not in {w.activity for w in watch_list(p, cancelled, d(30), months=6)}
