"""Synthetic landing-folder extracts for trawl, and the truth behind them.

Linkage and the recurrence measures can only be checked against a population whose answers are
known. `generate` simulates mothers and their section 31 sets of care proceedings, calibrated to
published figures (about 1 in 4 mothers return within 7 years, 1 in 3 of those under 20 at their
first set; about 1 in 3 sets concern a returning mother), then writes them as the five sources of
shared/data-contract.md with the slips real extracts carry, plus truth files that say who is who.

Draws come from numpy Generators seeded from (seed, stage name), so a run is byte-identical for
the same (mothers, seed) and changing one stage does not reshuffle the others. The population is
drawn with vector operations; rows are written in plain loops that stream straight to disk.

True person ids: `M` a mother with at least one s31 set, `F` a man named as father in one,
`C` a child in any case, `P` anyone else (relatives, private-law-only parents, care leavers who
never appear in proceedings).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from sources.layout import CAFCASS, CARE_LEAVERS, CASE_FILE_REVIEW, COURT, LEGAL, SourceLayout

# --- Study window and places --------------------------------------------------------------------

DAYS_PER_YEAR = 365.25
WINDOW_START = date(2008, 4, 1)
EXTRACT_END = date(2025, 3, 31)
LEGAL_LIST_START = date(2014, 4, 1)  # the legal department's current system replaced the old one
RETURN_HORIZON_YEARS = 7


@dataclass(frozen=True)
class LocalAuthority:
    code: str
    name: str
    postcode_districts: tuple[str, ...]
    courts: tuple[tuple[str, float], ...]  # (court code, share of this authority's cases)


HOME_LA = LocalAuthority(
    "E06000009", "Blackpool Council",
    ("FY1", "FY2", "FY3", "FY4", "FY5", "FY8"),
    (("BL", 0.82), ("PR", 0.15), ("LV", 0.03)),
)
NEIGHBOUR_LA = LocalAuthority(
    "E10000017", "Lancashire County Council",
    ("FY6", "FY7", "PR1", "PR2", "LA1", "LA3", "LA4"),
    (("PR", 0.7), ("LC", 0.3)),
)
LOCAL_AUTHORITIES = (HOME_LA, NEIGHBOUR_LA)
COURT_NAMES = {
    "BL": "Blackpool Family Court", "PR": "Preston Family Court",
    "LV": "Liverpool Family Court", "LC": "Lancaster Family Court",
}
COURT_CODES = tuple(COURT_NAMES)

# --- The population ------------------------------------------------------------------------------

FIRST_SET_AGE_MIN = 14.0
FIRST_SET_AGE_GAMMA = (4.37, 2.48)  # shape, scale in years above the minimum: median ~24, ~17% < 20
FIRST_SET_AGE_MAX = 44.0
TEEN_BELOW_AGE = 20
# Applications rose for a few years after 2008 (the Baby P effect), then levelled off.
FIRST_SET_RAMP_YEARS = 4
FIRST_SET_RAMP_START_WEIGHT = 0.6

# Chance of a further set after a mother's first set (by teen at first set), before censoring...
RETURN_AFTER_FIRST_SET = {True: 0.36, False: 0.255}
# ...and after her 2nd, 3rd, 4th, 5th set: a mother who has returned once often returns again.
RETURN_AFTER_LATER_SET = (0.50, 0.45, 0.40, 0.30)
MAX_SETS_PER_MOTHER = 2 + len(RETURN_AFTER_LATER_SET)
GAP_MIN_YEARS = 0.5  # a new pregnancy: no further set within six months
GAP_LOGNORMAL_MEDIAN_YEARS = 1.3  # added to the minimum
GAP_LOGNORMAL_SIGMA = 0.8
MAX_MOTHER_AGE_AT_SET = 46

SET_CHILDREN_WEIGHTS = {1: 0.70, 2: 0.17, 3: 0.09, 4: 0.04}  # ~30% sibling sets
BABY_UNDER_4_WEEKS_RATE = {"first": 0.25, "recurrent": 0.62}  # youngest child born < 28 days before issue
MIN_MOTHER_AGE_AT_BIRTH = 13
OLDEST_CHILD_AGE_YEARS = 15
SIBLING_SPACING_DAYS = (330, 1300)
CHILD_MIDDLE_NAME_RATE = 0.5
ADULT_MIDDLE_NAME_RATE = 0.4
CHILD_TAKES_FATHER_SURNAME_RATE = 0.35

FATHER_NAMED_RATE = 0.8
SAME_FATHER_AS_LAST_SET_RATE = 0.35
FATHER_AGE_GAP_YEARS = (3.0, 4.5)  # mean, sd of father's age minus mother's

SURNAME_NOT_BIRTH_AT_FIRST_SET_RATE = 0.2
SURNAME_CHANGE_AT_LATER_SET_RATE = 0.15
NEW_SURNAME_IS_FATHERS_RATE = 0.5
POSTCODE_MOVE_BETWEEN_SETS_RATE = 0.25
NEIGHBOUR_LA_SET_RATE = 0.03

# Drawn after the sets, so the published shares hold exactly in expectation.
IN_CARE_AS_CHILD_RATE = {"recurrent": 0.40, "single_set": 0.22}

S31_SUPERVISION_RATE = 0.15
EPO_BEFORE_S31_RATE = 0.07  # an emergency protection order a few days before the s31 application
EPO_DAYS_BEFORE = (0, 10)
PRIVATE_LAW_CASES_PER_S31_SET = 0.065
PRIVATE_LAW_KNOWN_MOTHER_RATE = 0.35  # private-law mother is one of the study mothers
PRIVATE_LAW_FATHER_FROM_HER_SETS_RATE = 0.5
PRIVATE_LAW_CHILDREN_WEIGHTS = {1: 0.6, 2: 0.3, 3: 0.1}
PRIVATE_LAW_FATHER_RATE = 0.9

RELATIVE_IN_COURT_WHEN_NO_FATHER_RATE = 0.25  # a grandmother or aunt fills the second respondent slot
RELATIVE_IN_CAFCASS_RATE = 0.05
RELATIVE_LABELS = {"maternal grandmother": 0.35, "grandmother": 0.35, "aunt": 0.30}

# (name, weight); outcome weeks after issue (later than the extract end = still pending).
S31_OUTCOMES = {
    "care order": 0.38, "placement order": 0.20, "special guardianship order": 0.16,
    "supervision order": 0.12, "child arrangements order": 0.07, "no order": 0.04, "withdrawn": 0.03,
}
EPO_OUTCOMES = {"emergency protection order": 0.85, "no order": 0.15}
PRIVATE_LAW_OUTCOMES = {"child arrangements order": 0.6, "no order": 0.2, "withdrawn": 0.2}
CHILD_REMOVED_OUTCOMES = ("care order", "placement order", "special guardianship order")
OUTCOME_WEEKS_AFTER_ISSUE = {"s31": (26, 60), "epo": (0, 1), "private_law": (10, 40)}

CARE_LEAVER_DISTRACTORS_PER_MOTHER = 2.0  # care leavers who never appear in proceedings
CARE_LEAVER_DISTRACTOR_FEMALE_RATE = 0.65
CARE_LEAVER_SURNAME_CHANGED_RATE = 0.3  # distractor women now known by another surname
CARE_LEAVER_NEIGHBOUR_LA_RATE = 0.03
ENTERED_CARE_AGE_BANDS = {(0, 5): 0.3, (5, 12): 0.3, (12, 17): 0.4}  # years, weight
LEFT_CARE = {"at_18": 0.7, "went_home": 0.2, "at_16_17": 0.1}
PLACEMENT_MOVES_NEGATIVE_BINOMIAL = (2, 0.35)  # plus one: every care leaver had a first placement

# --- What each source records --------------------------------------------------------------------

COURT_MISSES_S31_SET_RATE = 0.02  # e.g. heard in a court whose list was not extracted
CAFCASS_MISSES_S31_SET_RATE = 0.03
PRIVATE_LAW_IN_COURT_RATE = 0.9
PRIVATE_LAW_IN_CAFCASS_RATE = 0.85
LEGAL_REF_IS_COURT_NUMBER_RATE = 0.10  # 'LGL/LV19C00142'
LEGAL_COURT_NUMBER_FILLED_RATE = 0.60
COURT_NUMBER_MISTYPED_RATE = 0.03  # of filled court numbers in the legal list
LEGAL_RECORDS_FATHER_RATE = 0.9
COURT_LISTS_FATHER_RATE = 0.92
CAFCASS_RECORDS_FATHER_RATE = 0.9
COURT_MOTHER_IN_FIRST_SLOT_RATE = 0.7
COURT_RELATIONSHIP_CAPITALISED_RATE = 0.2
CAFCASS_DATE_LAG_RATE = 0.15  # application logged 1-3 days after issue
CAFCASS_SECOND_ID_RATE = 0.04  # at each later case, a mother may get a duplicate person record
CAFCASS_FATHER_SHARES_POSTCODE_RATE = 0.4
POSTCODE_BLANK_RATE = 0.05
SEX_BLANK_RATE = 0.02
COURT_NAME_STYLES = {"forename_surname": 0.6, "with_middle": 0.2, "surname_first": 0.2}

# --- Slips in the records ------------------------------------------------------------------------

FORENAME_VARIANT_RATE = 0.12  # of records of a person whose name has variants (Liz for Elizabeth)
SURNAME_VARIANT_RATE = 0.05  # O'Neill as ONeill, Smith-Jones as Jones
NAME_TYPO_RATE = 0.015  # per name field
CHILD_NAME_NOISE_FACTOR = 0.3  # children's names are copied from birth certificates
DOB_DAY_MONTH_SWAP_RATE = 0.055  # of records whose dob has day <= 12 (~2% of all records)
DOB_MISSING_RATE = {"legal": 0.06, "court": 0.12, "cafcass": 0.05, "care_leavers": 0.01,
                    "case_file_review": 0.03}
FATHER_DOB_MISSING_FACTOR = 1.5
CHILD_DOB_MISSING_RATE = 0.01
UNREADABLE_ROW_RATE = 0.004
UNREADABLE_BLANK_SHARE = 0.4  # the rest are impossible dates
# Required columns that may be blanked; a case reference is never blanked, so truth keys hold.
BLANKABLE_REQUIRED = {
    "legal": ("issue_date",), "court": ("issue_date", "application_type"),
    "cafcass": ("application_date", "application_type", "role"),
    "care_leavers": (), "case_file_review": (),
}
IMPOSSIBLE_DAY_MONTH = ((31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11))

# --- The manual trawl ----------------------------------------------------------------------------

CASE_FILE_REVIEW_SAMPLE_RATE = 0.30  # of recurrent mothers
REVIEW_PERIOD = (date(2023, 10, 1), EXTRACT_END)
REVIEWERS = ("JH", "AK", "SP", "RM", "LT", "DW")
REVIEW_UNKNOWN_IN_CARE_RATE = 0.08
REVIEW_ANSWERS = {
    "mental_health": {"yes": 0.62, "no": 0.28, "unknown": 0.10},
    "domestic_abuse": {"yes": 0.68, "no": 0.22, "unknown": 0.10},
    "learning_disability": {"yes": 0.20, "no": 0.65, "unknown": 0.15},
    "substance_misuse": {"drugs": 0.25, "alcohol": 0.15, "both": 0.15, "none": 0.35, "unknown": 0.10},
}
REVIEW_EXTRA_REMOVAL_RATE = 0.1  # a child removed in another area, found only in the file
REVIEW_EARLIER_PREGNANCY_RATE = 0.15
REVIEW_AGE_AT_FIRST_PREGNANCY_BLANK_RATE = 0.1
REMOVAL_REASON_RATES = {"neglect": 0.75, "emotional abuse": 0.4, "physical abuse": 0.2,
                        "sexual abuse": 0.05, "other": 0.05}
REASON_FROM_ANSWER_RATE = 0.85  # a 'yes' answer usually shows up among the removal reasons

# --- Names ---------------------------------------------------------------------------------------
# Small pools on purpose, listed most common first: different women share a name and birth year.

WOMEN_FORENAMES = (
    "Sarah", "Emma", "Laura", "Gemma", "Rebecca", "Amy", "Jessica", "Samantha", "Kelly", "Stacey",
    "Lisa", "Leanne", "Nicola", "Hayley", "Danielle", "Jade", "Charlotte", "Rachel", "Louise",
    "Michelle", "Victoria", "Stephanie", "Elizabeth", "Catherine", "Kayleigh", "Jennifer",
    "Natasha", "Chloe", "Shannon", "Megan", "Paige", "Courtney", "Chelsea", "Kirsty", "Donna",
    "Joanne", "Tracey", "Claire", "Hannah", "Abbie", "Jodie", "Lindsey", "Kimberley", "Amanda",
    "Toni", "Jayne", "Ann-Marie", "Bethany", "Holly", "Sophie", "Lauren", "Kerry", "Carly",
    "Zoë", "Siân", "Chloé", "Niamh", "Siobhán", "Renée", "Aimée",
)
MEN_FORENAMES = (
    "Michael", "Christopher", "Daniel", "Anthony", "James", "David", "Robert", "Matthew", "Thomas",
    "Steven", "Jonathan", "Lee", "Nathan", "William", "Paul", "Mark", "Craig", "Darren", "Ryan",
    "Jamie", "Liam", "Kyle", "Dean", "Wayne", "Scott", "Carl", "Shaun", "Adam", "Ashley", "Jordan",
    "Connor", "Kieran", "Callum", "Gary", "Andrew", "Richard", "Joseph", "John", "Sean", "Seán",
    "Dominic", "Aaron", "Jake", "Bradley", "Reece",
)
GIRL_FORENAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Lily", "Sophia", "Grace", "Evie", "Poppy", "Ella",
    "Freya", "Millie", "Isabella", "Ruby", "Daisy", "Layla", "Scarlett", "Harper", "Willow",
    "Phoebe", "Maisie", "Lacey", "Lexi", "Summer", "Macie", "Skye", "Aaliyah", "Esmé", "Zoë",
    "Chloé", "Darcie", "Gracie", "Mollie", "Ellie-Mae",
)
BOY_FORENAMES = (
    "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Charlie", "Freddie", "Alfie", "Oscar",
    "Archie", "Jacob", "Riley", "Mason", "Logan", "Tyler", "Kai", "Ethan", "Lucas", "Reggie",
    "Tommy", "Ronnie", "Teddy", "Jaxon", "Bobby", "Frankie", "Finley", "Jayden", "Harley",
    "Tommy-Lee",
)
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Hughes", "Edwards", "Turner", "Harris", "Martin", "Lewis", "Lee", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "King", "Harrison", "Baker", "Allen", "Parker", "Young",
    "Mitchell", "Kelly", "Carter", "Shaw", "Holmes", "Bennett", "Cook", "Marshall", "Rogers",
    "Murphy", "Barker", "Atkinson", "Bailey", "Khan", "Hussain", "Patel", "Fletcher", "Dixon",
    "Chapman", "Pearson", "Richardson", "Watson", "Booth", "Hudson", "Ashworth", "Whittaker",
    "Holden", "Lord", "Pilling", "Cross", "Fisher", "Riley", "Gregson", "Howarth", "Nuttall",
    "Sutcliffe", "Haworth", "Livesey", "Duckworth", "Entwistle", "Kenyon", "Crook", "Singleton",
    "Bamber", "Cookson", "Rimmer", "Sharples", "Critchley", "McDonald", "McCarthy", "O'Neill",
    "O'Brien", "O'Connor", "D'Arcy", "Smith-Jones", "Taylor-Wood", "Hughes-Davies", "Nowak",
    "Kowalski", "Müller", "Núñez",
)
# Other ways the same name is written: nicknames, spellings, accents dropped.
FORENAME_VARIANTS = {
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Elisabeth"), "Rebecca": ("Becky", "Becca", "Rebekah"),
    "Jayne": ("Jane",), "Leanne": ("Leann", "Lianne"), "Stephanie": ("Steph", "Stefanie"),
    "Catherine": ("Katherine", "Kate", "Cathy", "Kathryn"), "Samantha": ("Sam", "Sammy"),
    "Jennifer": ("Jenny", "Jen"), "Victoria": ("Vicky", "Vikki", "Tori"), "Nicola": ("Nicky", "Nikki"),
    "Jessica": ("Jess",), "Danielle": ("Dani",), "Kimberley": ("Kimberly", "Kim"),
    "Natasha": ("Tasha",), "Michelle": ("Shelley",), "Sarah": ("Sara",), "Louise": ("Lou",),
    "Amanda": ("Mandy",), "Charlotte": ("Charlie", "Lottie"), "Stacey": ("Stacy", "Stacie"),
    "Kayleigh": ("Kayley", "Kaylee", "Kayla"), "Gemma": ("Jemma",), "Hayley": ("Haley", "Hailey"),
    "Jodie": ("Jody",), "Lindsey": ("Lindsay",), "Ann-Marie": ("Anne-Marie", "Annmarie", "Ann Marie"),
    "Claire": ("Clare",), "Abbie": ("Abby", "Abigail"), "Kirsty": ("Kirstie",), "Tracey": ("Tracy",),
    "Joanne": ("Jo", "Joanna"), "Zoë": ("Zoe",), "Siân": ("Sian",), "Chloé": ("Chloe",),
    "Siobhán": ("Siobhan",), "Renée": ("Renee",), "Aimée": ("Aimee",), "Bethany": ("Beth",),
    "Toni": ("Antonia",),
    "Michael": ("Mike", "Mick"), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "Anthony": ("Tony", "Ant"), "James": ("Jamie", "Jim"), "Robert": ("Rob", "Bob"),
    "Matthew": ("Matt",), "Thomas": ("Tom", "Tommy"), "Steven": ("Stephen", "Steve"),
    "Jonathan": ("Jon", "Johnathan"), "Lee": ("Leigh",), "Nathan": ("Nate",),
    "William": ("Will", "Bill"), "Joseph": ("Joe",), "Andrew": ("Andy",), "Richard": ("Rich", "Ricky"),
    "Shaun": ("Shawn", "Sean"), "Seán": ("Sean",), "David": ("Dave",), "Kieran": ("Kieron",),
    "Callum": ("Calum",),
    "Isabella": ("Bella", "Isabelle"), "Millie": ("Milly",), "Layla": ("Leyla", "Laila"),
    "Lexi": ("Lexie",), "Macie": ("Macey", "Maci"), "Esmé": ("Esme",), "Darcie": ("Darcey", "Darcy"),
    "Mollie": ("Molly",), "Ellie-Mae": ("Ellie Mae", "Elliemae", "Ellie"), "Gracie": ("Gracey",),
    "Phoebe": ("Pheobe",), "Freddie": ("Freddy",), "Alfie": ("Alfy",), "Jaxon": ("Jackson", "Jaxson"),
    "Jayden": ("Jaden", "Jaiden"), "Finley": ("Finlay",), "Tommy-Lee": ("Tommy Lee", "Tommylee"),
}
SURNAME_VARIANTS = {
    "Thompson": ("Thomson",), "Davies": ("Davis",), "Clarke": ("Clark",), "Haworth": ("Howarth",),
    "Howarth": ("Haworth",), "Whittaker": ("Whitaker",), "Hussain": ("Hussein",),
    "Smith-Jones": ("Smith Jones", "Jones"), "Taylor-Wood": ("Taylor Wood", "Wood"),
    "Hughes-Davies": ("Hughes Davies", "Hughes"), "O'Neill": ("ONeill", "O Neill", "O'Neil"),
    "O'Brien": ("OBrien", "O Brien"), "O'Connor": ("OConnor", "O'Conner"), "D'Arcy": ("Darcy",),
    "McDonald": ("MacDonald", "Mcdonald"), "McCarthy": ("Mccarthy", "MacCarthy"),
    "Müller": ("Muller", "Mueller"), "Núñez": ("Nunez",), "Kowalski": ("Kowalska",),
}
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

# --- Files per source ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """One extract file: the date range it covers (inclusive), how it is saved, its headers."""

    name: str
    first: date
    last: date
    encoding: str  # utf-8, utf-8-sig, cp1252, or xlsx
    date_style: str  # iso (2019-03-05), dmy (05/03/2019), dmon (5-MAR-2019) or excel (date cells)
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> local header


LEGAL_LOCAL_HEADERS = {"legal_ref": "Legal Ref", "court_case_no": "Court Case No",
                       "issue_date": "Date of Issue"}
COURT_LOCAL_HEADERS = {
    "case_number": "Case No", "court": "Court Name", "issue_date": "Date Issued",
    "application_type": "Application", "applicant_la": "Applicant LA", "child_name": "Child Name",
    "child_dob": "Child DOB", "respondent_1_name": "Respondent 1",
    "respondent_1_dob": "Respondent 1 DOB", "respondent_1_relationship": "Respondent 1 Relationship",
    "respondent_2_name": "Respondent 2", "respondent_2_dob": "Respondent 2 DOB",
    "respondent_2_relationship": "Respondent 2 Relationship", "outcome": "Outcome",
    "outcome_date": "Outcome Date",
}
# Overlapping ranges on purpose: extracts taken at different times repeat each other's rows.
# Legal, court and Cafcass files are cut by issue date, care leavers by the date they left care
# (still in care: the extract end), the trawl forms by review date.
FILES = {
    "legal": (
        FileSpec("legal_2014_2017.csv", date(2014, 4, 1), date(2017, 3, 31), "utf-8", "iso"),
        FileSpec("legal_2016_2020.csv", date(2016, 4, 1), date(2020, 3, 31), "utf-8-sig", "dmy"),
        FileSpec("legal_list_2019_2023.csv", date(2019, 4, 1), date(2023, 3, 31), "cp1252", "dmy",
                 LEGAL_LOCAL_HEADERS),
        FileSpec("legal_2022_2025.xlsx", date(2022, 4, 1), date(2025, 3, 31), "xlsx", "excel"),
    ),
    "court": (
        FileSpec("court_2008_2016.csv", date(2008, 1, 1), date(2016, 12, 31), "cp1252", "dmon"),
        FileSpec("court_2015_2021.csv", date(2015, 1, 1), date(2021, 12, 31), "utf-8-sig", "dmon",
                 COURT_LOCAL_HEADERS),
        FileSpec("court_2021_2025.csv", date(2021, 1, 1), date(2025, 3, 31), "utf-8", "dmon"),
    ),
    "cafcass": (
        FileSpec("cafcass_2008_2013.csv", date(2008, 1, 1), date(2013, 12, 31), "utf-8-sig", "dmy"),
        FileSpec("cafcass_2013_2019.csv", date(2013, 1, 1), date(2019, 12, 31), "cp1252", "dmy"),
        FileSpec("cafcass_2019_2025.csv", date(2019, 1, 1), date(2025, 3, 31), "utf-8", "dmy"),
    ),
    "care_leavers": (
        FileSpec("care_leavers_to_2004.xlsx", date(1960, 1, 1), date(2004, 12, 31), "xlsx", "excel"),
        FileSpec("care_leavers_2000_2014.csv", date(2000, 1, 1), date(2014, 12, 31), "cp1252", "dmy"),
        FileSpec("care_leavers_2012_2025.csv", date(2012, 1, 1), date(2025, 3, 31), "utf-8-sig", "iso"),
    ),
    "case_file_review": (
        FileSpec("trawl_forms_2023_24.csv", date(2023, 10, 1), date(2024, 4, 30), "utf-8-sig", "dmy"),
        FileSpec("trawl_forms_2024.csv", date(2024, 4, 1), date(2024, 10, 31), "cp1252", "dmy"),
        FileSpec("trawl_forms_2024_25.csv", date(2024, 10, 1), date(2025, 3, 31), "utf-8", "iso"),
    ),
}
XLSX_SHEET_TITLES = {"legal": "Care proceedings", "care_leavers": "Care leavers"}
# Fixed timestamps inside .xlsx files, so a re-run gives the same bytes.
XLSX_TIMESTAMP = datetime(2025, 4, 1, 9, 0, 0)

# Case kinds.
S31_CARE, S31_SUPERVISION, EPO, PRIVATE_LAW = range(4)
S31_KINDS = (S31_CARE, S31_SUPERVISION)
COURT_APPLICATION_WORDING = {
    S31_CARE: {"C110A s31 care order": 0.7, "C110A S31 Care Order": 0.15,
               "C110A s.31 care order": 0.1, "C110A s31 care order (interim)": 0.05},
    S31_SUPERVISION: {"C110A s31 supervision order": 0.8, "C110A S31 Supervision Order": 0.2},
    EPO: {"C110A EPO": 0.8, "C110A emergency protection order": 0.2},
    PRIVATE_LAW: {"C100 child arrangements": 0.8, "C100 Child Arrangements Order": 0.2},
}
CAFCASS_APPLICATION_TYPES = {S31_CARE: "s31 care", S31_SUPERVISION: "s31 supervision",
                             PRIVATE_LAW: "private law"}

_MONTHS = ("", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# --- Random draws --------------------------------------------------------------------------------


def _rng(seed: int, stage: str) -> np.random.Generator:
    """A Generator per stage, so changing one stage's draws leaves the other stages alone."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


