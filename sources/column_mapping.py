"""Match the headers of a local export to the canonical columns of sources/layout.py.

Local systems name their columns differently ('Case No', 'DOB', ...). The accepted names live in
config/column_mappings.yaml, so a data officer can add a local header without changing code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from openpyxl.utils import get_column_letter

from sources.extract_files import ExtractError
from sources.layout import SOURCES, SourceLayout

MAPPINGS_ENV_VAR = "TRAWL_COLUMN_MAPPINGS"
# Found next to the package rather than the working directory, so it works from any folder.
DEFAULT_MAPPINGS_PATH = Path(__file__).resolve().parent.parent / "config" / "column_mappings.yaml"

_SEPARATORS = re.compile(r"[\s_.\-]+")


class ColumnMappingError(Exception):
    """The mapping file itself is wrong: fix the file, not the extract."""


def normalise_header(header: str) -> str:
    """Compare headers as a person reads them: 'Child DOB', 'child_dob', 'CHILD-DOB' are one."""
    return _SEPARATORS.sub(" ", header.casefold()).strip()


@dataclass(frozen=True)
class ResolvedHeaders:
    """Which file column feeds each canonical column, and which headers were left out."""

    positions: dict[str, int]  # canonical column -> 0-based position in the file's header row
    unmapped_headers: list[str]


@dataclass(frozen=True)
class ColumnMappings:
    """The accepted headers of every source, as loaded by load_column_mappings()."""

    path: Path  # the file the aliases came from, named in errors so people know what to edit
    lookup: dict[str, dict[str, str]]  # source name -> normalised header -> canonical column

    def canonical_column(self, source: SourceLayout, header: str) -> str | None:
        return self.lookup[source.name].get(normalise_header(header))

    def resolve(
        self, source: SourceLayout, headers: Sequence[str | None], file_name: str
    ) -> ResolvedHeaders:
        """Map a header row (None = blank header) onto the source's canonical columns."""
        positions: dict[str, int] = {}
        unmapped: list[str] = []
        for position, header in enumerate(headers):
            if header is None:
                unmapped.append(f"(no header, column {get_column_letter(position + 1)})")
                continue
            canonical = self.canonical_column(source, header)
            if canonical is None:
                unmapped.append(header)
            elif canonical in positions:
                first = headers[positions[canonical]]
                raise ExtractError(
                    file_name,
                    f"headers '{first}' and '{header}' both mean {canonical}; "
                    "remove or rename one of them",
                    column=canonical,
                )
            else:
                positions[canonical] = position
        missing = [column for column in source.required if column not in positions]
        if missing:
            raise ExtractError(file_name, self._missing_reason(source, missing, headers, positions))
        return ResolvedHeaders(positions, unmapped)

    def _missing_reason(
        self,
        source: SourceLayout,
        missing: list[str],
        headers: Sequence[str | None],
        positions: dict[str, int],
    ) -> str:
        wanted = " or ".join(missing)
        advice = f"add the local header to the {wanted} list under '{source.name}:' in {self.path}"
        if not positions:
            # Nothing matched, so the "headers" may be a first row of data (an export without
            # a header row): listing them could put names and dates of birth into a log.
            return (
                f"required column(s) {', '.join(missing)} not found, and none of the "
                f"{len(headers)} headers is a known {source.name} column, so they are not shown "
                f"(they may be a row of personal data). If they are headers, {advice}"
            )
        found = ", ".join(f"'{header}'" for header in headers if header is not None)
        return (
            f"required column(s) {', '.join(missing)} not found; headers found: {found}. "
            f"If one of them is {wanted}, {advice}"
        )


def load_column_mappings(path: Path | None = None) -> ColumnMappings:
    """Read aliases from `path`, else the file named by TRAWL_COLUMN_MAPPINGS, else the repo's."""
    if path is None:
        path = Path(os.environ.get(MAPPINGS_ENV_VAR) or DEFAULT_MAPPINGS_PATH)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ColumnMappingError(f"cannot read column mappings {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ColumnMappingError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ColumnMappingError(f"{path} should list sources, e.g. 'court:', at the top level")
    unknown = sorted(str(name) for name in document if name not in SOURCES)
    if unknown:
        raise ColumnMappingError(
            f"{path}: unknown source(s) {', '.join(unknown)}; the sources are {', '.join(SOURCES)}"
        )
    lookup = {
        name: _source_lookup(layout, document.get(name) or {}, path)
        for name, layout in SOURCES.items()
    }
    return ColumnMappings(path, lookup)


def _source_lookup(layout: SourceLayout, aliases: object, path: Path) -> dict[str, str]:
    """Normalised header -> canonical column for one source, canonical names included."""
    if not isinstance(aliases, dict):
        raise ColumnMappingError(f"{path}: under {layout.name}, list columns, e.g. 'case_number:'")
    unknown = sorted(str(column) for column in aliases if column not in layout.columns)
    if unknown:
        raise ColumnMappingError(
            f"{path}: {layout.name} has no column(s) {', '.join(unknown)}; "
            f"its columns are {', '.join(layout.columns)}"
        )
    lookup: dict[str, str] = {}
    for canonical in layout.columns:
        headers = aliases.get(canonical) or []
        if not isinstance(headers, list):
            headers = [headers]
        for header in [canonical, *headers]:
            if not isinstance(header, str):
                raise ColumnMappingError(
                    f"{path}: under {layout.name} -> {canonical}, {header!r} is not text; "
                    "put it in quotes"
                )
            claimed_by = lookup.setdefault(normalise_header(header), canonical)
            if claimed_by != canonical:
                raise ColumnMappingError(
                    f"{path}: under {layout.name}, header '{header}' is listed for both "
                    f"{claimed_by} and {canonical}"
                )
    return lookup
