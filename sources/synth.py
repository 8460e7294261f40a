"""Synthetic landing-folder extracts for trawl, and the truth behind them.

Linkage and the recurrence measures can only be checked against a population whose answers are
known. `generate` simulates mothers and their section 31 sets of care proceedings, calibrated to
published figures (about 1 in 4 mothers return within 7 years, 1 in 3 of those under 20 at their
first set; about 1 in 3 sets, here ~0.32, concern a returning mother), then writes them as the five
sources of shared/data-contract.md with the slips real extracts carry, plus truth files that say
who is who (see `_Truth`).

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
import json
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from scipy.special import ndtr, ndtri

from sources.layout import (
    CAFCASS, CARE_LEAVERS, CASE_FILE_REVIEW, COURT, LEGAL, PRE_PROCEEDINGS, SERVICE_PARTICIPANTS, SourceLayout,
)

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
# Regional mode (`authorities` > 1) takes the first N of these as one region, e.g. a combined
# authority; the next one is the neighbour outside the trawl that a few sets go to.
LOCAL_AUTHORITIES = (
    HOME_LA,
    NEIGHBOUR_LA,
    LocalAuthority("E06000008", "Blackburn with Darwen Borough Council", ("BB1", "BB2", "BB3", "BB6"),
                   (("BB", 0.85), ("PR", 0.15))),
    LocalAuthority("E08000014", "Sefton Council", ("L20", "L21", "L23", "L30", "PR8", "PR9"),
                   (("LV", 1.0),)),
    LocalAuthority("E08000010", "Wigan Council", ("WN1", "WN2", "WN3", "WN5", "WN6"),
                   (("WG", 0.8), ("LV", 0.2))),
)
MAX_AUTHORITIES = len(LOCAL_AUTHORITIES) - 1
COURT_NAMES = {
    "BL": "Blackpool Family Court", "PR": "Preston Family Court",
    "LV": "Liverpool Family Court", "LC": "Lancaster Family Court",
    "BB": "Blackburn Family Court", "WG": "Wigan Family Court",
}
COURT_CODES = tuple(COURT_NAMES)

# --- The population ------------------------------------------------------------------------------

FIRST_SET_AGE_MIN = 14.0
FIRST_SET_AGE_GAMMA = (4.37, 2.48)  # shape, scale in years above the minimum: median ~24, ~17% < 20
FIRST_SET_AGE_MAX = 44.0
TEEN_BELOW_AGE = 20
# Relative chance of a mother's first set on a date (straight lines between these dates).
# Applications rose for a few years after 2008 (the Baby P effect); later, a growing part of a
# level caseload are returning mothers, so first sets ease off.
FIRST_SET_DATE_WEIGHTS = {date(2008, 4, 1): 0.8, date(2011, 4, 1): 1.0, date(2025, 3, 31): 0.5}

# Chance of a further set after a mother's first set (by teen at first set), before censoring...
RETURN_AFTER_FIRST_SET = {True: 0.335, False: 0.238}
# ...and after her 2nd, 3rd, 4th, 5th set: a mother who has returned once often returns again.
# With only 1 in 4 returning within 7 years and sets censored at the extract end, these must be
# high for ~1 in 3 sets to be recurrent (here ~0.32; over half of recurrent mothers have 3+ sets).
RETURN_AFTER_LATER_SET = (0.64, 0.60, 0.55, 0.45)
MAX_SETS_PER_MOTHER = 2 + len(RETURN_AFTER_LATER_SET)
GAP_MIN_YEARS = 0.5  # a new pregnancy: no further set within six months
GAP_LOGNORMAL_MEDIAN_YEARS = 1.1  # added to the minimum
GAP_LOGNORMAL_SIGMA = 0.8
MAX_MOTHER_AGE_AT_SET = 46

# Wanted sizes; a few shrink to fit the mother's age and her previous set, leaving ~30% sibling sets.
SET_CHILDREN_WEIGHTS = {1: 0.40, 2: 0.30, 3: 0.19, 4: 0.11}
BABY_UNDER_4_WEEKS_RATE = {"first": 0.25, "recurrent": 0.60}  # youngest child born < 28 days before issue
# A mother's age when her first child was born (years above 14): median ~18. Children in her
# first set are born no earlier; a younger mother's first child is the baby in that set.
AGE_AT_FIRST_BIRTH_GAMMA = (2.5, 1.8)
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
NEIGHBOUR_LA_SET_RATE = 0.03  # a set brought by the neighbour outside the trawl
MOVE_BETWEEN_AUTHORITIES_RATE = 0.15  # regional mode: before a later set, she has moved within the region

# Drawn after the sets, so the published shares hold exactly in expectation.
IN_CARE_AS_CHILD_RATE = {"recurrent": 0.40, "single_set": 0.22}

S31_SUPERVISION_RATE = 0.15
EPO_BEFORE_S31_RATE = 0.10  # an emergency protection order a few days before the s31 application
EPO_DAYS_BEFORE = (0, 10)
PRIVATE_LAW_CASES_PER_S31_SET = 0.085  # with EPOs, ~15% of court rows are not s31
PRIVATE_LAW_KNOWN_MOTHER_RATE = 0.35  # private-law mother is one of the study mothers
PRIVATE_LAW_FATHER_FROM_HER_SETS_RATE = 0.5
PRIVATE_LAW_CHILDREN_WEIGHTS = {1: 0.6, 2: 0.3, 3: 0.1}
PRIVATE_LAW_FATHER_RATE = 0.9

RELATIVE_IN_COURT_WHEN_NO_FATHER_RATE = 0.25  # a grandmother or aunt fills the second respondent slot
RELATIVE_IN_CAFCASS_RATE = 0.05
RELATIVE_LABELS = {"maternal grandmother": 0.35, "grandmother": 0.35, "aunt": 0.30}

# Outcomes {name: weight}, decided some weeks after issue (after the extract end: still pending).
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
                    "case_file_review": 0.03, "service_participants": 0.01, "pre_proceedings": 0.04}
FATHER_DOB_MISSING_FACTOR = 1.5
CHILD_DOB_MISSING_RATE = 0.01
# The second noise model (`trawl synth --noise ocr`), written apart from the one above so that
# linkage is not judged only on the slips it was built beside: records read from scanned paper
# and keyed in again, with character errors anywhere in a name (the first letter too), misread
# digits in dates, forename and surname in each other's boxes and forenames left blank; no
# nicknames, surname variants or day/month swaps.
NOISE_MODELS = ("clerical", "ocr")
DEFAULT_NOISE = "clerical"
OCR_NAME_ERROR_RATE = 0.07  # per name field: one character error (a second at 15% of those)
OCR_NAMES_SWAPPED_RATE = 0.02
OCR_FORENAME_BLANK_RATE = 0.03
OCR_DOB_DIGIT_RATE = 0.04  # one digit of the date of birth misread, anywhere
OCR_DOB_YEAR_OFF_BY_ONE_RATE = 0.01
# Characters a scanner or a tired eye reads as others.
OCR_CONFUSIONS = {"rn": "m", "m": "rn", "cl": "d", "d": "cl", "li": "h", "h": "li", "w": "vv", "e": "c",
                  "c": "e", "o": "a", "a": "o", "i": "l", "l": "i", "u": "v", "n": "u", "b": "h", "t": "f"}
OCR_DIGIT_CONFUSIONS = {"0": "86", "1": "74", "2": "7", "3": "85", "4": "19", "5": "63", "6": "50", "7": "12",
                        "8": "036", "9": "04"}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Forms keyed in by hand from paper have more slips than system extracts.
UNREADABLE_ROW_RATE = {"legal": 0.004, "court": 0.004, "cafcass": 0.003, "care_leavers": 0.004,
                       "case_file_review": 0.02, "service_participants": 0.01, "pre_proceedings": 0.004}
UNREADABLE_BLANK_SHARE = 0.4  # the rest are impossible dates
# Required columns that may be blanked; a case reference is never blanked, so truth keys hold.
BLANKABLE_REQUIRED = {
    "legal": ("issue_date",), "court": ("issue_date", "application_type"),
    "cafcass": ("application_date", "application_type", "role"),
    "care_leavers": (), "case_file_review": (), "service_participants": ("start_date",), "pre_proceedings": (),
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

# --- A recurrent-care service (trawl synth --service NAME:START:SHARE:EFFECT) ---------------------
# From START the service enrols SHARE of the mothers whose set has just ended (and who have had
# no further set since), and prevents EFFECT of the returns they would have had: each further set
# she would have had is prevented with that chance, and she stays at risk as before (the hazard of
# a return is multiplied by 1 - EFFECT, so observed / expected returns is 1 - EFFECT).

SET_LENGTH_WEEKS = (26, 60)  # issue to final order, as the s31 outcomes below
REFERRAL_WEEKS_BEFORE_SET_END = (0, 8)
START_WEEKS_AFTER_SET_END = (1, 8)
SERVICE_EPISODE_MONTHS = (6, 18)
SERVICE_SEX_WRITTEN = {"F": 0.75, "Female": 0.2, "": 0.05}


@dataclass(frozen=True)
class ServiceSpec:
    """A service with a known effect, from `NAME:START:SHARE:EFFECT` (e.g. `Pause:2019-04-01:0.3:0.4`)."""

    name: str
    start: date
    share: float
    effect: float

    @classmethod
    def parse(cls, text: str) -> ServiceSpec:
        parts = text.rsplit(":", 3)
        if len(parts) != 4 or not parts[0].strip():
            raise ValueError(f"--service {text!r}: write NAME:START:SHARE:EFFECT, e.g. 'Pause:2019-04-01:0.3:0.4'")
        name, start, share, effect = parts
        try:
            spec = cls(name.strip(), date.fromisoformat(start), float(share), float(effect))
        except ValueError:
            raise ValueError(f"--service {text!r}: START is a date (YYYY-MM-DD), SHARE and EFFECT are numbers "
                             "from 0 to 1") from None
        if not (0 <= spec.share <= 1 and 0 <= spec.effect <= 1):
            raise ValueError(f"--service {text!r}: SHARE and EFFECT are numbers from 0 to 1")
        if not WINDOW_START <= spec.start <= EXTRACT_END:
            raise ValueError(f"--service {text!r}: START should be between {WINDOW_START} and {EXTRACT_END}")
        return spec

    @property
    def id_prefix(self) -> str:
        return "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", self.name)).upper()[:4] or "SVC"


@dataclass
class _Enrolment:
    service: str
    mother_no: int
    referral: int
    start: int
    end: int  # -1: still open at the extract end
    sets_before: int
    last_set: int
    prevented: list[int] = field(default_factory=list)  # would-be issue dates of sets prevented

# --- Pre-proceedings (PLO) and pre-birth cases ---------------------------------------------------

PRE_PROCEEDINGS_CASES_PER_MOTHER = 0.1  # cases in the extract per simulated mother
PRE_PROCEEDINGS_PERIOD = (date(2023, 4, 1), EXTRACT_END)  # start dates the extract holds
# Who the mother is: one of the study mothers after her last set so far (the women a service
# wants to reach), a study mother whose case went on to proceedings (closed on the set's issue
# date), a care leaver never in proceedings, or a woman in no other record.
PRE_PROCEEDINGS_MOTHERS = {"returning": 0.35, "escalated": 0.15, "care_leaver": 0.15, "new": 0.35}
PRE_PROCEEDINGS_ESCALATION_DAYS = (45, 180)  # start of pre-proceedings to the set's issue
PRE_PROCEEDINGS_MIN_DAYS_AFTER_SET = 182  # a new pregnancy or concern: half a year after her last set
PRE_PROCEEDINGS_AGE = (16, 44)  # mother's age at the start
PRE_PROCEEDINGS_FATHER_NAMED_RATE = 0.6
PRE_PROCEEDINGS_SAME_FATHER_RATE = 0.35  # a returning mother's case names her last set's father
PRE_PROCEEDINGS_STAGES = {"PLO": 0.4, "Public Law Outline": 0.15, "Pre-birth": 0.25,
                          "Pre-Birth Assessment": 0.15, "Child Protection Conference": 0.05}
PRE_BIRTH_DUE_DAYS = (30, 200)
PRE_PROCEEDINGS_CLOSED_RATE = 0.3  # of the cases that did not go to proceedings, by the extract end
PRE_PROCEEDINGS_DURATION_DAYS = (60, 300)

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
PRE_PROCEEDINGS_LOCAL_HEADERS = {"pre_proceedings_ref": "PLO Ref", "start_date": "Start Date",
                                 "expected_due_date": "EDD", "closed_date": "Date Closed"}
# Overlapping ranges on purpose: extracts taken at different times repeat each other's rows.
# Legal, court and Cafcass files are cut by issue date, care leavers by the date they left care
# (still in care: the extract end), the trawl forms by review date.
FILES = {
    "legal": (
        FileSpec("legal_2014_2017.csv", date(2014, 4, 1), date(2017, 3, 31), "utf-8", "iso"),
        FileSpec("legal_2016_2020.csv", date(2016, 4, 1), date(2020, 3, 31), "utf-8-sig", "dmy"),
        FileSpec("legal_list_2019_2023.csv", date(2019, 4, 1), date(2023, 3, 31), "cp1252", "dmy",
                 LEGAL_LOCAL_HEADERS),
        FileSpec("legal_2023_2025.xlsx", date(2023, 1, 1), date(2025, 3, 31), "xlsx", "excel"),
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
        FileSpec("care_leavers_to_1999.csv", date(1960, 1, 1), date(1999, 12, 31), "cp1252", "dmy"),
        FileSpec("care_leavers_1997_2009.csv", date(1997, 1, 1), date(2009, 12, 31), "utf-8", "iso"),
        FileSpec("care_leavers_2007_2016.csv", date(2007, 1, 1), date(2016, 12, 31), "utf-8-sig", "dmy"),
        FileSpec("care_leavers_2015_2025.xlsx", date(2015, 1, 1), date(2025, 3, 31), "xlsx", "excel"),
    ),
    "case_file_review": (
        FileSpec("trawl_forms_2023_24.csv", date(2023, 10, 1), date(2024, 4, 30), "utf-8-sig", "dmy"),
        FileSpec("trawl_forms_2024.csv", date(2024, 4, 1), date(2024, 10, 31), "cp1252", "dmy"),
        FileSpec("trawl_forms_2024_25.csv", date(2024, 10, 1), date(2025, 3, 31), "utf-8", "iso"),
    ),
    "service_participants": (
        FileSpec("participants_to_2022.csv", date(2008, 4, 1), date(2022, 12, 31), "utf-8-sig", "dmy"),
        FileSpec("participants_2022_2025.csv", date(2022, 1, 1), date(2025, 3, 31), "utf-8", "iso"),
    ),
    # Filed by start date; the current list repeats the last half year of the older one.
    "pre_proceedings": (
        FileSpec("plo_and_pre_birth_2023_24.csv", date(2023, 4, 1), date(2024, 9, 30), "cp1252", "dmy",
                 PRE_PROCEEDINGS_LOCAL_HEADERS),
        FileSpec("pre_proceedings_current.xlsx", date(2024, 4, 1), date(2025, 3, 31), "xlsx", "excel"),
    ),
}
XLSX_SHEET_TITLES = {"legal": "Care proceedings", "care_leavers": "Care leavers",
                     "pre_proceedings": "Pre-proceedings"}
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
_FORENAME_POOLS = {"woman": WOMEN_FORENAMES, "man": MEN_FORENAMES, "girl": GIRL_FORENAMES,
                   "boy": BOY_FORENAMES}
FORENAMES = sum(_FORENAME_POOLS.values(), ())
_POOL_STARTS = dict(zip(_FORENAME_POOLS, np.cumsum([0, *map(len, _FORENAME_POOLS.values())]).tolist()))


def _draw_forenames(rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
    size = len(_FORENAME_POOLS[pool])
    return _POOL_STARTS[pool] + rng.choice(size, size=n, p=_popularity(size))


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
        self.noise = DEFAULT_NOISE  # how their details are written (see _Clerk)

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
    children: list[int]  # cases' children, eldest first, sliced by child_start/child_count
    care_leaver_distractors: np.ndarray
    relative_label: dict[int, str]
    sets: dict[str, np.ndarray]  # the s31 sets as simulated, for the truth figures
    authorities: int  # in the region: LOCAL_AUTHORITIES[:authorities]; the next one is outside it
    mother_home_authority: np.ndarray  # per mother, her authority in the region at her first set
    enrolments: list[_Enrolment] = field(default_factory=list)  # service participants, by service


def _draw_first_set_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    days = np.arange(WINDOW_START.toordinal(), EXTRACT_END.toordinal() + 1)
    knots = [day.toordinal() for day in FIRST_SET_DATE_WEIGHTS]
    weights = np.interp(days, knots, list(FIRST_SET_DATE_WEIGHTS.values()))
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


def _simulate_sets(rng, people: _People, mothers: int, services: Sequence[ServiceSpec] = (),
                   seed: int = 1) -> dict[str, np.ndarray]:
    """Each mother's chain of s31 sets up to the extract end, one generation of sets at a time;
    then each service's effect on the mothers it enrols (sets['enrolments'])."""
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
                      father_surname=father_surname, surname=surname,
                      surname_changed=np.zeros(mothers, bool),
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
    # Sets as they would have been without a service (care experience is drawn from these).
    sets_without_service = np.bincount(sets["mother_no"], minlength=mothers)
    enrolments: list[_Enrolment] = []
    if services:
        sets, enrolments = _apply_services(sets, services, dob, teen, seed)
    sets.update(mother_person=mother_person, mother_dob=dob, mother_first=first,
                mother_age_at_first=age_at_first, mother_teen=teen, birth_surname=birth_surname,
                sets_without_service=sets_without_service)
    sets["enrolments"] = enrolments
    return sets


