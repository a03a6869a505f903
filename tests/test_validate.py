"""Every way a logframe file can be wrong, and the line the message points at."""

import subprocess
import sys

import pytest

from kzlogframe.validation import check_text
from tests.conftest import ROOT


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth occurrence of needle, so tests do not hard-code line numbers."""
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1)
    return text.count("\n", 0, pos) + 1


def errors(text: str) -> list[str]:
    checked = check_text(text, "demo.yaml")
    return [str(p) for p in checked.errors]


def mutate(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_minimal_file_is_valid(minimal_text):
    checked = check_text(minimal_text, "demo.yaml")
    assert checked.problems == []
    assert checked.logframe.programme.code == "demo"
    assert [r.code for r in checked.logframe.results] == ["R1"]


def test_unknown_key_points_at_its_line(minimal_text):
    text = mutate(minimal_text, "    purpose: P1\n", "    purpose: P1\n    colour: red\n")
    assert errors(text) == [f"demo.yaml:{line_of(text, 'colour')}: results[0].colour: unknown key 'colour'"]


def test_a_missing_language_is_a_warning_at_its_line(minimal_text):
    """The file still loads (pages show another language, marked); validate names each gap."""
    text = mutate(minimal_text, "text: {kk: Нәтиже бір, en: Result one, ru: Результат один}",
                  "text: {en: Result one}")
    checked = check_text(text, "demo.yaml")
    assert checked.errors == [] and checked.logframe is not None
    line = line_of(text, "Result one")
    assert [str(p) for p in checked.problems] == [f"demo.yaml:{line}: results[0].text.kk: warning: missing kk text",
                                                  f"demo.yaml:{line}: results[0].text.ru: warning: missing ru text"]
    assert checked.logframe.results[0].text.get("kk") == "[EN] Result one"


def test_a_missing_language_in_a_block_text_points_at_the_text(minimal_text):
    text = mutate(minimal_text, "  beneficiary: {kk: Үкімет, en: Government, ru: Правительство}\n",
                  "  beneficiary:\n    kk: Үкімет\n    ru: Правительство\n")
    checked = check_text(text, "demo.yaml")
    assert [str(p) for p in checked.problems] == [
        f"demo.yaml:{line_of(text, 'beneficiary:')}: programme.beneficiary.en: warning: missing en text"]


def test_a_text_without_any_language_is_an_error(minimal_text):
    text = mutate(minimal_text, "text: {kk: Нәтиже бір, en: Result one, ru: Результат один}", "text: {}")
    assert errors(text) == [f"demo.yaml:{line_of(text, 'text: {}')}: results[0].text: "
                            "a text needs at least one of kk, en, ru"]


def test_empty_kk_text_is_missing_too(minimal_text):
    text = mutate(minimal_text, "{kk: Нәтиже бір,", "{kk: '  ',")
    [message] = errors(text)
    assert message.startswith(f"demo.yaml:{line_of(text, 'Result one')}: results[0].text.kk: ")
    assert "at least 1 character" in message


def test_duplicate_indicator_code(minimal_text):
    text = mutate(minimal_text, "code: DEMO.R1.I1", "code: DEMO.G.I1")
    first = line_of(text, "DEMO.G.I1")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'DEMO.G.I1', 2)}: results[0].indicators[0].code: "
        f"duplicate indicator code 'DEMO.G.I1' (first used on line {first})"
    ]


def test_duplicate_level_code(minimal_text):
    text = mutate(minimal_text, "code: R1.1", "code: R1")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'code: R1', 2)}: results[0].sub_results[0].code: "
        f"duplicate level code 'R1' (first used on line {line_of(text, 'code: R1')})"
    ]


def test_duplicate_yaml_key(minimal_text):
    text = mutate(minimal_text, "    purpose: P1\n", "    purpose: P1\n    purpose: P1\n")
    [message] = errors(text)
    assert message.startswith(f"demo.yaml:{line_of(text, 'purpose: P1', 2)}: results[0].purpose: duplicate key")


def test_dangling_purpose_reference(minimal_text):
    text = mutate(minimal_text, "purpose: P1", "purpose: P9")
    assert errors(text) == [f"demo.yaml:{line_of(text, 'P9')}: results[0].purpose: unknown purpose 'P9' (known: P1)"]


def test_dangling_contract_reference(minimal_text):
    text = mutate(minimal_text, "        contract: service", "        contract: oecd")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'contract: oecd')}: results[0].activities[0].contract: unknown contract 'oecd'"
    ]


def test_bad_date(minimal_text):
    text = mutate(minimal_text, "{date: 2013-06-30, value: 100}", "{date: 2013-13-45, value: 100}")
    [message] = errors(text)
    assert message.startswith(f"demo.yaml:{line_of(text, '2013-13-45')}: results[0].indicators[0].targets[0].date: ")
    assert "date" in message.split(": ", 3)[-1]


def test_target_outside_programme_window(minimal_text):
    text = mutate(minimal_text, "{date: 2016-06-23, value: 400}", "{date: 2019-01-01, value: 400}")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, '2019-01-01')}: results[0].indicators[0].targets[1].date: "
        "target date 2019-01-01 is outside the programme window 2011-06-23..2018-06-23"
    ]


def test_budget_lines_not_adding_up(minimal_text):
    text = mutate(minimal_text, "eu: 200, total: 200", "eu: 250, total: 250")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'total: {eu: 1000')}: budget.total.eu: "
        "budget lines add up to 1050 in column 'eu', but the stated total is 1000",
        f"demo.yaml:{line_of(text, 'total: {eu: 1000')}: budget.total.total: "
        "budget lines add up to 1050 in column 'total', but the stated total is 1000",
    ]


def test_budget_line_row_mismatch(minimal_text):
    text = mutate(minimal_text, "eu: 200, total: 200", "eu: 200, total: 300")
    assert f"demo.yaml:{line_of(text, 'total: 300')}: budget.lines[1].total: " \
           "EU 200 + co-financing 0 = 200, but the line total is 300" in errors(text)


def test_documented_seed_discrepancy_is_a_warning(minimal_text):
    text = mutate(minimal_text, "eu: 200, total: 200}",
                  "eu: 200, total: 300, discrepancy: {kk: Қате, en: The seed's row does not add up, ru: Ошибка}}")
    text = mutate(text, "  total: {eu: 1000, cofinancing: 0, total: 1000}",
                  "  total: {eu: 1000, cofinancing: 0, total: 1000}\n  discrepancy: {kk: Қате, en: Column off, ru: Ошибка}")
    checked = check_text(text, "demo.yaml")
    assert checked.errors == []
    assert checked.logframe is not None
    assert [p.severity for p in checked.problems] == ["warning", "warning"]
    assert "warning: EU 200" in str(checked.problems[0])


def test_eu_contribution_must_match_budget(minimal_text):
    text = mutate(minimal_text, "eu_contribution_eur: 1000000", "eu_contribution_eur: 2000000")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'eu_contribution_eur')}: programme.eu_contribution_eur: "
        "EU contribution 2,000,000 EUR differs from the budget's EU total 1,000,000 EUR"
    ]


def test_wrong_enum_value(minimal_text):
    text = mutate(minimal_text, "type: quantitative", "type: percentage")
    [message] = errors(text)
    assert message.startswith(f"demo.yaml:{line_of(text, 'percentage')}: results[0].indicators[0].type: ")
    assert "'quantitative', 'milestone' or 'rating'" in message


def test_indicator_code_prefix(minimal_text):
    text = mutate(minimal_text, "code: DEMO.R1.I1", "code: PSR.R1.I1")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'PSR.R1.I1')}: results[0].indicators[0].code: indicator code must start with 'DEMO.'"
    ]


def test_undeclared_disaggregation(minimal_text):
    text = mutate(minimal_text, "disaggregation: [oblast, sex]", "disaggregation: [ministry]")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, '[ministry]')}: results[0].indicators[0].disaggregation: "
        "disaggregated by ministry but programme.disaggregation_values.ministry is empty"
    ]


def test_milestone_target_must_be_done_or_not(minimal_text):
    text = mutate(minimal_text, "targets: [{date: 2016-06-23, value: 1}]", "targets: [{date: 2016-06-23, value: 5}]")
    assert errors(text) == [
        f"demo.yaml:{line_of(text, 'value: 5')}: goal.indicators[0].targets[0].value: a milestone target is 1 (done) or 0"
    ]


def test_rating_needs_a_scale(minimal_text):
    text = mutate(minimal_text, "type: milestone", "type: rating")
    [message] = errors(text)
    assert message.startswith(f"demo.yaml:{line_of(text, 'DEMO.G.I1')}: goal.indicators[0]: ")
    assert message.endswith("a rating indicator needs a scale of at least two levels")


def test_missing_required_key(minimal_text):
    text = mutate(minimal_text, "  decision: DCI-ASIE/2010/000-000\n", "")
    assert errors(text) == [f"demo.yaml:{line_of(text, 'programme:')}: programme.decision: missing required key 'decision'"]


def test_yaml_syntax_error(minimal_text):
    text = mutate(minimal_text, "  title: {kk: \"Демо бағдарлама\", en: Demo programme, ru: Демо-программа}",
                  "  title: {kk: \"Демо бағдарлама\", en: Demo programme, ru: Демо-программа")
    [message] = errors(text)
    assert message.startswith("demo.yaml:")
    assert ": (yaml): invalid YAML" in message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_non_mapping_document(text):
    assert errors(text) == ["demo.yaml:1: (document): a logframe file must be a mapping of keys"]


def test_several_problems_are_all_reported_in_line_order(minimal_text):
    text = mutate(minimal_text, "purpose: P1", "purpose: P9")
    text = mutate(text, "code: R1.1", "code: R1")
    found = errors(text)
    assert len(found) == 2
    assert [int(m.split(":")[1]) for m in found] == sorted(int(m.split(":")[1]) for m in found)


def test_cli_exit_codes_and_output(tmp_path, minimal_text):
    good = tmp_path / "good.yaml"
    good.write_text(minimal_text, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad_text = mutate(minimal_text, "    purpose: P1\n", "    purpose: P1\n    colour: red\n")
    bad.write_text(bad_text, encoding="utf-8")
    run = [sys.executable, "-m", "kzlogframe", "validate"]
    ok = subprocess.run(run + [str(good)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    fail = subprocess.run(run + [str(good), str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert fail.returncode == 1
    assert f"{bad}:{line_of(bad_text, 'colour')}: results[0].colour: unknown key 'colour'" in fail.stderr


def test_cli_reports_a_missing_language_as_a_warning_and_passes(tmp_path, minimal_text):
    text = mutate(minimal_text, "  text: {kk: Жалпы мақсат, en: Overall objective, ru: Общая цель}",
                  "  text: {kk: Жалпы мақсат, en: Overall objective}")
    path = tmp_path / "no-ru.yaml"
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "kzlogframe", "validate", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"{path}:{line_of(text, 'Overall objective')}: goal.text.ru: warning: missing ru text"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_fuzz_any_text_gives_problems_never_an_exception(text):
    checked = check_text(text, "fuzz.yaml")
    assert checked.logframe is None
    assert checked.errors and all(str(p).startswith("fuzz.yaml:") for p in checked.errors)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_fuzz_mutated_logframe_never_raises(data):
    """Valid files with one line replaced by arbitrary text: always a verdict, never a traceback."""
    text = (ROOT / "tests" / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=40))
    checked = check_text("\n".join(lines), "fuzz.yaml")
    assert (checked.logframe is None) == bool(checked.errors)


def test_control_character_points_at_its_line(minimal_text):
    text = mutate(minimal_text, "en: Result one", "en: Result\x07one")
    assert errors(text) == [f"demo.yaml:{line_of(text, 'Result')}: (yaml): invalid YAML: character #x0007 is not allowed"]