class _Uniforms:
    """Uniform draws handed out one at a time to per-record loops, taken from numpy in blocks."""

    _BLOCK = 65536

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._block: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._block):
            self._block = self._rng.random(self._BLOCK).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value

    def pick(self, options: Sequence):
        return options[int(self() * len(options))]

    def integer(self, low: int, high: int) -> int:
        """A whole number from low to high inclusive."""
        return low + int(self() * (high - low + 1))


class _Weighted:
    """A categorical draw from {option: weight}, for per-record loops."""

    def __init__(self, weights: dict):
        self.options = tuple(weights)
        self._cumulative = np.cumsum(list(weights.values())) / sum(weights.values())
        self._cumulative_list = self._cumulative.tolist()

    def draw(self, u: _Uniforms):
        return self.options[min(bisect.bisect(self._cumulative_list, u()), len(self.options) - 1)]

    def draw_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Positions into `options`, vectorised."""
        return np.minimum(np.searchsorted(self._cumulative, rng.random(n), side="right"),
                          len(self.options) - 1)


def _popularity(n: int) -> np.ndarray:
    """Zipf-like weights for a name list ordered most common first."""
    weights = 1.0 / (np.arange(n) + 4.0)
    return weights / weights.sum()


# All forenames in one tuple so a person's name is one index; each pool is a slice of it.
FORENAMES = WOMEN_FORENAMES + MEN_FORENAMES + GIRL_FORENAMES + BOY_FORENAMES
_POOL_OFFSETS = {}
_offset = 0
for _pool_name, _pool in (("woman", WOMEN_FORENAMES), ("man", MEN_FORENAMES),
                          ("girl", GIRL_FORENAMES), ("boy", BOY_FORENAMES)):
    _POOL_OFFSETS[_pool_name] = (_offset, len(_pool))
    _offset += len(_pool)
del _offset, _pool_name, _pool


def _draw_forenames(rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
    offset, size = _POOL_OFFSETS[pool]
    return offset + rng.choice(size, size=n, p=_popularity(size))


def _draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(SURNAMES), size=n, p=_popularity(len(SURNAMES)))


def _draw_middle_names(rng: np.random.Generator, pool: str, n: int, rate: float) -> np.ndarray:
    """Index into FORENAMES, or -1 for no middle name."""
    names = _draw_forenames(rng, pool, n)
    return np.where(rng.random(n) < rate, names, -1)


def _years(n) -> np.ndarray:
    return np.round(np.asarray(n) * DAYS_PER_YEAR).astype(np.int64)


def _whole_years(born: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Age in completed years (day ordinals in, ages out), as a birthday counts it."""
    epoch = date(1970, 1, 1).toordinal()
    b = (np.asarray(born) - epoch).astype("datetime64[D]")
    o = (np.asarray(on) - epoch).astype("datetime64[D]")

    def year_month_day(d):
        months = d.astype("datetime64[M]")
        return (d.astype("datetime64[Y]").astype(int), months.astype(int) % 12,
                (d - months).astype(int))

    by, bm, bd = year_month_day(b)
    oy, om, od = year_month_day(o)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday


# --- The simulated population --------------------------------------------------------------------


class _People:
    """Everyone simulated, one index each. True ids are given per kind in the order people were added."""

    def __init__(self):
        self._parts: list[tuple] = []
        self.size = 0

    def add(self, kind: str, female, forename, middle, surname, dob) -> np.ndarray:
        n = len(forename)
        self._parts.append((kind, np.broadcast_to(female, (n,)), forename, middle, surname, dob))
        self.size += n
        return np.arange(self.size - n, self.size)

    def freeze(self) -> None:
        """Turn the parts into plain lists, which per-record loops read fastest."""
        kinds = "".join(kind * len(part[2]) for kind, *part in self._parts)
        self.female = np.concatenate([p[1] for p in self._parts]).tolist()
        self.forename = np.concatenate([p[2] for p in self._parts]).tolist()
        self.middle = np.concatenate([p[3] for p in self._parts]).tolist()
        self.surname = np.concatenate([p[4] for p in self._parts]).tolist()
        self.dob = np.concatenate([p[5] for p in self._parts]).tolist()
        counts = {kind: kinds.count(kind) for kind in "MFCP"}
        widths = {kind: max(6, len(str(count))) for kind, count in counts.items()}
        serials = dict.fromkeys("MFCP", 0)
        self.true_id = []
        for kind in kinds:
            serials[kind] += 1
            self.true_id.append(f"{kind}{serials[kind]:0{widths[kind]}d}")
        del self._parts


