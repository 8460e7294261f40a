"""The linkage settings a data officer may tune (config/linkage.yaml) and the nickname table
(config/nicknames.yaml), read once per run so every run records exactly what it used."""

from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg
import yaml

from linkage.engines import EngineSettings, engine_settings

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
LINKAGE_CONFIG = CONFIG_DIR / "linkage.yaml"
NICKNAMES = CONFIG_DIR / "nicknames.yaml"


@dataclass(frozen=True)
class RoleSettings:
    match_threshold: float
    review_low: float
    review_high: float


@dataclass(frozen=True)
class LinkageSettings:
    issue_date_window_days: int
    mother_only_window_days: int
    mothers: RoleSettings
    fathers: RoleSettings
    seed: int
    u_max_pairs: int
    em_max_pairs: int
    deterministic_rules_recall: float
    min_training_pairs: int
    crowded_key_nodes: int
    review_max_pairs: int
    engine: EngineSettings = EngineSettings()

    def role(self, role: str) -> RoleSettings:
        return {"mother": self.mothers, "father": self.fathers}[role]

    def as_metadata(self) -> dict:
        """For the run's metadata: extra Spark properties by name only (they can hold credentials)."""
        metadata = asdict(self)
        metadata["engine"]["spark"]["conf"] = sorted(self.engine.spark.conf)
        return metadata


def _role(entry: dict, name: str) -> RoleSettings:
    low, high = entry["review_band"]
    if not 0 < low <= high <= 1:
        raise ValueError(f"config/linkage.yaml: people.{name}.review_band must be two probabilities, low first")
    return RoleSettings(match_threshold=float(entry["match_threshold"]), review_low=float(low), review_high=float(high))


def load_settings(path: Path = LINKAGE_CONFIG) -> LinkageSettings:
    config = yaml.safe_load(path.read_text())
    return LinkageSettings(
        issue_date_window_days=int(config["proceedings"]["issue_date_window_days"]),
        mother_only_window_days=int(config["proceedings"]["mother_only_window_days"]),
        mothers=_role(config["people"]["mothers"], "mothers"),
        fathers=_role(config["people"]["fathers"], "fathers"),
        seed=int(config["training"]["seed"]),
        u_max_pairs=int(config["training"]["u_max_pairs"]),
        em_max_pairs=int(config["training"]["em_max_pairs"]),
        deterministic_rules_recall=float(config["training"]["deterministic_rules_recall"]),
        min_training_pairs=int(config["training"].get("min_training_pairs", 10)),
        crowded_key_nodes=int((config.get("blocking") or {}).get("crowded_key_nodes", 10)),
        review_max_pairs=int(config["review"]["max_pairs"]),
        engine=engine_settings(config.get("engine")),
    )


def load_name_variants(path: Path = NICKNAMES) -> list[tuple[str, int]]:
    """(name key, group number) rows: two forenames are variants if they share a group."""
    config = yaml.safe_load(path.read_text())
    rows = []
    group = 0
    for section in ("women", "men", "children"):
        for names in config.get(section) or []:
            group += 1
            rows += [(name.lower(), group) for name in names]
    return sorted(set(rows))


class LinkageConfig(dg.ConfigurableResource):
    """The linkage settings file a run uses (config/linkage.yaml unless another is given, as
    `trawl run --linkage-config` or TRAWL_LINKAGE_CONFIG do), read afresh by each step."""

    path: str | None = None

    def settings(self) -> LinkageSettings:
        return load_settings(Path(self.path) if self.path else LINKAGE_CONFIG)