def _return_chance(number: int, teen: bool) -> float:
    """The chance that a mother whose latest set is number `number - 1` has set `number`."""
    if number == 2:
        return RETURN_AFTER_FIRST_SET[bool(teen)]
    return RETURN_AFTER_LATER_SET[number - 3]


def _later_gap(after_days: int, number: int, teen: bool, u: float) -> int | None:
    """Days from her latest set to set `number`, drawn given that it is more than `after_days`
    (the generator's gap law: a return with the set's chance, then the minimum plus a lognormal
    gap); None if she does not return after all."""
    chance = _return_chance(number, teen)
    mu, sigma = np.log(GAP_LOGNORMAL_MEDIAN_YEARS), GAP_LOGNORMAL_SIGMA

    def gap_share(days: float) -> float:  # F(gap <= days)
        years = days / DAYS_PER_YEAR - GAP_MIN_YEARS
        return 0.0 if years <= 0 else float(ndtr((np.log(years) - mu) / sigma))

    surviving = 1 - chance * gap_share(after_days)
    target = u * surviving  # survival at the new gap
    if target <= 1 - chance:
        return None
    share = min(max((1 - target) / chance, 1e-12), 1 - 1e-12)
    years = GAP_MIN_YEARS + float(np.exp(mu + sigma * ndtri(share)))
    return max(int(years * DAYS_PER_YEAR), after_days + 1)


def _apply_services(sets: dict, services: Sequence[ServiceSpec], dob: np.ndarray, teen: np.ndarray,
                    seed: int) -> tuple[dict, list[_Enrolment]]:
    """Enrol mothers as their sets end, then thin their later sets: each set she would have had
    after her start date is prevented with chance EFFECT, and her next set is then drawn again,
    given that it comes later than the one prevented (Lewis-Shedler thinning of her hazard).

    Services run side by side: at each set's end, a mother not yet enrolled is offered to each
    service in turn (in the order given) that has started, and the first that takes her keeps her."""
    end_day = EXTRACT_END.toordinal()
    n = len(sets["date"])
    rng = _rng(seed, "services")
    set_end = sets["date"] + rng.integers(SET_LENGTH_WEEKS[0] * 7, SET_LENGTH_WEEKS[1] * 7 + 1, n)
    referral = set_end - rng.integers(REFERRAL_WEEKS_BEFORE_SET_END[0] * 7, REFERRAL_WEEKS_BEFORE_SET_END[1] * 7 + 1, n)
    start = set_end + rng.integers(START_WEEKS_AFTER_SET_END[0] * 7, START_WEEKS_AFTER_SET_END[1] * 7 + 1, n)
    episode = start + (rng.uniform(*SERVICE_EPISODE_MONTHS, n) * DAYS_PER_YEAR / 12).astype(np.int64)
    takes = [_rng(seed, f"service {service.name}").random(n) < service.share for service in services]
    u = _Uniforms(rng)
    by_mother: dict[int, list[int]] = {}
    for i, mother in enumerate(sets["mother_no"].tolist()):
        by_mother.setdefault(mother, []).append(i)
    date_of = sets["date"].copy()
    dropped = np.zeros(n, bool)
    enrolled: list[_Enrolment] = []
    first_starts = [service.start.toordinal() for service in services]
    for mother, rows in by_mother.items():
        for position, i in enumerate(rows):
            later = rows[position + 1:]
            if start[i] > end_day or (later and date_of[later[0]] <= start[i]):
                continue  # the data end first, or she already has a further set
            chosen = next((k for k, service in enumerate(services)
                           if first_starts[k] <= start[i] and takes[k][i]), None)
            if chosen is None:
                continue
            service = services[chosen]
            enrolment = _Enrolment(service.name, mother, int(referral[i]), int(start[i]),
                                   int(episode[i]) if episode[i] <= end_day else -1,
                                   position + 1, int(date_of[i]))
            enrolled.append(enrolment)
            last, gone = int(date_of[i]), False
            for j in later:
                gap = int(sets["date"][j] - sets["previous_date"][j])
                number = int(sets["number"][j])
                candidate = last + gap
                while not gone:
                    too_late = candidate > end_day or candidate - dob[mother] >= _years(MAX_MOTHER_AGE_AT_SET)
                    if too_late:
                        gone = True
                    elif u() < service.effect:
                        enrolment.prevented.append(candidate)
                        redrawn = _later_gap(candidate - last, number, bool(teen[mother]), u())
                        if redrawn is None:
                            gone = True
                        else:
                            candidate = last + redrawn
                    else:
                        break
                if gone:
                    dropped[j] = True
                    continue
                date_of[j], last = candidate, candidate
            break
    previous = np.full(n, -1)
    for rows in by_mother.values():
        for before, after in zip(rows, rows[1:]):
            previous[after] = date_of[before]
    kept = ~dropped
    sets = {**sets, "date": date_of, "previous_date": previous}
    order = np.flatnonzero(kept)[np.lexsort((sets["mother_no"][kept], date_of[kept]))]
    return {key: values[order] for key, values in sets.items()}, enrolled


