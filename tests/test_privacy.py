"""No name or date of birth leaves the places meant for them.

The demo runs end to end on synthetic extracts with a SQLite-backed Dagster instance of its own.
Then every forename, surname and date of birth in the landing folder is looked for in everything
else the run wrote or said: the instance's files (run history, event log, SQLite databases), what
the CLI printed and logged, and every file in the published outputs folder (report, workbook,
Data Docs). Personal data may be only in the warehouse's personal schemas, the landing folder and
the restricted folder, and the files holding them are readable by their owner only.
"""

import datetime
import os
import re
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations
import pytest

from linkage.pseudonyms import KEY_FILE_VARIABLE, KEY_VARIABLE
from pipelines.cli import REPO_ROOT
from sources.landing import LandingFolder
from sources.layout import SOURCES

SHORTEST_NAME = 4  # shorter names (Lee, Amy, Kai) are too often part of other words
# Great Expectations' own fonts, images and styles, copied into Data Docs as they are: their bytes
# spell a few short names by chance ('Dave' in a GIF), and no data goes there.
LIBRARY_FILES = "data_docs/static"
# Text the outputs carry whatever the data, which can hold a synthetic name or date by chance:
# a cost figure's source names an MP ('Sarah'), a data-quality suite the date the Children Act came
# into force, and the Data Docs footer says 'Stay current'.
SHOWN_SETTINGS = (REPO_ROOT / "config" / "outputs.yaml", *(REPO_ROOT / "expectations" / "suites").glob("*.yaml"))
DATA_DOCS_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
WORD = r"[^\W\d_]+"
DATE = r"(?<!\d)(?:\d{4}-\d\d-\d\d|\d\d/\d\d/\d{4}|\d{1,2}-[A-Za-z]{3}-\d{4})(?!\d)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`trawl demo`, run as a data officer would, in a process of its own (it sets its own umask
    and environment): (demo folder, instance folder, everything it printed and logged)."""
    base = tmp_path_factory.mktemp("privacy")
    demo_dir, home = base / "demo", base / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home), KEY_VARIABLE: "privacy-test-key"}
    env.pop(KEY_FILE_VARIABLE, None)
    run = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "demo", "--mothers", "300", "--dir", str(demo_dir)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    printed = run.stdout + run.stderr
    assert run.returncode == 0, printed[-3000:]
    return demo_dir, home, printed


@dataclass
class PersonalValues:
    """What to look for: name words as written (and in capitals), each person's whole name in any
    case, and dates of birth in every way the extracts write dates."""

    words: set[str] = field(default_factory=set)  # title case; found as written or in capitals
    whole_names: set[tuple[str, str]] = field(default_factory=set)  # lower case, both orders
    dates_of_birth: set[str] = field(default_factory=set)  # upper case

    def found_in(self, text: str) -> set[str]:
        """The names and dates of birth in `text`, by its words, word pairs and date-like strings."""
        words = re.findall(WORD, text)
        found = {word for word in words if word in self.words or (word.isupper() and word.title() in self.words)}
        pairs = re.findall(rf"(?<![^\W\d_])(?=({WORD})[\W_]{{1,3}}({WORD}))", text.lower())
        found |= {" ".join(pair) for pair in pairs if pair in self.whole_names}
        found |= {date for date in map(str.upper, re.findall(DATE, text)) if date in self.dates_of_birth}
        return found


def personal_values(landing: Path) -> PersonalValues:
    """Every name and date of birth in the landing folder's extracts."""
    found = PersonalValues()
    folder = LandingFolder(path=str(landing))
    for layout in SOURCES.values():
        extracts, _ = folder.read(layout)
        people = _name_columns(layout.columns)
        for extract in extracts:
            for record in extract.rows.to_dict("records"):
                for columns in people:
                    words = [word for column in columns for word in _words(record[column])]
                    found.words.update(word.title() for word in words if len(word) >= SHORTEST_NAME)
                    found.whole_names.update((a.lower(), b.lower()) for a in words for b in words if a != b)
                for column in layout.columns:
                    if column.endswith("dob") and isinstance(record[column], str):
                        found.dates_of_birth.update(_date_spellings(record[column]))
    return found


