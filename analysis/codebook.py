"""The cohort's data contract: every column of every raw file, in one place.

This module is the single source of truth for the raw data layout. The pandera schemas
(`analysis.validate`), the generated `data/raw/CODEBOOK.md`, the synthetic generator and the
cleaning step all read it, so a column is described once and enforced everywhere.

Conventions (assumptions, stated once):
- Files are UTF-8 CSV, comma-separated, with a header row.
- Missing values are empty cells. There are no sentinel codes such as -9 or 99: a value outside
  the allowed range is an error, not a missing code.
- Binary items are coded 0 (no) / 1 (yes).
- "Last 30 days" windows refer, at intake, to the 30 days before arrest (QCT group) or before
  treatment admission (comparison group), as in the paper; at follow-ups, to the 30 days before
  the interview. The 180-day window is defined the same way over six months.
- Waves are given by their config id (`t1`, `t2`, ...); which waves exist is configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "wave", "category", "binary", "integer", "number"]


@dataclass(frozen=True)
class Column:
    """One column of a raw file: its meaning, type, unit and allowed values."""

    name: str
    kind: Kind
    description: str
    unit: str = ""
    categories: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False
    # Follow-up-only items must be empty at the baseline wave.
    follow_up_only: bool = False
    notes: str = ""


@dataclass(frozen=True)
class RawFile:
    """A raw input file: its name, grain and columns."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=("id",))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


ID = Column(
    "id",
    "id",
    "Anonymised participant identifier: 'P' followed by digits. Carries no information "
    "about the person.",
)
WAVE = Column(
    "wave",
    "wave",
    "Interview wave, by its id in config/config.yaml (`waves`).",
)


def _binary(name: str, description: str, **kw) -> Column:
    return Column(name, "binary", description, unit="0 = no, 1 = yes", **kw)


def _days(name: str, description: str, window: int, **kw) -> Column:
    return Column(name, "integer", description, unit="days", minimum=0, maximum=window, **kw)


PARTICIPANTS = RawFile(
    name="participants.csv",
    grain="one row per participant; characteristics recorded at the intake interview",
    columns=(
        ID,
        Column(
            "group",
            "category",
            "Legal status at treatment entry: QCT = court-ordered (drug treatment and testing "
            "order); comparison = entered the same services by a non-criminal-justice route.",
            categories=("QCT", "comparison"),
        ),
        Column("site", "integer", "Research site (treatment service) code.", minimum=1, maximum=10),
        Column("sex", "category", "Sex.", categories=("male", "female")),
        Column("age", "integer", "Age at intake.", unit="years", minimum=16, maximum=75),
        Column(
            "ethnicity",
            "category",
            "Self-described ethnic group (collapsed).",
            categories=("white", "black", "asian", "mixed", "other"),
        ),
        _binary("never_married", "Never married."),
        _binary("left_school_before_16", "Left school before the age of 16."),
        _binary("mostly_unemployed_3y", "Mostly unemployed during the three years before intake."),
        _binary(
            "worked_or_studied_3y",
            "Worked or studied at any time in the three years before intake.",
        ),
        _binary("ongoing_medical_problem", "Ongoing (chronic) medical problem."),
        _binary("depression_anxiety_30d", "Serious depression or anxiety in the past 30 days."),
        _binary(
            "psych_medication_lifetime",
            "Ever prescribed medication for psychological or emotional problems.",
        ),
        _binary("suicidal_thoughts_lifetime", "Ever had serious thoughts of suicide."),
        _binary("suicide_attempted_lifetime", "Ever attempted suicide."),
        Column(
            "suicide_attempts_lifetime",
            "integer",
            "Number of lifetime suicide attempts (0 when never attempted).",
            unit="attempts",
            minimum=0,
            maximum=50,
        ),
        _binary("previous_treatment", "Previously treated for drug or alcohol dependency."),
        Column(
            "intake_modality",
            "category",
            "Treatment received at the time of the intake interview.",
            categories=(
                "day_care",
                "day_care_and_substitute_prescribing",
                "substitute_prescribing",
                "residential",
                "other",
            ),
        ),
        _binary(
            "perceived_pressure",
            "Felt external pressure or duress to be in treatment (from any source).",
        ),
        Column(
            "stage_of_change",
            "category",
            "Stage of change from the Readiness to Change Questionnaire.",
            categories=("precontemplation", "contemplation", "action"),
        ),
        _binary(
            "abstinent_via_treatment_before",
            "Had ever achieved a period of abstinence as a result of drug treatment before intake.",
            nullable=True,
        ),
        _binary(
            "abstinent_voluntarily_before",
            "Had ever achieved abstinence voluntarily, without formal intervention, before intake.",
            nullable=True,
        ),
        Column(
            "weeks_to_intake_interview",
            "number",
            "Time from starting treatment to the intake interview.",
            unit="weeks",
            minimum=0,
            maximum=52,
        ),
    ),
)