def _add_children(rng, people: _People, case_date, earliest_birth, father_surname,
                  mother_surname, baby_rate, wanted_children):
    """Children for each case, eldest first; returns (child person indices, count per case).

    Siblings are spaced about a year or more apart and nobody is born before `earliest_birth`
    (her first birth, or her previous set), which may leave fewer children than wanted.
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


def _set_authorities(rng, sets: dict, authorities: int) -> tuple[np.ndarray, np.ndarray]:
    """Each set's authority in the region, and each mother's at her first set. A mother lives in
    one authority and sometimes has moved to another in the region by a later set."""
    mothers = len(sets["mother_person"])
    if authorities == 1:
        return np.zeros(len(sets["date"]), dtype=np.int64), np.zeros(mothers, dtype=np.int64)
    first_home = rng.integers(0, authorities, mothers)
    home = first_home.tolist()
    moves = (rng.random(len(sets["date"])) < MOVE_BETWEEN_AUTHORITIES_RATE).tolist()
    step = rng.integers(1, authorities, len(sets["date"])).tolist()  # to another authority, not hers
    la = []
    for mother, number, moved, by in zip(sets["mother_no"].tolist(), sets["number"].tolist(), moves, step):
        if number > 1 and moved:  # sets are in date order, so each move carries to her later sets
            home[mother] = (home[mother] + by) % authorities
        la.append(home[mother])
    return np.array(la, dtype=np.int64), first_home


def _postcodes(la: np.ndarray, home_district: np.ndarray, outside_district: np.ndarray, authorities: int) -> np.ndarray:
    """An outward code in each set's authority: her district where she lives (the district
    number taken within the authority's list), a drawn one in the authority outside the region."""
    postcode = np.empty(len(la), dtype=object)
    for number, authority in enumerate(LOCAL_AUTHORITIES[:authorities + 1]):
        here = la == number
        district = outside_district if number == authorities else home_district
        codes = np.array(authority.postcode_districts, dtype=object)
        postcode[here] = codes[district[here] % len(codes)]
    return postcode


def _simulate(mothers: int, seed: int, authorities: int = 1, services: Sequence[ServiceSpec] = ()) -> _Population:
    """The true population: mothers, their s31 sets, other applications, relatives, care leavers,
    and the mothers each service works with."""
    rng = _rng(seed, "population")
    people = _People()
    sets = _simulate_sets(rng, people, mothers, services, seed)
    n_sets = len(sets["date"])
    mother_dob = sets["mother_dob"]

    # Children of each set: born after her first birth, and after her previous set if any.
    recurrent = sets["number"] > 1
    first_birth = mother_dob + _years(14 + rng.gamma(*AGE_AT_FIRST_BIRTH_GAMMA, mothers))
    earliest = np.where(recurrent, sets["previous_date"] + 1,
                        np.minimum(first_birth[sets["mother_no"]], sets["date"] - 28))
    sizes = _Weighted(SET_CHILDREN_WEIGHTS)
    wanted = np.array(sizes.options)[sizes.draw_many(rng, n_sets)]
    baby_rate = np.where(recurrent, BABY_UNDER_4_WEEKS_RATE["recurrent"], BABY_UNDER_4_WEEKS_RATE["first"])
    set_children, set_child_count = _add_children(
        rng, people, sets["date"], earliest, sets["father_surname"], sets["surname"],
        baby_rate, wanted)
    set_child_start = np.concatenate([[0], np.cumsum(set_child_count)[:-1]]).astype(np.int64)

    in_region, mother_home_authority = _set_authorities(_rng(seed, "authorities"), sets, authorities)
    la = np.where(rng.random(n_sets) < NEIGHBOUR_LA_SET_RATE, authorities, in_region)
    neighbour_district = rng.integers(0, len(NEIGHBOUR_LA.postcode_districts), n_sets)
    s31 = dict(
        kind=np.where(rng.random(n_sets) < S31_SUPERVISION_RATE, S31_SUPERVISION, S31_CARE),
        issue=sets["date"], mother_no=sets["mother_no"],
        mother=sets["mother_person"][sets["mother_no"]], surname=sets["surname"],
        father=sets["father"], la=la, court=_draw_courts(rng, la),
        postcode=_postcodes(la, sets["district"], neighbour_district, authorities),
        child_start=set_child_start, child_count=set_child_count,
    )
    s31["outcome"], s31["outcome_date"] = _draw_outcomes(rng, "s31", S31_OUTCOMES, sets["date"])

    # Emergency protection orders a few days before some s31 applications: same family, court only.
    has_epo = rng.random(n_sets) < EPO_BEFORE_S31_RATE
    epo_issue = sets["date"] - rng.integers(EPO_DAYS_BEFORE[0], EPO_DAYS_BEFORE[1] + 1, n_sets)
    has_epo &= epo_issue >= WINDOW_START.toordinal()
    epo = {key: values[has_epo] for key, values in s31.items()}
    epo.update(kind=np.full(len(epo["issue"]), EPO), issue=epo_issue[has_epo])
    epo["outcome"], epo["outcome_date"] = _draw_outcomes(rng, "epo", EPO_OUTCOMES, epo["issue"])

    private = _simulate_private_law(rng, people, sets, first_child=len(set_children))
    private_children = private.pop("children")

    cases = {key: np.concatenate([s31[key], epo[key], private[key]]) for key in s31}
    order = np.lexsort((np.arange(len(cases["issue"])), cases["issue"]))
    cases = {key: values[order] for key, values in cases.items()}
    n_cases = len(order)
    kind = cases["kind"]

    # Mother-level truth, from the sets as simulated (all inside the window by construction).
    mother_no = sets["mother_no"]
    set_counts = np.bincount(mother_no, minlength=mothers)
    second = np.full(mothers, -1)
    is_second = sets["number"] == 2
    second[mother_no[is_second]] = sets["date"][is_second]
    last_surname = np.empty(mothers, dtype=np.int64)
    last_surname[mother_no] = sets["surname"]  # sets are in date order: the last write wins
    # Drawn from the sets she would have had without a service: a service changes her future, not her past.
    in_care = rng.random(mothers) < np.where(sets["sets_without_service"] > 1, IN_CARE_AS_CHILD_RATE["recurrent"],
                                              IN_CARE_AS_CHILD_RATE["single_set"])

    # Relatives who become parties: one grandmother or aunt per mother, added only when needed.
    public = kind != PRIVATE_LAW
    court_relative = (public & (cases["father"] < 0)
                      & (rng.random(n_cases) < RELATIVE_IN_COURT_WHEN_NO_FATHER_RATE))
    cafcass_relative = np.isin(kind, S31_KINDS) & (rng.random(n_cases) < RELATIVE_IN_CAFCASS_RATE)
    needing = np.unique(cases["mother_no"][court_relative | cafcass_relative])
    relative_of_mother = np.full(mothers, -1)
    relative_of_mother[needing], relative_label = _add_relatives(
        rng, people, mother_dob[needing], sets["birth_surname"][needing])
    relative = relative_of_mother[np.maximum(cases["mother_no"], 0)]
    cases["court_relative"] = np.where(court_relative, relative, -1)
    cases["cafcass_relative"] = np.where(cafcass_relative, relative, -1)

    # Which sources hold each case. Every s31 set is somewhere; the legal list starts in 2014.
    is_s31 = np.isin(kind, S31_KINDS)
    in_legal = is_s31 & (cases["issue"] >= LEGAL_LIST_START.toordinal())
    in_court = np.where(is_s31, rng.random(n_cases) >= COURT_MISSES_S31_SET_RATE,
                        (kind == EPO) | (rng.random(n_cases) < PRIVATE_LAW_IN_COURT_RATE))
    in_cafcass = np.where(is_s31, rng.random(n_cases) >= CAFCASS_MISSES_S31_SET_RATE,
                          (kind == PRIVATE_LAW) & (rng.random(n_cases) < PRIVATE_LAW_IN_CAFCASS_RATE))
    in_court |= ~(in_legal | in_court | in_cafcass)
    cases.update(in_legal=in_legal, in_court=in_court, in_cafcass=in_cafcass)

    distractors = _add_care_leaver_distractors(
        rng, people, int(round(CARE_LEAVER_DISTRACTORS_PER_MOTHER * in_care.sum())))
    people.freeze()

    case_lists = {key: values.tolist() for key, values in cases.items()}
    _assign_references(case_lists, _Uniforms(_rng(seed, "references")))
    return _Population(
        people=people, mother_person=sets["mother_person"], mother_first_set=sets["mother_first"],
        mother_age_at_first_set=sets["mother_age_at_first"], mother_teen=sets["mother_teen"],
        mother_sets=set_counts, mother_second_set=second, mother_in_care=in_care,
        mother_last_surname=last_surname, case=case_lists,
        children=np.concatenate([set_children, private_children]).tolist(),
        care_leaver_distractors=distractors, relative_label=relative_label, sets=sets,
        authorities=authorities, mother_home_authority=mother_home_authority,
        enrolments=sets["enrolments"],
    )


def _simulate_private_law(rng, people: _People, sets: dict, first_child: int) -> dict:
    """Private-law (C100) cases: some study mothers, and strangers drawn from the same name pools."""
    n = int(round(PRIVATE_LAW_CASES_PER_S31_SET * len(sets["date"])))
    start, end = WINDOW_START.toordinal(), EXTRACT_END.toordinal()
    mothers = len(sets["mother_person"])
    candidate = rng.integers(0, mothers, n)
    low = np.maximum(start, sets["mother_dob"][candidate] + _years(17))
    high = np.minimum(end, sets["mother_dob"][candidate] + _years(50))
    known = (rng.random(n) < PRIVATE_LAW_KNOWN_MOTHER_RATE) & (high > low)
    issue = np.where(known, low + (rng.random(n) * (high - low)).astype(np.int64),
                     rng.integers(start, end + 1, n))
    mother_no = np.where(known, candidate, -1)

    stranger = ~known
    strangers = int(stranger.sum())
    mother, dob, surname = (np.empty(n, dtype=np.int64) for _ in range(3))
    dob[stranger] = issue[stranger] - _years(rng.uniform(18, 45, strangers))
    surname[stranger] = _draw_surnames(rng, strangers)
    mother[stranger] = people.add(
        "P", True, _draw_forenames(rng, "woman", strangers),
        _draw_middle_names(rng, "woman", strangers, ADULT_MIDDLE_NAME_RATE),
        surname[stranger], dob[stranger])
    mother[known] = sets["mother_person"][mother_no[known]]
    dob[known] = sets["mother_dob"][mother_no[known]]

    # A study mother is recorded under the surname of her latest set before the case (or her
    # first set's), and the other party may be the father from one of her sets.
    by_mother = np.lexsort((sets["date"], sets["mother_no"]))
    set_mother, set_date = sets["mother_no"][by_mother], sets["date"][by_mother]
    set_surname = sets["surname"][by_mother]
    set_father, set_father_surname = sets["father"][by_mother], sets["father_surname"][by_mother]
    bounds = np.searchsorted(set_mother, np.arange(mothers + 1))
    her_father = np.full(n, -1)
    her_father_surname = np.full(n, -1)
    for case in np.flatnonzero(known).tolist():
        first, last = bounds[mother_no[case]], bounds[mother_no[case] + 1]
        latest = first + max(int(np.searchsorted(set_date[first:last], issue[case], side="right")) - 1, 0)
        surname[case] = set_surname[latest]
        named = np.flatnonzero(set_father[first:last] >= 0)
        if len(named):
            pick = first + named[int(rng.integers(0, len(named)))]
            her_father[case], her_father_surname[case] = set_father[pick], set_father_surname[pick]

    has_father = rng.random(n) < PRIVATE_LAW_FATHER_RATE
    reuse = has_father & (her_father >= 0) & (rng.random(n) < PRIVATE_LAW_FATHER_FROM_HER_SETS_RATE)
    new = has_father & ~reuse
    father = np.where(reuse, her_father, -1)
    father_surname = np.where(reuse, her_father_surname, -1)
    father[new], father_surname[new] = _new_men(rng, people, "P", dob[new], issue[new])

    sizes = _Weighted(PRIVATE_LAW_CHILDREN_WEIGHTS)
    wanted = np.array(sizes.options)[sizes.draw_many(rng, n)]
    earliest = np.maximum(dob + _years(16), issue - _years(12))
    children, counts = _add_children(rng, people, issue, earliest, father_surname, surname, 0.0, wanted)
    la = np.zeros(n, dtype=np.int64)
    districts = np.array(HOME_LA.postcode_districts)
    outcome, outcome_date = _draw_outcomes(rng, "private_law", PRIVATE_LAW_OUTCOMES, issue)
    return dict(
        kind=np.full(n, PRIVATE_LAW), issue=issue, mother_no=mother_no, mother=mother,
        surname=surname, father=father, la=la, court=_draw_courts(rng, la),
        postcode=districts[rng.integers(0, len(districts), n)],
        child_start=first_child + np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64),
        child_count=counts, outcome=outcome, outcome_date=outcome_date, children=children,
    )


