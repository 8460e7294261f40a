"""The synthetic extracts: reproducible, as messy as the contract promises, and truth that adds up."""

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from sources import synth
from sources.layout import SOURCES

MOTHERS = 2500
SOURCE_NAMES = ("legal", "court", "cafcass", "care_leavers", "case_file_review")
LEGAL_TAIL = SOURCES["legal"].columns[3:]  # after the three columns the local list renames


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(scope="module")
def summary(landing) -> dict:
    messages = []
    result = synth.generate(landing, MOTHERS, seed=1, progress=messages.append)
    assert messages[0] == "mothers simulated" and "writing court" in messages
    return result


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> list[dict]:
    """Rows under canonical column names, values as written (xlsx dates stay dates)."""
    spec = next(s for s in synth.FILES[path.parent.name] if s.name == path.name)
    canonical = {local: column for column, local in spec.headers.items()}
    if spec.encoding == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode(spec.encoding), newline="")))
    header = [canonical.get(h, h) for h in rows[0]]
    return [dict(zip(header, row)) for row in rows[1:]]


def all_rows(landing: Path, source: str) -> list[dict]:
    return [row for path in sorted((landing / source).iterdir()) for row in read_rows(path)]


def truth(landing: Path, name: str) -> list[dict]:
    with open(landing / "truth" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_gives_identical_bytes(landing, summary, tmp_path):
    again = synth.generate(tmp_path, MOTHERS, seed=1)
    assert again == summary
    assert file_hashes(tmp_path) == file_hashes(landing)
    other_seed = tmp_path / "other"
    synth.generate(other_seed, MOTHERS, seed=2)
    court_file = "court/court_2008_2016.csv"
    assert file_hashes(other_seed)[court_file] != file_hashes(landing)[court_file]


def test_five_sources_in_mixed_encodings_and_formats(landing, summary):
    for source in SOURCE_NAMES:
        encodings = set()
        for spec in synth.FILES[source]:
            data = (landing / source / spec.name).read_bytes()
            encodings.add(spec.encoding)
            if spec.encoding == "utf-8-sig":
                assert data.startswith(codecs.BOM_UTF8)
            elif spec.encoding == "utf-8":
                assert not data.startswith(codecs.BOM_UTF8)
                data.decode("utf-8")
            elif spec.encoding == "cp1252":
                # Accented names survive as single Windows-1252 bytes, which are not valid UTF-8.
                text = data.decode("cp1252")
                assert re.search("[éëâáüñú]", text)
                with pytest.raises(UnicodeDecodeError):
                    data.decode("utf-8")
        assert {"utf-8", "utf-8-sig", "cp1252"} <= encodings, source
    assert any(s.encoding == "xlsx" for s in synth.FILES["legal"])
    assert any(s.encoding == "xlsx" for s in synth.FILES["care_leavers"])


def test_xlsx_files_hold_real_date_cells(landing, summary):
    for source in ("legal", "care_leavers"):
        path = next((landing / source).glob("*.xlsx"))
        rows = read_rows(path)
        assert rows
        layout = SOURCES[source]
        first_date = layout.date_columns[0] if source == "legal" else "date_entered_care"
        cells = [row[first_date] for row in rows]
        assert sum(isinstance(c, dt.datetime) for c in cells) > 0.95 * len(cells)
        # The few that are not dates are the deliberately impossible ones, written as text.
        assert all(isinstance(c, dt.datetime) or re.fullmatch(r"\d\d/\d\d/\d{4}", c) or c == ""
                   for c in cells)


def test_local_headers_and_date_styles(landing, summary):
    court_headers = [
        next(csv.reader(io.StringIO((landing / "court" / s.name).read_bytes().decode(s.encoding))))
        for s in synth.FILES["court"]
    ]
    assert any(h[:5] == ["Case No", "Court Name", "Date Issued", "Application", "Applicant LA"]
               and h[-2:] == ["Outcome", "Outcome Date"] for h in court_headers)
    assert any(h == list(SOURCES["court"].columns) for h in court_headers)
    legal = [s for s in synth.FILES["legal"] if s.encoding != "xlsx"]
    legal_headers = [
        next(csv.reader(io.StringIO((landing / "legal" / s.name).read_bytes().decode(s.encoding))))
        for s in legal
    ]
    assert any(h[:3] == ["Legal Ref", "Court Case No", "Date of Issue"] and h[3:] == list(LEGAL_TAIL)
               for h in legal_headers)

    issue_dates = {s.name: [r["issue_date"] for r in read_rows(landing / "legal" / s.name)] for s in legal}
    assert any(all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates if d) for dates in issue_dates.values())
    assert any(all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates if d) for dates in issue_dates.values())
    court_dates = [r["issue_date"] for r in all_rows(landing, "court") if r["issue_date"]]
    assert sum(bool(re.fullmatch(r"\d{1,2}-[A-Z]{3}-\d{4}", d)) for d in court_dates) == len(court_dates)
    assert any(re.fullmatch(r"\d-[A-Z]{3}-\d{4}", d) for d in court_dates)  # 5-MAR-2019, no leading zero


