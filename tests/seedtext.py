"""Reading the seeds themselves, so tests compare the YAML with the source, not with itself.

The seeds are the source documents kept in the project (``logframes/sources/``), so these tests run
on any clone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "logframes" / "sources"
PSR_SEED = "000_8de61aa180311800.txt"
KAZLOD_SEED = "001_cc9c61a79daff508.txt"
OECD_SEED = "002_bb7f92ded8956fe8.txt"  # the OECD Integrity Systems Review agreement (psr_oecd)
PASSPORTS_SEED = "004_cc13d07516f80566.txt"  # the 2007 budget-programme passports (rbp2007)
# Section "results, sub-results, activities and sequencing" of each seed (the financing decision's section 7).
SECTIONS = {PSR_SEED: (666, 852), KAZLOD_SEED: (607, 780)}


def seed_lines(name: str) -> list[str]:
    return (SEEDS / name).read_text(encoding="utf-8").splitlines()


def squash(text: str) -> str:
    """Whitespace removed: undoes the PDF conversion's spaced letters and line breaks."""
    return re.sub(r"\s+", "", text)


@dataclass
class SeedResult:
    code: str
    sub_results: list[str] = field(default_factory=list)
    activities: int = 0
    sequencing_paragraphs: int = 0


def seed_results(name: str) -> dict[str, SeedResult]:
    """Results, sub-result codes, activity counts and sequencing paragraphs as the seed lists them."""
    start, end = SECTIONS[name]
    results: dict[str, SeedResult] = {}
    current: SeedResult | None = None
    in_activities = False
    for line in seed_lines(name)[start - 1:end]:
        if m := re.match(r"^\s+R(\d)\s", line):
            current = results.setdefault(f"R{m.group(1)}", SeedResult(f"R{m.group(1)}"))
            in_activities = False
        elif (m := re.match(r"^\s+R(\d\.\d)\s", line)) and current:
            current.sub_results.append(f"R{m.group(1)}")
        elif "іс-шаралар" in line.lower() and current:
            in_activities = True
        elif in_activities and (m := re.match(r"^\s{4,}(\d{1,2})\.\s", line)):
            current.activities = max(current.activities, int(m.group(1)))
        if "Кезектілік" in line and current:
            current.sequencing_paragraphs += 1
            in_activities = False
    return results


# The old passports mix Latin and Cyrillic look-alikes ("мемлекеттiк" with a Latin i, "Қаpжылық" with a
# Latin p): folded together only to find a passport's labels, never to compare a transcribed text.
_LOOKALIKES = str.maketrans({"i": "і", "I": "І", "p": "р", "a": "а", "o": "о", "e": "е", "c": "с"})
# Each passport's item labels, which the PDF conversion moved after the first words of their item's text
# (": мемлекеттiк қызметтің деңгейiн және 4. Бюджеттiк бағдарламаның мақсаты").
PASSPORT_LABEL = re.compile(r"[1-7]\.(Құны|Бюджеттікбағдарлама(ның|ны)(нормативтікқұқықтықнегізі|қаржыландырукөздері|"
                            r"мақсаты|міндеттері|іскеасыружөніндегііс-шараларжоспары|орындауданкүтілетіннәтижелер))")


def fold(text: str) -> str:
    return text.translate(_LOOKALIKES)


def passports_squashed() -> str:
    """Seed 004 without whitespace and without the displaced item labels, in its own characters."""
    kept = squash("\n".join(seed_lines(PASSPORTS_SEED)))
    for match in reversed(list(PASSPORT_LABEL.finditer(fold(kept)))):
        kept = kept[:match.start()] + kept[match.end():]
    return kept
