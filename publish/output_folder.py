"""Where a run writes the files people read: report, workbook, worklist, Data Docs."""

from pathlib import Path

import dagster as dg
from pydantic import Field


class OutputFolder(dg.ConfigurableResource):
    """A folder beside the warehouse; created on first use, readable by its owner only."""

    path: str = Field(description="Folder for published outputs (report, workbook, worklist, data docs).")

    def folder(self, *parts: str) -> Path:
        target = Path(self.path, *parts)
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        return target