def test_truth_figures_near_published_targets(landing, summary):
    assert summary["mothers"] == MOTHERS
    assert json.loads((landing / "truth" / "summary.json").read_text()) == summary
    returns = summary["return_within_7_years"]
    assert returns["all"] == pytest.approx(0.25, abs=0.04)
    assert returns["under_20_at_first_set"] == pytest.approx(0.33, abs=0.07)
    assert summary["recurrent_set_share"] == pytest.approx(0.33, abs=0.05)
    assert summary["recurrent_sets_with_baby_under_4_weeks_share"] == pytest.approx(0.60, abs=0.07)
    assert (summary["first_sets_with_baby_under_4_weeks_share"]
            < summary["recurrent_sets_with_baby_under_4_weeks_share"])
    assert summary["recurrent_mothers_in_care_as_child_share"] == pytest.approx(0.40, abs=0.07)
    assert 22 <= summary["age_at_first_set_median"] <= 26
    assert 0.13 <= summary["under_20_at_first_set_share"] <= 0.22
    assert summary["sibling_set_share"] == pytest.approx(0.30, abs=0.06)
    assert summary["court_non_s31_row_share"] == pytest.approx(0.15, abs=0.04)
    by_sets = summary["mothers_by_number_of_sets"]
    assert all(by_sets.get(str(n), 0) > 0 for n in (1, 2, 3, 4, 5))
    assert 0.01 < summary["sets_in_neighbouring_la"] / summary["s31_sets"] < 0.06

    mothers = truth(landing, "mothers.csv")
    assert len(mothers) == MOTHERS
    assert sum(int(m["s31_sets"]) for m in mothers) == summary["s31_sets"]
    assert all((int(m["age_at_first_set"]) < 20) == (m["teen_at_first_set"] == "true") for m in mothers)


def test_every_s31_row_and_parent_record_is_in_truth(landing, summary):
    proceedings = {(p["source"], p["source_case_ref"]): p for p in truth(landing, "proceedings.csv")}
    records = {(r["source"], r["source_case_ref"], r["role"], r["person_ref"]): r["true_person_id"]
               for r in truth(landing, "person_records.csv")}

    for row in all_rows(landing, "legal"):
        assert proceedings[("legal", row["legal_ref"])]["is_s31"] == "true"
        assert ("legal", row["legal_ref"], "mother", "mother") in records
        if row["father_forename"]:
            assert ("legal", row["legal_ref"], "father", "father") in records
    court_s31 = 0
    for row in all_rows(landing, "court"):
        s31 = "31" in row["application_type"]
        court_s31 += s31
        if row["application_type"]:
            assert proceedings[("court", row["case_number"])]["is_s31"] == ("true" if s31 else "false")
        for slot in (1, 2):
            relationship = row[f"respondent_{slot}_relationship"].lower()
            if relationship:
                role = relationship if relationship in ("mother", "father") else "other"
                assert ("court", row["case_number"], role, f"respondent_{slot}") in records
    assert court_s31 > 0
    for row in all_rows(landing, "cafcass"):
        if row["application_type"]:
            s31 = row["application_type"].startswith("s31")
            assert proceedings[("cafcass", row["case_id"])]["is_s31"] == ("true" if s31 else "false")
        if row["role"] in ("mother", "father", "other"):
            assert ("cafcass", row["case_id"], row["role"], row["person_id"]) in records
    for row in all_rows(landing, "care_leavers"):
        assert ("care_leavers", row["la_person_id"], "other", row["la_person_id"]) in records
    for row in all_rows(landing, "case_file_review"):
        assert records[("case_file_review", row["review_id"], "mother", row["review_id"])].startswith("M")

    # Children are keyed by position in the case, never by name or date of birth.
    children = [key for key in records if key[2] == "child"]
    assert children and all(re.fullmatch(r"child:\d+", key[3]) for key in children)
    # Every set is somewhere, and the same set carries one true id across sources.
    s31_sets = {p["true_set_id"] for p in proceedings.values() if p["is_s31"] == "true"}
    assert len(s31_sets) == summary["s31_sets"]