@dataclass
class _Population:
    people: _People
    # Per mother (index = mother number; M ids follow the same order).
    mother_person: np.ndarray
    mother_first_set: np.ndarray
    mother_age_at_first_set: np.ndarray
    mother_teen: np.ndarray
    mother_sets: np.ndarray
    mother_second_set: np.ndarray  # -1 when she has no second set
    mother_in_care: np.ndarray
    mother_last_surname: np.ndarray
    # Per case, in issue-date order; s31 sets and other applications (lists, for fast loops).
    case: dict[str, list]
    children: list[int]
    care_leaver_distractors: np.ndarray
    relative_label: dict[int, str]
    stats: dict


def _draw_first_set_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    days = np.arange(WINDOW_START.toordinal(), EXTRACT_END.toordinal() + 1)
    ramp = (days - days[0]) / (FIRST_SET_RAMP_YEARS * DAYS_PER_YEAR)
    weights = FIRST_SET_RAMP_START_WEIGHT + (1 - FIRST_SET_RAMP_START_WEIGHT) * np.minimum(ramp, 1)
    return np.sort(rng.choice(days, size=n, p=weights / weights.sum()))


def _new_men(rng, people: _People, kind: str, partner_dob: np.ndarray, on: np.ndarray):
    """Fathers (or private-law partners) of plausible age; returns (person indices, surnames)."""
    n = len(partner_dob)
    gap_mean, gap_sd = FATHER_AGE_GAP_YEARS
    dob = partner_dob + _years(rng.normal(gap_mean, gap_sd, n))
    dob = np.clip(dob, on - _years(60), on - _years(16))
    surname = _draw_surnames(rng, n)
    index = people.add(kind, False, _draw_forenames(rng, "man", n),
                       _draw_middle_names(rng, "man", n, ADULT_MIDDLE_NAME_RATE), surname, dob)
    return index, surname