def _add_relatives(rng, people: _People, mother_dob: np.ndarray, birth_surname: np.ndarray):
    """A grandmother or aunt for each given mother; returns (person indices, {person: label})."""
    n = len(mother_dob)
    labels = _Weighted(RELATIVE_LABELS)
    label = np.array(labels.options, dtype=object)[labels.draw_many(rng, n)]
    dob = np.where(label == "aunt", mother_dob + _years(rng.uniform(-8, 8, n)),
                   mother_dob - _years(rng.uniform(17, 30, n)))
    surname = np.where(rng.random(n) < 0.6, birth_surname, _draw_surnames(rng, n))
    index = people.add("P", True, _draw_forenames(rng, "woman", n),
                       _draw_middle_names(rng, "woman", n, ADULT_MIDDLE_NAME_RATE), surname, dob)
    return index, dict(zip(index.tolist(), label.tolist()))


def _add_care_leaver_distractors(rng, people: _People, n: int) -> np.ndarray:
    """Care leavers who never appear in proceedings, drawn from the same name pools as the mothers."""
    female = rng.random(n) < CARE_LEAVER_DISTRACTOR_FEMALE_RATE
    dob = rng.integers(date(1963, 1, 1).toordinal(), date(2007, 12, 31).toordinal() + 1, n)
    forename = np.where(female, _draw_forenames(rng, "woman", n), _draw_forenames(rng, "man", n))
    middle = np.where(female, _draw_middle_names(rng, "woman", n, ADULT_MIDDLE_NAME_RATE),
                      _draw_middle_names(rng, "man", n, ADULT_MIDDLE_NAME_RATE))
    return people.add("P", female, forename, middle, _draw_surnames(rng, n), dob)


def _assign_references(case: dict[str, list], u: _Uniforms) -> None:
    """Each source's own case references, numbered in issue order with the gaps of shared registers."""
    n = len(case["issue"])
    court_number, cafcass_id, legal_ref, true_set_id = [""] * n, [""] * n, [""] * n, [""] * n
    court_next: dict = {}
    cafcass_next: dict = {}
    legal_next: dict = {}
    s31_sets = sum(kind in S31_KINDS for kind in case["kind"])
    s31_width, other_width = max(7, len(str(s31_sets))), max(7, len(str(n - s31_sets)))
    s31_serial = other_serial = 0
    for i in range(n):
        year = date.fromordinal(case["issue"][i]).year
        if case["kind"][i] in S31_KINDS:
            s31_serial += 1
            true_set_id[i] = f"S{s31_serial:0{s31_width}d}"
        else:
            other_serial += 1
            true_set_id[i] = f"N{other_serial:0{other_width}d}"
        if case["in_court"][i]:
            code = COURT_CODES[case["court"][i]]
            serial = court_next.get((code, year)) or u.integer(1, 40)
            court_number[i] = f"{code}{year % 100:02d}C{serial:05d}"
            court_next[(code, year)] = serial + u.integer(1, 4)
        if case["in_cafcass"][i]:
            serial = cafcass_next.get(year) or u.integer(100, 999)
            cafcass_id[i] = f"CF-{year}-{serial:06d}"
            cafcass_next[year] = serial + u.integer(1, 25)
        if case["in_legal"][i]:
            if court_number[i] and u() < LEGAL_REF_IS_COURT_NUMBER_RATE:
                legal_ref[i] = f"LGL/{court_number[i]}"
            else:
                serial = legal_next.get(year, 1)
                legal_ref[i] = f"LGL-{year}-{serial:05d}"
                legal_next[year] = serial + u.integer(1, 2)
    case.update(court_number=court_number, cafcass_id=cafcass_id, legal_ref=legal_ref,
                true_set_id=true_set_id)


# --- Writing people down -------------------------------------------------------------------------


@dataclass(slots=True)
class _Written:
    forename: str
    middle: str
    surname: str
    dob: int | None
    noise: list[str]


def _keyboard_slip(letter: str, u: _Uniforms) -> str:
    lower = letter.lower()
    for row in _KEYBOARD_ROWS:
        at = row.find(lower)
        if at >= 0:
            slip = u.pick(row[max(at - 1, 0):at] + row[at + 1:at + 2])
            return slip.upper() if letter.isupper() else slip
    return letter


def _typo(name: str, u: _Uniforms) -> str:
    """One keying slip after the first letter: a letter dropped, doubled, swapped or mis-hit."""
    positions = [i for i in range(1, len(name)) if name[i].isascii() and name[i].isalpha()]
    if not positions:
        return name
    i = u.pick(positions)
    slip = u.integer(0, 3)
    if slip == 0:
        return name[:i] + name[i + 1:]
    if slip == 1:
        return name[:i] + name[i] + name[i:]
    if slip == 2 and name[i - 1].isalpha() and name[i - 1] != name[i]:
        return name[:i - 1] + name[i] + name[i - 1] + name[i + 1:]
    return name[:i] + _keyboard_slip(name[i], u) + name[i + 1:]


def _written_name(name: str, variants: dict, variant_rate: float, typo_rate: float,
                  u: _Uniforms, noise: list[str], field_name: str) -> str:
    options = variants.get(name)
    if options and u() < variant_rate:
        name = u.pick(options)
        noise.append(f"{field_name}_variant")
    if u() < typo_rate:
        typed = _typo(name, u)
        if typed != name:
            name = typed
            noise.append(f"{field_name}_typo")
    return name


def _written_dob(dob: int, missing_rate: float, u: _Uniforms, noise: list[str]) -> int | None:
    if u() < missing_rate:
        noise.append("dob_missing")
        return None
    day = date.fromordinal(dob)
    if day.day <= 12 and day.day != day.month and u() < DOB_DAY_MONTH_SWAP_RATE:
        noise.append("dob_day_month_swapped")
        return date(day.year, day.day, day.month).toordinal()
    return dob


class _Clerk:
    """Writes people's details as one source's staff would: mostly right, with real records' slips."""

    def __init__(self, people: _People, u: _Uniforms, source: str):
        self._people = people
        self._u = u
        self._dob_missing = DOB_MISSING_RATE[source]

    def write(self, person: int, surname: int | None = None, role: str = "mother") -> _Written:
        """`surname` is the surname at the time (a mother's changes between sets); default birth."""
        if self._people.noise == "ocr":
            return self._write_ocr(person, surname, role)
        people, u = self._people, self._u
        child = role == "child"
        care = CHILD_NAME_NOISE_FACTOR if child else 1.0
        noise: list[str] = []
        forename = _written_name(FORENAMES[people.forename[person]], FORENAME_VARIANTS,
                                 FORENAME_VARIANT_RATE * care, NAME_TYPO_RATE * care, u, noise, "forename")
        written_surname = _written_name(SURNAMES[people.surname[person] if surname is None else surname],
                                        SURNAME_VARIANTS, SURNAME_VARIANT_RATE * care,
                                        NAME_TYPO_RATE * care, u, noise, "surname")
        middle = FORENAMES[people.middle[person]] if people.middle[person] >= 0 else ""
        if child:
            missing = CHILD_DOB_MISSING_RATE
        else:
            missing = self._dob_missing * (FATHER_DOB_MISSING_FACTOR if role == "father" else 1.0)
        dob = _written_dob(people.dob[person], missing, u, noise)
        return _Written(forename, middle, written_surname, dob, noise)

    def _write_ocr(self, person: int, surname: int | None, role: str) -> _Written:
        """The second noise model (NOISE_MODELS): details read back from paper."""
        people, u = self._people, self._u
        care = CHILD_NAME_NOISE_FACTOR if role == "child" else 1.0
        noise: list[str] = []
        forename = _ocr_name(FORENAMES[people.forename[person]], OCR_NAME_ERROR_RATE * care, u, noise, "forename")
        written_surname = _ocr_name(SURNAMES[people.surname[person] if surname is None else surname],
                                    OCR_NAME_ERROR_RATE * care, u, noise, "surname")
        if u() < OCR_NAMES_SWAPPED_RATE * care:
            forename, written_surname = written_surname, forename
            noise.append("names_swapped")
        if u() < OCR_FORENAME_BLANK_RATE * care:
            forename = ""
            noise.append("forename_blank")
        middle = FORENAMES[people.middle[person]] if people.middle[person] >= 0 else ""
        if role == "child":
            missing = CHILD_DOB_MISSING_RATE
        else:
            missing = self._dob_missing * (FATHER_DOB_MISSING_FACTOR if role == "father" else 1.0)
        dob = people.dob[person]
        if u() < missing:
            noise.append("dob_missing")
            dob = None
        elif u() < OCR_DOB_DIGIT_RATE * care:
            dob = _ocr_dob_digit(dob, u, noise)
        elif u() < OCR_DOB_YEAR_OFF_BY_ONE_RATE * care:
            day = date.fromordinal(dob)
            try:
                dob = day.replace(year=day.year + u.pick((-1, 1))).toordinal()
                noise.append("dob_year_off_by_one")
            except ValueError:  # 29 February
                pass
        return _Written(forename, middle, written_surname, dob, noise)


def _ocr_error(name: str, u: _Uniforms) -> str:
    """One character misread or mis-keyed anywhere in the name, the first letter included."""
    i = u.integer(0, len(name) - 1)
    kind = u.integer(0, 3)
    lower = name.lower()
    if kind == 0:
        for seen in (lower[i:i + 2], lower[i]):
            if seen in OCR_CONFUSIONS:
                read = OCR_CONFUSIONS[seen]
                read = read.capitalize() if name[i].isupper() else read
                return name[:i] + read + name[i + len(seen):]
    if kind == 1 and len(name) > 2:
        return name[:i] + name[i + 1:]
    if kind == 2:
        return name[:i] + u.pick(_LETTERS) + name[i:]
    letter = u.pick(_LETTERS)
    return name[:i] + (letter.upper() if name[i].isupper() else letter) + name[i + 1:]


