"""Whole-file checks of a logframe: schema errors and the cross-references pydantic cannot see.

Every problem names the file, the line and the path, so the person fixing a YAML file can go
straight to it. Loading is all-or-nothing: a file with any error is never returned as a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .dimensions import spellings
from .models import Currency, IndicatorType, Level, Logframe, MoneyUnit, MonitoringKind, Text
from .schedule import ScheduleError, dependency_graph, plan, rom_last_month
from .yaml_source import FileTooLarge, ParsedYaml, PathKey, Problem, SourceMap, parse_yaml, read_text

BUDGET_TOLERANCE = 0.5  # half a unit of the budget table: the seeds round to 50 000 EUR


@dataclass(frozen=True)
class CheckedFile:
    logframe: Logframe | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class LogframeError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_file(path: Path | str, *, fast: bool = False) -> CheckedFile:
    path = Path(path)
    try:
        text = read_text(path)
    except FileTooLarge as exc:
        return CheckedFile(None, [Problem(str(path), 1, "(file)", str(exc))])
    except (OSError, UnicodeDecodeError) as exc:
        return CheckedFile(None, [Problem(str(path), 1, "(file)", f"cannot read: {exc}")])
    return check_text(text, str(path), fast=fast)


def check_text(text: str, file: str, *, fast: bool = False) -> CheckedFile:
    """The model of a valid file, or every problem at its line. ``fast`` parses with libyaml first
    (about four times faster, under the same limits); a file with any error is then read again line
    by line, so what is reported is the same with or without ``fast``."""
    if fast:
        quick = _checked(parse_yaml(text, file, fast=True), file)
        if quick.logframe is not None:
            return quick
    return _checked(parse_yaml(text, file), file)


def _checked(parsed: ParsedYaml, file: str) -> CheckedFile:
    if parsed.problems and parsed.data is None:
        return CheckedFile(None, parsed.problems)
    problems = list(parsed.problems)
    if not isinstance(parsed.data, dict):
        problems.append(Problem(file, 1, "(document)", "a logframe file must be a mapping of keys"))
        return CheckedFile(None, problems)
    try:
        logframe = Logframe.model_validate(parsed.data)
    except ValidationError as exc:
        problems.extend(_schema_problems(exc, parsed.source))
        return CheckedFile(None, problems)
    problems.extend(semantic_problems(logframe, parsed.source))
    ok = not any(p.severity == "error" for p in problems)
    return CheckedFile(logframe if ok else None, sorted(problems, key=lambda p: p.line))


def _schema_problems(exc: ValidationError, source: SourceMap) -> Iterator[Problem]:
    for error in exc.errors():
        loc: PathKey = tuple(error["loc"])
        kind = error["type"]
        if kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        elif kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
        else:
            message = error["msg"].removeprefix("Value error, ")
        yield source.problem(loc, message)


def semantic_problems(lf: Logframe, source: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicates(lf, source)
    problems += _references(lf, source)
    problems += _indicator_rules(lf, source)
    problems += _budget(lf, source)
    problems += _schedule_rules(lf, source)
    problems += _missing_languages(lf, source)
    problems += _disaggregation_values(lf, source)
    return problems


def _disaggregation_values(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    """Each value has a label (a reader should not see a bare code) and no spelling the importer
    accepts names two values of one dimension (an upload would not know which is meant)."""
    declared = lf.programme.disaggregation_values
    for dimension in ("sex", "oblast", "ministry"):
        seen: dict[str, str] = {}
        for i, value in enumerate(getattr(declared, dimension)):
            here = ("programme", "disaggregation_values", dimension, i)
            if value.label is None:
                yield source.problem(here, f"value '{value.code}' has no label: give kk, en and ru", "warning")
            for written in sorted(spellings(value)):
                if seen.setdefault(written, value.code) != value.code:
                    yield source.problem(here, f"'{written}' would name both '{seen[written]}' and '{value.code}'")


def _texts(node: object, path: PathKey) -> Iterator[tuple[PathKey, Text]]:
    """Every text of the tree under ``node``, with its path in the file (fields are named as keys)."""
    if isinstance(node, Text):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _texts(getattr(node, name), path + (name,))
    elif isinstance(node, (list, tuple)):
        for index, item in enumerate(node):
            yield from _texts(item, path + (index,))


def _missing_languages(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    """A warning per language a text lacks: the file still loads (pages show the text in another
    language, marked), but a reader of that language is not served."""
    for path, text in _texts(lf, ()):
        for lang in text.missing():
            yield source.problem(path + (lang,), f"missing {lang} text", "warning")


def _level_paths(lf: Logframe) -> Iterator[tuple[PathKey, Level]]:
    yield ("goal",), lf.goal
    for i, purpose in enumerate(lf.purposes):
        yield ("purposes", i), purpose
    for i, result in enumerate(lf.results):
        yield ("results", i), result
        for j, sub in enumerate(result.sub_results):
            yield ("results", i, "sub_results", j), sub


def _first_seen(items: Iterable[tuple[PathKey, str]], what: str, source: SourceMap) -> Iterator[Problem]:
    seen: dict[str, PathKey] = {}
    for path, code in items:
        if code in seen:
            first = source.line_of(seen[code])
            yield source.problem(path, f"duplicate {what} '{code}' (first used on line {first})")
        else:
            seen[code] = path


def _duplicates(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    levels = list(_level_paths(lf))
    yield from _first_seen(((p + ("code",), lvl.code) for p, lvl in levels), "level code", source)
    yield from _first_seen(
        ((p + ("indicators", k, "code"), ind.code) for p, lvl in levels for k, ind in enumerate(lvl.indicators)),
        "indicator code", source)
    yield from _first_seen(
        ((p + ("assumptions", k, "id"), a.id) for p, lvl in levels for k, a in enumerate(lvl.assumptions)),
        "assumption id", source)
    yield from _first_seen(
        ((("results", i, "activities", k, "code"), a.code)
         for i, r in enumerate(lf.results) for k, a in enumerate(r.activities)),
        "activity code", source)
    yield from _first_seen(((("contracts", i, "id"), c.id) for i, c in enumerate(lf.contracts)),
                           "contract id", source)
    yield from _first_seen(((("budget", "lines", i, "code"), b.code) for i, b in enumerate(lf.budget.lines)),
                           "budget line code", source)


def _references(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    purposes = {p.code for p in lf.purposes}
    contracts = {c.id for c in lf.contracts}
    for i, result in enumerate(lf.results):
        if result.purpose is not None and result.purpose not in purposes:
            yield source.problem(("results", i, "purpose"),
                                 f"unknown purpose '{result.purpose}' (known: {', '.join(sorted(purposes))})")
        for k, activity in enumerate(result.activities):
            if activity.contract is not None and activity.contract not in contracts:
                yield source.problem(("results", i, "activities", k, "contract"),
                                     f"unknown contract '{activity.contract}'")
    for i, line in enumerate(lf.budget.lines):
        if line.contract is not None and line.contract not in contracts:
            yield source.problem(("budget", "lines", i, "contract"), f"unknown contract '{line.contract}'")
    results = {r.code for r in lf.results}
    for i, line in enumerate(lf.budget.lines):
        for k, result in enumerate(line.results):
            if result not in results:
                yield source.problem(("budget", "lines", i, "results", k), f"unknown result '{result}'")
    for i, amendment in enumerate(lf.programme.amendments):
        if amendment.result not in results:
            yield source.problem(("programme", "amendments", i, "result"), f"unknown result '{amendment.result}'")


def _indicator_rules(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    impl = lf.programme.implementation
    start, end = impl.fa_signature, lf.end_date
    prefix = lf.programme.code.upper() + "."
    declared = lf.programme.disaggregation_values
    for path, level in _level_paths(lf):
        for k, ind in enumerate(level.indicators):
            here = path + ("indicators", k)
            if not ind.code.startswith(prefix):
                yield source.problem(here + ("code",), f"indicator code must start with '{prefix}'")
            for dim in ind.disaggregation:
                if not getattr(declared, dim.value):
                    yield source.problem(
                        here + ("disaggregation",),
                        f"disaggregated by {dim.value} but programme.disaggregation_values.{dim.value} is empty")
            dates: set = set()
            for t, target in enumerate(ind.targets):
                tpath = here + ("targets", t)
                if not start <= target.date <= end:
                    yield source.problem(tpath + ("date",),
                                         f"target date {target.date} is outside the programme window {start}..{end}")
                if target.date in dates:
                    yield source.problem(tpath + ("date",), f"two targets for the same date {target.date}")
                dates.add(target.date)
                if ind.type is IndicatorType.milestone and target.value not in (0, 1):
                    yield source.problem(tpath + ("value",), "a milestone target is 1 (done) or 0")
                if ind.type is IndicatorType.rating and not 1 <= target.value <= len(ind.scale):
                    yield source.problem(tpath + ("value",),
                                         f"a rating target must be a scale position 1..{len(ind.scale)}")


def _budget(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    """Each line and column adds up (a documented discrepancy of the source makes it a warning); one
    currency throughout; an EU programme's EU column is its EU contribution, any other has none. A
    column equal to the total column line by line (a Government-financed budget's) is checked once."""
    budget = lf.budget
    if budget.unit.currency is not lf.programme.currency:
        yield source.problem(("budget", "unit"), f"the budget counts in {budget.unit.value}, but the programme's "
                                                 f"currency is {lf.programme.currency.value}")
    for i, line in enumerate(budget.lines):
        if not lf.programme.is_eu and line.eu:
            yield source.problem(("budget", "lines", i, "eu"),
                                 f"a {lf.programme.kind.value} is not part of the EU budget: its EU column is 0")
        if abs(line.eu + line.cofinancing - line.total) > BUDGET_TOLERANCE:
            yield source.problem(
                ("budget", "lines", i, "total"),
                f"EU {line.eu:g} + co-financing {line.cofinancing:g} = {line.eu + line.cofinancing:g}, "
                f"but the line total is {line.total:g}",
                "warning" if line.discrepancy else "error")
    columns = ["eu", "cofinancing", "total"]
    if all(line.cofinancing == line.total for line in budget.lines) and budget.total.cofinancing == budget.total.total:
        columns.remove("cofinancing")
    for column in columns:
        summed = sum(getattr(line, column) for line in budget.lines)
        stated = getattr(budget.total, column)
        if abs(summed - stated) > BUDGET_TOLERANCE:
            yield source.problem(
                ("budget", "total", column),
                f"budget lines add up to {summed:g} in column '{column}', but the stated total is {stated:g}",
                "warning" if budget.discrepancy else "error")
    if lf.programme.is_eu and budget.unit.currency is Currency.EUR:
        scale = 1000 if budget.unit is MoneyUnit.eur_thousand else 1
        stated_eur = budget.total.eu * scale
        if abs(stated_eur - lf.programme.eu_contribution_eur) > BUDGET_TOLERANCE * scale:
            yield source.problem(
                ("programme", "eu_contribution_eur"),
                f"EU contribution {lf.programme.eu_contribution_eur:,.0f} EUR differs from the budget's EU total "
                f"{stated_eur:,.0f} EUR")


def _schedule_rules(lf: Logframe, source: SourceMap) -> Iterator[Problem]:
    impl = lf.programme.implementation
    for i, contract in enumerate(lf.contracts):
        if contract.signature_months is not None and contract.signature_months > impl.contracting_deadline_months:
            yield source.problem(("contracts", i, "signature_months"),
                                 f"signed in month {contract.signature_months}, after the contracting deadline "
                                 f"(month {impl.contracting_deadline_months})")
    last_rom = rom_last_month(lf)
    for i, provision in enumerate(lf.monitoring):
        ends = provision.end_months if provision.end_months is not None else provision.start_months
        if provision.kind is MonitoringKind.rom and ends is not None and ends > last_rom:
            field = "end_months" if provision.end_months is not None else "start_months"
            yield source.problem(("monitoring", i, field),
                                 f"external ROM runs to month {ends}, but it ends six months before the end of the "
                                 f"operational phase at the latest (month {last_rom})")
    paths = {a.code: ("results", i, "activities", k)
             for i, r in enumerate(lf.results) for k, a in enumerate(r.activities)}
    try:
        dependency_graph(lf)
    except ScheduleError as exc:
        for code, message in exc.problems:
            yield source.problem(paths[code] + ("schedule", "after"), message)
        return
    for code, planned in plan(lf).activities.items():
        where = paths[code] + ("schedule",)
        if planned.end_month > impl.operational_months:
            yield source.problem(where, f"ends in month {planned.end_month}, after the operational phase "
                                        f"(month {impl.operational_months})")
        if planned.start_deadline_month is not None and planned.start_month > planned.start_deadline_month:
            yield source.problem(where, f"planned start in month {planned.start_month} misses its deadline "
                                        f"(month {planned.start_deadline_month})")