def _simulate_sets(rng, people: _People, mothers: int) -> dict[str, np.ndarray]:
    """Each mother's chain of s31 sets up to the extract end, one generation of sets at a time."""
    end = EXTRACT_END.toordinal()
    first = _draw_first_set_dates(rng, mothers)
    age = np.clip(FIRST_SET_AGE_MIN + rng.gamma(*FIRST_SET_AGE_GAMMA, mothers),
                  FIRST_SET_AGE_MIN, FIRST_SET_AGE_MAX)
    dob = first - _years(age)
    birth_surname = _draw_surnames(rng, mothers)
    mother_person = people.add("M", True, _draw_forenames(rng, "woman", mothers),
                               _draw_middle_names(rng, "woman", mothers, ADULT_MIDDLE_NAME_RATE),
                               birth_surname, dob)
    age_at_first = _whole_years(dob, first)
    teen = age_at_first < TEEN_BELOW_AGE
    districts = len(HOME_LA.postcode_districts)

    def name_fathers(mother_no, on, previous_father, previous_father_surname):
        n = len(mother_no)
        named = rng.random(n) < FATHER_NAMED_RATE
        same = named & (previous_father >= 0) & (rng.random(n) < SAME_FATHER_AS_LAST_SET_RATE)
        new = named & ~same
        father = np.where(same, previous_father, -1)
        father_surname = np.where(same, previous_father_surname, -1)
        new_index, new_surname = _new_men(rng, people, "F", dob[mother_no[new]], on[new])
        father[new], father_surname[new] = new_index, new_surname
        return father, father_surname

    mother_no = np.arange(mothers)
    none = np.full(mothers, -1)
    father, father_surname = name_fathers(mother_no, first, none, none)
    surname = np.where(rng.random(mothers) < SURNAME_NOT_BIRTH_AT_FIRST_SET_RATE,
                       _draw_surnames(rng, mothers), birth_surname)
    generation = dict(mother_no=mother_no, date=first, previous_date=none, father=father,
                      father_surname=father_surname, surname=surname, surname_changed=none == 0,
                      district=rng.integers(0, districts, mothers), number=np.ones(mothers, int))
    generations = [generation]
    for number in range(2, MAX_SETS_PER_MOTHER + 1):
        current = generations[-1]
        n = len(current["mother_no"])
        if number == 2:
            p_return = np.where(teen[current["mother_no"]], RETURN_AFTER_FIRST_SET[True],
                                RETURN_AFTER_FIRST_SET[False])
        else:
            p_return = RETURN_AFTER_LATER_SET[number - 3]
        gap = _years(GAP_MIN_YEARS + rng.lognormal(np.log(GAP_LOGNORMAL_MEDIAN_YEARS),
                                                   GAP_LOGNORMAL_SIGMA, n))
        on = current["date"] + gap
        keep = ((rng.random(n) < p_return) & (on <= end)
                & (on - dob[current["mother_no"]] < _years(MAX_MOTHER_AGE_AT_SET)))
        if not keep.any():
            break
        mother_no, on = current["mother_no"][keep], on[keep]
        n = len(mother_no)
        father, father_surname = name_fathers(mother_no, on, current["father"][keep],
                                              current["father_surname"][keep])
        change = rng.random(n) < SURNAME_CHANGE_AT_LATER_SET_RATE
        takes_fathers = (father_surname >= 0) & (rng.random(n) < NEW_SURNAME_IS_FATHERS_RATE)
        new_surname = np.where(takes_fathers, father_surname, _draw_surnames(rng, n))
        previous_surname = current["surname"][keep]
        surname = np.where(change, new_surname, previous_surname)
        moves = rng.random(n) < POSTCODE_MOVE_BETWEEN_SETS_RATE
        district = np.where(moves, rng.integers(0, districts, n), current["district"][keep])
        generations.append(dict(
            mother_no=mother_no, date=on, previous_date=current["date"][keep], father=father,
            father_surname=father_surname, surname=surname, surname_changed=surname != previous_surname,
            district=district, number=np.full(n, number),
        ))
    sets = {key: np.concatenate([g[key] for g in generations]) for key in generation}
    order = np.lexsort((sets["mother_no"], sets["date"]))
    sets = {key: values[order] for key, values in sets.items()}
    sets.update(mother_person=mother_person, mother_dob=dob, mother_first=first,
                mother_age_at_first=age_at_first, mother_teen=teen, birth_surname=birth_surname)
    return sets


