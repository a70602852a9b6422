"""The cohort's data contract: every column of every raw file, in one place.

This module is the single source of truth for the raw data layout. The pandera schemas
(`analysis.validate`), the generated `data/raw/CODEBOOK.md`, the synthetic generator and the
cleaning step all read it, so a column is described once and enforced everywhere.

Conventions (assumptions, stated once):
- Files are UTF-8 CSV, comma-separated, with a header row.
- Missing values are empty cells. There are no missing-value codes such as -9 or 99: a value
  outside the allowed range is an error, not a missing code. Where a survey package's codes
  (88, 98, 99, 999, 9999: "not applicable", "refused", "don't know", "missing") fall inside a
  column's range, the column lists them as sentinel codes and a cell holding one is refused.
  Assumption: a genuine value equal to a code cannot be told from the code, so the extract
  must leave missing values empty and the provider checks any refused cell in the source.
- Participant ids are written in one canonical form: 'P' and 1 to 7 ASCII digits. Two ids for
  the same number (P003 and P0003) are one person written twice and are refused, and so are
  ids embedding 8 or more digits (a date such as 19700131 or a 10-digit NHS number could be
  hidden in them). Messages never quote a cell of the id column.
- Binary items are coded 0 (no) / 1 (yes).
- "Last 30 days" windows refer, at intake, to the 30 days before arrest (QCT group) or before
  treatment admission (comparison group), as in the paper; at follow-ups, to the 30 days before
  the interview. The 180-day window is defined the same way over six months.
- Waves are given by their config id (`t1`, `t2`, ...); which waves exist is configuration.
- Time elapsed is taken from the configured wave months, as the longest calendar stretch of
  that many months: months x 365.25 / 12 days rounded up, plus one day (6 months: 184 days,
  18 months: 549 days); a week is 7 days. Assumption: records carry no dates, so a follow-up
  counts as held at its month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

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
    # In-range codes that mean "missing" in survey exports; refused (see the conventions).
    sentinels: tuple[int, ...] = ()
    # A since-intake (cumulative) item: it never falls from one of a person's waves to a later
    # one, so a since-intake flag never reverts from 1 to 0.
    cumulative: bool = False
    # The unit of time ('days' or 'weeks') a cumulative count accrues in: it is at most the time
    # elapsed since intake and grows between two waves by at most the time between them.
    accrues_in: str = ""


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


# The canonical participant id, and the longest digit run it may hold: 7 digits number up to
# 9,999,999 people, while 8 could hide a date (YYYYMMDD) and 10 an NHS number.
ID_MAX_DIGITS = 7
ID_PATTERN = rf"^P[0-9]{{1,{ID_MAX_DIGITS}}}$"
ID = Column(
    "id",
    "id",
    f"Anonymised participant identifier: 'P' followed by 1 to {ID_MAX_DIGITS} digits, one "
    "spelling per person (leading zeros do not make a new id). Carries no information about "
    "the person.",
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
        _days(
            "crime_days_180",
            "Days involved in crime in the last 180 days; at least crime_days_30.",
            180,
            nullable=True,
            sentinels=(98, 99),
        ),
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
            "injecting_days_30",
            "Days injecting any drug in the last 30 days; at most any_drug_days_30.",
            30,
            nullable=True,
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
            sentinels=(99, 999, 9999),
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
            "treatment (follow-ups only); once 1, never 0 at a later wave.",
            nullable=True,
            follow_up_only=True,
            cumulative=True,
        ),
        Column(
            "weeks_abstinent_since_intake",
            "number",
            "Total weeks abstinent from illicit drugs since intake (follow-ups only); at most "
            "the weeks elapsed since intake, never falling, growing by at most the weeks "
            "between two interviews.",
            unit="weeks",
            minimum=0,
            maximum=260,
            nullable=True,
            follow_up_only=True,
            sentinels=(88, 98, 99),
            cumulative=True,
            accrues_in="weeks",
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
            "Cumulative days retained in treatment since intake: at most the days elapsed since "
            "intake, never falling, growing by at most the days between two follow-ups.",
            unit="days",
            minimum=0,
            maximum=3650,
            nullable=True,
            sentinels=(88, 98, 99, 999),
            cumulative=True,
            accrues_in="days",
        ),
        _binary(
            "residential_since_intake",
            "Accessed residential treatment at any point since intake; once 1, never 0 at a "
            "later wave.",
            nullable=True,
            cumulative=True,
        ),
        _binary(
            "imprisoned_since_intake",
            "Imprisoned at any point since intake; once 1, never 0 at a later wave.",
            nullable=True,
            cumulative=True,
        ),
    ),
)

RAW_FILES: tuple[RawFile, ...] = (PARTICIPANTS, INTERVIEWS, TREATMENT)

RuleKind = Literal["at_least", "zero_together", "given_exactly_when_1", "empty_when_0"]


@dataclass(frozen=True)
class Rule:
    """A rule between two columns of one row, judged only where the cells it needs are present.

    at_least: a >= b; zero_together: a == 0 exactly when b == 0; given_exactly_when_1: a is
    non-empty exactly when b == 1; empty_when_0: a is empty when b == 0.
    """

    file: RawFile
    kind: RuleKind
    a: str
    b: str
    text: str


# Every rule across the columns of a row. Rules across waves are declared on the columns
# (`cumulative`, `accrues_in`, `follow_up_only`).
ROW_RULES: tuple[Rule, ...] = (
    Rule(
        INTERVIEWS,
        "zero_together",
        "crime_types_30",
        "crime_days_30",
        "crime_types_30 must be 0 exactly when crime_days_30 is 0",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "days_at_liberty_30",
        "crime_days_30",
        "days_at_liberty_30 must be at least crime_days_30: crime days are days at liberty",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "crime_days_180",
        "crime_days_30",
        "crime_days_180 must be at least crime_days_30: the last 180 days include the last 30",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "illicit_drug_days_30",
        "heroin_days_30",
        "illicit_drug_days_30 must be at least heroin_days_30",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "illicit_drug_days_30",
        "crack_days_30",
        "illicit_drug_days_30 must be at least crack_days_30",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "any_drug_days_30",
        "illicit_drug_days_30",
        "any_drug_days_30 must be at least illicit_drug_days_30",
    ),
    Rule(
        INTERVIEWS,
        "at_least",
        "any_drug_days_30",
        "injecting_days_30",
        "any_drug_days_30 must be at least injecting_days_30: a day injecting is a day using",
    ),
    Rule(
        INTERVIEWS,
        "given_exactly_when_1",
        "homeless_setting",
        "homeless_30",
        "homeless_setting must be given exactly when homeless_30 is 1",
    ),
    Rule(
        PARTICIPANTS,
        "zero_together",
        "suicide_attempts_lifetime",
        "suicide_attempted_lifetime",
        "suicide_attempts_lifetime must be 0 exactly when suicide_attempted_lifetime is 0",
    ),
    Rule(
        TREATMENT,
        "empty_when_0",
        "opioid_substitution",
        "in_treatment",
        "opioid_substitution must be empty when in_treatment is 0",
    ),
)

# Time units that cumulative counts accrue in, in days.
DAYS_PER = {"days": 1.0, "weeks": 7.0}


def days_elapsed(months: np.ndarray) -> np.ndarray:
    """The most days `months` calendar months can span (see the conventions); 0 for 0 months."""
    months = np.asarray(months, dtype=np.float64)
    return np.where(months > 0, np.ceil(months * 365.25 / 12) + 1, 0.0)


# The data's declared origin: a small YAML file beside the CSV files. The synthetic generator
# writes it; a real extract carries none (or says `origin: records`), and its report then says
# it was built from the study's records. Keys: origin (required: one of ORIGINS), generator
# (the module that wrote the files) and seed (a whole number), both required when synthetic.
ORIGIN_FILE = "ORIGIN"
ORIGINS = ("synthetic", "records")


@dataclass(frozen=True)
class Origin:
    """Where the raw files come from: generated ('synthetic') or the study's own ('records')."""

    origin: Literal["synthetic", "records"]
    generator: str = ""
    seed: int | None = None

    @property
    def synthetic(self) -> bool:
        return self.origin == "synthetic"

    def text(self) -> str:
        """The ORIGIN file's content (what the generator writes)."""
        lines = [
            f"# Declared origin of the files in this directory ({ORIGIN_FILE}, see CODEBOOK.md).",
            f"origin: {self.origin}",
        ]
        if self.generator:
            lines.append(f"generator: {self.generator}")
        if self.seed is not None:
            lines.append(f"seed: {self.seed}")
        return "\n".join(lines) + "\n"


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
