"""The canonical extract layouts fixed by shared/data-contract.md.

Every reader maps a local export onto these columns (see config/column_mappings.yaml);
everything downstream relies only on these names.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLayout:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    date_columns: tuple[str, ...]
    # Columns that identify "the same record" when extracts overlap in time.
    record_key: tuple[str, ...]
    # The contract's case reference for this source (linkage.person_clusters.source_case_ref).
    case_ref: str


LEGAL = SourceLayout(
    name="legal",
    columns=(
        "legal_ref", "court_case_no", "issue_date", "la_code",
        "child_forename", "child_surname", "child_dob", "child_sex",
        "mother_forename", "mother_surname", "mother_dob",
        "father_forename", "father_surname", "father_dob",
        "final_order", "final_order_date",
    ),
    required=("legal_ref", "issue_date"),
    date_columns=("issue_date", "child_dob", "mother_dob", "father_dob", "final_order_date"),
    record_key=("legal_ref", "child_forename", "child_surname", "child_dob"),
    case_ref="legal_ref",
)

COURT = SourceLayout(
    name="court",
    columns=(
        "case_number", "court", "issue_date", "application_type", "applicant_la",
        "child_name", "child_dob",
        "respondent_1_name", "respondent_1_dob", "respondent_1_relationship",
        "respondent_2_name", "respondent_2_dob", "respondent_2_relationship",
        "outcome", "outcome_date",
    ),
    required=("case_number", "issue_date", "application_type"),
    date_columns=("issue_date", "child_dob", "respondent_1_dob", "respondent_2_dob", "outcome_date"),
    record_key=("case_number", "child_name", "child_dob"),
    case_ref="case_number",
)

CAFCASS = SourceLayout(
    name="cafcass",
    columns=(
        "case_id", "application_date", "application_type", "la_code", "person_id", "role",
        "forename", "surname", "dob", "sex", "postcode", "final_order",
    ),
    required=("case_id", "application_date", "application_type", "role"),
    date_columns=("application_date", "dob"),
    record_key=("case_id", "person_id", "role", "forename", "surname", "dob"),
    case_ref="case_id",
)

CARE_LEAVERS = SourceLayout(
    name="care_leavers",
    columns=(
        "la_person_id", "forename", "surname", "former_surname", "dob", "sex",
        "date_entered_care", "date_left_care", "placement_moves", "la_code",
    ),
    required=("la_person_id",),
    date_columns=("dob", "date_entered_care", "date_left_care"),
    record_key=("la_person_id",),
    case_ref="la_person_id",
)

CASE_FILE_REVIEW = SourceLayout(
    name="case_file_review",
    columns=(
        "review_id", "person_key", "mother_forename", "mother_surname", "mother_dob",
        "reviewed_on", "reviewer", "children_removed_before", "removal_reasons",
        "age_at_first_pregnancy", "in_care_as_child", "mental_health", "domestic_abuse",
        "learning_disability", "substance_misuse",
    ),
    required=("review_id",),
    date_columns=("mother_dob", "reviewed_on"),
    record_key=("review_id",),
    case_ref="review_id",
)

SERVICE_PARTICIPANTS = SourceLayout(
    name="service_participants",
    columns=(
        "participant_id", "service", "person_key", "forename", "surname", "dob", "sex",
        "referral_date", "start_date", "end_date", "la_code",
    ),
    required=("participant_id", "start_date"),
    date_columns=("dob", "referral_date", "start_date", "end_date"),
    # One row per parent per episode of work: ids are the service's own, so two services in one
    # folder may reuse them, and one parent may have several episodes.
    record_key=("service", "participant_id", "start_date"),
    case_ref="participant_id",
)

PRE_PROCEEDINGS = SourceLayout(
    name="pre_proceedings",
    columns=(
        "pre_proceedings_ref", "start_date", "stage", "la_code",
        "mother_forename", "mother_surname", "mother_dob",
        "father_forename", "father_surname", "father_dob",
        "expected_due_date", "closed_date",
    ),
    required=("pre_proceedings_ref", "start_date"),
    date_columns=("start_date", "mother_dob", "father_dob", "expected_due_date", "closed_date"),
    record_key=("pre_proceedings_ref",),
    case_ref="pre_proceedings_ref",
)

SOURCES: dict[str, SourceLayout] = {
    s.name: s for s in (LEGAL, COURT, CAFCASS, CARE_LEAVERS, CASE_FILE_REVIEW, SERVICE_PARTICIPANTS, PRE_PROCEEDINGS)
}