INTERVIEWS = RawFile(
    name="interviews.csv",
    grain="one row per participant and wave actually interviewed (intake included)",
    key=("id", "wave"),
    columns=(
        ID,
        WAVE,
        _days("crime_days_30", "Days involved in crime in the last 30 days.", 30, nullable=True),
        _days("crime_days_180", "Days involved in crime in the last 180 days.", 180, nullable=True),
        Column(
            "crime_types_30",
            "integer",
            "Number of the 16 EuropASI crime types committed in the last 30 days; 0 exactly "
            "when crime_days_30 is 0.",
            unit="crime types",
            minimum=0,
            maximum=16,
            nullable=True,
        ),
        _days(
            "days_at_liberty_30",
            "Days of the last 30 spent in the community (not in prison or inpatient treatment); "
            "at least crime_days_30.",
            30,
            nullable=True,
        ),
        _days(
            "illicit_drug_days_30",
            "Days using any illicit drug, excluding cannabis and prescribed methadone, in the last "
            "30 days; at least heroin_days_30 and crack_days_30.",
            30,
            nullable=True,
        ),
        _days(
            "any_drug_days_30",
            "Days using any drug (illicit or prescribed, alcohol excluded) in the last 30 days; "
            "at least illicit_drug_days_30.",
            30,
            nullable=True,
        ),
        _days("heroin_days_30", "Days using heroin in the last 30 days.", 30, nullable=True),
        _days("crack_days_30", "Days using crack cocaine in the last 30 days.", 30, nullable=True),
        _days(
            "injecting_days_30", "Days injecting any drug in the last 30 days.", 30, nullable=True
        ),
        Column(
            "n_drugs_30",
            "integer",
            "Number of different substances used in the last 30 days (range of drugs used).",
            unit="substances",
            minimum=0,
            maximum=15,
            nullable=True,
        ),
        Column(
            "drug_spend_30",
            "number",
            "Money spent on illicit drugs in the last 30 days.",
            unit="GBP",
            minimum=0,
            maximum=50000,
            nullable=True,
        ),
        Column(
            "drug_composite",
            "number",
            "EuropASI composite drug use score (Koeter and Hartgers procedure).",
            unit="score 0-1",
            minimum=0,
            maximum=1,
            nullable=True,
        ),
        _binary("homeless_30", "Homeless at any time in the last 30 days.", nullable=True),
        Column(
            "homeless_setting",
            "category",
            "Where the person mostly stayed while homeless; empty exactly when homeless_30 is "
            "not 1.",
            categories=("friends", "rough", "hostel", "other"),
            nullable=True,
        ),
        _binary("satisfied_living", "Satisfied with current living arrangements.", nullable=True),
        _binary(
            "free_time_with_users",
            "Spends most free time with people who have drug or alcohol problems.",
            nullable=True,
        ),
        Column(
            "relationship_problems",
            "integer",
            "Number of kinds of significant others (mother, father, partner, children, other "
            "relatives, friends/neighbours) with whom serious problems getting along were "
            "reported in the last 30 days; 'uncertain', 'unknown' and 'no such relative' count "
            "as no problem.",
            unit="kinds of significant other",
            minimum=0,
            maximum=6,
            nullable=True,
        ),
        _binary("in_treatment", "Self-reported: currently in any drug treatment.", nullable=True),
        _binary(
            "arrested_since_last",
            "Arrested since the previous interview (follow-ups only).",
            nullable=True,
            follow_up_only=True,
        ),
        _binary(
            "worked_or_studied_since_last",
            "Worked or attended a course of study since the previous interview (follow-ups only).",
            nullable=True,
            follow_up_only=True,
        ),
        _binary(
            "abstinent_via_treatment_since_intake",
            "Achieved a period of abstinence from drugs since intake as a result of this "
            "treatment (follow-ups only).",
            nullable=True,
            follow_up_only=True,
        ),
        Column(
            "weeks_abstinent_since_intake",
            "number",
            "Total weeks abstinent from illicit drugs since intake (follow-ups only).",
            unit="weeks",
            minimum=0,
            maximum=260,
            nullable=True,
            follow_up_only=True,
        ),
    ),
)

TREATMENT = RawFile(
    name="treatment.csv",
    grain=(
        "one row per participant and follow-up wave, from treatment-agency and probation "
        "records (available also for people not interviewed at that wave)"
    ),
    key=("id", "wave"),
    columns=(
        ID,
        WAVE,
        _binary("in_treatment", "In any form of drug treatment at this follow-up point."),
        _binary(
            "opioid_substitution",
            "Receiving outpatient opioid substitution (typically methadone); empty when not in "
            "treatment.",
            nullable=True,
        ),
        Column(
            "episode_status",
            "category",
            "What had become of the intake treatment episode by this follow-up point.",
            categories=(
                "same_service",
                "left_by_choice",
                "completed",
                "other",
                "excluded_or_revoked",
            ),
        ),
        Column(
            "days_in_treatment",
            "integer",
            "Cumulative days retained in treatment since intake.",
            unit="days",
            minimum=0,
            maximum=3650,
            nullable=True,
        ),
        _binary(
            "residential_since_intake",
            "Accessed residential treatment at any point since intake.",
            nullable=True,
        ),
        _binary(
            "imprisoned_since_intake",
            "Imprisoned at any point since intake.",
            nullable=True,
        ),
    ),
)

RAW_FILES: tuple[RawFile, ...] = (PARTICIPANTS, INTERVIEWS, TREATMENT)

# Column names that would be direct identifiers: refused at load (see analysis.validate).
IDENTIFIER_PATTERNS: tuple[str, ...] = (
    "name",
    "surname",
    "forename",
    "first_name",
    "last_name",
    "dob",
    "date_of_birth",
    "birth",
    "postcode",
    "post_code",
    "zip",
    "address",
    "street",
    "phone",
    "telephone",
    "mobile",
    "email",
    "nhs",
    "national_insurance",
    "ni_number",
    "pnc",
    "notes",
    "comment",
    "free_text",
)
