"""The logframe schema: the YAML files in ``logframes/`` are instances of :class:`Logframe`.

Every model forbids unknown keys, so a typo in a YAML key is an error rather than a silently
ignored field. Cross-references (codes, contracts, purposes) are checked in ``validation.py``,
because they need the whole tree.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Iterator

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .periods import ReportingPeriod, add_months, calendar_halves, calendar_years, period_containing, semesters

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class YamlModel(BaseModel):
    """Base of every model read from a logframe file: an unknown key is an error (a typo never
    passes silently) and instances are immutable (a loaded logframe is shared between sessions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


FALLBACK_ORDER = ("en", "kk", "ru")  # what a text missing the reader's language is shown in, in turn


class Text(YamlModel):
    """Multilingual text: Kazakh as in the seed, a faithful English translation and Russian. A text
    may lack a language (``validate`` warns of each gap) but never all three."""

    kk: NonEmpty | None = None
    en: NonEmpty | None = None
    ru: NonEmpty | None = None

    @model_validator(mode="after")
    def _some_language(self) -> "Text":
        if not (self.kk or self.en or self.ru):
            raise ValueError("a text needs at least one of kk, en, ru")
        return self

    def get(self, lang: str) -> str:
        """Text in ``lang``. Without it, English, then Kazakh, then Russian, led by that language's
        code (``[EN] …``): the one place every page, report and export takes a logframe text from, so
        each marks a fallback alike; in front, so a truncated option or a cut table cell keeps it."""
        own = getattr(self, lang, None) if lang in FALLBACK_ORDER else None
        if own:
            return own
        shown = next(code for code in FALLBACK_ORDER if getattr(self, code))
        return f"[{shown.upper()}] {getattr(self, shown)}"

    def missing(self) -> list[str]:
        """The languages this text lacks, for ``validate``'s warnings."""
        return [code for code in ("kk", "en", "ru") if not getattr(self, code)]


class IndicatorType(str, Enum):
    quantitative = "quantitative"
    milestone = "milestone"
    rating = "rating"


class Direction(str, Enum):
    increase = "increase"
    decrease = "decrease"


class Cumulative(str, Enum):
    none = "none"
    summing = "summing"
    non_summing = "non_summing"


class CellRule(str, Enum):
    """How an indicator's disaggregated cells (by sex, oblast, ministry) make its total, when no
    total is reported: ``sum`` (counts), ``mean``, ``pooled`` (Σ numerator / Σ denominator, a mean
    when the data carry none), or ``none``: the cells are not combined at all (a growth rate per
    oblast is not added up), so only a reported total counts and pages show the cells."""

    sum = "sum"
    mean = "mean"
    pooled = "pooled"
    none = "none"


class Dimension(str, Enum):
    sex = "sex"
    oblast = "oblast"
    ministry = "ministry"


class Baseline(YamlModel):
    value: float
    date: dt.date
    note: Text | None = None


class Target(YamlModel):
    """A planned value by ``date``. ``at_least``: the source states a minimum ("42 адамнан кем емес",
    ≥ 42); ``up_to``: it states a range ("50-70 пайыз"), ``value`` being its lower bound. Either way
    ``value`` is the plan every score is computed against."""

    date: dt.date
    value: float
    at_least: bool = False
    up_to: float | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _range(self) -> "Target":
        if self.up_to is not None and self.up_to <= self.value:
            raise ValueError(f"up_to {self.up_to:g} must be above the range's lower bound {self.value:g}")
        if self.up_to is not None and self.at_least:
            raise ValueError("a target is a minimum (at_least) or a range (up_to), not both")
        return self


class ValidRange(YamlModel):
    """The values an indicator can take, bounds included; either bound may be left open.

    Without it the importer applies its kind's range: 0–100 for a percentage (a unit with %),
    at least 0 for another quantity with a unit (a count), none for a quantity without a unit.
    Declare it where that is wrong, e.g. ``valid_range: {min: -100}`` for a growth rate in %."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ValidRange":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"valid_range min {self.min:g} is above max {self.max:g}")
        return self


class ResultKind(str, Enum):
    """The kind of expected result a state budget-programme passport states an indicator under
    (its field 7): тікелей (direct), түпкі (final), қаржы-экономикалық (financial-economic),
    уақтылығы (timeliness), сапасы (quality). Kept as data: the passport's own classification."""

    direct = "direct"
    final = "final"
    financial_economic = "financial_economic"
    timeliness = "timeliness"
    quality = "quality"


class Indicator(YamlModel):
    """An objectively verifiable indicator (OVI).

    ``targets`` empty means the seed sets no target: the UI says "target to be set".
    Milestones use value 1 for "done"; ratings use positions on ``scale`` (1-based).
    ``result_kind``: where a budget-programme passport classifies it (none in an EU logframe).
    """

    code: Code
    text: Text
    type: IndicatorType
    unit: Text | None = None
    direction: Direction = Direction.increase
    cumulative: Cumulative = Cumulative.none
    baseline: Baseline | None = None
    targets: list[Target] = Field(default_factory=list)
    disaggregation: list[Dimension] = Field(default_factory=list)
    combine_cells: CellRule | None = None  # default: pooled for percentages, sum for other quantities
    source: Text | None = None
    weight: float = Field(default=1.0, gt=0)
    scale: list[Text] = Field(default_factory=list)
    note: Text | None = None
    valid_range: ValidRange | None = None  # values the importer accepts; default: by kind (see ValidRange)
    result_kind: ResultKind | None = None

    @model_validator(mode="after")
    def _scale_matches_type(self) -> "Indicator":
        if self.type is IndicatorType.rating and len(self.scale) < 2:
            raise ValueError("a rating indicator needs a scale of at least two levels")
        if self.type is not IndicatorType.rating and self.scale:
            raise ValueError(f"only rating indicators have a scale (type is {self.type.value})")
        return self


class Assumption(YamlModel):
    id: Code
    text: Text


class Level(YamlModel):
    """What every row of the matrix has: a statement, its OVIs, sources and assumptions."""

    code: Code
    text: Text
    indicators: list[Indicator] = Field(default_factory=list)
    sources: list[Text] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)


