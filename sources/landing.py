"""Where extracts come from: the landing folder, or a reporting database per source.

A data officer points the pipeline at a landing folder (one sub-folder per source, see
shared/data-contract.md). Any source can instead be read with a SQL query from a
case-management reporting database, configured in a small YAML file:

    legal:
      url: postgresql+psycopg2://reporting@dbhost/lcs   # ${VAR} is replaced from the environment
      query: select * from care_proceedings_issued
"""

import os
from pathlib import Path

import dagster as dg
import yaml
from pydantic import Field

from sources.column_mapping import load_column_mappings
from sources.extract_files import ExtractError, ExtractFile, read_source_folder
from sources.layout import SourceLayout
from sources.sql_source import read_sql_extract


class LandingFolder(dg.ConfigurableResource):
    """The extracts for one trawl: a landing folder, a column mapping, optional SQL sources."""

    path: str = Field(description="Landing folder with legal/, court/, cafcass/, care_leavers/, case_file_review/.")
    column_mappings: str | None = Field(
        default=None, description="Column-mapping YAML; default config/column_mappings.yaml."
    )
    sql_sources: str | None = Field(
        default=None, description="YAML naming sources read by SQL query instead of files."
    )

    def read(self, source: SourceLayout) -> tuple[list[ExtractFile], list[str]]:
        """All extract files of one source (or its SQL query), plus the names of files skipped."""
        mappings = load_column_mappings(Path(self.column_mappings) if self.column_mappings else None)
        query = self._sql_sources().get(source.name)
        if query is not None:
            url = os.path.expandvars(query["url"])
            return [read_sql_extract(source, url, query["query"], mappings)], []
        return read_source_folder(Path(self.path), source, mappings)

    def _sql_sources(self) -> dict:
        if not self.sql_sources:
            return {}
        config_path = Path(self.sql_sources)
        try:
            config = yaml.safe_load(config_path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ExtractError(str(config_path), f"cannot read SQL sources file: {error}") from None
        for name, entry in config.items():
            if not isinstance(entry, dict) or not {"url", "query"} <= entry.keys():
                raise ExtractError(str(config_path), f"source '{name}' needs both 'url' and 'query'")
        return config