def _ocr_name(name: str, rate: float, u: _Uniforms, noise: list[str], field_name: str) -> str:
    if name and u() < rate:
        read = _ocr_error(name, u)
        if u() < 0.15:
            read = _ocr_error(read, u)
        if read != name:
            noise.append(f"{field_name}_misread")
            return read
    return name


def _ocr_dob_digit(dob: int, u: _Uniforms, noise: list[str]) -> int:
    """One digit of YYYYMMDD misread, anywhere, as long as the result is still a date (a clerk
    would have queried 31/02) in a plausible century."""
    digits = date.fromordinal(dob).strftime("%Y%m%d")
    for _ in range(8):
        i = u.integer(0, 7)
        read = digits[:i] + u.pick(OCR_DIGIT_CONFUSIONS[digits[i]]) + digits[i + 1:]
        try:
            day = date(int(read[:4]), int(read[4:6]), int(read[6:]))
        except ValueError:
            continue
        if 1930 <= day.year <= 2025:
            noise.append("dob_digit_misread")
            return day.toordinal()
    return dob


def _mistype_case_number(number: str, u: _Uniforms) -> str:
    """One digit changed, or two adjacent digits swapped (never across the court code or 'C')."""
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    pairs = [i for i in digits if i + 1 in digits and number[i] != number[i + 1]]
    if pairs and u() < 0.5:
        i = u.pick(pairs)
        return number[:i] + number[i + 1] + number[i] + number[i + 2:]
    i = u.pick(digits)
    new_digit = u.pick([d for d in "0123456789" if d != number[i]])
    return number[:i] + new_digit + number[i + 1:]


# --- Files ---------------------------------------------------------------------------------------


class _ImpossibleDate(tuple):
    """A (year, month, day) that no calendar has, written in a file's date style."""

    def text(self, style: str) -> str:
        year, month, day = self
        if style == "iso":
            return f"{year}-{month:02d}-{day:02d}"
        if style == "dmon":
            return f"{day}-{_MONTHS[month]}-{year}"
        return f"{day:02d}/{month:02d}/{year}"  # dmy, and text in an Excel cell


class _Dates:
    """Day ordinals written in each style; cached, as a run writes few distinct dates many times."""

    def __init__(self):
        self._cache: dict[str, dict[int, object]] = {"iso": {}, "dmy": {}, "dmon": {}, "excel": {}}

    def render(self, style: str, value):
        if type(value) is int:
            cache = self._cache[style]
            written = cache.get(value)
            if written is None:
                written = cache[value] = self._write(style, date.fromordinal(value))
            return written
        if value is None:
            return None if style == "excel" else ""
        return value.text(style)

    @staticmethod
    def _write(style: str, day: date):
        if style == "iso":
            return day.isoformat()
        if style == "dmy":
            return f"{day.day:02d}/{day.month:02d}/{day.year}"
        if style == "dmon":
            return f"{day.day}-{_MONTHS[day.month]}-{day.year}"
        return day  # excel: a real date cell


def _finish_xlsx(path: Path, rows: int, columns: int) -> None:
    """Make a write-only openpyxl file look like one Excel saved, the same bytes every run.

    openpyxl stamps the save time into the zip entries and docProps/core.xml (pinned here), and
    leaves out the sheet's <dimension>, without which readers see ragged rows (added here).
    """
    stamp = XLSX_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    dimension = f'<dimension ref="A1:{get_column_letter(columns)}{rows}" />'.encode()
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(temporary, "w") as pinned:
        for info in original.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp,
                              original.read(info.filename))
                pinned.writestr(entry, data)
                continue
            with original.open(info) as source, pinned.open(entry, "w") as target:
                if info.filename.startswith("xl/worksheets/sheet"):
                    head = source.read(4096)
                    target.write(head.replace(b"<sheetViews>", dimension + b"<sheetViews>", 1))
                shutil.copyfileobj(source, target, 1 << 20)
    temporary.replace(path)


class _ExtractFile:
    """One extract file being written: canonical rows in, the file's headers and date style out."""

    def __init__(self, folder: Path, spec: FileSpec, layout: SourceLayout, dates: _Dates):
        self.spec = spec
        self.name = f"{layout.name}/{spec.name}"
        self.path = folder / spec.name
        self.first, self.last = spec.first.toordinal(), spec.last.toordinal()
        self.rows = 0
        self.unreadable_rows = 0
        self._dates = dates
        self._date_positions = [layout.columns.index(column) for column in layout.date_columns]
        header = [spec.headers.get(column, column) for column in layout.columns]
        self._columns = len(header)
        if spec.encoding == "xlsx":
            self._workbook = Workbook(write_only=True)
            self._workbook.properties.created = XLSX_TIMESTAMP
            self._sheet = self._workbook.create_sheet(XLSX_SHEET_TITLES[layout.name])
            self._sheet.append(header)
        else:
            self._handle = open(self.path, "w", encoding=spec.encoding, newline="")
            self._csv = csv.writer(self._handle)
            self._csv.writerow(header)

    def write(self, row: list) -> int:
        """Write one row; returns its row number as a spreadsheet shows it (the header is row 1)."""
        written = list(row)
        style = self.spec.date_style
        for position in self._date_positions:
            written[position] = self._dates.render(style, written[position])
        if self.spec.encoding == "xlsx":
            self._sheet.append([None if value == "" else value for value in written])
        else:
            self._csv.writerow(written)
        self.rows += 1
        return self.rows + 1

    def close(self) -> None:
        if self.spec.encoding == "xlsx":
            self._workbook.save(self.path)
            _finish_xlsx(self.path, rows=self.rows + 1, columns=self._columns)
        else:
            self._handle.close()


class _Truth:
    """The truth files that score linkage: who each person record is, where each case appears.

    person_records.csv: one row per person record as written (once, however many files or child
      rows repeat it). person_ref is `mother`/`father` (legal), `respondent_1`/`respondent_2`
      (court), the person_id as written (Cafcass), the la_person_id (care leavers, role `other`:
      the record has no role) or the review_id (trawl forms); children are `child:<n>`, n their
      place among that case's child rows in that source.
    service_enrolments.csv, prevented_sets.csv (with --service): who each service enrolled, when,
      after which true set, and the issue dates of the sets it prevented (which never happened).
    proceedings.csv: every reference each case is known by in legal, court and Cafcass; s31 sets
      are `S...`, other applications (EPO, private law) `N...`; issue_date is the true one (Cafcass
      may log an application a few days later).
    noise.csv: the deliberate slips per record (forename_variant, dob_day_month_swapped, ...).
    pre_proceedings.csv: each pre-proceedings case's parents (true ids; `N...` is someone in no other
      record) and their true s31 sets before the case started (count, children, last issue date).
    unreadable_rows.csv: rows made unreadable, by file and row number (the header is row 1).
    mothers.csv and summary.json are written by `generate` at the end.
    """

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._handles = []
        self._people = self._open(folder / "person_records.csv",
                                  ("source", "source_case_ref", "role", "person_ref", "true_person_id"))
        self._proceedings = self._open(folder / "proceedings.csv", (
            "true_set_id", "source", "source_case_ref", "is_s31", "issue_date", "true_mother_id"))
        self._noise = self._open(folder / "noise.csv",
                                 ("source", "source_case_ref", "person_ref", "noise"))
        self._unreadable = self._open(folder / "unreadable_rows.csv", (
            "source", "file_name", "row_number", "source_case_ref", "column", "problem"))
        self._folder = folder
        self._enrolments = self._prevented = None
        self.noise_counts: dict[str, dict[str, int]] = {}

    def _open(self, path: Path, header: tuple[str, ...]):
        handle = open(path, "w", encoding="utf-8", newline="")
        self._handles.append(handle)
        writer = csv.writer(handle)
        writer.writerow(header)
        return writer

    def person(self, source: str, case_ref: str, role: str, person_ref: str, true_id: str,
               noise: Sequence[str] = ()) -> None:
        self._people.writerow((source, case_ref, role, person_ref, true_id))
        for label in noise:
            self.noted(source, case_ref, person_ref, label)

    def noted(self, source: str, case_ref: str, person_ref: str, label: str) -> None:
        self._noise.writerow((source, case_ref, person_ref, label))
        counts = self.noise_counts.setdefault(source, {})
        counts[label] = counts.get(label, 0) + 1

    def proceeding(self, population: _Population, case: int, source: str, case_ref: str) -> None:
        cases = population.case
        self._proceedings.writerow((
            cases["true_set_id"][case], source, case_ref,
            "true" if cases["kind"][case] in S31_KINDS else "false",
            date.fromordinal(cases["issue"][case]).isoformat(),
            population.people.true_id[cases["mother"][case]],
        ))

    def unreadable(self, source: str, file_name: str, row_number: int, case_ref: str,
                   column: str, problem: str) -> None:
        self._unreadable.writerow((source, file_name, row_number, case_ref, column, problem))

    def enrolment(self, enrolment: _Enrolment, participant_id: str, true_id: str, last_set_id: str) -> None:
        """Written only when there is a service (`--service`)."""
        if self._enrolments is None:
            self._enrolments = self._open(self._folder / "service_enrolments.csv", (
                "service", "participant_id", "true_person_id", "referral_date", "start_date", "end_date",
                "sets_before_start", "last_true_set_id", "sets_prevented"))
            self._prevented = self._open(self._folder / "prevented_sets.csv", (
                "service", "participant_id", "true_person_id", "would_have_been_issued"))
        iso = lambda day: date.fromordinal(day).isoformat()  # noqa: E731
        self._enrolments.writerow((
            enrolment.service, participant_id, true_id, iso(enrolment.referral), iso(enrolment.start),
            "" if enrolment.end < 0 else iso(enrolment.end), enrolment.sets_before, last_set_id,
            len(enrolment.prevented)))
        for day in enrolment.prevented:
            self._prevented.writerow((enrolment.service, participant_id, true_id, iso(day)))

    def close(self) -> None:
        for handle in self._handles:
            handle.close()


class _SourceWriter:
    """Sends each row to every file of one source whose date range covers it, and makes a few
    rows unreadable (an impossible date, or a blank required value) for quarantine to find."""

    def __init__(self, out_dir: Path, layout: SourceLayout, truth: _Truth, dates: _Dates, seed: int):
        folder = out_dir / layout.name
        folder.mkdir(parents=True, exist_ok=True)
        self.layout = layout
        self.files = [_ExtractFile(folder, spec, layout, dates) for spec in FILES[layout.name]]
        self.unreadable_records = 0
        self._truth = truth
        self._u = _Uniforms(_rng(seed, f"{layout.name} unreadable"))
        self._date_positions = [layout.columns.index(c) for c in layout.date_columns]
        self._blankable = [layout.columns.index(c) for c in BLANKABLE_REQUIRED[layout.name]]
        self._unreadable_rate = UNREADABLE_ROW_RATE[layout.name]

    def add(self, route_day: int, row: list, case_ref: str) -> None:
        problem = self._maybe_make_unreadable(row) if self._u() < self._unreadable_rate else None
        for extract in self.files:
            if extract.first <= route_day <= extract.last:
                row_number = extract.write(row)
                if problem:
                    extract.unreadable_rows += 1
                    self._truth.unreadable(self.layout.name, extract.name, row_number, case_ref, *problem)

    def _maybe_make_unreadable(self, row: list) -> tuple[str, str] | None:
        u = self._u
        if self._blankable and u() < UNREADABLE_BLANK_SHARE:
            position = u.pick(self._blankable)
            row[position] = None if position in self._date_positions else ""
            self.unreadable_records += 1
            return self.layout.columns[position], "blank required value"
        filled = [p for p in self._date_positions if type(row[p]) is int]
        if not filled:
            return None
        position = u.pick(filled)
        day, month = u.pick(IMPOSSIBLE_DAY_MONTH)
        row[position] = _ImpossibleDate((date.fromordinal(row[position]).year, month, day))
        self.unreadable_records += 1
        return self.layout.columns[position], "impossible date"

    def close(self) -> dict:
        for extract in self.files:
            extract.close()
        return {extract.name: {"rows": extract.rows, "unreadable_rows": extract.unreadable_rows,
                               "encoding": extract.spec.encoding, "date_style": extract.spec.date_style}
                for extract in self.files}


