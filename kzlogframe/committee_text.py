"""The committee sections of the report in words (``report_committee``'s model): headers, cells and
the table of contents, shared by the HTML (and PDF), DOCX and XLSX; and the small Markdown the
executive summary is written in (paragraphs, ``-`` lists, ``#`` headings, ``**bold**``, ``*italic*``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .committee import Control, Criterion, Decision, risk_score
from .formatting import DASH, date, status_label
from .i18n import t
from .report import Report
from .report_committee import ACRONYMS, CommitteePart, DeviationRow, RiskRow

# The report's sections in order: anchor in the HTML, catalog key of the title. The renderers follow it.
SECTIONS = (("summary", "report.summary"), ("progress", "report.progress"), ("changes", "report.changes"),
            ("deviations", "committee.deviations"), ("activities", "report.activities"),
            ("workplan", "report18.workplan"), ("criteria", "committee.criteria"),
            ("assumptions", "report.assumptions"), ("risks", "committee.risks"), ("decisions", "committee.decisions"),
            ("budget", "report.budget"), ("data-quality", "report.data_quality"), ("annex", "report.annex"),
            ("annex-logframe", "report18.annex.logframe"), ("annex-contracts", "report18.annex.contracts"))
TREND = {"new": "★", "up": "↑", "down": "↓", "flat": "→", "closed": "✓"}
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*")


def rows(cells: Callable[[Any, str], list[str]], items: Sequence[Any], lang: str) -> list[list[str]]:
    """Each item's cells (for the templates, which cannot loop over a function call)."""
    return [cells(item, lang) for item in items]


def toc(lang: str) -> list[tuple[str, str]]:
    return [(anchor, t(key, lang)) for anchor, key in SECTIONS]


def acronyms(report: Report, lang: str) -> list[tuple[str, str]]:
    """The abbreviations the report uses, with the programme's code, sorted as the reader's alphabet."""
    pairs = [(t(f"committee.abbr.{key}", lang), t(f"committee.acronym.{key}", lang)) for key in ACRONYMS]
    return sorted(pairs + [(report.programme.upper(), report.title)], key=lambda p: p[0].casefold())


def control_lines(c: Control, lang: str, as_submitted: bool = False,
                  snapshot: int | None = None) -> list[tuple[str, str]]:
    """Document control as (label, value) lines: version, status, submitted, approved, author,
    distribution; and, for a report rebuilt as submitted, the store state it shows (with the
    DuckLake ``snapshot`` it was read at, when it was)."""
    lines = []
    if as_submitted and c.submitted:
        shown = t("committee.as_submitted", lang, version=c.version, when=date(c.submitted[1].date()))
        if snapshot is not None:
            shown += " " + t("committee.at_snapshot", lang, snapshot=snapshot)
        lines.append((t("committee.data_shown", lang), shown))
    lines += [(t("committee.version", lang), str(c.version)),
             (t("committee.status", lang), t(f"committee.status.{c.status}", lang))]
    if c.submitted:
        lines.append((t("committee.submitted", lang), t("committee.by", lang, name=c.submitted[0],
                                                         when=date(c.submitted[1].date()))))
    if c.approved:
        lines.append((t("committee.approved", lang), t("committee.by", lang, name=c.approved[0],
                                                        when=date(c.approved[1].date()))))
    lines.append((t("committee.author", lang), c.author or t("committee.not_recorded", lang)))
    lines.append((t("committee.distribution", lang), "; ".join(c.distribution) or t("committee.not_recorded", lang)))
    return lines


def summary_text(part: CommitteePart) -> str | None:
    """The written summary; in another language it is led by that language's code, as Text.get does."""
    if part.summary is None:
        return None
    return f"[{part.summary_from.upper()}] {part.summary}" if part.summary_from else part.summary


@dataclass(frozen=True)
class Block:
    """A block of the summary's Markdown: 'p', 'li' or 'h'; ``runs`` are (text, bold, italic)."""

    kind: str
    runs: list[tuple[str, bool, bool]]


def _runs(line: str) -> list[tuple[str, bool, bool]]:
    runs, at = [], 0
    for m in _INLINE.finditer(line):
        if m.start() > at:
            runs.append((line[at:m.start()], False, False))
        runs.append((m.group(1), True, False) if m.group(1) is not None else (m.group(2), False, True))
        at = m.end()
    if at < len(line):
        runs.append((line[at:], False, False))
    return runs


def blocks(markdown: str) -> list[Block]:
    out: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(Block("p", _runs(" ".join(paragraph))))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line[:2] in ("- ", "* ", "• "):
            flush()
            out.append(Block("li", _runs(line[2:].strip())))
        elif line.startswith("#"):
            flush()
            out.append(Block("h", _runs(line.lstrip("#").strip())))
        else:
            paragraph.append(line)
    flush()
    return out


