"""The service evaluation's settings: config/outputs.yaml, block `service_evaluation:`.

Kept apart from the needs-assessment settings (publish/settings.py) so the two can change
separately; the cost parameters themselves (one-off cost of a set, care cost per child per
year) are read from the `costs:` block there, by the same names.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

from publish.settings import OutputSettingsError, SourcedFigure, _Reader, load_output_settings

REFERENCE_PERIODS = ("both", "non_participants", "before_service")
SECTION = "service_evaluation"


@dataclass(frozen=True)
class ServiceEvaluationSettings:
    path: Path
    reference_period: str
    years_since_last_set_bands: tuple[float, ...]
    earlier_sets_grouped_from: int
    confidence_level: float
    care_until_age: int
    service_cost_per_participant: SourcedFigure  # value None = not known
    one_off_cost_per_set: float
    one_off_cost_parts: tuple[SourcedFigure, ...]
    care_cost_per_child_per_year: SourcedFigure
    smallest_count_shown: int


def load_service_settings(path: Path | None = None) -> ServiceEvaluationSettings:
    outputs = load_output_settings(path)
    reader = _Reader(outputs.path, yaml.safe_load(outputs.path.read_text(encoding="utf-8")) or {})
    period = reader._get(SECTION, "reference_period")
    if period not in REFERENCE_PERIODS:
        raise OutputSettingsError(
            f"{outputs.path}: {SECTION} -> reference_period should be one of {', '.join(REFERENCE_PERIODS)}")
    bands = reader._get(SECTION, "years_since_last_set_bands")
    if (not isinstance(bands, list) or not bands or bands[0] != 0
            or any(isinstance(b, bool) or not isinstance(b, int | float) for b in bands)
            or any(later <= earlier for earlier, later in zip(bands, bands[1:]))):
        raise OutputSettingsError(
            f"{outputs.path}: {SECTION} -> years_since_last_set_bands should be a list of years starting at 0 "
            "and rising, e.g. [0, 0.5, 1, 2, 3]")
    settings = ServiceEvaluationSettings(
        path=outputs.path,
        reference_period=period,
        years_since_last_set_bands=tuple(float(b) for b in bands),
        earlier_sets_grouped_from=reader.whole_number(SECTION, "earlier_sets_grouped_from", minimum=1),
        confidence_level=reader.number(SECTION, "confidence_level"),
        care_until_age=reader.whole_number(SECTION, "care_until_age", minimum=1),
        service_cost_per_participant=reader.figure(SECTION, "service_cost_per_participant", optional=True),
        one_off_cost_per_set=outputs.one_off_cost_per_set,
        one_off_cost_parts=outputs.one_off_cost_parts,
        care_cost_per_child_per_year=outputs.care_cost_per_child_per_year,
        smallest_count_shown=outputs.smallest_count_shown,
    )
    if not 0 < settings.confidence_level < 1:
        raise OutputSettingsError(f"{outputs.path}: {SECTION} -> confidence_level should be between 0 and 1, e.g. 0.95")
    return settings