# --- The five sources ----------------------------------------------------------------------------


def _cases_in(population: _Population, source_flag: str) -> list[int]:
    return [i for i, present in enumerate(population.case[source_flag]) if present]


def _children_of(population: _Population, case: int) -> list[int]:
    start = population.case["child_start"][case]
    return population.children[start:start + population.case["child_count"][case]]


def _write_legal(population: _Population, writer: _SourceWriter, truth: _Truth, seed: int) -> dict:
    """One row per child per s31 set from April 2014; parents repeated on each child's row."""
    people, case = population.people, population.case
    u = _Uniforms(_rng(seed, "legal"))
    clerk = _Clerk(people, u, "legal")
    for i in _cases_in(population, "in_legal"):
        ref, issue = case["legal_ref"][i], case["issue"][i]
        court_number = ""
        if case["court_number"][i] and u() < LEGAL_COURT_NUMBER_FILLED_RATE:
            court_number = case["court_number"][i]
            if u() < COURT_NUMBER_MISTYPED_RATE:
                court_number = _mistype_case_number(court_number, u)
                truth.noted("legal", ref, "", "court_case_no_mistyped")
        truth.proceeding(population, i, "legal", ref)
        mother = clerk.write(case["mother"][i], case["surname"][i])
        truth.person("legal", ref, "mother", "mother", people.true_id[case["mother"][i]], mother.noise)
        father_fields = ["", "", None]
        if case["father"][i] >= 0 and u() < LEGAL_RECORDS_FATHER_RATE:
            father = clerk.write(case["father"][i], role="father")
            father_fields = [father.forename, father.surname, father.dob]
            truth.person("legal", ref, "father", "father", people.true_id[case["father"][i]], father.noise)
        final_order = case["outcome"][i].title()
        final_order_date = case["outcome_date"][i] if case["outcome_date"][i] >= 0 else None
        la_code = LOCAL_AUTHORITIES[case["la"][i]].code
        for n, child in enumerate(_children_of(population, i), 1):
            written = clerk.write(child, role="child")
            writer.add(issue, [
                ref, court_number, issue, la_code, written.forename, written.surname, written.dob,
                "F" if people.female[child] else "M", mother.forename, mother.surname, mother.dob,
                *father_fields, final_order, final_order_date,
            ], ref)
            truth.person("legal", ref, "child", f"child:{n}", people.true_id[child], written.noise)
    return {}


def _court_name(written: _Written, style: str) -> str:
    if style == "surname_first":
        return f"{written.surname.upper()}, {written.forename}"
    if style == "with_middle" and written.middle:
        return f"{written.forename} {written.middle} {written.surname}"
    return f"{written.forename} {written.surname}"


def _write_court(population: _Population, writer: _SourceWriter, truth: _Truth, seed: int) -> dict:
    """FamilyMan-style list: one row per child per case, all applications, whole names in one field."""
    people, case = population.people, population.case
    u = _Uniforms(_rng(seed, "court"))
    clerk = _Clerk(people, u, "court")
    name_style = _Weighted(COURT_NAME_STYLES)
    wording = {kind: _Weighted(texts) for kind, texts in COURT_APPLICATION_WORDING.items()}
    for i in _cases_in(population, "in_court"):
        number, issue, kind = case["court_number"][i], case["issue"][i], case["kind"][i]
        truth.proceeding(population, i, "court", number)
        parties = [("mother", case["mother"][i], case["surname"][i])]
        if case["father"][i] >= 0 and u() < COURT_LISTS_FATHER_RATE:
            parties.append(("father", case["father"][i], None))
        elif case["court_relative"][i] >= 0:
            relative = case["court_relative"][i]
            parties.append((population.relative_label[relative], relative, None))
        if len(parties) == 2 and u() >= COURT_MOTHER_IN_FIRST_SLOT_RATE:
            parties.reverse()
        respondents: list = []
        for slot, (relationship, person, surname) in enumerate(parties, 1):
            role = relationship if relationship in ("mother", "father") else "other"
            written = clerk.write(person, surname, role)
            truth.person("court", number, role, f"respondent_{slot}", people.true_id[person], written.noise)
            shown = relationship.capitalize() if u() < COURT_RELATIONSHIP_CAPITALISED_RATE else relationship
            respondents += [_court_name(written, name_style.draw(u)), written.dob, shown]
        respondents += ["", None, ""] * (2 - len(parties))
        application = wording[kind].draw(u)
        applicant = "" if kind == PRIVATE_LAW else LOCAL_AUTHORITIES[case["la"][i]].name
        outcome = case["outcome"][i].capitalize()
        outcome_date = case["outcome_date"][i] if case["outcome_date"][i] >= 0 else None
        court = COURT_NAMES[COURT_CODES[case["court"][i]]]
        for n, child in enumerate(_children_of(population, i), 1):
            written = clerk.write(child, role="child")
            writer.add(issue, [
                number, court, issue, application, applicant, _court_name(written, name_style.draw(u)),
                written.dob, *respondents, outcome, outcome_date,
            ], number)
            truth.person("court", number, "child", f"child:{n}", people.true_id[child], written.noise)
    return {}


def _write_cafcass(population: _Population, writer: _SourceWriter, truth: _Truth, seed: int) -> dict:
    """One row per person per case; person ids mostly stable, but some mothers gain a second id."""
    people, case = population.people, population.case
    u = _Uniforms(_rng(seed, "cafcass"))
    clerk = _Clerk(people, u, "cafcass")
    all_districts = HOME_LA.postcode_districts + NEIGHBOUR_LA.postcode_districts
    person_ids: dict[int, str] = {}
    next_id = u.integer(4_000_000, 4_100_000)
    mothers_with_second_id: set[int] = set()
    end = EXTRACT_END.toordinal()

    def new_id() -> str:
        nonlocal next_id
        next_id += u.integer(1, 40)
        return str(next_id)

    for i in _cases_in(population, "in_cafcass"):
        case_id, kind = case["cafcass_id"][i], case["kind"][i]
        applied = min(case["issue"][i] + (u.integer(1, 3) if u() < CAFCASS_DATE_LAG_RATE else 0), end)
        truth.proceeding(population, i, "cafcass", case_id)
        mother, home = case["mother"][i], case["postcode"][i]
        if mother in person_ids and mother not in mothers_with_second_id and u() < CAFCASS_SECOND_ID_RATE:
            person_ids[mother] = new_id()
            mothers_with_second_id.add(mother)
            truth.noted("cafcass", case_id, person_ids[mother], "second_person_id")
        parties = [("mother", mother, case["surname"][i], home)]
        if case["father"][i] >= 0 and u() < CAFCASS_RECORDS_FATHER_RATE:
            shares = u() < CAFCASS_FATHER_SHARES_POSTCODE_RATE
            parties.append(("father", case["father"][i], None, home if shares else u.pick(all_districts)))
        parties += [("child", child, None, home) for child in _children_of(population, i)]
        if case["cafcass_relative"][i] >= 0:
            parties.append(("other", case["cafcass_relative"][i], None, u.pick(all_districts)))
        application_type = CAFCASS_APPLICATION_TYPES[kind]
        la_code = LOCAL_AUTHORITIES[case["la"][i]].code
        children = 0
        for role, person, surname, postcode in parties:
            if person not in person_ids:
                person_ids[person] = new_id()
            written = clerk.write(person, surname, role)
            sex = "" if u() < SEX_BLANK_RATE else ("Female" if people.female[person] else "Male")
            writer.add(applied, [
                case_id, applied, application_type, la_code, person_ids[person], role,
                written.forename, written.surname, written.dob, sex,
                "" if u() < POSTCODE_BLANK_RATE else postcode, case["outcome"][i],
            ], case_id)
            if role == "child":
                children += 1
                person_ref = f"child:{children}"
            else:
                person_ref = person_ids[person]
            truth.person("cafcass", case_id, role, person_ref, people.true_id[person], written.noise)
    return {"mothers_with_second_person_id": len(mothers_with_second_id)}


def _write_care_leavers(population: _Population, writer: _SourceWriter, truth: _Truth, seed: int) -> dict:
    """Care-experienced mothers (current surname, birth surname as former) and care leavers who
    never appear in proceedings; one row each, filed by the date they left care."""
    people = population.people
    rng = _rng(seed, "care_leavers")
    u = _Uniforms(rng)
    clerk = _Clerk(people, u, "care_leavers")
    in_care = np.flatnonzero(population.mother_in_care)
    person = np.concatenate([population.mother_person[in_care], population.care_leaver_distractors])
    n = len(person)
    birth_surname = np.array(people.surname)[person]
    female = np.array(people.female)[person]
    current_surname = birth_surname.copy()
    current_surname[:len(in_care)] = population.mother_last_surname[in_care]
    distractor = np.arange(n) >= len(in_care)
    renamed = distractor & female & (rng.random(n) < CARE_LEAVER_SURNAME_CHANGED_RATE)
    current_surname[renamed] = _draw_surnames(rng, int(renamed.sum()))

    dob = np.array(people.dob)[person]
    bands = _Weighted(ENTERED_CARE_AGE_BANDS)
    band = np.array(bands.options)[bands.draw_many(rng, n)]
    entered = dob + _years(rng.uniform(band[:, 0], band[:, 1]))
    leaving = _Weighted(LEFT_CARE)
    how = np.array(leaving.options)[leaving.draw_many(rng, n)]
    eighteenth = dob + _years(18)
    left = np.select(
        [how == "at_18", how == "went_home"],
        [eighteenth + rng.integers(0, 61, n),
         entered + (rng.uniform(0.05, 1.0, n) * np.maximum(eighteenth - entered, 0)).astype(np.int64)],
        dob + _years(rng.uniform(16, 18, n)),
    )
    left = np.maximum(left, entered + 30)
    end = EXTRACT_END.toordinal()
    still_in_care = left > end
    route = np.where(still_in_care, end, left)
    moves = rng.negative_binomial(*PLACEMENT_MOVES_NEGATIVE_BINOMIAL, n) + 1
    # Looked after by her authority in the region (a distractor's drawn), a few by the one outside it.
    region = population.authorities
    looked_after_by = np.concatenate([
        population.mother_home_authority[in_care],
        _rng(seed, "care_leaver_authorities").integers(0, region, n - len(in_care)),
    ])
    la = np.where(rng.random(n) < CARE_LEAVER_NEIGHBOUR_LA_RATE, region, looked_after_by)
    ids = rng.permutation(1_000_000 + np.cumsum(rng.integers(1, 60, n)))
    for k in np.lexsort((ids, route)).tolist():
        la_person_id = str(ids[k])
        written = clerk.write(int(person[k]), int(current_surname[k]), role="other")
        former = SURNAMES[birth_surname[k]] if current_surname[k] != birth_surname[k] else ""
        writer.add(int(route[k]), [
            la_person_id, written.forename, written.surname, former, written.dob,
            "F" if female[k] else "M", int(entered[k]), None if still_in_care[k] else int(left[k]),
            int(moves[k]), LOCAL_AUTHORITIES[la[k]].code,
        ], la_person_id)
        truth.person("care_leavers", la_person_id, "other", la_person_id, people.true_id[person[k]],
                     written.noise)
    return {"care_experienced_mothers": len(in_care), "distractors": int(distractor.sum())}