def test_noise_a_linker_must_survive(landing, summary):
    records = truth(landing, "person_records.csv")
    true_id = {(r["source"], r["source_case_ref"], r["person_ref"]): r["true_person_id"] for r in records}

    # Different women share forename, surname and birth year.
    women = defaultdict(set)
    for row in all_rows(landing, "cafcass"):
        if row["role"] == "mother" and row["dob"] and row["dob"][-4:].isdigit():
            women[(row["forename"], row["surname"], row["dob"][-4:])].add(
                true_id[("cafcass", row["case_id"], row["person_id"])])
    assert sum(len(ids) > 1 for ids in women.values()) >= 3

    # Some mothers carry two Cafcass person ids.
    cafcass_ids = defaultdict(set)
    for r in records:
        if r["source"] == "cafcass" and r["role"] == "mother":
            cafcass_ids[r["true_person_id"]].add(r["person_ref"])
    assert sum(len(ids) == 2 for ids in cafcass_ids.values()) >= 10

    # Court numbers in the legal list: often blank, sometimes mistyped, sometimes in the ref itself.
    court_numbers = {r["case_number"] for r in all_rows(landing, "court")}
    legal = all_rows(landing, "legal")
    filled = [r["court_case_no"] for r in legal if r["court_case_no"]]
    assert 0.5 < len(filled) / len(legal) < 0.7
    assert 0 < sum(n not in court_numbers for n in filled) < 0.08 * len(filled)
    assert any(r["legal_ref"].startswith("LGL/") for r in legal)

    noise = summary["sources"]
    for source in ("legal", "court", "cafcass"):
        for label in ("forename_variant", "forename_typo", "surname_typo", "dob_missing",
                      "dob_day_month_swapped"):
            assert noise[source]["noise"].get(label, 0) > 0, (source, label)
    assert summary["sets_with_surname_change_share_of_later_sets"] == pytest.approx(0.15, abs=0.05)
    applications = {r["application_type"] for r in all_rows(landing, "court")}
    assert {"C100 child arrangements", "C110A EPO"} <= applications


def test_overlapping_files_repeat_rows_identically(landing, summary):
    early, late = (read_rows(landing / "court" / s.name) for s in synth.FILES["court"][:2])
    in_2015 = [r for r in early if r["issue_date"].endswith("2015")]
    assert in_2015 and all(r in late for r in in_2015[:200])


def test_care_leavers_and_case_file_reviews_agree_with_truth(landing, summary):
    mothers = {m["true_person_id"]: m for m in truth(landing, "mothers.csv")}
    records = truth(landing, "person_records.csv")
    leavers = [r["true_person_id"] for r in records if r["source"] == "care_leavers"]
    in_care = {m for m, row in mothers.items() if row["in_care_as_child"] == "true"}
    assert in_care == {p for p in leavers if p.startswith("M")}
    distractors = [p for p in leavers if not p.startswith("M")]
    assert len(distractors) == pytest.approx(2 * len(in_care), rel=0.05)
    assert any(r["former_surname"] for r in all_rows(landing, "care_leavers"))

    reviewed = {r["source_case_ref"]: r["true_person_id"] for r in records if r["source"] == "case_file_review"}
    recurrent = {m for m, row in mothers.items() if int(row["s31_sets"]) > 1}
    assert set(reviewed.values()) <= recurrent
    assert len(reviewed) == pytest.approx(0.3 * len(recurrent), rel=0.2)
    reasons = {"neglect", "emotional abuse", "physical abuse", "sexual abuse", "domestic abuse exposure",
               "parental substance misuse", "parental mental health", "other"}
    for form in all_rows(landing, "case_file_review"):
        assert form["person_key"] == ""
        assert set(form["removal_reasons"].split(";")) <= reasons
        if form["in_care_as_child"] != "unknown":
            truth_answer = mothers[reviewed[form["review_id"]]]["in_care_as_child"] == "true"
            assert (form["in_care_as_child"] == "yes") == truth_answer


def test_unreadable_rows_in_every_source(landing, summary):
    listed = truth(landing, "unreadable_rows.csv")
    for source in SOURCE_NAMES:
        counted = summary["sources"][source]["unreadable_rows"]
        assert counted > 0, source
        assert counted == sum(r["source"] == source for r in listed)
        assert counted < 0.03 * summary["sources"][source]["rows_written"]
    assert {r["problem"] for r in listed} == {"impossible date", "blank required value"}
    # Each listed row really is unreadable where the truth says.
    by_file = defaultdict(dict)
    for r in listed:
        by_file[r["file_name"]][int(r["row_number"])] = r
    for file_name, problems in by_file.items():
        rows = read_rows(landing / file_name)
        for row_number, problem in problems.items():
            value = rows[row_number - 2][problem["column"]]  # the header is row 1
            if problem["problem"] == "blank required value":
                assert value == ""
            else:
                assert isinstance(value, str) and value
                with pytest.raises(ValueError):
                    parse_any_date(value)


