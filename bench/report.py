"""Derived numbers and the markdown summary of a benchmark results document (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bench import speed, versus
from bench.engine import per_second, reuse_rate
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
    """The run against raw llama.cpp doing the very same calls (``bench.engine.replay_calls``):
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


# --- markdown -----------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def record_table(records: Sequence[dict[str, Any]]) -> str:
    """A markdown table of records that share their keys: the keys are the headers, so a
    column's header stands next to its value."""
    return table(list(records[0]) if records else [], [list(record.values()) for record in records])


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def render(document: dict[str, Any]) -> str:
    """The whole markdown summary."""
    drafts = document["summary"]["drafts"]
    parts = ["## Draftsmith benchmark", "", _context_line(document), ""]
    if document.get("engine"):
        parts += ["### Engine ceiling (raw llama.cpp, in-process)", "", engine_table(document["engine"]), ""]
    if document.get("grammar"):
        parts += ["### Grammar-constrained vs free generation", "", grammar_table(document["grammar"]), ""]
    if drafts:
        parts += ["### Pipeline speed", "", speed_table(drafts), ""]
        parts += ["### Draft quality", "", quality_table(drafts), ""]
        parts += ["### Per round", "", round_table(drafts), ""]
        for draft in drafts[:2]:
            parts += [f"### Per agent: {draft['name']}", "", agent_table(draft), ""]
        for draft in drafts:
            if draft.get("speed", {}).get("agents"):
                parts += [f"### Speed per agent: {draft['name']}", "", agent_speed_table(draft, document), ""]
        parts += [_progress_line(drafts)]
    side_by_side = versus.render(document["summary"].get("versus_one_prompt") or {})
    if side_by_side:
        parts += ["", "### Pipeline vs one prompt (same model, same sources pasted in)", "", side_by_side]
    for failure in document.get("failures", []):
        parts += ["", f"**{failure['name']} failed:** {failure['error'].splitlines()[0]}"]
    return "\n".join(parts).rstrip()


def _context_line(document: dict[str, Any]) -> str:
    machine = document["machine"]
    return (
        f"{document['created']} · {machine['cpus']} CPUs · llama-cpp-python {machine['llama_cpp_python']} · "
        f"load average start {document['load_average_start']} → end {document['load_average_end']}"
    )


def engine_table(run: dict[str, Any]) -> str:
    """Raw prompt/generation speed and the adapter's overhead."""
    engine = run["engine"]
    record = {
        "threads": engine["n_threads"],
        "batch": engine["n_batch"],
        f"prompt tok/s ({engine['prompt_tokens']} tok)": engine["prompt_tokens_per_second"],
        f"gen tok/s (raw, {engine['gen_tokens']} tok)": engine["gen_tokens_per_second"],
        "decode tok/s (llama.cpp perf)": engine["decode_tokens_per_second"],
        "adapter gen tok/s": engine["adapter_tokens_per_second"],
        "adapter overhead": f"{engine['adapter_overhead_pct']:+.1f}%",
        "model load s": engine["load_seconds"],
        "peak RSS MB": run["peak_rss_mb"],
        "other CPU load (cores)": run["other_cpu_cores"],
    }
    return record_table([record])


def speed_table(drafts: list[dict[str, Any]]) -> str:
    """Wall time, tokens, effective speed vs raw, prompt reuse and where the time went."""
    return record_table([_speed_record(d) for d in drafts])


def grammar_table(run: dict[str, Any]) -> str:
    """Generation tokens/s: free text, JSON under llama-cpp-python's grammar sampler, and ours."""
    g = run["grammar"]
    record = {
        "model": g["model"],
        "threads": g["n_threads"],
        "free tok/s": g["free_tps"],
        "grammar, whole vocabulary tok/s": g["grammar_full_tps"],
        "vs free": g["grammar_full_vs_free"],
        "grammar, sample first tok/s": g["grammar_sample_first_tps"],
        "vs free ": g["grammar_sample_first_vs_free"],
        "tokens rejected and resampled": _pct(g["resampled_share"], 1),
        "other CPU load": run["other_cpu_cores"],
    }
    return record_table([record])