def _write_case_file_reviews(population: _Population, writer: _SourceWriter, truth: _Truth,
                             seed: int) -> dict:
    """Trawl forms for a sample of recurrent mothers, read after her second set."""
    people, case = population.people, population.case
    rng = _rng(seed, "case_file_review")
    u = _Uniforms(rng)
    clerk = _Clerk(people, u, "case_file_review")
    recurrent = np.flatnonzero(population.mother_sets > 1)
    sampled = recurrent[rng.random(len(recurrent)) < CASE_FILE_REVIEW_SAMPLE_RATE]
    end = REVIEW_PERIOD[1].toordinal()
    after_second_set = population.mother_second_set[sampled] + 30
    earliest = np.minimum(np.maximum(REVIEW_PERIOD[0].toordinal(), after_second_set), end)
    reviewed = earliest + (rng.random(len(sampled)) * (end - earliest + 1)).astype(np.int64)

    sets_of: dict[int, list[int]] = {}
    for i, kind in enumerate(case["kind"]):
        if kind in S31_KINDS:
            sets_of.setdefault(case["mother_no"][i], []).append(i)
    answers = {question: _Weighted(options) for question, options in REVIEW_ANSWERS.items()}
    reasons_in_order = ("neglect", "emotional abuse", "physical abuse", "sexual abuse",
                        "domestic abuse exposure", "parental substance misuse",
                        "parental mental health", "other")
    width = max(4, len(str(len(sampled))))
    for number, k in enumerate(np.lexsort((sampled, reviewed)).tolist(), 1):
        mother_no, reviewed_on = int(sampled[k]), int(reviewed[k])
        review_id = f"CFR-{number:0{width}d}"
        her_sets = [i for i in sets_of[mother_no] if case["issue"][i] <= reviewed_on]
        removed = sum(case["child_count"][i] for i in her_sets[:-1]
                      if case["outcome"][i] in CHILD_REMOVED_OUTCOMES)
        removed += u() < REVIEW_EXTRA_REMOVAL_RATE
        mother = int(population.mother_person[mother_no])
        eldest_birth = min(people.dob[_children_of(population, i)[0]] for i in her_sets)
        age_at_first_pregnancy: int | str = int((eldest_birth - 270 - people.dob[mother]) // DAYS_PER_YEAR)
        if u() < REVIEW_EARLIER_PREGNANCY_RATE:
            age_at_first_pregnancy = max(12, age_at_first_pregnancy - u.integer(1, 3))
        if u() < REVIEW_AGE_AT_FIRST_PREGNANCY_BLANK_RATE:
            age_at_first_pregnancy = ""
        in_care = "yes" if population.mother_in_care[mother_no] else "no"
        if u() < REVIEW_UNKNOWN_IN_CARE_RATE:
            in_care = "unknown"
        said = {question: chooser.draw(u) for question, chooser in answers.items()}
        reasons = {reason for reason, rate in REMOVAL_REASON_RATES.items() if u() < rate}
        misuses = said["substance_misuse"] in ("drugs", "alcohol", "both")
        for answer, reason in ((said["domestic_abuse"] == "yes", "domestic abuse exposure"),
                               (misuses, "parental substance misuse"),
                               (said["mental_health"] == "yes", "parental mental health")):
            if answer and u() < REASON_FROM_ANSWER_RATE:
                reasons.add(reason)
        reasons = reasons or {"neglect"}
        written = clerk.write(mother, case["surname"][her_sets[-1]])
        writer.add(reviewed_on, [
            review_id, "", written.forename, written.surname, written.dob, reviewed_on,
            u.pick(REVIEWERS), removed, ";".join(r for r in reasons_in_order if r in reasons),
            age_at_first_pregnancy, in_care, said["mental_health"], said["domestic_abuse"],
            said["learning_disability"], said["substance_misuse"],
        ], review_id)
        truth.person("case_file_review", review_id, "mother", review_id, people.true_id[mother],
                     written.noise)
    return {"reviews": len(sampled)}


def _write_service_participants(population: _Population, writer: _SourceWriter, truth: _Truth,
                                seed: int) -> dict:
    """The list each service keeps: one row per mother it enrolled, filed by start date; the
    truth of who was enrolled, and which sets the service prevented, in truth/."""
    people, case = population.people, population.case
    u = _Uniforms(_rng(seed, "service_participants"))
    clerk = _Clerk(people, u, "service_participants")
    sex = _Weighted(SERVICE_SEX_WRITTEN)
    sets_of: dict[int, list[int]] = {}
    for i, kind in enumerate(case["kind"]):
        if kind in S31_KINDS:
            sets_of.setdefault(case["mother_no"][i], []).append(i)
    serials: dict[str, int] = {}
    for enrolment in sorted(population.enrolments, key=lambda e: (e.start, e.service, e.mother_no)):
        prefix = ServiceSpec(enrolment.service, WINDOW_START, 0, 0).id_prefix
        serials[enrolment.service] = serials.get(enrolment.service, 0) + 1
        participant_id = f"{prefix}-{serials[enrolment.service]:05d}"
        her_sets = [i for i in sets_of[enrolment.mother_no] if case["issue"][i] <= enrolment.start]
        last = her_sets[-1]
        mother = int(population.mother_person[enrolment.mother_no])
        written = clerk.write(mother, case["surname"][last])
        writer.add(enrolment.start, [
            participant_id, enrolment.service, "", written.forename, written.surname, written.dob,
            sex.draw(u), enrolment.referral, enrolment.start, None if enrolment.end < 0 else enrolment.end,
            LOCAL_AUTHORITIES[case["la"][last]].code,
        ], participant_id)
        truth.person("service_participants", participant_id, "mother", enrolment.service,
                     people.true_id[mother], written.noise)
        truth.enrolment(enrolment, participant_id, people.true_id[mother], case["true_set_id"][last])
    by_service: dict[str, dict] = {}
    for enrolment in population.enrolments:
        figures = by_service.setdefault(enrolment.service, {"participants": 0, "sets_prevented": 0})
        figures["participants"] += 1
        figures["sets_prevented"] += len(enrolment.prevented)
    return {"services": by_service}


class _Newcomers:
    """People in no other record (pre-proceedings parents new to the authority), in the shape
    _Clerk reads; true ids `N...`."""

    def __init__(self, noise: str):
        self.female, self.forename, self.middle, self.surname, self.dob, self.true_id = [], [], [], [], [], []
        self.noise = noise  # written with the same noise model as everyone else

    def add(self, rng, female: bool, dob: int) -> int:
        pool = "woman" if female else "man"
        self.female.append(female)
        self.forename.append(int(_draw_forenames(rng, pool, 1)[0]))
        self.middle.append(int(_draw_middle_names(rng, pool, 1, ADULT_MIDDLE_NAME_RATE)[0]))
        self.surname.append(int(_draw_surnames(rng, 1)[0]))
        self.dob.append(int(dob))
        self.true_id.append(f"N{len(self.true_id) + 1:06d}")
        return len(self.true_id) - 1


def _write_pre_proceedings(population: _Population, writer: _SourceWriter, truth: _Truth, seed: int) -> dict:
    """Current and recent pre-proceedings (PLO) and pre-birth cases, one row each, filed by start
    date; truth/pre_proceedings.csv says who each parent is and how many s31 sets each truly had
    before the case started."""
    people, case = population.people, population.case
    rng = _rng(seed, "pre_proceedings")
    u = _Uniforms(rng)
    clerk = _Clerk(people, u, "pre_proceedings")
    newcomers = _Newcomers(people.noise)
    new_clerk = _Clerk(newcomers, u, "pre_proceedings")
    first_day, last_day = (day.toordinal() for day in PRE_PROCEEDINGS_PERIOD)

    mother_no_of = {person: number for number, person in enumerate(population.mother_person.tolist())}
    sets_of_mother: dict[int, list[int]] = {}
    sets_of_father: dict[int, list[int]] = {}
    for i, kind in enumerate(case["kind"]):
        if kind in S31_KINDS:
            sets_of_mother.setdefault(case["mother_no"][i], []).append(i)
            if case["father"][i] >= 0:
                sets_of_father.setdefault(case["father"][i], []).append(i)

    def age_ok(dob: int, on: int) -> bool:
        low, high = PRE_PROCEEDINGS_AGE
        return _years(low) <= on - dob <= _years(high)

    mothers = len(population.mother_person)
    wanted = max(1, int(round(PRE_PROCEEDINGS_CASES_PER_MOTHER * mothers)))
    kinds = _Weighted(PRE_PROCEEDINGS_MOTHERS)
    escalating = [i for i in range(len(case["kind"])) if case["kind"][i] in S31_KINDS
                  and first_day + PRE_PROCEEDINGS_ESCALATION_DAYS[1] <= case["issue"][i] <= last_day]
    distractor_women = [int(p) for p in population.care_leaver_distractors.tolist() if people.female[p]]
    used_mothers: set[int] = set()
    drawn = []  # (start, mother person or None, mother is newcomer, father person, father is newcomer, closed, surname)
    attempts = 0
    while len(drawn) < wanted and attempts < wanted * 50:
        attempts += 1
        kind = kinds.draw(u)
        start = u.integer(first_day, last_day)
        father, father_new, closed, surname = -1, False, None, None
        if kind == "escalated":
            if not escalating:
                continue
            i = u.pick(escalating)
            mother_no = case["mother_no"][i]
            mother = int(population.mother_person[mother_no])
            start = case["issue"][i] - u.integer(*PRE_PROCEEDINGS_ESCALATION_DAYS)
            if mother in used_mothers or not age_ok(people.dob[mother], start):
                continue
            closed, surname = case["issue"][i], case["surname"][i]
            if case["father"][i] >= 0 and u() < PRE_PROCEEDINGS_FATHER_NAMED_RATE:
                father = case["father"][i]
            drawn.append((start, mother, False, father, False, closed, surname))
            used_mothers.add(mother)
            continue
        if kind == "returning":
            mother_no = u.integer(0, mothers - 1)
            mother = int(population.mother_person[mother_no])
            before = [i for i in sets_of_mother.get(mother_no, []) if case["issue"][i] < start]
            if (mother in used_mothers or not before or not age_ok(people.dob[mother], start)
                    or start - case["issue"][before[-1]] < PRE_PROCEEDINGS_MIN_DAYS_AFTER_SET):
                continue
            last = before[-1]
            surname = case["surname"][last]
            if u() < PRE_PROCEEDINGS_FATHER_NAMED_RATE:
                if case["father"][last] >= 0 and u() < PRE_PROCEEDINGS_SAME_FATHER_RATE:
                    father = case["father"][last]
                else:
                    father, father_new = newcomers.add(rng, False, people.dob[mother] + _years(u.integer(0, 8))), True
            drawn.append((start, mother, False, father, father_new, None, surname))
            used_mothers.add(mother)
            continue
        if kind == "care_leaver":
            if not distractor_women:
                continue
            mother, mother_new = u.pick(distractor_women), False
            if mother in used_mothers or not age_ok(people.dob[mother], start):
                continue
            used_mothers.add(mother)
        else:
            low, high = PRE_PROCEEDINGS_AGE
            mother, mother_new = newcomers.add(rng, True, start - _years(low + (high - low) * u() ** 1.5)), True
        if u() < PRE_PROCEEDINGS_FATHER_NAMED_RATE:
            mother_dob = (newcomers if mother_new else people).dob[mother]
            father, father_new = newcomers.add(rng, False, mother_dob + _years(u.integer(0, 8))), True
        drawn.append((start, mother, mother_new, father, father_new, None, None))

    path = truth.folder / "pre_proceedings.csv"
    stages = _Weighted(PRE_PROCEEDINGS_STAGES)
    width = max(5, len(str(len(drawn))))
    la_code = LOCAL_AUTHORITIES[0].code
    with open(path, "w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(("pre_proceedings_ref", "role", "true_person_id", "true_earlier_sets",
                       "true_children_in_earlier_sets", "true_last_set_issue_date"))
        for number, (start, mother, mother_new, father, father_new, closed, surname) in enumerate(
                sorted(drawn, key=lambda d: d[0]), 1):
            ref = f"PP{number:0{width}d}"
            stage = stages.draw(u)
            due = start + u.integer(*PRE_BIRTH_DUE_DAYS) if "birth" in stage.lower() else None
            if closed is None and u() < PRE_PROCEEDINGS_CLOSED_RATE:
                ended = start + u.integer(*PRE_PROCEEDINGS_DURATION_DAYS)
                closed = ended if ended <= last_day else None
            parents = []
            for role, person, is_new in (("mother", mother, mother_new), ("father", father, father_new)):
                if person < 0:
                    parents.append(("", "", None))
                    continue
                written = (new_clerk if is_new else clerk).write(
                    person, surname if role == "mother" and not is_new else None, role=role)
                parents.append((written.forename, written.surname, written.dob))
                true_id = newcomers.true_id[person] if is_new else people.true_id[person]
                for label in written.noise:
                    truth.noted("pre_proceedings", ref, role, label)
                if is_new:
                    their_sets = []
                elif role == "mother":
                    their_sets = sets_of_mother.get(mother_no_of.get(person, -1), [])
                else:
                    their_sets = sets_of_father.get(person, [])
                earlier = [i for i in their_sets if case["issue"][i] < start]
                rows.writerow((ref, role, true_id, len(earlier), sum(case["child_count"][i] for i in earlier),
                               date.fromordinal(case["issue"][earlier[-1]]).isoformat() if earlier else ""))
            writer.add(start, [ref, start, stage, la_code, *parents[0], *parents[1], due, closed], ref)
    return {"cases": len(drawn), "newcomers": len(newcomers.true_id)}


