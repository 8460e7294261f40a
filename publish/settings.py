"""The settings of the marts and published outputs, read from config/outputs.yaml and checked.

Each asset reads the file when it runs, so an edited file takes effect on the next run. A
mistake in the file stops the run with a message naming the file and the key to fix.
"""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

OUTPUTS_CONFIG_ENV_VAR = "TRAWL_OUTPUTS_CONFIG"
DEFAULT_OUTPUTS_CONFIG = Path(__file__).resolve().parents[1] / "config" / "outputs.yaml"


class OutputSettingsError(Exception):
    """config/outputs.yaml is wrong: fix the file."""


@dataclass(frozen=True)
class SourcedFigure:
    """A figure used in the estimates, with where it comes from (shown beside it in the report)."""

    name: str
    value: float | None
    source: str
    price_year: str | None = None  # the financial year whose prices a cost is in, e.g. 2016/17


# What a sampled trawl may be stratified by (columns of the sampling frame, core.case_file_sample).
SAMPLE_STRATA = ("recurrent", "age_band", "care_experienced", "la_code")


@dataclass(frozen=True)
class WorklistSample:
    """A sampled case-file trawl (worklist -> sample): a share of each stratum, or a number in all."""

    share: float | None
    number: int | None
    seed: int
    strata: tuple[str, ...]


@dataclass(frozen=True)
class OutputSettings:
    path: Path
    smallest_count_shown: int
    return_years: int
    confidence_level: float
    extract_end_date: datetime.date | None
    one_off_cost_parts: tuple[SourcedFigure, ...]
    care_cost_per_child_per_year: SourcedFigure
    returns_prevented_pct: SourcedFigure
    mothers_per_year: SourcedFigure  # value None = the local average
    average_over_financial_years: int
    current_set_months: int
    return_horizon_years: int
    discount_rate_pct: SourcedFigure
    price_year: str | None  # costs are shown in this year's prices (None: each in its own)
    uplift_factors: dict[str, float | None]  # price year -> factor to price_year
    uplift_source: str
    look_back_years: int
    care_experience_from_forms: bool
    worklist_sample: WorklistSample | None = None  # None: the worklist lists every eligible mother

    def uplift(self, figure: SourcedFigure) -> float | None:
        """The factor that takes `figure` to `price_year` prices; None if none is set."""
        if self.price_year is None or figure.price_year in (None, self.price_year):
            return 1.0
        return self.uplift_factors.get(figure.price_year)

    def in_price_year(self, figure: SourcedFigure) -> float:
        return figure.value * (self.uplift(figure) or 1.0)

    def price_note(self, figure: SourcedFigure) -> str:
        """How the figure's price year was handled, for its source text."""
        factor = self.uplift(figure)
        if figure.price_year is None or figure.price_year == self.price_year or self.price_year is None:
            return f" ({figure.price_year} prices)" if figure.price_year else ""
        if factor is None:
            return f" ({figure.price_year} prices, not uplifted: no factor for {figure.price_year} in costs -> price_uplift)"
        return f" ({figure.price_year} prices x {factor:g} to {self.price_year}: {self.uplift_source})"

    @property
    def one_off_cost_per_set(self) -> float:
        return sum(self.in_price_year(part) for part in self.one_off_cost_parts)


