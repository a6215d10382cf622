"""Where a draft's time goes, per agent; when its first text shows; what a grammar costs per token.

Pure functions of a results document (per-agent rows, their totals and the check that they add
up to the run's own totals, the time to first text), plus :func:`measure_grammar`, which runs on
a loaded model in a bench worker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from core.state import AGENTS

GRAMMAR_TOKENS = 160
GRAMMAR_PROMPT = (
    "Write a detailed blog post about how rivers shape the land: erosion, meanders, floods and "
    "deltas. Answer as JSON with a title and a list of at least six long paragraphs."
)


class AgentSpeed(BaseModel):
    """One agent's model work over a whole run (every round)."""

    agent: str
    calls: int = 0  # chat calls (LangChain model calls)
    probes: int = 0  # rating probes (next-token probabilities, the critic's)
    prompt_sent: int = 0  # prompt tokens submitted to llama.cpp (probes included)
    prompt_reused: int = 0  # of those, taken from llama.cpp's KV cache (not evaluated)
    generated: int = 0  # tokens sampled
    seconds: float = 0.0  # the agent's steps, wall time
    prompt_s: float = 0.0  # llama.cpp evaluating prompts
    decode_s: float = 0.0  # llama.cpp evaluating sampled tokens

    @property
    def tokens_per_second(self) -> float:
        return round(self.generated / self.seconds, 1) if self.seconds else 0.0


def calls_per_step(steps: Sequence[dict[str, Any]], per_call: Sequence[dict[str, Any]]) -> list[list[dict]]:
    """Each telemetry step's llama.cpp calls, in order.

    Calls run one at a time in step order, so a step's ``calls`` chat calls come next; the
    rating probes that follow a step's last chat call are that step's (the critic's).

    Raises:
        ValueError: the chat calls counted by telemetry and by llama.cpp differ.
    """
    chats = sum(1 for call in per_call if not call.get("probe"))
    if sum(step["calls"] for step in steps) != chats:
        raise ValueError(f"telemetry counts {sum(s['calls'] for s in steps)} chat calls, llama.cpp {chats}")
    grouped: list[list[dict]] = []
    position = 0
    for step in steps:
        mine: list[dict] = []
        taken = 0
        while position < len(per_call):
            call = per_call[position]
            if not call.get("probe"):
                if taken == step["calls"]:
                    break
                taken += 1
            mine.append(call)
            position += 1
        grouped.append(mine)
    if grouped and position < len(per_call):  # probes before any chat call of a later step
        grouped[-1].extend(per_call[position:])
    return grouped


def agent_speeds(steps: Sequence[dict[str, Any]], per_call: Sequence[dict[str, Any]]) -> list[AgentSpeed]:
    """Per agent, in pipeline order: calls, prompt tokens sent and reused, tokens generated,
    seconds and engine seconds (see :func:`calls_per_step`)."""
    rows: dict[str, AgentSpeed] = {}
    for step, calls in zip(steps, calls_per_step(steps, per_call), strict=True):
        row = rows.setdefault(step["agent"], AgentSpeed(agent=step["agent"]))
        row.calls += step["calls"]
        row.generated += step["completion_tokens"]
        row.seconds += step["seconds"]
        for call in calls:
            row.probes += bool(call.get("probe"))
            row.prompt_sent += call["submitted"]
            row.prompt_reused += call["submitted"] - call["evaluated"]
            row.prompt_s += call["prompt_seconds"]
            row.decode_s += call["decode_seconds"]
    return sorted(rows.values(), key=lambda row: AGENTS.index(row.agent))


def total_speed(rows: Sequence[AgentSpeed]) -> AgentSpeed:
    """The rows summed."""
    total = AgentSpeed(agent="total")
    for row in rows:
        for field in ("calls", "probes", "prompt_sent", "prompt_reused", "generated"):
            setattr(total, field, getattr(total, field) + getattr(row, field))
        for field in ("seconds", "prompt_s", "decode_s"):
            setattr(total, field, getattr(total, field) + getattr(row, field))
    return total