def agent_speed_table(draft: dict[str, Any], document: dict[str, Any]) -> str:
    """Per agent: calls, prompt tokens sent and reused from llama.cpp's cache, tokens generated,
    seconds and tokens/s; a total row; then the one prompt beside it and the time to first text."""
    summary = draft["speed"]
    rows = [_agent_speed_record(row) for row in [*summary["agents"], summary["total"]]]
    lines = [record_table(rows), ""]
    baseline = _baseline_for(draft["name"], document)
    if baseline is not None:
        one = baseline["baseline"]
        ratio = draft["wall_s"] / one["wall_seconds"] if one["wall_seconds"] else None
        lines.append(
            f"One prompt, same model and sources: 1 call, {one['prompt_tokens']} prompt tokens, "
            f"{one['completion_tokens']} generated, {one['wall_seconds']:.1f} s "
            f"({one['completion_tokens'] / one['wall_seconds']:.1f} tok/s over the call); pipeline wall time "
            f"{draft['wall_s']:.1f} s = **{ratio:.2f}×** the one prompt."
            if ratio
            else "One prompt: no time measured."
        )
    first, share = summary.get("first_section_s"), summary.get("first_section_share")
    lines.append(
        f"First section's text after {first:.1f} s ({share:.0%} into the run); first token after "
        f"{summary['first_token_s']:.1f} s, the writer's first after {summary['first_writer_token_s']:.1f} s."
        if first is not None and share is not None
        else "First section's text: not measured."
    )
    revision = summary.get("revision_vs_first_round")
    if revision is not None:
        lines.append(f"A later round took {revision:.2f}× the first round's time (mean).")
    mismatched = summary.get("mismatches")
    lines.append(
        "Counters add up to the run's totals."
        if not mismatched
        else "**Counters do not add up:** " + "; ".join(mismatched)
    )
    return "\n".join(lines)


def _baseline_for(name: str, document: dict[str, Any]) -> dict[str, Any] | None:
    slug = name.split(":", 1)[-1]
    return next((b for b in document.get("baselines", []) if b["name"] == f"one-prompt:{slug}"), None)


def _agent_speed_record(row: dict[str, Any]) -> dict[str, Any]:
    sent = row["prompt_sent"]
    return {
        "agent": row["agent"],
        "calls": row["calls"] if not row["probes"] else f"{row['calls']} + {row['probes']} probes",
        "prompt tok sent": sent,
        "reused (cache)": f"{row['prompt_reused']} ({row['prompt_reused'] / sent:.0%})" if sent else "0",
        "generated": row["generated"],
        "seconds": row["seconds"],
        "tok/s": row["tokens_per_second"],
        "engine prompt s": row["prompt_s"],
        "engine decode s": row["decode_s"],
    }


def _speed_record(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario": d["name"],
        "rounds": d["rounds"],
        "words": d["words_target"],
        "wall s": d["wall_s"],
        "calls": d["calls"],
        "gen tok": d["completion_tokens"],
        "eff. gen tok/s": d["effective_tps"],
        "vs raw gen tok/s": _pct(d["ratio"]),
        "raw, same calls s": d.get("raw_same_calls_s"),
        "vs raw, same calls": _same_calls_pct(d),
        "outside llama.cpp s": _outside(d),
        "prompt tok submitted": d["prompt_tokens"],
        "evaluated": d["prompt_evaluated"],
        "reuse": _pct(d["reuse_rate"]),
        "reuse, chat calls": _pct(d.get("chat_reuse_rate")),
        "saved s (est.)": d["reuse_saved_s_est"],
        "engine prompt s": round(d["engine_prompt_s"], 1),
        "engine decode s": round(d["engine_decode_s"], 1),
        "decode tok/s in run": d["decode_tps_in_run"],
        "gen-phase tok/s": d.get("generation_tps"),
        "gen-phase vs raw": _pct(d.get("generation_ratio")),
        "other s": d["other_s"],
        "peak RSS MB": d["peak_rss_mb"],
        "other CPU load": d["other_cpu_cores"],
    }