def parse_any_date(text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y"):
        try:
            return dt.datetime.strptime(text.title() if pattern == "%d-%b-%Y" else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def test_regional_extracts_have_each_authority_and_women_who_move(tmp_path):
    summary = synth.generate(tmp_path, 400, seed=5, authorities=3)
    region = [authority.code for authority in synth.LOCAL_AUTHORITIES[:3]]
    assert summary["la_codes"][:3] == region
    assert all(summary["s31_sets_by_la_code"][code] > 100 for code in region)
    mother_of = {row["source_case_ref"]: row["true_mother_id"] for row in truth(tmp_path, "proceedings.csv")}
    authorities_of = defaultdict(set)
    for row in all_rows(tmp_path, "legal"):
        if row["la_code"] in region:
            authorities_of[mother_of[row["legal_ref"]]].add(row["la_code"])
    moved = sum(len(codes) > 1 for codes in authorities_of.values())
    assert 0.02 < moved / len(authorities_of) < 0.2
    with pytest.raises(ValueError):
        synth.generate(tmp_path, 10, authorities=len(synth.LOCAL_AUTHORITIES))


def test_pre_proceedings_truth_counts_each_parents_earlier_sets(landing, summary):
    """Each parent's true earlier sets are her (his) s31 sets issued before the case started."""
    starts = {}
    for row in all_rows(landing, "pre_proceedings"):
        start = row["start_date"]
        if isinstance(start, str):
            try:
                start = parse_any_date(start)
            except ValueError:  # made unreadable on purpose
                continue
        starts[row["pre_proceedings_ref"]] = start.date() if isinstance(start, dt.datetime) else start
    issued = defaultdict(set)
    for row in truth(landing, "proceedings.csv"):
        if row["is_s31"] == "true":
            issued[row["true_mother_id"]].add((row["true_set_id"], dt.date.fromisoformat(row["issue_date"])))
    parents = truth(landing, "pre_proceedings.csv")
    mothers = [p for p in parents if p["role"] == "mother"]
    assert len(mothers) == summary["sources"]["pre_proceedings"]["cases"] == pytest.approx(0.1 * MOTHERS, rel=0.05)
    kinds = {p["true_person_id"][0] for p in mothers}
    assert kinds == {"M", "P", "N"}  # study mothers, care leavers never in proceedings, newcomers
    with_history = 0
    for mother in mothers:
        if mother["pre_proceedings_ref"] not in starts:
            continue
        earlier = [d for _, d in issued[mother["true_person_id"]] if d < starts[mother["pre_proceedings_ref"]]]
        assert int(mother["true_earlier_sets"]) == len(earlier)
        assert mother["true_last_set_issue_date"] == (max(earlier).isoformat() if earlier else "")
        with_history += bool(earlier)
    assert 0.3 < with_history / len(mothers) < 0.6
    fathers = [p for p in parents if p["role"] == "father"]
    assert any(int(f["true_earlier_sets"]) > 0 for f in fathers)
    assert {r["stage"] for r in all_rows(landing, "pre_proceedings")} >= {"PLO", "Pre-birth"}


def test_ocr_noise_model_writes_other_mistakes(landing, summary, tmp_path):
    """`--noise ocr` writes the same people and sets with other mistakes: names misread anywhere,
    date digits misread, names swapped, forenames blank; no nicknames or day/month swaps."""
    ocr = synth.generate(tmp_path / "ocr", 400, seed=1, noise="ocr")
    clerical = synth.generate(tmp_path / "clerical", 400, seed=1)
    assert ocr["noise_model"] == "ocr" and summary["noise_model"] == "clerical"
    labels = {label for source in ocr["sources"].values() for label in source["noise"]}
    assert {"forename_misread", "surname_misread", "names_swapped", "forename_blank", "dob_digit_misread",
            "dob_year_off_by_one"} <= labels
    assert not labels & {"forename_variant", "surname_variant", "dob_day_month_swapped", "forename_typo"}
    # The same population and sets, written differently.
    assert (tmp_path / "ocr" / "truth" / "proceedings.csv").read_bytes() == \
        (tmp_path / "clerical" / "truth" / "proceedings.csv").read_bytes()
    assert file_hashes(tmp_path / "ocr")["legal/" + sorted(p.name for p in (tmp_path / "ocr" / "legal").iterdir())[0]] \
        != file_hashes(tmp_path / "clerical")["legal/" + sorted(p.name for p in (tmp_path / "clerical" / "legal").iterdir())[0]]
    with pytest.raises(ValueError, match="noise must be one of"):
        synth.generate(tmp_path / "bad", 10, noise="shouting")
