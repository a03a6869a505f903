"""Hostile YAML is refused cheaply, at a line, as a problem: billion laughs, recursive aliases, deep
nesting, oversize files — through every public entry (check_text, check_file, load_catalog, the CLI)."""

import subprocess
import sys
import time
import tracemalloc

import pytest
from pydantic import ValidationError

from kzlogframe.catalog import load_catalog
from kzlogframe.models import Logframe
from kzlogframe.validation import LogframeError, check_file, check_text
from kzlogframe.yaml_source import MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH
from tests.conftest import ROOT


def billion_laughs() -> str:
    """The classic: ten aliases per level, nine levels — 10**9 strings once expanded, 1 KB as text."""
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def nested_flow(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def nested_block(depth: int) -> str:
    return "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "leaf\n"


def only_problem(text: str) -> str:
    checked = check_text(text, "x.yaml")
    assert checked.logframe is None
    [problem] = checked.problems
    return str(problem)


def test_billion_laughs_is_refused_at_its_alias_without_expanding_it():
    text = billion_laughs()
    tracemalloc.start()
    started = time.perf_counter()
    message = only_problem(text)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # lol5 expands to 111,111 nodes: its first alias of lol4 pushes the running total over the budget
    assert message.startswith("x.yaml:6: lol5[")
    assert f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes" in message
    assert elapsed < 1.0  # unbounded, the line walker took 90 s; this takes milliseconds
    assert peak < 20 * 2**20


def test_the_alias_budget_counts_expanded_nodes():
    anchor = "a: &a [" + ", ".join(["x"] * 999) + "]\n"  # 1,000 nodes with the list itself
    fits = anchor + "b: [" + ", ".join(["*a"] * (MAX_ALIAS_NODES // 1000)) + "]\n"
    assert "aliases expand" not in str(check_text(fits, "x.yaml").problems)
    over = anchor + "b: [" + ", ".join(["*a"] * (MAX_ALIAS_NODES // 1000 + 1)) + "]\n"
    assert only_problem(over) == (f"x.yaml:2: b[{MAX_ALIAS_NODES // 1000}]: aliases expand to more than "
                                  f"{MAX_ALIAS_NODES:,} nodes (*a alone to 1,000)")


def test_an_alias_inside_its_own_anchor_is_refused():
    assert only_problem("a: &a [1, *a]\n") == "x.yaml:1: a[1]: alias *a refers to a node that contains it"
    assert only_problem("m: &m {k: {j: *m}}\n") == "x.yaml:1: m.k.j: alias *m refers to a node that contains it"


def test_nesting_20000_deep_is_a_problem_not_a_recursion_error():
    message = only_problem(nested_flow(20_000))  # the document mapping is the first of the 64 levels
    assert message == f"x.yaml:1: a{'[0]' * (MAX_DEPTH - 1)}: nested more than {MAX_DEPTH} levels deep"


def test_deep_block_nesting_points_at_the_line_of_the_deep_node():
    text = nested_block(1_000)
    path = ".".join(f"k{level}" for level in range(MAX_DEPTH))  # the 65th mapping is the value of k63
    assert only_problem(text) == f"x.yaml:{MAX_DEPTH + 1}: {path}: nested more than {MAX_DEPTH} levels deep"


def test_depth_limit_boundary():
    assert "levels deep" not in str(check_text(nested_flow(MAX_DEPTH - 1), "x.yaml").problems)
    assert "levels deep" in only_problem(nested_flow(MAX_DEPTH))  # the mapping around adds one level


def test_aliases_cannot_build_depth_the_text_does_not_show():
    """Each anchor 40 deep holds the previous one: the text stays shallow, the expansion would not."""
    text = "a0: &a0 " + "[" * 40 + "]" * 40 + "\n"
    text += "a1: &a1 " + "[" * 40 + "*a0" + "]" * 40 + "\n"
    assert only_problem(text) == f"x.yaml:2: a1{'[0]' * 40}: alias *a0 nests more than {MAX_DEPTH} levels deep"


def test_a_logframe_using_aliases_sensibly_is_still_valid(minimal_text):
    text = minimal_text.replace("  sources: [{kk: Ресми жарияланымдар, en: Official publications, ru: Официальные публикации}]",
                                "  sources: &official [{kk: Ресми жарияланымдар, en: Official publications, ru: Официальные публикации}]")
    text = text.replace("    text: {kk: Нақты мақсат, en: Specific objective, ru: Конкретная цель}\n",
                        "    text: {kk: Нақты мақсат, en: Specific objective, ru: Конкретная цель}\n    sources: *official\n")
    assert text.count("official") == 2
    checked = check_text(text, "demo.yaml")
    assert checked.problems == []
    assert checked.logframe.purposes[0].sources == checked.logframe.goal.sources


def test_oversize_text_is_refused_at_line_one():
    text = "a: " + "x" * MAX_BYTES + "\n"
    assert only_problem(text) == ("x.yaml:1: (file): the file is larger than 2 MB (2,097,152 bytes), "
                                  "the limit for a logframe file")
    kazakh = "a: " + "ә" * (MAX_BYTES // 2) + "\n"  # fewer characters than the limit, more bytes
    assert "(file): the file is larger than" in only_problem(kazakh)


def test_a_100_mb_file_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"a: ")
        handle.truncate(100 * 2**20)  # sparse: 100 MB on paper
    started = time.perf_counter()
    checked = check_file(path)
    assert time.perf_counter() - started < 1.0
    assert [str(p) for p in checked.problems] == [
        f"{path}:1: (file): the file is larger than 2 MB (2,097,152 bytes), the limit for a logframe file"]


def test_catalog_loading_goes_through_the_limits(tmp_path):
    (tmp_path / "a.yaml").write_text(billion_laughs(), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(nested_flow(20_000), encoding="utf-8")
    with pytest.raises(LogframeError) as info:
        load_catalog(tmp_path)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith(f"{tmp_path / 'a.yaml'}:6: lol5[") and "aliases expand" in messages[0]
    assert messages[1].startswith(f"{tmp_path / 'b.yaml'}:1: a[0]") and "levels deep" in messages[1]


def test_cli_reports_hostile_files_without_a_traceback(tmp_path):
    files = {"laughs.yaml": billion_laughs(), "deep.yaml": nested_flow(20_000),
             "recursive.yaml": "a: &a [*a]\n", "big.yaml": "a: " + "x" * (MAX_BYTES + 1)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "kzlogframe", "validate", *(str(tmp_path / n) for n in files)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert [line.split(":")[1] for line in lines] == ["6", "1", "1", "1"]
    assert [line.rsplit(": ", 1)[-1].split(" (")[0] for line in lines] == [
        f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes", f"nested more than {MAX_DEPTH} levels deep",
        "alias *a refers to a node that contains it", "the file is larger than 2 MB"]


def test_pydantic_refuses_a_deep_structure_without_blowing_the_stack(minimal_text):
    """Built in Python (no YAML limit in the way): validation answers with errors, not a RecursionError."""
    import yaml

    data = yaml.safe_load(minimal_text)
    deep: list = []
    cursor = deep
    for _ in range(20_000):
        cursor.append([])
        cursor = cursor[0]
    data["results"][0]["text"] = {"kk": deep, "en": deep}
    data["colour"] = deep
    with pytest.raises(ValidationError) as info:
        Logframe.model_validate(data)
    assert {e["type"] for e in info.value.errors()} == {"string_type", "extra_forbidden"}
    assert "Input should be a valid string" in str(info.value)