def _outside(draft: dict[str, Any]) -> str:
    seconds, share = draft.get("outside_llama_s"), draft.get("outside_llama_share")
    return "n/a" if seconds is None else f"{seconds:g} ({share:.1%})"


def _same_calls_pct(draft: dict[str, Any]) -> str:
    text = _pct(draft.get("same_calls_ratio"))
    return text if draft.get("same_calls_matched", True) else text + " (work differed)"


def quality_table(drafts: list[dict[str, Any]]) -> str:
    """The quality metrics of each final draft."""
    return record_table([_quality_record(d) for d in drafts])


def _quality_record(d: dict[str, Any]) -> dict[str, Any]:
    q = d["quality"]
    reference = q.get("reference")
    rouge = f"{reference['rouge_1']:.3f} / {reference['rouge_l']:.3f}" if reference else "n/a"
    return {
        "scenario": d["name"],
        "structure": _pct(q["structure"]["score"]) + _missing(q["structure"]),
        "words / target": f"{q['words']} / {q['target_words']}",
        "rep. sentences": _pct(q["repeated_sentence_ratio"], 1),
        "rep. 3-grams": _pct(q["repeated_3gram_ratio"], 1),
        "citation support": _pct(q["citation_support"]),
        "critic per round": " → ".join(f"{s:g}" for s in q["progress"]["scores"]),
        "best - first": f"{q['progress']['gain']:+g}",
        "Flesch": q["flesch_reading_ease"],
        "ROUGE-1 / ROUGE-L": rouge,
        "entity recall": _pct(reference["entity_recall"]) if reference else "n/a",
    }


def _missing(structure: dict[str, Any]) -> str:
    failed = [
        name
        for name, ok in (
            ("title", structure["title"]),
            ("intro", structure["intro"]),
            ("sections", not structure["missing_sections"]),
            ("distinct headings", not structure["duplicate_headings"]),
            ("conclusion", structure["conclusion"]),
            ("references", structure["references"] or not structure["references_required"]),
        )
        if not ok
    ]
    return f" (missing: {', '.join(failed)})" if failed else ""


def round_table(drafts: list[dict[str, Any]]) -> str:
    """Cost per round: seconds, prompt and generated tokens (flat = no context blow-up)."""
    headers = ["scenario", "seconds per round", "prompt tok per round", "gen tok per round"]
    rows = [
        [
            d["name"],
            " / ".join(f"{r['seconds']:.1f}" for r in d["per_round"]),
            " / ".join(str(r["prompt_tokens"]) for r in d["per_round"]),
            " / ".join(str(r["completion_tokens"]) for r in d["per_round"]),
        ]
        for d in drafts
    ]
    return table(headers, rows)


def agent_table(draft: dict[str, Any]) -> str:
    """Seconds, share of wall time, calls, tokens, prompt reuse and engine seconds per agent."""
    return record_table([_agent_record(a, draft["wall_s"]) for a in draft["per_agent"]])


def _agent_record(a: dict[str, Any], wall: float) -> dict[str, Any]:
    engine = a.get("engine_s")
    return {
        "agent": a["agent"],
        "seconds": a["seconds"],
        "share": _pct(a["seconds"] / wall) if wall else "n/a",
        "calls": a["calls"],
        "prompt tok": a["prompt_tokens"],
        "evaluated": a.get("prompt_evaluated"),
        "reuse": _pct(a.get("reuse_rate")),
        "gen tok": a["completion_tokens"],
        "gen tok/s": round(a["completion_tokens"] / a["seconds"], 1) if a["seconds"] else "n/a",
        "engine s": engine,
        "non-engine s": None if engine is None else round(a["seconds"] - engine, 2),
    }


def _progress_line(drafts: list[dict[str, Any]]) -> str:
    multi = [d for d in drafts if d["rounds"] > 1]
    helped = sum(1 for d in multi if d["quality"]["progress"]["last_not_worse"])
    return (
        f"Last round scored at least the first round's score in {helped} of {len(multi)} multi-round drafts."
    )