def load_output_settings(path: Path | None = None) -> OutputSettings:
    """Read `path`, else the file named by TRAWL_OUTPUTS_CONFIG, else the repository's."""
    path = Path(path or os.environ.get(OUTPUTS_CONFIG_ENV_VAR) or DEFAULT_OUTPUTS_CONFIG)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise OutputSettingsError(f"cannot read output settings {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise OutputSettingsError(f"{path} is not valid YAML: {error}") from None
    reader = _Reader(path, document)
    settings = OutputSettings(
        path=path,
        smallest_count_shown=reader.whole_number("disclosure", "smallest_count_shown", minimum=1),
        return_years=reader.whole_number("return_within_years", "years", minimum=1),
        confidence_level=reader.number("return_within_years", "confidence_level"),
        extract_end_date=reader.optional_date("return_within_years", "extract_end_date"),
        one_off_cost_parts=reader.cost_parts("costs", "one_off_cost_per_set"),
        care_cost_per_child_per_year=reader.figure("costs", "care_cost_per_child_per_year"),
        returns_prevented_pct=reader.figure("scenario", "returns_prevented_pct"),
        mothers_per_year=reader.figure("scenario", "mothers_per_year", optional=True),
        average_over_financial_years=reader.whole_number("scenario", "average_over_financial_years", minimum=1),
        current_set_months=reader.whole_number("worklist", "current_set_months", minimum=1),
        worklist_sample=reader.worklist_sample("worklist", "sample"),
        return_horizon_years=reader.whole_number("scenario", "return_horizon_years", minimum=1),
        discount_rate_pct=reader.figure("costs", "discount_rate_pct"),
        price_year=reader.optional_text("costs", "price_uplift", "to_price_year"),
        uplift_factors=reader.factors("costs", "price_uplift"),
        uplift_source=reader.optional_text("costs", "price_uplift", "source") or "",
        look_back_years=reader.whole_number("prevalence", "look_back_years", minimum=0),
        care_experience_from_forms=reader.yes_no("groups", "care_experience_from_forms"),
    )
    if not 0 < settings.confidence_level < 1:
        raise OutputSettingsError(f"{path}: return_within_years -> confidence_level should be between 0 and 1, e.g. 0.95")
    if settings.return_horizon_years > settings.return_years:
        raise OutputSettingsError(f"{path}: scenario -> return_horizon_years should be at most return_within_years -> years")
    if not 0 <= settings.returns_prevented_pct.value <= 100:
        raise OutputSettingsError(f"{path}: scenario -> returns_prevented_pct -> value should be a percentage, 0 to 100")
    return settings


class _Reader:
    """Looks up `section -> key` and says exactly which one is wrong."""

    def __init__(self, path: Path, document: object):
        if not isinstance(document, dict):
            raise OutputSettingsError(f"{path} should have sections such as 'disclosure:' at the top level")
        self.path = path
        self.document = document

    def _get(self, section: str, key: str) -> object:
        block = self.document.get(section)
        if not isinstance(block, dict) or key not in block:
            raise OutputSettingsError(f"{self.path}: '{key}' is missing under '{section}:'")
        return block[key]

    def _fail(self, where: str, expected: str) -> OutputSettingsError:
        return OutputSettingsError(f"{self.path}: {where} should be {expected}")

    def whole_number(self, section: str, key: str, minimum: int) -> int:
        value = self._get(section, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._fail(f"{section} -> {key}", f"a whole number, at least {minimum}")
        return value

    def number(self, section: str, key: str) -> float:
        value = self._get(section, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(f"{section} -> {key}", "a number")
        return float(value)

    def optional_date(self, section: str, key: str) -> datetime.date | None:
        value = self._get(section, key)
        if value is None or isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise self._fail(f"{section} -> {key}", "a date written YYYY-MM-DD, or blank") from None

    def worklist_sample(self, section: str, key: str) -> WorklistSample | None:
        block = self.document.get(section)
        entry = block.get(key) if isinstance(block, dict) else None
        if entry is None:
            return None
        where = f"{section} -> {key}"
        if not isinstance(entry, dict):
            raise self._fail(where, "share or number, seed and strata (or blank for no sample)")
        share, number = entry.get("share"), entry.get("number")
        if (share is None) == (number is None):
            raise self._fail(where, "given either a share (e.g. 0.2) or a number of mothers (e.g. 150), not both")
        if share is not None and (isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1):
            raise self._fail(f"{where} -> share", "a share of each stratum, more than 0 and at most 1 (0.2 = 20%)")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            raise self._fail(f"{where} -> number", "a whole number of mothers, at least 1")
        seed = entry.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise self._fail(f"{where} -> seed", "a whole number (the same seed draws the same sample)")
        strata = entry.get("strata") or []
        if not isinstance(strata, list) or any(s not in SAMPLE_STRATA for s in strata) or len(set(strata)) < len(strata):
            raise self._fail(f"{where} -> strata", "a list of any of " + ", ".join(SAMPLE_STRATA))
        return WorklistSample(share=None if share is None else float(share), number=number, seed=seed,
                              strata=tuple(strata))
    def yes_no(self, section: str, key: str) -> bool:
        value = self._get(section, key)
        if not isinstance(value, bool):
            raise self._fail(f"{section} -> {key}", "true or false")
        return value

    def optional_text(self, section: str, key: str, field: str) -> str | None:
        block = self._get(section, key)
        value = block.get(field) if isinstance(block, dict) else None
        return None if value is None else str(value).strip()

    def factors(self, section: str, key: str) -> dict[str, float | None]:
        block = self._get(section, key)
        factors = (block or {}).get("factors") or {}
        where = f"{section} -> {key} -> factors"
        if not isinstance(factors, dict):
            raise self._fail(where, "price years each with a factor, e.g. '2016/17: 1.23'")
        for year, factor in factors.items():
            if factor is not None and (isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0):
                raise self._fail(f"{where} -> {year}", "a number above 0, or blank")
        return {str(year): None if factor is None else float(factor) for year, factor in factors.items()}

    def figure(self, section: str, key: str, optional: bool = False) -> SourcedFigure:
        entry = self._get(section, key)
        where = f"{section} -> {key}"
        return self._sourced(entry, key, where, optional)

    def cost_parts(self, section: str, key: str) -> tuple[SourcedFigure, ...]:
        parts = self._get(section, key)
        where = f"{section} -> {key}"
        if not isinstance(parts, list) or not parts:
            raise self._fail(where, "a list of parts, each with part, value and source")
        figures = []
        for number, entry in enumerate(parts, start=1):
            name = entry.get("part") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise self._fail(f"{where}, part {number}", "given a name ('part:')")
            figures.append(self._sourced(entry, name, f"{where}, part {number}", optional=False))
        return tuple(figures)

    def _sourced(self, entry: object, name: str, where: str, optional: bool) -> SourcedFigure:
        if not isinstance(entry, dict) or "value" not in entry:
            raise self._fail(where, "a 'value:' with its 'source:'")
        value, source = entry["value"], entry.get("source")
        price_year = None if entry.get("price_year") is None else str(entry["price_year"]).strip()
        if value is None and optional:
            return SourcedFigure(name, None, str(source or "").strip(), price_year)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self._fail(f"{where} -> value", "a number, 0 or more")
        if not isinstance(source, str) or not source.strip():
            raise self._fail(f"{where} -> source", "where the figure comes from (every figure names its source)")
        return SourcedFigure(name, float(value), source.strip(), price_year)
