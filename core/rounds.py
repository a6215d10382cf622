"""Round policy over typed state: why the loop stops, whether a round improved, the best round."""

from __future__ import annotations

from core.state import MAX_ROUNDS, DraftRequest, RoundRecord

MIN_GAIN = 0.05  # overall points a round must add to count as an improvement
MIN_COVERAGE_GAIN = 0.01


def stop_reason(request: DraftRequest, rounds: list[RoundRecord]) -> str | None:
    """Why the loop ends after the last round, or None to go on: a fallback verdict, the
    threshold, the round cap, or a round that improved nothing measurable (rounds must earn
    their cost: another one would most likely not help either)."""
    if not rounds:
        return None
    verdict = rounds[-1].critique
    if verdict.fallback:
        return "the critic's reply was unusable"
    if verdict.overall >= request.threshold:
        return f"round {len(rounds)} reached the threshold ({verdict.overall:.1f} >= {request.threshold:.1f})"
    if len(rounds) >= min(request.rounds, MAX_ROUNDS):
        return f"the round limit ({min(request.rounds, MAX_ROUNDS)}) was reached"
    if verdict.fixable is False:
        return f"stopped early: after round {len(rounds)} no section has a problem a revision could fix"
    if len(rounds) >= 2 and not improved(rounds[-2], rounds[-1]):
        return f"stopped early: round {len(rounds)} improved nothing measurable over round {len(rounds) - 1}"
    return None


def improved(before: RoundRecord, after: RoundRecord) -> bool:
    """True when ``after`` scores higher, or states more of the evidence without scoring lower."""
    old, new = before.critique, after.critique
    if new.overall >= old.overall + MIN_GAIN:
        return True
    gained = (new.metrics.coverage or 0.0) - (old.metrics.coverage or 0.0)
    return gained >= MIN_COVERAGE_GAIN and new.overall >= old.overall


def best_round(rounds: list[RoundRecord]) -> RoundRecord:
    """The highest-scoring round; a tie goes to the later round (it had more feedback)."""
    if not rounds:
        raise ValueError("no round was completed")
    return max(rounds, key=lambda record: (record.critique.overall, record.round))
