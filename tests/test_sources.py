"""The source documents kept in the project: unchanged, described, referenced, and never loaded as logframes."""

import hashlib
import re
import shutil

from kzlogframe.catalog import load_catalog
from tests.conftest import ROOT

SOURCES = ROOT / "logframes" / "sources"


def readme_rows() -> dict[str, str]:
    """file name → sha256, from the README's table."""
    text = (SOURCES / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `(\d{3}_[0-9a-f]{16}\.txt)` \|.*\| `([0-9a-f]{64})` \|$", text, flags=re.M))


def test_every_source_document_is_described_and_unchanged():
    documents = sorted(p.name for p in SOURCES.glob("*.txt"))
    assert documents == [f"{n:03d}_{h}.txt" for n, h in [(0, "8de61aa180311800"), (1, "cc9c61a79daff508"),
                                                         (2, "bb7f92ded8956fe8"), (3, "fe0966b36eba2e6a"),
                                                         (4, "cc13d07516f80566")]]
    rows = readme_rows()
    assert sorted(rows) == documents
    for name, digest in rows.items():
        assert hashlib.sha256((SOURCES / name).read_bytes()).hexdigest() == digest, name


def test_every_bundled_logframe_names_a_document_that_is_here():
    for code, lf in load_catalog(ROOT / "logframes").items():
        assert (SOURCES / lf.programme.source_document).is_file(), code


def test_the_catalog_never_loads_anything_in_sources(tmp_path):
    """A YAML file inside sources/ (a stray copy, a converted table) is not a logframe of the catalog."""
    for name in ("psr.yaml", "kazlod.yaml"):
        shutil.copy(ROOT / "logframes" / name, tmp_path / name)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "broken.yaml").write_text("schema_version: 1\nnot: a logframe\n", encoding="utf-8")
    assert sorted(load_catalog(tmp_path)) == ["kazlod", "psr"]