class Schedule(YamlModel):
    """When an activity runs, as the seed's "Кезектілік" paragraph says, in months.

    ``after`` lists what must be reached before the activity starts (finish-to-start): ``fa`` (the
    financing agreement signature), ``inception_end``, ``contract:<id>`` (that contract signed),
    an activity code (``R1.A2``: that activity finished) or a result code (``R1``: its timed
    activities finished). ``assumed`` names the fields the seed does not give: planning
    assumptions a user may edit, shown as such.
    """

    after: list[NonEmpty] = Field(default_factory=lambda: ["fa"])
    lag_months: int = Field(default=0, ge=0)
    duration_months: int | None = Field(default=None, gt=0)
    throughout: bool = False
    as_needed: bool = False
    start_deadline_months: int | None = Field(default=None, gt=0)
    max_duration_months: int | None = Field(default=None, gt=0)
    assumed: list[Annotated[str, StringConstraints(pattern=r"^(after|lag_months|duration_months)$")]] = Field(
        default_factory=list)
    note: Text | None = None

    @model_validator(mode="after")
    def _one_length(self) -> "Schedule":
        if self.throughout == (self.duration_months is not None):
            raise ValueError("give either duration_months or throughout: true")
        if self.max_duration_months and self.duration_months and self.duration_months > self.max_duration_months:
            raise ValueError(f"duration_months {self.duration_months} exceeds max_duration_months "
                             f"{self.max_duration_months}")
        return self


class Activity(YamlModel):
    """``financing`` names who pays for an activity the seed says the EU contribution does not
    (KAZLOD R5.A1, financed by the Government): shown with the activity, never counted in the budget."""

    code: Code
    text: Text
    contract: Code | None = None
    schedule: Schedule | None = None
    financing: Text | None = None