def markdown_html(markdown: str) -> Markup:
    """The summary as escaped HTML: every character the user wrote is text, only our tags are markup."""
    def inline(runs: list[tuple[str, bool, bool]]) -> str:
        return "".join(f"<strong>{escape(x)}</strong>" if b else f"<em>{escape(x)}</em>" if i else str(escape(x))
                       for x, b, i in runs)

    html, in_list = [], False
    for block in blocks(markdown):
        if block.kind == "li" and not in_list:
            html.append("<ul>")
        if block.kind != "li" and in_list:
            html.append("</ul>")
        in_list = block.kind == "li"
        tag = {"p": "p", "li": "li", "h": "h4"}[block.kind]
        html.append(f"<{tag}>{inline(block.runs)}</{tag}>")
    if in_list:
        html.append("</ul>")
    return Markup("".join(html))


def deviation_header(lang: str) -> list[str]:
    return [t(k, lang) for k in ("committee.col.item", "committee.col.state", "committee.col.cause",
                                 "committee.col.measure", "committee.col.owner", "committee.col.due",
                                 "col.status")]


def _state(row: DeviationRow, lang: str) -> str:
    if row.item_kind == "indicator":
        return ", ".join(status_label(s, lang, icon=False) for s in row.state) or DASH
    return ", ".join(t(f"violation.{s}", lang) if s != "late" else t("committee.late", lang) for s in row.state) \
        or DASH


def deviation_cells(row: DeviationRow, lang: str) -> list[str]:
    item = f"{t(f'committee.item.{row.item_kind}', lang)} {row.item}: {row.text}"
    if row.status == "not_recorded":
        return [item, _state(row, lang), t("committee.cause_not_recorded", lang), DASH, DASH, DASH,
                t("committee.deviation_status.not_recorded", lang)]
    return [item, _state(row, lang), row.cause or DASH, row.measure or DASH, row.owner or DASH,
            date(row.due) if row.due else DASH, t(f"committee.deviation_status.{row.status}", lang)]


def risk_header(lang: str) -> list[str]:
    return [t(k, lang) for k in ("committee.col.id", "committee.col.assumption", "committee.col.risk",
                                 "committee.likelihood", "committee.impact", "committee.score",
                                 "committee.col.mitigation", "committee.col.owner", "col.status",
                                 "committee.col.trend")]


def trend(row: RiskRow, lang: str) -> str:
    word = t(f"committee.trend.{row.trend}", lang)
    return f"{TREND[row.trend]} {word}" + (f" ({row.before} → {row.score})" if row.before is not None
                                           and row.trend in ("up", "down") else "")


def risk_cells(row: RiskRow, lang: str) -> list[str]:
    return [str(row.id), f"{row.assumption}: {row.assumption_text}", row.description, str(row.likelihood),
            str(row.impact), str(row.score), row.mitigation, row.owner, t(f"committee.risk_status.{row.status}", lang),
            trend(row, lang)]


def matrix_rows(part: CommitteePart, lang: str) -> tuple[list[str], list[list[str]]]:
    """The 5 × 5 matrix: likelihood 5 at the top, impact 1 to 5 across; each cell lists its risks' ids."""
    cells = part.matrix()
    header = [f"{t('committee.likelihood', lang)} \\ {t('committee.impact', lang)}"] + [str(i) for i in range(1, 6)]
    rows = [[str(lk)] + [", ".join(f"#{r}" for r in cells.get((lk, im), [])) for im in range(1, 6)]
            for lk in range(5, 0, -1)]
    return header, rows


def matrix_tint(likelihood: int, impact: int) -> str:
    score = risk_score(likelihood, impact)
    return "#F6C9C4" if score >= 15 else "#FBE3B8" if score >= 8 else "#DDEFD9"


def decision_header(lang: str) -> list[str]:
    return [t(k, lang) for k in ("committee.col.id", "committee.col.meeting", "committee.col.decision",
                                 "committee.col.owner", "committee.col.due", "col.status")]


def decision_cells(d: Decision, lang: str) -> list[str]:
    return [str(d.id), date(d.meeting), d.body, d.owner, date(d.due) if d.due else DASH,
            t(f"committee.decision_status.{d.status}", lang)]


def criteria_header(lang: str) -> list[str]:
    return [t(k, lang) for k in ("committee.col.criterion", "committee.col.rating", "committee.col.justification")]


def criterion_cells(c: Criterion, lang: str) -> list[str]:
    return [t(f"committee.criterion.{c.criterion}", lang), t(f"committee.rating.{c.rating}", lang), c.justification]