def _add_children(rng, people: _People, case_date, mother_dob, earliest_birth, father_surname,
                  mother_surname, baby_rate, wanted_children):
    """Children for each case, eldest first; returns (child person indices, count per case).

    Younger siblings are spaced a year or more apart and nobody is born before `earliest_birth`
    (the mother's early teens, or her previous set), which may leave fewer children than wanted.
    """
    n = len(case_date)
    oldest_age = np.minimum(case_date - earliest_birth, _years(OLDEST_CHILD_AGE_YEARS))
    baby = (rng.random(n) < baby_rate) | (oldest_age < 29)
    # Ages skew young: most children in proceedings are under five.
    older_age = 29 + ((np.maximum(oldest_age, 29) - 29) * rng.random(n) ** 1.6).astype(np.int64)
    youngest = case_date - np.where(baby, rng.integers(0, 28, n), older_age)
    slots = max(wanted_children.max(initial=1), 1)
    dobs = np.empty((n, slots), dtype=np.int64)
    dobs[:, 0] = youngest
    for slot in range(1, slots):
        dobs[:, slot] = dobs[:, slot - 1] - rng.integers(*SIBLING_SPACING_DAYS, n)
    wanted = (np.arange(slots) < wanted_children[:, None]) & (dobs >= earliest_birth[:, None])
    wanted = np.logical_and.accumulate(wanted, axis=1)
    counts = wanted.sum(axis=1)
    eldest_first = wanted[:, ::-1]
    dob = dobs[:, ::-1][eldest_first]
    case_of_child = np.repeat(np.arange(n), counts)
    total = len(dob)
    female = rng.random(total) < 0.5
    forename = np.where(female, _draw_forenames(rng, "girl", total), _draw_forenames(rng, "boy", total))
    middle = np.where(female, _draw_middle_names(rng, "girl", total, CHILD_MIDDLE_NAME_RATE),
                      _draw_middle_names(rng, "boy", total, CHILD_MIDDLE_NAME_RATE))
    fathers = father_surname[case_of_child]
    surname = np.where((fathers >= 0) & (rng.random(total) < CHILD_TAKES_FATHER_SURNAME_RATE),
                       fathers, mother_surname[case_of_child])
    index = people.add("C", female, forename, middle, surname, dob)
    return index, counts


