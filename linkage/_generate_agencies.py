"""How each synthetic agency records people (private; see ``linkage.generate``).

Column names, date style, sex codes, alias separator and recording habits
of the four agencies whose extracts the generator imitates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgencyProfile:
    """One agency's recording habits and extract layout."""

    name: str
    columns: dict[str, str]  # canonical -> the agency's own column name
    identifiers: dict[str, str]  # identifier name -> column name
    truth: str
    date_style: str  # see linkage._generate_corrupt.dob_to_agency
    dob_format: str  # strptime format of that style
    sex_codes: tuple[str, str, str]  # male, female, other
    sex_alt_codes: tuple[str, str, str]  # a second coding used on some records
    alias_separator: str
    record_prefix: str
    person_no_prefix: str  # the agency's own person number: prefix + zero-padded digits
    person_no_digits: int
    role_recorded: float  # share of records with the true role; the rest "other" or null
    upper_case_rate: float  # records whose names are keyed in upper case
    licence_recorded: float  # share of licence holders' records carrying the number


_ID_LICENCE = "licence_no"
_ID_PERSON = "agency_person_no"

PROFILES: dict[str, AgencyProfile] = {
    "police": AgencyProfile(
        name="police",
        columns={
            "record_id": "PersonRef",
            "given_name": "FirstName",
            "middle_name": "MiddleName",
            "family_name": "Surname",
            "aliases": "AKA",
            "dob": "DOB",
            "sex": "Gender",
            "street": "Address",
            "suburb": "Suburb",
            "postcode": "Postcode",
            "state": "State",
            "phone": "Phone",
            "email": "Email",
            "role": "PartyRole",
            "updated_at": "LastModified",
        },
        identifiers={_ID_LICENCE: "LicenceNo", _ID_PERSON: "MNI"},
        truth="TruePersonId",
        date_style="dmy",
        dob_format="%d/%m/%Y",
        sex_codes=("M", "F", "X"),
        sex_alt_codes=("Male", "Female", "Unknown"),
        alias_separator=";",
        record_prefix="L17-",
        person_no_prefix="VP",
        person_no_digits=8,
        role_recorded=0.95,
        upper_case_rate=0.25,
        licence_recorded=0.75,
    ),
    "courts": AgencyProfile(
        name="courts",
        columns={
            "record_id": "participant_id",
            "given_name": "first_name",
            "middle_name": "middle_names",
            "family_name": "last_name",
            "aliases": "other_names",
            "dob": "date_of_birth",
            "sex": "sex",
            "street": "address_line",
            "suburb": "locality",
            "postcode": "postcode",
            "state": "state",
            "phone": "contact_phone",
            "email": "email",
            "role": "party_type",
            "updated_at": "modified_at",
        },
        identifiers={_ID_LICENCE: "driver_licence", _ID_PERSON: "court_person_no"},
        truth="true_person_id",
        date_style="iso",
        dob_format="%Y-%m-%d",
        sex_codes=("Male", "Female", "Other"),
        sex_alt_codes=("M", "F", "X"),
        alias_separator="|",
        record_prefix="MCV",
        person_no_prefix="MC",
        person_no_digits=8,
        role_recorded=0.40,
        upper_case_rate=0.05,
        licence_recorded=0.45,
    ),
    "corrections": AgencyProfile(
        name="corrections",
        columns={
            "record_id": "CASE_REF",
            "given_name": "GIVEN_NAME",
            "middle_name": "SECOND_NAME",
            "family_name": "FAMILY_NAME",
            "aliases": "ALIAS_NAMES",
            "dob": "BIRTH_DATE",
            "sex": "SEX_CODE",
            "street": "STREET_ADDR",
            "suburb": "SUBURB_TOWN",
            "postcode": "POST_CODE",
            "state": "STATE_CODE",
            "phone": "PHONE_NO",
            "email": "EMAIL_ADDR",
            "role": "ROLE",
            "updated_at": "LAST_UPDATED",
        },
        identifiers={_ID_LICENCE: "VIC_DL_NO", _ID_PERSON: "CRN"},
        truth="TRUTH_ID",
        date_style="ymd_compact",
        dob_format="%Y%m%d",
        sex_codes=("1", "2", "9"),
        sex_alt_codes=("1", "2", "9"),
        alias_separator="/",
        record_prefix="CV",
        person_no_prefix="",
        person_no_digits=8,
        role_recorded=0.0,
        upper_case_rate=0.85,
        licence_recorded=0.65,
    ),
    "dffh": AgencyProfile(
        name="dffh",
        columns={
            "record_id": "cris_record_id",
            "given_name": "given",
            "middle_name": "middle",
            "family_name": "surname",
            "aliases": "also_known_as",
            "dob": "birth_date",
            "sex": "gender",
            "street": "street_address",
            "suburb": "town",
            "postcode": "pcode",
            "state": "state",
            "phone": "phone_number",
            "email": "email_address",
            "role": "client_role",
            "updated_at": "last_modified",
        },
        identifiers={_ID_PERSON: "cris_client_id"},
        truth="true_person_id",
        date_style="dmy_short",
        dob_format="%d/%m/%y",
        sex_codes=("M", "F", "X"),
        sex_alt_codes=("Male", "Female", "Not stated"),
        alias_separator=";",
        record_prefix="CR",
        person_no_prefix="CP",
        person_no_digits=7,
        role_recorded=0.60,
        upper_case_rate=0.05,
        licence_recorded=0.0,
    ),
}

# P(agency | role) before restricting to the requested agencies; rows are roles
# (respondent, affected family member, child, other), columns follow PROFILES.
AGENCY_BY_ROLE = (
    (0.45, 0.25, 0.20, 0.10),
    (0.45, 0.30, 0.02, 0.23),
    (0.35, 0.15, 0.00, 0.50),
    (0.40, 0.25, 0.15, 0.20),
)
