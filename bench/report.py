"""The markdown summary of a benchmark results document (pure functions); the numbers it shows are
derived by ``bench.summary``."""

from __future__ import annotations

from typing import Any

from bench import versus
from bench.tables import record_table, table


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
