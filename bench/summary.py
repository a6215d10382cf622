"""Derived numbers of a benchmark results document: per draft, speed against the engine, prompt
reuse, where the time went and quality (pure functions; ``bench.report`` renders them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bench import speed, versus
from bench.engine import per_second
from bench.instruments import reuse_rate
from bench.quality import evaluate_run
from core.state import AGENTS


def summarise(document: dict[str, Any]) -> dict[str, Any]:
    """Per-draft derived numbers (speed vs the engine, reuse, time split, quality)."""
    engine = (document.get("engine") or {}).get("engine")
    return {
        "drafts": [summarise_draft(run, engine) for run in document.get("scenarios", []) if "result" in run],
        "versus_one_prompt": versus.compare(document),
    }


def summarise_draft(run: dict[str, Any], engine: dict[str, Any] | None) -> dict[str, Any]:
    """The headline numbers of one draft run."""
    result, evals, wall = run["result"], run["evals"], run["wall_seconds"]
    completion = result["totals"]["completion_tokens"]
    effective = completion / wall if wall else 0.0
    raw = engine["gen_tokens_per_second"] if engine else None
    pp = engine["prompt_tokens_per_second"] if engine else None
    reused = evals["prompt_submitted"] - evals["prompt_evaluated"]
    engine_seconds = evals["prompt_seconds"] + evals["decode_seconds"]
    gen_phase = generation_tps(evals)
    return {
        "name": run["name"],
        "rounds": len(result["rounds"]),
        "words_target": result["request"]["words"],
        "wall_s": round(wall, 1),
        "load_s": run["load_seconds"],
        "calls": result["totals"]["calls"],
        "completion_tokens": completion,
        "prompt_tokens": result["totals"]["prompt_tokens"],
        "prompt_evaluated": evals["prompt_evaluated"],
        "reuse_rate": evals["reuse_rate"],
        "chat_reuse_rate": chat_reuse_rate(evals.get("per_call")),
        "reuse_saved_s_est": round(reused / pp, 1) if pp else None,
        "effective_tps": round(effective, 1),
        "raw_tps": raw,
        "ratio": round(effective / raw, 3) if raw else None,
        **same_work(run.get("replay"), wall, completion),
        **outside_llama(run.get("inside_llama_seconds"), wall),
        "engine_prompt_s": evals["prompt_seconds"],
        "engine_decode_s": evals["decode_seconds"],
        "decode_tps_in_run": per_second(evals["generated_evaluated"], evals["decode_seconds"]),
        "generation_tps": gen_phase,
        "generation_ratio": _ratio(gen_phase, raw),
        "other_s": round(wall - engine_seconds, 1),
        "peak_rss_mb": run["peak_rss_mb"],
        "other_cpu_cores": run["other_cpu_cores"],
        "quality": evaluate_run(run).model_dump(),
        "per_agent": add_engine_counts(
            group_telemetry(result["telemetry"], "agent"), result["telemetry"], evals.get("per_call")
        ),
        "per_round": group_telemetry(result["telemetry"], "round"),
        "speed": speed_summary(run),
    }


def speed_summary(run: dict[str, Any]) -> dict[str, Any]:
    """Per-agent model work with its totals (and where they fail to add up to the run's own),
    the time to first text and the revision rounds' cost against the first round's."""
    per_call = run["evals"].get("per_call") or []
    try:
        rows = speed.agent_speeds(run["result"]["telemetry"], per_call)
    except ValueError as exc:
        return {"error": str(exc)}
    return {
        "agents": [_speed_row(row) for row in rows],
        "total": _speed_row(speed.total_speed(rows)),
        "mismatches": speed.mismatches(rows, run),
        **speed.first_text(run.get("marks") or {}, run["wall_seconds"]),
        "revision_vs_first_round": speed.revision_ratio(group_telemetry(run["result"]["telemetry"], "round")),
    }


def _speed_row(row: speed.AgentSpeed) -> dict[str, Any]:
    return {
        **row.model_dump(),
        "seconds": round(row.seconds, 2),
        "prompt_s": round(row.prompt_s, 2),
        "decode_s": round(row.decode_s, 2),
        "tokens_per_second": row.tokens_per_second,
    }


def same_work(replay: dict[str, Any] | None, wall: float, completion: int) -> dict[str, Any]:
    """The run against raw llama.cpp doing the very same calls (``bench.instruments.replay_calls``):
    its seconds and tokens/s, the run's share of that speed, and whether the work matched."""
    if not replay or not replay["seconds"] or not wall:
        return {"raw_same_calls_s": None, "raw_same_calls_tps": None, "same_calls_ratio": None}
    return {
        "raw_same_calls_s": round(replay["seconds"], 1),
        "raw_same_calls_tps": round(completion / replay["seconds"], 1),
        "same_calls_ratio": round(replay["seconds"] / wall, 3),
        "same_calls_matched": replay["generated"] == replay["run_generated"],
    }


def chat_reuse_rate(per_call: Sequence[dict[str, Any]] | None) -> float | None:
    """Prompt reuse over the chat calls only. The critic's rating probes re-submit the draft
    each time and nearly all of it is reused, which would flatter the overall rate."""
    chats = [call for call in per_call or [] if not call.get("probe")]
    if not chats:
        return None
    return reuse_rate(sum(c["submitted"] for c in chats), sum(c["evaluated"] for c in chats))


def outside_llama(inside: float | None, wall: float) -> dict[str, Any]:
    """The app's own time: the run's wall time outside ``Llama.create_completion`` calls (graph,
    agents' Python, checkpoints, search), and its share of the wall time. Unlike the replay,
    this does not depend on how fast the engine happened to run."""
    if inside is None or not wall:
        return {"outside_llama_s": None, "outside_llama_share": None}
    outside = max(0.0, wall - inside)
    return {"outside_llama_s": round(outside, 2), "outside_llama_share": round(outside / wall, 4)}


def generation_tps(evals: dict[str, Any]) -> float | None:
    """Tokens/s while generating: each call timed from its first sampled token to its last
    (sampling, grammar and Python included; prompt processing not) — the pipeline's counterpart
    of the raw first-to-last-token measurement."""
    seconds = evals.get("generation_seconds")
    return per_second(evals["generated_evaluated"], seconds) if seconds else None


def _ratio(value: float | None, raw: float | None) -> float | None:
    return round(value / raw, 3) if value and raw else None


def group_telemetry(steps: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Seconds, calls and tokens summed per agent or per round."""
    groups: dict[Any, dict[str, Any]] = {}
    for step in steps:
        group = groups.setdefault(
            step[key],
            {key: step[key], "seconds": 0.0, "calls": 0, "prompt_tokens": 0, "completion_tokens": 0},
        )
        for field in ("seconds", "calls", "prompt_tokens", "completion_tokens"):
            group[field] += step[field]
    ordered = sorted(groups.values(), key=lambda g: AGENTS.index(g[key]) if key == "agent" else g[key])
    for group in ordered:
        group["seconds"] = round(group["seconds"], 2)
    return ordered


def add_engine_counts(
    agents: list[dict[str, Any]], steps: Sequence[dict[str, Any]], per_call: Sequence[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Add each agent's evaluated prompt tokens, reuse rate and engine seconds.

    Model calls run one at a time in step order, so the first ``calls`` chat calls belong to the
    first telemetry step, and so on; rating probes (which telemetry does not count as chat calls)
    belong to the step whose calls they follow (the critic's). Left unchanged when the counts
    do not line up.
    """
    chat_calls = [call for call in per_call or [] if not call.get("probe")]
    if per_call is None or sum(step["calls"] for step in steps) != len(chat_calls):
        return agents
    totals: dict[str, dict[str, float]] = {}
    position = 0
    for step in steps:
        total = totals.setdefault(step["agent"], {"submitted": 0, "evaluated": 0, "engine_s": 0.0})
        chats = 0
        while position < len(per_call):
            call = per_call[position]
            if not call.get("probe"):
                if chats == step["calls"]:
                    break  # the next step's first chat call
                chats += 1
            total["submitted"] += call["submitted"]
            total["evaluated"] += call["evaluated"]
            total["engine_s"] += call["prompt_seconds"] + call["decode_seconds"]
            position += 1
    for agent in agents:
        total = totals.get(agent["agent"], {"submitted": 0, "evaluated": 0, "engine_s": 0.0})
        agent["prompt_evaluated"] = int(total["evaluated"])
        agent["reuse_rate"] = reuse_rate(int(total["submitted"]), int(total["evaluated"]))
        agent["engine_s"] = round(total["engine_s"], 2)
    return agents