class SubResult(Level):
    pass


class Result(Level):
    purpose: Code | None = None
    sub_results: list[SubResult] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    sequencing: Text | None = None


class Purpose(Level):
    pass


class Goal(Level):
    pass


class ContractKind(str, Enum):
    cooperation_agreement = "cooperation_agreement"
    service_contract = "service_contract"
    grant = "grant"
    framework_contract = "framework_contract"
    other = "other"


class Contract(YamlModel):
    """``signature_months``: when the contract is (planned to be) signed, in months after FA signature."""

    id: Code
    kind: ContractKind
    title: Text
    max_eur: float | None = Field(default=None, ge=0)
    signature_months: int | None = Field(default=None, ge=0)
    signature_assumed: bool = True


class Reporting(str, Enum):
    """The reporting calendar: calendar halves (Jan–Jun, Jul–Dec), semesters from an anchor date, or
    calendar years (a state budget programme: annual plan and fact)."""

    calendar_half = "calendar_half"
    semester = "semester"
    calendar_year = "calendar_year"


class Implementation(YamlModel):
    """Durations in months from the financing-agreement (FA) signature, the anchor of every date.

    The defaults are an EU financing agreement's. A programme of another kind sets what applies:
    ``fa_signature`` is then its start (the last signature of an agreement, the first day of a budget
    year), ``operational_months`` its duration, ``closure_months`` what follows (the six months for a
    final report), and ``inception_months`` a preparatory period where the source names one."""

    fa_signature: dt.date
    fa_signature_assumed: bool = False
    operational_months: int = Field(default=60, gt=0)
    closure_months: int = Field(default=24, ge=0)
    contracting_deadline_months: int = Field(default=36, gt=0)
    inception_months: int = Field(default=6, ge=0)  # 0: none (a budget year)
    inception_assumed: bool = False  # the seed names an inception phase but not its length
    reporting: Reporting = Reporting.calendar_half
    reporting_anchor: dt.date | None = None  # semesters only: the first semester's first day (default: FA signature)

    @model_validator(mode="after")
    def _anchor_fits(self) -> "Implementation":
        if self.reporting_anchor and self.reporting is not Reporting.semester:
            raise ValueError("reporting_anchor is only for reporting: semester")
        if self.reporting_anchor and self.reporting_anchor > self.fa_signature:
            raise ValueError(f"reporting_anchor {self.reporting_anchor} is after the FA signature {self.fa_signature}")
        return self


class MonitoringKind(str, Enum):
    """What an M&E provision is; the calendar names each in the UI's words (``event.<kind>``)."""

    benchmarking = "benchmarking"  # indicators benchmarked and fine-tuned in the inception phase
    final_report = "final_report"  # the implementer's final report (and financial statement) falls due
    rom = "rom"  # external results-oriented monitoring
    monitoring_visit = "monitoring_visit"
    midterm_evaluation = "midterm_evaluation"
    final_evaluation = "final_evaluation"
    ex_post_evaluation = "ex_post_evaluation"
    mission_notice = "mission_notice"  # the Beneficiary told before each external mission


