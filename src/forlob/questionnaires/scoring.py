"""Scoring rules: when a satisfaction answer is positive, and the health-literacy level.

Pure functions on :class:`Item` (one question with the citizen's answer, reduced to what scoring
needs), so the rules are testable without a database; ``services.response_submit`` builds the
items from the version the citizen answered and stores the result on the response.

Satisfaction ("positive share", target 95 %)
    A question is *scored* when it is a single-choice question with at least one option marked
    positive, or a scale question with "positive from" set. Multiple-choice and free-text
    questions are never scored. An answered scored question is positive when the chosen option
    is marked positive, or the scale value is at or above "positive from".
    A **response is positive when more than half of its answered scored questions are
    positive**. A response without any answered scored question has no verdict (``None``) and is
    left out of the positive share.

Health literacy (sundhedskompetence: low / medium / high)
    Rated questions are the single-choice and scale questions that have a *domain*. Each answer
    is placed on 0–1 within its question's range ((value − lowest) / (highest − lowest); for the
    shipped screening "Meget svært" = 0, "Svært" = ⅓, "Let" = ⅔, "Meget let" = 1).
    A domain's score is the mean of its answered questions. A domain is *difficult* when its
    score is below 0.5 (on average nearer "svært" than "let").

    * **low**: two or more difficult domains;
    * **medium**: exactly one difficult domain, or no difficult domain but a mean of the domain
      scores below ⅔ (on average below "let");
    * **high**: no difficult domain and a mean of the domain scores of at least ⅔.

    Every domain must have at least one answer; otherwise there is no result (``None``) and the
    citizen's level is not changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

DIFFICULT_BELOW = 0.5
HIGH_FROM = 2 / 3
# Means of thirds are not exact in floating point (five times ⅔, divided by 5, may land a hair
# below ⅔); a rating exactly on a threshold must count as reaching it.
_EPS = 1e-9


@dataclass(frozen=True)
class Item:
    """One question and its answer. ``value`` is the scale value or the chosen option's value;
    ``low``/``high`` the question's range; ``positive`` whether the answer counts as positive
    (``None``: the question is not scored for satisfaction, or not answered)."""

    domain: str = ""
    value: int | None = None
    low: int | None = None
    high: int | None = None
    positive: bool | None = None


def response_positive(items: Iterable[Item]) -> bool | None:
    """True when more than half of the answered scored questions are positive; None if none."""
    verdicts = [i.positive for i in items if i.positive is not None]
    if not verdicts:
        return None
    return sum(verdicts) * 2 > len(verdicts)


def position(item: Item) -> float | None:
    """The answer's place on 0–1 within its question's range; None when unanswered/unrated."""
    if item.value is None or item.low is None or item.high is None or item.high <= item.low:
        return None
    return (item.value - item.low) / (item.high - item.low)


@dataclass(frozen=True)
class HealthLiteracyResult:
    level: str  # "low" | "medium" | "high" (citizens.models.HealthLiteracy)
    domains: dict[str, float] = field(default_factory=dict)  # domain -> score 0–1
    difficult: tuple[str, ...] = ()
    mean: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "domains": {k: round(v, 3) for k, v in self.domains.items()},
            "difficult": list(self.difficult),
            "mean": round(self.mean, 3),
        }


def health_literacy(
    items: Iterable[Item], *, domains: Iterable[str] | None = None
) -> HealthLiteracyResult | None:
    """The level from the rated answers; None when a domain in ``domains`` has no answer.

    ``domains`` are all domains of the questionnaire (default: those seen in ``items``).
    """
    by_domain: dict[str, list[float]] = defaultdict(list)
    seen: list[str] = []
    for item in items:
        if not item.domain:
            continue
        if item.domain not in seen:
            seen.append(item.domain)
        p = position(item)
        if p is not None:
            by_domain[item.domain].append(p)
    wanted = list(domains) if domains is not None else seen
    if not wanted or any(not by_domain.get(d) for d in wanted):
        return None
    scores = {d: sum(by_domain[d]) / len(by_domain[d]) for d in wanted}
    difficult = tuple(d for d in wanted if scores[d] < DIFFICULT_BELOW - _EPS)
    mean = sum(scores.values()) / len(scores)
    if len(difficult) >= 2:
        level = "low"
    elif difficult or mean < HIGH_FROM - _EPS:
        level = "medium"
    else:
        level = "high"
    return HealthLiteracyResult(level=level, domains=scores, difficult=difficult, mean=mean)