def _draw_outcomes(rng, kind: str, weights: dict, issue: np.ndarray):
    """Outcome name per case and its date; a date after the extract end means still pending."""
    chooser = _Weighted(weights)
    names = np.array(chooser.options, dtype=object)[chooser.draw_many(rng, len(issue))]
    low, high = OUTCOME_WEEKS_AFTER_ISSUE[kind]
    when = issue + rng.integers(low * 7, high * 7 + 1, len(issue))
    pending = when > EXTRACT_END.toordinal()
    return np.where(pending, "", names), np.where(pending, -1, when)


def _draw_courts(rng, la: np.ndarray) -> np.ndarray:
    court = np.empty(len(la), dtype=np.int64)
    for number, authority in enumerate(LOCAL_AUTHORITIES):
        here = la == number
        codes, weights = zip(*authority.courts)
        picks = _Weighted(dict(zip(codes, weights))).draw_many(rng, int(here.sum()))
        court[here] = [COURT_CODES.index(codes[p]) for p in picks]
    return court


def _simulate(mothers: int, seed: int) -> _Population:
    """The true population: mothers, their s31 sets, other applications, relatives, care leavers."""
    rng = _rng(seed, "population")
    people = _People()
    sets = _simulate_sets(rng, people, mothers)
    n_sets = len(sets["date"])
    mother_dob = sets["mother_dob"]

    # Children of each set: a recurrent set's children were born after her previous set.
    recurrent = sets["number"] > 1
    earliest = mother_dob[sets["mother_no"]] + _years(MIN_MOTHER_AGE_AT_BIRTH)
    earliest = np.where(recurrent, np.maximum(earliest, sets["previous_date"] + 1), earliest)
    sizes = _Weighted(SET_CHILDREN_WEIGHTS)
    wanted = np.array(sizes.options)[sizes.draw_many(rng, n_sets)]
    baby_rate = np.where(recurrent, BABY_UNDER_4_WEEKS_RATE["recurrent"], BABY_UNDER_4_WEEKS_RATE["first"])
    set_children, set_child_count = _add_children(
        rng, people, sets["date"], mother_dob, earliest, sets["father_surname"], sets["surname"],
        baby_rate, wanted)
    set_child_start = np.concatenate([[0], np.cumsum(set_child_count)[:-1]])

    la = (rng.random(n_sets) < NEIGHBOUR_LA_SET_RATE).astype(np.int64)
    neighbour_district = rng.integers(0, len(NEIGHBOUR_LA.postcode_districts), n_sets)
    s31 = dict(
        kind=np.where(rng.random(n_sets) < S31_SUPERVISION_RATE, S31_SUPERVISION, S31_CARE),
        issue=sets["date"], mother_no=sets["mother_no"], number=sets["number"],
        surname=sets["surname"], surname_changed=sets["surname_changed"], father=sets["father"],
        la=la, court=_draw_courts(rng, la),
        postcode=np.where(la == 0, np.array(HOME_LA.postcode_districts)[sets["district"]],
                          np.array(NEIGHBOUR_LA.postcode_districts)[neighbour_district]),
        child_start=set_child_start, child_count=set_child_count,
    )
    s31["outcome"], s31["outcome_date"] = _draw_outcomes(rng, "s31", S31_OUTCOMES, sets["date"])

    # Emergency protection orders a few days before some s31 applications: same family, court only.
    window_start = WINDOW_START.toordinal()
    has_epo = rng.random(n_sets) < EPO_BEFORE_S31_RATE
    epo_issue = sets["date"] - rng.integers(EPO_DAYS_BEFORE[0], EPO_DAYS_BEFORE[1] + 1, n_sets)
    has_epo &= epo_issue >= window_start
    epo = {key: values[has_epo] for key, values in s31.items()}
    epo.update(kind=np.full(int(has_epo.sum()), EPO), issue=epo_issue[has_epo],
               number=np.zeros(int(has_epo.sum()), int))
    epo["outcome"], epo["outcome_date"] = _draw_outcomes(rng, "epo", EPO_OUTCOMES, epo["issue"])

    private = _simulate_private_law(rng, people, sets, n_sets, start_child=len(set_children))

    cases = {key: np.concatenate([s31[key], epo[key], private[key]]) for key in s31}
    children = np.concatenate([set_children, private["children"]])
    order = np.lexsort((np.arange(len(cases["issue"])), cases["issue"]))
    cases = {key: values[order] for key, values in cases.items()}
    n_cases = len(order)

    # Mother-level truth, from the sets as simulated (all within the window by construction).
    mother_no = sets["mother_no"]
    set_counts = np.bincount(mother_no, minlength=mothers)
    second = np.full(mothers, -1)
    second_sets = sets["number"] == 2
    second[mother_no[second_sets]] = sets["date"][second_sets]
    last_surname = np.empty(mothers, dtype=np.int64)
    last_surname[mother_no] = sets["surname"]  # sets are in date order: the last write wins
    in_care = rng.random(mothers) < np.where(set_counts > 1, IN_CARE_AS_CHILD_RATE["recurrent"],
                                              IN_CARE_AS_CHILD_RATE["single_set"])

    # Relatives who become parties: one grandmother or aunt per mother, added only when needed.
    kind = cases["kind"]
    public = kind != PRIVATE_LAW
    court_relative = public & (cases["father"] < 0) & (rng.random(n_cases) < RELATIVE_IN_COURT_WHEN_NO_FATHER_RATE)
    cafcass_relative = (kind != PRIVATE_LAW) & (kind != EPO) & (rng.random(n_cases) < RELATIVE_IN_CAFCASS_RATE)
    needing = np.unique(cases["mother_no"][court_relative | cafcass_relative])
    relative_of_mother = np.full(mothers, -1)
    relative_of_mother[needing], relative_label = _add_relatives(
        rng, people, mother_dob[needing], sets["birth_surname"][needing])
    relative = relative_of_mother[np.maximum(cases["mother_no"], 0)]
    cases["court_relative"] = np.where(court_relative, relative, -1)
    cases["cafcass_relative"] = np.where(cafcass_relative, relative, -1)
    cases["mother"] = np.where(cases["mother_no"] >= 0,
                               sets["mother_person"][np.maximum(cases["mother_no"], 0)],
                               cases.pop("stranger_mother"))

    # Which sources hold each case. Every s31 set is somewhere; legal lists start in 2014.
    is_s31 = np.isin(kind, S31_KINDS)
    in_legal = is_s31 & (cases["issue"] >= LEGAL_LIST_START.toordinal())
    in_court = np.where(is_s31, rng.random(n_cases) >= COURT_MISSES_S31_SET_RATE,
                        np.where(kind == EPO, True, rng.random(n_cases) < PRIVATE_LAW_IN_COURT_RATE))
    in_cafcass = np.where(is_s31, rng.random(n_cases) >= CAFCASS_MISSES_S31_SET_RATE,
                          (kind == PRIVATE_LAW) & (rng.random(n_cases) < PRIVATE_LAW_IN_CAFCASS_RATE))
    in_court |= ~(in_legal | in_court | in_cafcass)
    cases.update(in_legal=in_legal, in_court=in_court, in_cafcass=in_cafcass)

    distractor_count = int(round(CARE_LEAVER_DISTRACTORS_PER_MOTHER * in_care.sum()))
    distractors = _add_care_leaver_distractors(rng, people, distractor_count)
    people.freeze()

    case_lists = {key: values.tolist() for key, values in cases.items()}
    _assign_references(case_lists, _Uniforms(_rng(seed, "references")))
    return _Population(
        people=people, mother_person=sets["mother_person"], mother_first_set=sets["mother_first"],
        mother_age_at_first_set=sets["mother_age_at_first"], mother_teen=sets["mother_teen"],
        mother_sets=set_counts, mother_second_set=second, mother_in_care=in_care,
        mother_last_surname=last_surname, case=case_lists, children=children.tolist(),
        care_leaver_distractors=distractors, relative_label=relative_label,
        stats=dict(set_children=set_children, set_child_count=set_child_count, sets=sets, epo=int(has_epo.sum()),
                   private_law=len(private["issue"])),
    )