class MonitoringProvision(YamlModel):
    """One M&E provision of the financing decision: its words (kk verbatim from the seed) and when it
    falls, in months after FA signature. ``start_months`` alone is a date; with ``end_months`` a span,
    in which ``every_months`` repeats a mission. A ``mission_notice`` gives ``notice_months`` instead:
    how long before each external mission (ROM, evaluations) the Beneficiary is told. ``assumed``
    names the timing the seed does not give; ``possible``: the seed says it may not happen."""

    kind: MonitoringKind
    text: Text
    start_months: int | None = Field(default=None, ge=0)
    end_months: int | None = Field(default=None, ge=0)
    every_months: int | None = Field(default=None, gt=0)
    notice_months: int | None = Field(default=None, gt=0)
    possible: bool = False
    assumed: list[Annotated[str, StringConstraints(pattern=r"^(start_months|end_months|every_months)$")]] = Field(
        default_factory=list)
    note: Text | None = None

    @model_validator(mode="after")
    def _timing_fits_kind(self) -> "MonitoringProvision":
        notice = self.kind is MonitoringKind.mission_notice
        if notice != (self.notice_months is not None):
            raise ValueError("notice_months is for, and required by, kind mission_notice")
        if notice and (self.start_months is not None or self.end_months is not None or self.every_months):
            raise ValueError("a mission_notice has no months of its own: it precedes each external mission")
        if not notice and self.start_months is None:
            raise ValueError(f"a {self.kind.value} needs start_months")
        if self.end_months is not None and self.start_months is not None and self.end_months < self.start_months:
            raise ValueError(f"end_months {self.end_months} is before start_months {self.start_months}")
        if self.every_months and self.end_months is None:
            raise ValueError("every_months repeats within a span: give end_months too")
        unknown = [name for name in self.assumed if getattr(self, name) is None]
        if unknown:
            raise ValueError(f"assumed names timing that is not given: {', '.join(unknown)}")
        return self


class Resolution(YamlModel):
    number: NonEmpty
    date: dt.date
    title: Text | None = None


class Amendment(YamlModel):
    """A later Government resolution that amended the source, as its note says (kk verbatim):
    ``result`` the part it amended (a budget programme), ``items`` the passport's items, or none
    when the whole annex was. The source is the consolidated text: which figures changed is not said."""

    number: NonEmpty
    date: dt.date
    result: Code
    items: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list)
    text: Text


class ProgrammeKind(str, Enum):
    """``eu_programme``: an EU financing decision (the EU budget pays); ``government_project``: a
    project the Government of Kazakhstan finances (not the EU budget), possibly ``related_to`` an EU
    programme; ``state_budget_programme``: the Government's own budget programmes (republican budget)."""

    eu_programme = "eu_programme"
    government_project = "government_project"
    state_budget_programme = "state_budget_programme"


class Currency(str, Enum):
    EUR = "EUR"
    KZT = "KZT"


class Scoring(str, Enum):
    """The scoring rule the Logframe status page opens on: ours (``design``: progress against the
    planned path) or seed 003's state methodology (``state``: annual plan against fact)."""

    design = "design"
    state = "state"


class DisaggregationValue(YamlModel):
    """One value a dimension takes. ``code`` is what is stored with each measurement (so it never
    changes, whatever the labels become); ``label`` what readers see, per language; ``aliases`` other
    spellings the importer accepts besides the code and the labels (an abbreviation, an older or
    colloquial name). A plain string in the file is a code without a label (``validate`` warns)."""

    code: NonEmpty
    label: Text | None = None
    aliases: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _plain_code(cls, data: object) -> object:
        return {"code": data} if isinstance(data, str) else data

    def shown(self, lang: str) -> str:
        return self.label.get(lang) if self.label else self.code


SEX_VALUES = (  # a programme that does not list its sex values takes these
    DisaggregationValue(code="female", label=Text(kk="әйелдер", en="female", ru="женщины"),
                        aliases=["f", "woman", "women", "әйел", "ж", "жен", "женский", "женщина"]),
    DisaggregationValue(code="male", label=Text(kk="ерлер", en="male", ru="мужчины"),
                        aliases=["m", "man", "men", "ер", "м", "муж", "мужской", "мужчина"]),
)


class DisaggregationValues(YamlModel):
    """The values of each dimension a programme's indicators are broken down by."""

    sex: list[DisaggregationValue] = Field(default_factory=lambda: list(SEX_VALUES))
    oblast: list[DisaggregationValue] = Field(default_factory=list)
    ministry: list[DisaggregationValue] = Field(default_factory=list)

    def codes(self, dimension: str) -> list[str]:
        return [value.code for value in getattr(self, dimension)]

    def label(self, dimension: str, code: str, lang: str) -> str:
        """How ``code`` of ``dimension`` reads in ``lang``; a code the logframe no longer lists, as stored."""
        found = next((value for value in getattr(self, dimension) if value.code == code), None)
        return found.shown(lang) if found else code