SOURCE_WRITERS = (
    (LEGAL, _write_legal), (COURT, _write_court), (CAFCASS, _write_cafcass),
    (CARE_LEAVERS, _write_care_leavers), (CASE_FILE_REVIEW, _write_case_file_reviews),
    (SERVICE_PARTICIPANTS, _write_service_participants),
    (PRE_PROCEEDINGS, _write_pre_proceedings),
)

# --- Truth figures -------------------------------------------------------------------------------


def _return_probability(first: np.ndarray, second: np.ndarray, years: float) -> float:
    """1 - Kaplan-Meier survival at `years`: the event is a further set, censored at the extract end."""
    returned = second >= 0
    time = np.where(returned, second - first, EXTRACT_END.toordinal() - first)
    event_times, events = np.unique(time[returned & (time <= years * DAYS_PER_YEAR)], return_counts=True)
    at_risk = len(time) - np.searchsorted(np.sort(time), event_times, side="left")
    return float(1 - np.prod(1 - events / at_risk))


def _write_mothers(population: _Population, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("true_person_id", "first_set_date", "age_at_first_set", "s31_sets",
                         "in_care_as_child", "teen_at_first_set"))
        true_id = population.people.true_id
        for person, first, age, sets, in_care, teen in zip(
                population.mother_person.tolist(), population.mother_first_set.tolist(),
                population.mother_age_at_first_set.tolist(), population.mother_sets.tolist(),
                population.mother_in_care.tolist(), population.mother_teen.tolist()):
            writer.writerow((true_id[person], date.fromordinal(first).isoformat(), age, sets,
                             "true" if in_care else "false", "true" if teen else "false"))


def _share(part, whole) -> float:
    return round(float(part) / float(whole), 4) if whole else 0.0


def _population_figures(population: _Population) -> dict:
    sets, case = population.sets, population.case
    kind = np.array(case["kind"])
    s31 = np.isin(kind, S31_KINDS)
    child_count = np.array(case["child_count"])
    child_start = np.array(case["child_start"])
    issue = np.array(case["issue"])
    mother_no = np.array(case["mother_no"])
    dob = np.array(population.people.dob)
    children = np.array(population.children)
    youngest = dob[children[child_start + child_count - 1]]
    baby = (issue - youngest) < 28
    # A recurrent set: her earlier set is in the data; sets are in date order per mother.
    set_numbers = np.zeros(len(kind), dtype=np.int64)
    seen: dict[int, int] = {}
    for i in np.flatnonzero(s31).tolist():
        seen[mother_no[i]] = set_numbers[i] = seen.get(mother_no[i], 0) + 1
    recurrent = s31 & (set_numbers > 1)
    first = s31 & (set_numbers == 1)
    counts = population.mother_sets
    recurrent_mothers = counts > 1
    teen = population.mother_teen
    first_set, second = population.mother_first_set, population.mother_second_set
    in_court = np.array(case["in_court"])
    court_rows = child_count[in_court]
    return {
        "mothers": int(len(counts)),
        "s31_sets": int(s31.sum()),
        "recurrent_sets": int(recurrent.sum()),
        "recurrent_set_share": _share(recurrent.sum(), s31.sum()),
        "recurrent_mothers": int(recurrent_mothers.sum()),
        "mothers_by_number_of_sets": {str(k): int(v) for k, v in
                                      zip(*np.unique(counts, return_counts=True))},
        "return_within_7_years": {
            group: round(_return_probability(first_set[who], second[who], RETURN_HORIZON_YEARS), 4)
            for group, who in (("all", np.ones(len(teen), bool)), ("under_20_at_first_set", teen),
                               ("20_and_over_at_first_set", ~teen))
        },
        "recurrent_sets_with_baby_under_4_weeks_share": _share((baby & recurrent).sum(), recurrent.sum()),
        "first_sets_with_baby_under_4_weeks_share": _share((baby & first).sum(), first.sum()),
        "recurrent_mothers_in_care_as_child_share": _share(
            (population.mother_in_care & recurrent_mothers).sum(), recurrent_mothers.sum()),
        "mothers_in_care_as_child_share": _share(population.mother_in_care.sum(), len(counts)),
        "age_at_first_set_median": float(np.median(population.mother_age_at_first_set)),
        "under_20_at_first_set_share": _share(teen.sum(), len(counts)),
        "sibling_set_share": _share((s31 & (child_count > 1)).sum(), s31.sum()),
        "sets_naming_father_share": _share((s31 & (np.array(case["father"]) >= 0)).sum(), s31.sum()),
        "sets_with_surname_change_share_of_later_sets": _share(
            sets["surname_changed"][sets["number"] > 1].sum(), (sets["number"] > 1).sum()),
        "sets_in_neighbouring_la": int((s31 & (np.array(case["la"]) == population.authorities)).sum()),
        "s31_sets_by_la_code": {
            LOCAL_AUTHORITIES[number].code: int((s31 & (np.array(case["la"]) == number)).sum())
            for number in range(population.authorities + 1)
        },
        "other_applications": {"epo": int((kind == EPO).sum()),
                               "private_law": int((kind == PRIVATE_LAW).sum())},
        "court_non_s31_row_share": _share(court_rows[~s31[in_court]].sum(), court_rows.sum()),
        "s31_sets_by_source": {
            "legal": int((s31 & np.array(case["in_legal"])).sum()),
            "court": int((s31 & in_court).sum()),
            "cafcass": int((s31 & np.array(case["in_cafcass"])).sum()),
        },
    }


# --- Entry point ---------------------------------------------------------------------------------


def generate(out_dir: Path, mothers: int, seed: int = 1,
             progress: Callable[[str], None] | None = None, authorities: int = 1,
             services: Sequence[ServiceSpec] = (), noise: str = DEFAULT_NOISE) -> dict:
    """Write <out_dir>/{legal,court,cafcass,care_leavers,case_file_review}/... extracts and
    <out_dir>/truth/...; return the summary dict (also written to truth/summary.json).

    `authorities` > 1 writes the extracts of that many neighbouring authorities together (a
    region, such as a combined authority), with some mothers moving between them.
    `services` adds recurrent-care services with a known effect (ServiceSpec) and their
    participant lists in service_participants/; without one, that folder is not written.
    `noise` is how people's details are written: "clerical" (the default: nicknames, spelling
    slips after the first letter, day/month swaps...) or "ocr" (read back from paper: character
    errors anywhere, misread date digits, names in each other's boxes, blank forenames).
    Byte-identical for the same (mothers, seed, authorities, services, noise). Files of the same names are overwritten.
    """
    if noise not in NOISE_MODELS:
        raise ValueError(f"noise must be one of {', '.join(NOISE_MODELS)}")
    if mothers < 1:
        raise ValueError("mothers must be at least 1")
    if not 1 <= authorities <= MAX_AUTHORITIES:
        raise ValueError(f"authorities must be from 1 to {MAX_AUTHORITIES}")
    out_dir = Path(out_dir)
    report = progress or (lambda message: None)
    if len({service.name for service in services}) < len(services):
        raise ValueError("each --service needs its own name")
    population = _simulate(mothers, seed, authorities, services)
    population.people.noise = noise
    report("mothers simulated")
    truth_dir = out_dir / "truth"
    truth = _Truth(truth_dir)
    dates = _Dates()
    files: dict[str, dict] = {}
    sources: dict[str, dict] = {}
    try:
        for layout, write in SOURCE_WRITERS:
            if layout is SERVICE_PARTICIPANTS and not services:
                continue
            report(f"writing {layout.name}")
            writer = _SourceWriter(out_dir, layout, truth, dates, seed)
            details = write(population, writer, truth, seed)
            written = writer.close()
            files.update(written)
            sources[layout.name] = {
                "rows_written": sum(f["rows"] for f in written.values()),
                "unreadable_rows": sum(f["unreadable_rows"] for f in written.values()),
                "unreadable_records": writer.unreadable_records,
                "noise": dict(sorted(truth.noise_counts.get(layout.name, {}).items())),
                **details,
            }
    finally:
        truth.close()
    report("writing truth")
    _write_mothers(population, truth_dir / "mothers.csv")
    summary = {
        "seed": seed,
        "window": {"first_issue": WINDOW_START.isoformat(), "extract_end": EXTRACT_END.isoformat()},
        "la_codes": [authority.code for authority in LOCAL_AUTHORITIES[:authorities + 1]],
        "authorities_in_region": authorities,
        **({"services": [{"name": s.name, "start": s.start.isoformat(), "share": s.share, "effect": s.effect}
                         for s in services]} if services else {}),
        "noise_model": noise,
        **_population_figures(population),
        "sources": sources,
        "files": files,
    }
    (truth_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
