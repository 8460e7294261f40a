"""Where a run writes files: published ones people read, and restricted ones with personal data.

`path` holds only disclosure-controlled, non-personal files (report, workbook, Data Docs).
`restricted_path` holds working files that must carry personal data (the linkage review queue)
and is for data officers only.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field


class OutputFolder(dg.ConfigurableResource):
    """A folder beside the warehouse; created on first use, readable by its owner only."""

    path: str = Field(description="Folder for published outputs (report, workbook, worklist, data docs).")
    restricted_path: str | None = Field(
        default=None,
        description="Folder for working files with personal data (data officers only); default: "
        "'restricted' beside the published folder.",
    )

    def folder(self, *parts: str) -> Path:
        return _make(Path(self.path, *parts))

    def restricted_folder(self, *parts: str) -> Path:
        base = Path(self.restricted_path) if self.restricted_path else Path(self.path).parent / "restricted"
        return _make(base.joinpath(*parts))


def _make(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    return target