class Programme(YamlModel):
    """What the financing decision says the programme is. ``eu_budget_line`` is the EU budget article
    it is charged to ("бюджеттің бабы", e.g. 19 10 02) and ``management`` the aid method or management
    mode(s) it states ("көмек көрсету әдісі/басқару режимі"), kk verbatim; both only where stated.

    A programme of another ``kind`` says who finances it (``financing``, shown wherever the programme
    is), has no EU contribution, and counts its money in its ``currency``; ``related_to`` names the
    programme (code) it is linked to, ``amendments`` the resolutions that amended its source."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: ProgrammeKind = ProgrammeKind.eu_programme
    decision: NonEmpty
    title: Text
    short_title: Text | None = None
    resolution: Resolution | None = None
    amendments: list[Amendment] = Field(default_factory=list)
    beneficiary: Text
    related_to: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    financing: Text | None = None
    currency: Currency = Currency.EUR
    scoring: Scoring = Scoring.design
    eu_contribution_eur: float | None = Field(default=None, ge=0)
    total_cost_eur: float | None = Field(default=None, ge=0)
    implementation: Implementation
    disaggregation_values: DisaggregationValues = Field(default_factory=DisaggregationValues)
    source_document: NonEmpty | None = None
    dac_sector: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    eu_budget_line: Annotated[str, StringConstraints(pattern=r"^\d{2}( \d{2}){2,3}$")] | None = None
    management: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _money_fits_kind(self) -> "Programme":
        eu = self.kind is ProgrammeKind.eu_programme
        if eu and (self.eu_contribution_eur is None or self.total_cost_eur is None):
            raise ValueError("an EU programme states eu_contribution_eur and total_cost_eur")
        if eu and self.currency is not Currency.EUR:
            raise ValueError("an EU programme counts in EUR")
        if not eu and (self.eu_contribution_eur is not None or self.eu_budget_line):
            raise ValueError(f"a {self.kind.value} is not part of the EU budget: no eu_contribution_eur or "
                             "eu_budget_line")
        if not eu and self.financing is None:
            raise ValueError(f"a {self.kind.value} says who finances it (financing)")
        if self.total_cost_eur is not None and self.currency is not Currency.EUR:
            raise ValueError(f"total_cost_eur is for programmes counted in EUR (this one: {self.currency.value})")
        if self.related_to == self.code:
            raise ValueError("a programme cannot be related to itself")
        return self

    @property
    def is_eu(self) -> bool:
        return self.kind is ProgrammeKind.eu_programme


class BudgetLine(YamlModel):
    """One row of the indicative budget as the seed states it.

    ``discrepancy`` documents a seed whose own numbers do not add up; it turns the arithmetic
    error into a warning instead of silently "fixing" the source. A programme outside the EU budget
    has ``eu`` 0 and its financier's money (``Programme.financing``) in ``cofinancing``.
    ``results``: the results the line pays for, where the budget's structure says so (the Budget page
    sets the money spent beside what they achieved).
    """

    code: NonEmpty
    label: Text
    contract: Code | None = None
    results: list[Code] = Field(default_factory=list)
    eu: float = Field(default=0, ge=0)
    cofinancing: float = Field(default=0, ge=0)
    total: float = Field(ge=0)
    discrepancy: Text | None = None


class BudgetTotal(YamlModel):
    eu: float = Field(ge=0)
    cofinancing: float = Field(default=0, ge=0)
    total: float = Field(ge=0)


class MoneyUnit(str, Enum):
    """What a budget's amounts count: a currency and its scale."""

    eur_thousand = "EUR thousand"
    eur = "EUR"
    kzt_thousand = "KZT thousand"

    @property
    def currency(self) -> Currency:
        return Currency(self.value.split()[0])