def mismatches(rows: Sequence[AgentSpeed], run: dict[str, Any]) -> list[str]:
    """Where the per-agent rows do not add up to the run's own totals (empty when they do):
    the result's calls and generated tokens, llama.cpp's calls, prompt tokens sent and evaluated,
    and the wall time (the agents' seconds fit inside it)."""
    total, totals, evals = total_speed(rows), run["result"]["totals"], run["evals"]
    pairs = {
        "chat calls vs result": (total.calls, totals["calls"]),
        "generated vs result": (total.generated, totals["completion_tokens"]),
        "calls + probes vs llama.cpp": (total.calls + total.probes, evals["calls"]),
        "prompt sent vs llama.cpp": (total.prompt_sent, evals["prompt_submitted"]),
        "prompt evaluated vs llama.cpp": (total.prompt_sent - total.prompt_reused, evals["prompt_evaluated"]),
    }
    found = [f"{name}: {mine} != {theirs}" for name, (mine, theirs) in pairs.items() if mine != theirs]
    if total.seconds > run["wall_seconds"] + 0.01:
        found.append(f"agent seconds {total.seconds:.2f} exceed the wall time {run['wall_seconds']:.2f}")
    return found


def first_text(marks: dict[str, float], wall: float) -> dict[str, Any]:
    """Seconds from the start to the first streamed token, the writer's first token and the first
    section's finished text, and the last as a share of the wall time."""
    section = marks.get("first_section_s")
    return {
        "first_token_s": marks.get("first_token_s"),
        "first_writer_token_s": marks.get("first_writer_token_s"),
        "first_section_s": section,
        "first_section_share": round(section / wall, 3) if section is not None and wall else None,
    }


def revision_ratio(per_round: Sequence[dict[str, Any]]) -> float | None:
    """The later rounds' mean wall time as a share of the first round's."""
    if len(per_round) < 2 or not per_round[0]["seconds"]:
        return None
    later = [r["seconds"] for r in per_round[1:]]
    return round(sum(later) / len(later) / per_round[0]["seconds"], 2)


# --- grammar vs free text, on a loaded model (a bench worker) -----------------------------------


def _stream_rate(model: Any, messages: list[Any], **options: Any) -> tuple[int, float]:
    """Tokens and tokens/s of one streamed call, first to last token (prompt left out)."""
    model.llama.reset()
    stamps: list[float] = []
    tokens = 0
    for chunk in model.stream(messages, **options):
        if chunk.content:
            stamps.append(time.perf_counter())
        tokens = (chunk.usage_metadata or {}).get("output_tokens", tokens)
    seconds = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return tokens, round((len(stamps) - 1) / seconds, 1) if seconds else 0.0


def measure_grammar(settings: Any, tokens: int = GRAMMAR_TOKENS, repeats: int = 2) -> dict[str, Any]:
    """Generation tokens/s of free text, of JSON under llama-cpp-python's whole-vocabulary grammar
    sampler, and under ours (sample first, check one token), on one loaded model; best of
    ``repeats``, alternating; plus the share of tokens the grammar rejected on our path."""
    from langchain_core.messages import HumanMessage, SystemMessage
    from pydantic import BaseModel as Schema
    from pydantic import Field

    from backends import fast_grammar
    from backends.structured import response_format_for
    from graph import assembly

    class Post(Schema):
        title: str
        paragraphs: list[str] = Field(min_length=6)  # the grammar keeps a small model writing

    model: Any = assembly.chat_model(settings)
    messages = [SystemMessage("You are a helpful writer."), HumanMessage(GRAMMAR_PROMPT)]
    json_format = response_format_for(Post)
    stats = fast_grammar.install(model.llama)
    paths = {
        "free": (model, {}),
        "grammar_full": (
            model.model_copy(update={"grammar_sample_first": False}),
            {"response_format": json_format},
        ),
        "grammar_sample_first": (
            model.model_copy(update={"grammar_sample_first": True}),
            {"response_format": json_format},
        ),
    }
    best: dict[str, tuple[int, float]] = {}
    sampled, resampled = stats.sampled, stats.resampled
    for _ in range(repeats):
        for name, (chat, extra) in paths.items():
            measured = _stream_rate(chat, messages, max_tokens=tokens, **extra)
            if measured[1] > best.get(name, (0, 0.0))[1]:
                best[name] = measured
    free = best["free"][1]
    return {
        "model": str(getattr(model, "model_name", "")),
        "n_threads": int(getattr(model.llama, "n_threads", 0)),
        **{f"{name}_tps": rate for name, (_, rate) in best.items()},
        **{f"{name}_tokens": count for name, (count, _) in best.items()},
        "grammar_full_vs_free": round(best["grammar_full"][1] / free, 3) if free else None,
        "grammar_sample_first_vs_free": round(best["grammar_sample_first"][1] / free, 3) if free else None,
        "resampled_share": round((stats.resampled - resampled) / max(1, stats.sampled - sampled), 3),
        "repeats": repeats,
    }
