"""Result types of the master person index (plain data, no behaviour beyond banding)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from linkage.errors import ConfigError
from linkage.store import MergeEvent

Band = Literal["match", "review", "no_match"]
Outcome = Literal["unspecified", "matched", "new", "review", "merged"]
OUTCOMES: tuple[Outcome, ...] = ("unspecified", "matched", "new", "review", "merged")


@dataclass(frozen=True)
class Thresholds:
    """Probability thresholds: review <= match <= auto_merge."""

    match: float = 0.95
    review: float = 0.5
    auto_merge: float = 0.995

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.match <= self.auto_merge <= 1.0:
            msg = (
                "thresholds must satisfy 0 < review <= match <= auto_merge <= 1, got "
                f"review={self.review}, match={self.match}, auto_merge={self.auto_merge}"
            )
            raise ConfigError(msg)

    def band(self, probability: float) -> Band:
        """The band of a probability."""
        if probability >= self.match:
            return "match"
        return "review" if probability >= self.review else "no_match"


@dataclass(frozen=True)
class Explanation:
    """Per-field evidence: (comparison, level label, log2 weight) per comparison."""

    prior_weight: float
    fields: tuple[tuple[str, str, float], ...]
    match_weight: float
    probability: float
    best_record: tuple[str, str] | None = None


@dataclass(frozen=True)
class IdentityMatch:
    """One identity answering a resolve query."""

    person_id: str
    probability: float
    band: Band
    explanation: Explanation
    records: list[tuple[str, str]]


@dataclass(frozen=True)
class UpsertResult:
    """The link decision for one upserted record."""

    agency: str
    record_id: str
    person_id: str
    outcome: Outcome
    probability: float
    review_person_ids: list[str] = field(default_factory=list)
    merged_person_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    """An identity with its records, confidence, merge history and review flags."""

    person_id: str
    records: list[tuple[str, str]]
    confidence: float
    merged_from: list[str]
    merge_history: list[MergeEvent]
    review_person_ids: list[str]