def _simulate_private_law(rng, people: _People, sets: dict, n_sets: int, start_child: int) -> dict:
    """Private-law (C100) cases: some study mothers, and strangers drawn from the same name pools."""
    n = int(round(PRIVATE_LAW_CASES_PER_S31_SET * n_sets))
    start, end = WINDOW_START.toordinal(), EXTRACT_END.toordinal()
    mothers = len(sets["mother_person"])
    mother_dob = sets["mother_dob"]
    candidate = rng.integers(0, mothers, n)
    low = np.maximum(start, mother_dob[candidate] + _years(17))
    high = np.minimum(end, mother_dob[candidate] + _years(50))
    issue = low + (rng.random(n) * np.maximum(high - low, 0)).astype(np.int64)
    known = (rng.random(n) < PRIVATE_LAW_KNOWN_MOTHER_RATE) & (high > low)
    issue = np.where(known, issue, rng.integers(start, end + 1, n))
    mother_no = np.where(known, candidate, -1)

    strangers = int((~known).sum())
    stranger_dob = issue[~known] - _years(rng.uniform(18, 45, strangers))
    stranger_index = people.add("P", True, _draw_forenames(rng, "woman", strangers),
                                _draw_middle_names(rng, "woman", strangers, ADULT_MIDDLE_NAME_RATE),
                                _draw_surnames(rng, strangers), stranger_dob)
    stranger_surname = _draw_surnames(rng, n)  # only the strangers' entries are used
    stranger_mother = np.full(n, -1)
    stranger_mother[~known] = stranger_index
    stranger_surname[~known] = people._parts[-1][4]
    dob = np.where(known, mother_dob[np.maximum(mother_no, 0)], 0)
    dob[~known] = stranger_dob

    # A known mother is recorded under the surname of her latest set before the case.
    set_order = np.lexsort((sets["date"], sets["mother_no"]))
    set_mother, set_date = sets["mother_no"][set_order], sets["date"][set_order]
    set_surname, set_father = sets["surname"][set_order], sets["father"][set_order]
    first_of_mother = np.searchsorted(set_mother, np.arange(mothers))
    surname = stranger_surname.copy()
    her_father = np.full(n, -1)
    for case in np.flatnonzero(known).tolist():
        m = int(mother_no[case])
        first, last = first_of_mother[m], (first_of_mother[m + 1] if m + 1 < mothers else len(set_mother))
        latest = first + max(int(np.searchsorted(set_date[first:last], issue[case], side="right")) - 1, 0)
        surname[case] = set_surname[latest]
        fathers = set_father[first:last]
        fathers = fathers[fathers >= 0]
        if len(fathers):
            her_father[case] = fathers[int(rng.integers(0, len(fathers)))]

    has_father = rng.random(n) < PRIVATE_LAW_FATHER_RATE
    reuse = (her_father >= 0) & (rng.random(n) < PRIVATE_LAW_FATHER_FROM_HER_SETS_RATE)
    new = has_father & ~reuse
    father = np.where(reuse, her_father, -1)
    father[new], _ = _new_men(rng, people, "P", dob[new], issue[new])
    father_surname = np.full(n, -1)
    father_surname[new] = people._parts[-1][4]
    father_surname[reuse] = [people_surname_of_reused for people_surname_of_reused in
                             sets["father_surname"][np.searchsorted(sets["father"], 0) * 0 + 0: 0]] or \
        father_surname[reuse]

    sizes = _Weighted(PRIVATE_LAW_CHILDREN_WEIGHTS)
    wanted = np.array(sizes.options)[sizes.draw_many(rng, n)]
    earliest = np.maximum(dob + _years(16), issue - _years(12))
    children, counts = _add_children(rng, people, issue, dob, earliest, father_surname, surname,
                                     0.0, wanted)
    child_start = start_child + np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    la = np.zeros(n, dtype=np.int64)
    outcome, outcome_date = _draw_outcomes(rng, "private_law", PRIVATE_LAW_OUTCOMES, issue)
    return dict(
        kind=np.full(n, PRIVATE_LAW), issue=issue, mother_no=mother_no, number=np.zeros(n, int),
        surname=surname, surname_changed=np.zeros(n, bool), father=father, la=la,
        court=_draw_courts(rng, la),
        postcode=np.array(HOME_LA.postcode_districts)[rng.integers(0, len(HOME_LA.postcode_districts), n)],
        child_start=child_start, child_count=counts, outcome=outcome, outcome_date=outcome_date,
        children=children, stranger_mother=stranger_mother,
    )