def _name_columns(columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Columns naming one person together: child_forename + child_surname, or a whole-name column."""
    people: dict[str, list[str]] = {}
    for column in columns:
        for ending in ("forename", "surname", "former_surname", "name"):
            if column.endswith(ending):
                people.setdefault(column.removesuffix(ending).removesuffix("former_"), []).append(column)
                break
    return [tuple(group) for group in people.values()]


def _words(text: object) -> list[str]:
    return re.findall(WORD, text) if isinstance(text, str) else []


def _date_spellings(text: str) -> set[str]:
    """A date as YYYY-MM-DD, DD/MM/YYYY and D-MON-YYYY, whichever way it was written."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y"):
        try:
            day = datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        return {day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day}-{day:%b}-{day.year}".upper()}
    return set()  # unreadable (quarantined): not a date of birth anyone could read


def readable_text(path: Path) -> str:
    """A file's text as a search sees it: a workbook's XML parts, a database's bytes as text."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def fixed_text(warehouse: Path) -> str:
    """Text the run writes whatever the data: the settings shown in the report and Data Docs, the
    Data Docs templates, and the dates the run states on purpose (extract end date, trawl window)."""
    files = [*SHOWN_SETTINGS, *(path for path in DATA_DOCS_TEMPLATES.rglob("*") if path.is_file())]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        dates = conn.execute("select extract_end_date, window_start, window_end from marts.trawl_window").fetchall()[0]
    return "\n".join([*(path.read_text(errors="replace") for path in files), *(str(day) for day in dates if day)])


def leaks(values: PersonalValues, places: dict[str, str], fixed: str = "") -> dict[str, list[str]]:
    """{place: the names and dates of birth found there}, leaving out those in `fixed` text."""
    expected = values.found_in(fixed)
    found = {place: sorted(values.found_in(text) - expected) for place, text in places.items()}
    return {place: hits for place, hits in found.items() if hits}


def test_the_demo_gives_names_and_dates_of_birth_to_look_for(demo):
    demo_dir, _, _ = demo
    values = personal_values(demo_dir / "landing")
    assert len(values.words) > 100 and len(values.whole_names) > 1000
    assert len(values.dates_of_birth) > 3000  # about 1,000 people, each date spelled three ways
    first, last = next(iter(values.whole_names))
    date = next(iter(values.dates_of_birth))
    assert {f"{last} {first}", date} <= values.found_in(f"Respondent: {last.upper()}, {first} ({date.lower()})")


def test_no_name_or_date_of_birth_outside_the_personal_places(demo):
    demo_dir, home, printed = demo
    published = demo_dir / "outputs"
    places = {"what the CLI printed and logged": printed}
    for folder in (home, published):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and LIBRARY_FILES not in path.as_posix():
                places[str(path.relative_to(demo_dir.parent))] = readable_text(path)
    assert {"report.html", "trawl_tables.xlsx", "index.html"} <= {Path(place).name for place in places}
    assert any(place.endswith(".db") for place in places), "the run history is in SQLite files"
    fixed = fixed_text(demo_dir / "trawl.duckdb")
    assert leaks(personal_values(demo_dir / "landing"), places, fixed) == {}


def test_files_with_personal_data_are_readable_by_their_owner_only(demo):
    """The warehouse, the restricted folder and the run history (the CLI sets umask 0o077).
    The demo's pseudonym key comes from the environment, so there is no key file to check."""
    demo_dir, home, _ = demo
    personal = [demo_dir / "trawl.duckdb", *(demo_dir / "restricted").rglob("*"), *home.rglob("*")]
    assert personal[0].exists()
    too_open = [str(path) for path in personal if stat.S_IMODE(path.stat().st_mode) & 0o077]
    assert too_open == []
