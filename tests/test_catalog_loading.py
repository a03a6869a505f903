"""Catalog loading reads with libyaml under the same limits, reports problems exactly as the
line-aware loader does, and does not parse a file whose content it has already read."""

import shutil

import pytest

from kzlogframe import catalog as C
from kzlogframe import validation
from kzlogframe.validation import LogframeError, check_file, check_text
from kzlogframe.yaml_source import MAX_ALIAS_NODES, MAX_DEPTH, parse_yaml
from tests.conftest import ROOT
from tests.test_yaml_limits import billion_laughs, nested_flow

BROKEN = {
    "syntax": ("  type: quantitative", "  type: [quantitative"),
    "schema": ("schema_version: 1", "schema_version: 1\nunexpected_key: 1"),
    "duplicate key": ("schema_version: 1", "schema_version: 1\nschema_version: 1"),
    "control character": ("schema_version: 1", "schema_version: 1\x07"),
}


@pytest.mark.parametrize("code", ["psr", "kazlod"])
def test_the_fast_parse_gives_the_same_data_and_lines(code):
    text = (ROOT / "logframes" / f"{code}.yaml").read_text(encoding="utf-8")
    slow, fast = parse_yaml(text, "x.yaml"), parse_yaml(text, "x.yaml", fast=True)
    assert fast.data == slow.data and fast.source.lines == slow.source.lines and not fast.problems


@pytest.mark.parametrize("kind", BROKEN)
def test_a_broken_file_reports_the_same_problems_with_or_without_the_fast_parse(minimal_text, kind):
    old, new = BROKEN[kind]
    assert old in minimal_text
    text = minimal_text.replace(old, new, 1)
    slow = check_text(text, "demo.yaml")
    assert slow.logframe is None and slow.errors
    assert check_text(text, "demo.yaml", fast=True) == slow


@pytest.mark.parametrize("text, message", [
    (billion_laughs(), f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes"),
    (nested_flow(MAX_DEPTH + 1), f"nested more than {MAX_DEPTH} levels deep"),
])
def test_the_fast_parse_enforces_the_limits_itself(text, message):
    parsed = parse_yaml(text, "x.yaml", fast=True)
    assert parsed.data is None and message in parsed.problems[0].message


def test_an_unchanged_file_is_not_parsed_again_and_a_changed_one_is(tmp_path, monkeypatch, minimal_text):
    (tmp_path / "demo.yaml").write_text(minimal_text, encoding="utf-8")
    parsed = []
    real = validation.parse_yaml
    monkeypatch.setattr(validation, "parse_yaml",
                        lambda text, file, **kw: parsed.append(file) or real(text, file, **kw))
    monkeypatch.setattr(C, "_parsed", {})
    first = C.load_catalog(tmp_path)
    assert C.load_catalog(tmp_path)["demo"] is first["demo"] and len(parsed) == 1
    shutil.copy(tmp_path / "demo.yaml", tmp_path / "copy.yaml")  # same content under another name
    with pytest.raises(LogframeError, match="used by two files"):
        C.load_catalog(tmp_path)
    assert len(parsed) == 1
    (tmp_path / "copy.yaml").unlink()
    (tmp_path / "demo.yaml").write_text(minimal_text.replace("schema_version: 1", "schema_version: 1\n"),
                                        encoding="utf-8")
    C.load_catalog(tmp_path)
    assert len(parsed) == 2


def test_a_file_with_an_error_keeps_its_lines_in_the_catalog_error(tmp_path, minimal_text):
    broken = minimal_text.replace("schema_version: 1", "schema_version: 1\nunexpected_key: 1", 1)
    (tmp_path / "demo.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(LogframeError) as caught:
        C.load_catalog(tmp_path)
    assert [str(p) for p in caught.value.problems] == [str(p) for p in check_file(tmp_path / "demo.yaml").errors]
    assert str(caught.value.problems[0]).startswith(f"{tmp_path / 'demo.yaml'}:2: unexpected_key: ")

