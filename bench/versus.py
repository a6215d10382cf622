"""The pipeline beside the one-prompt baseline, topic by topic, and the targets they are held to."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any

from bench import independent
from bench.damage import damage
from bench.grounding import grounding

TARGETS = {
    "recall_ratio_mean": 1.5,  # pipeline entity recall / baseline's, averaged over topics
    "unsupported_share": 0.05,
    "citation_support": 0.9,
    "copied_8gram_share": 0.15,
    "wall_ratio": 2.0,
}


def compare(document: dict[str, Any]) -> dict[str, Any]:
    """One row per grounded topic that has both runs, and the pooled checks."""
    baselines = {run["name"].split(":", 1)[1]: run for run in document.get("baselines", [])}
    rows = []
    for run in document.get("scenarios", []):
        slug = run["name"].split(":", 1)[-1]
        if not run["name"].startswith("sources:") or slug not in baselines or "result" not in run:
            continue
        rows.append(topic_row(slug, run, baselines[slug]))
    return {"topics": rows, "checks": checks(rows) if rows else {}}


def topic_row(slug: str, run: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The two posts of one topic, measured the same way."""
    result, one = run["result"], baseline["baseline"]
    sources = list(run.get("source_texts", {}).values())
    topic, reference = result["topic"], run.get("reference")
    pipeline = grounding(result["markdown"], sources, topic, reference).model_dump()
    plain = grounding(one["markdown"], list(one["source_texts"].values()), topic, reference).model_dump()
    best = next(r for r in result["rounds"] if r["round"] == result["best_round"])
    words = result["request"]["words"]
    pipeline |= damage(result["markdown"], sources, topic, words)
    plain |= damage(one["markdown"], list(one["source_texts"].values()), topic, words)
    return {
        "topic": slug,
        "pipeline": {
            **pipeline,
            "wall_s": run["wall_seconds"],
            "rounds": len(result["rounds"]),
            "best_round": result["best_round"],
            "best_beats_first": best["critique"]["overall"] > result["rounds"][0]["critique"]["overall"],
            "changes": [r.get("changes", []) for r in result["rounds"]],
            "stop_reason": result.get("stop_reason"),
            "citation_support": best["critique"]["metrics"].get("citation_support"),
            "independent_support": independent.citation_support(
                best["markdown"], {int(k): v for k, v in run.get("source_texts", {}).items()}
            ).rate,
            "independent_repetition": independent.repetition(result["markdown"]).ratio,
        },
        "baseline": {**plain, "wall_s": one["wall_seconds"], "sources_pasted": one["sources_pasted"]},
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return round(a / b, 2) if b else (None if a == 0 else float("inf"))


def _pooled(rows: Sequence[dict[str, Any]], side: str, key: str) -> float | None:
    values = [r[side][key] for r in rows if r[side][key] is not None]
    return round(mean(values), 4) if values else None


def checks(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets, each with the measured value and whether it holds."""
    recall = _pooled(rows, "pipeline", "entity_recall")
    base_recall = _pooled(rows, "baseline", "entity_recall")
    unsupported = sum(len(r["pipeline"]["unsupported"]) for r in rows) / max(
        1, sum(r["pipeline"]["specifics"] for r in rows)
    )
    base_unsupported = sum(len(r["baseline"]["unsupported"]) for r in rows) / max(
        1, sum(r["baseline"]["specifics"] for r in rows)
    )
    wall = sum(r["pipeline"]["wall_s"] for r in rows) / max(1e-9, sum(r["baseline"]["wall_s"] for r in rows))
    heading_sets = [frozenset(h.lower() for h in r["pipeline"]["headings"]) for r in rows]
    later = sum(1 for r in rows if r["pipeline"]["best_beats_first"])
    early = sum(
        1
        for r in rows
        if (r["pipeline"]["stop_reason"] or "").startswith("stopped early") and r["pipeline"]["rounds"] <= 2
    )
    supports = [
        r["pipeline"]["citation_support"] for r in rows if r["pipeline"]["citation_support"] is not None
    ]
    copied = _pooled(rows, "pipeline", "copied_8gram_share")
    independent_rates = [
        r["pipeline"]["independent_support"] for r in rows if r["pipeline"]["independent_support"] is not None
    ]
    return {
        "recall_ratio_mean": {
            "value": _ratio(recall, base_recall),
            "pipeline": recall,
            "baseline": base_recall,
            "target": ">= 1.5 (mean recall / the one prompt's mean)",
        },
        "recall_never_below_baseline": {
            "value": all(
                (r["pipeline"]["entity_recall"] or 0) >= (r["baseline"]["entity_recall"] or 0) for r in rows
            ),
            "target": "true",
        },
        "unsupported_share": {
            "value": round(unsupported, 3),
            "baseline": round(base_unsupported, 3),
            "target": "<= 0.05",
        },
        "every_body_section_cited": {
            "value": all(r["pipeline"]["cited_sections"] >= r["pipeline"]["body_sections"] for r in rows),
            "target": "true",
        },
        "citation_support_min": {"value": min(supports) if supports else None, "target": ">= 0.9"},
        "citation_support_independent_min": {
            "value": min(independent_rates) if independent_rates else None,
            "target": "reported (bench/independent.py: one passage, in order, numbers must match)",
        },
        "distinct_heading_sets": {"value": len(set(heading_sets)) == len(heading_sets), "target": "true"},
        "rounds_earn_their_cost": {
            "value": f"a later round scored higher on {later}, stopped early after <= 2 rounds on {early}, "
            f"of {len(rows)}",
            "target": ">= 3 of 5 (either)",
        },
        "copied_8gram_share": {
            "value": copied,
            "baseline": _pooled(rows, "baseline", "copied_8gram_share"),
            "target": "<= 0.15",
        },
        "wall_ratio": {"value": round(wall, 2), "target": "<= 2.0"},
        "length_ratio_range": {
            "value": [
                min(r["pipeline"]["length_ratio"] for r in rows),
                max(r["pipeline"]["length_ratio"] for r in rows),
            ],
            "baseline": [
                min(r["baseline"]["length_ratio"] for r in rows),
                max(r["baseline"]["length_ratio"] for r in rows),
            ],
            "target": "0.8-1.2 on every topic",
        },
        "damage": {
            "value": {kind: sum(len(r["pipeline"][kind]) for r in rows) for kind in DAMAGE_KINDS},
            "baseline": {kind: sum(len(r["baseline"][kind]) for r in rows) for kind in DAMAGE_KINDS},
            "target": "0 of each",
        },
    }


DAMAGE_KINDS = ("fused_words", "title_sentences", "meta_sentences", "restated_facts", "bad_headings")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def render(versus: dict[str, Any]) -> str:
    """The side-by-side table and the checks, as markdown."""
    if not versus.get("topics"):
        return ""
    lines = [
        "| topic | entity recall (pipeline / one prompt) | unsupported | copied 8-grams | cited sections "
        "| wall s | rounds (best) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in versus["topics"]:
        p, b = row["pipeline"], row["baseline"]
        lines.append(
            f"| {row['topic']} | {_pct(p['entity_recall'])} / {_pct(b['entity_recall'])} "
            f"| {_pct(p['unsupported_share'])} / {_pct(b['unsupported_share'])} "
            f"| {_pct(p['copied_8gram_share'])} / {_pct(b['copied_8gram_share'])} "
            f"| {p['cited_sections']}/{p['body_sections']} / {b['cited_sections']}/{b['body_sections']} "
            f"| {p['wall_s']:.0f} / {b['wall_s']:.0f} | {p['rounds']} ({p['best_round']}) |"
        )
    lines += ["", "Headings (pipeline):"]
    lines += [f"- {row['topic']}: " + " · ".join(row["pipeline"]["headings"]) for row in versus["topics"]]
    lines += ["", "| check | measured | target |", "|---|---|---|"]
    for name, check in versus["checks"].items():
        value = check["value"]
        extra = f" (one prompt: {check['baseline']})" if "baseline" in check else ""
        if "pipeline" in check:
            extra = f" (pipeline {check['pipeline']}, one prompt {check['baseline']})"
        lines.append(f"| {name} | {value}{extra} | {check['target']} |")
    return "\n".join(lines)