class Budget(YamlModel):
    """``note``: what the reader must know of the figures that is not a discrepancy (a total the
    source does not state, so summed by us)."""

    unit: MoneyUnit = MoneyUnit.eur_thousand
    lines: list[BudgetLine] = Field(min_length=1)
    total: BudgetTotal
    discrepancy: Text | None = None
    note: Text | None = None


class ConflictingComposition(YamlModel):
    """A second committee composition stated elsewhere in the seed that contradicts ``members``:
    kept verbatim with a note saying how they differ, never silently reconciled."""

    text: Text
    note: Text


class SteeringCommittee(YamlModel):
    """``tasks``: what the seed asks of the committee beyond meeting and receiving the reports.

    A source that names no steering committee (an OECD agreement, a budget passport) gives the body
    that stands nearest: its ``name`` (kk verbatim), with ``note`` saying why, and ``assumed`` naming
    the rhythm the source does not give."""

    name: Text | None = None
    meetings_per_year: int = Field(default=2, gt=0)
    report_every_months: int = Field(default=6, gt=0)
    members: list[Text] = Field(min_length=1)
    invited: list[Text] = Field(default_factory=list)
    support: Text | None = None
    tasks: list[Text] = Field(default_factory=list)
    conflicting_composition: ConflictingComposition | None = None
    assumed: list[Annotated[str, StringConstraints(pattern=r"^(meetings_per_year|report_every_months)$")]] = Field(
        default_factory=list)
    note: Text | None = None


class Logframe(YamlModel):
    schema_version: int = Field(ge=1, le=1)
    programme: Programme
    contracts: list[Contract] = Field(default_factory=list)
    goal: Goal
    purposes: list[Purpose] = Field(min_length=1)
    results: list[Result] = Field(min_length=1)
    budget: Budget
    steering_committee: SteeringCommittee
    monitoring: list[MonitoringProvision] = Field(default_factory=list)

    def levels(self) -> Iterator[Level]:
        """Every matrix row, top-down: goal, purposes, then each result followed by its sub-results."""
        yield self.goal
        yield from self.purposes
        for result in self.results:
            yield result
            yield from result.sub_results

    def indicators(self) -> Iterator[tuple[Level, Indicator]]:
        for level in self.levels():
            for indicator in level.indicators:
                yield level, indicator

    def indicator(self, code: str) -> Indicator | None:
        return next((ind for _, ind in self.indicators() if ind.code == code), None)

    def reporting_periods(self) -> list[ReportingPeriod]:
        """The programme's reporting calendar, from FA signature to the end of the closure phase:
        the windows every output (pages, report, exports, IATI) counts in."""
        impl = self.programme.implementation
        last_day = self.end_date - dt.timedelta(days=1)
        if impl.reporting is Reporting.semester:
            return semesters(impl.reporting_anchor or impl.fa_signature, last_day)
        if impl.reporting is Reporting.calendar_year:
            return calendar_years(impl.fa_signature, last_day)
        return calendar_halves(impl.fa_signature, last_day)

    def reporting_period(self, text: str) -> ReportingPeriod:
        """A reporting period by its label (``2014-H2``, ``S7``, ``2007``) or by a date it contains (``2014-12-31``)."""
        periods = self.reporting_periods()
        wanted = text.strip().upper()
        found = next((p for p in periods if p.label.upper() == wanted), None)
        if found is None:
            try:
                day = dt.date.fromisoformat(text.strip())
            except ValueError:
                day = None
            if day is not None and periods[0].start <= day <= periods[-1].end:
                found = period_containing(periods, day)
        if found is None:
            raise ValueError(f"unknown reporting period '{text}' for {self.programme.code}: use a label "
                             f"{periods[0].label}…{periods[-1].label} or a date {periods[0].start}…{periods[-1].end}")
        return found

    @property
    def end_date(self) -> dt.date:
        impl = self.programme.implementation
        return add_months(impl.fa_signature, impl.operational_months + impl.closure_months)
