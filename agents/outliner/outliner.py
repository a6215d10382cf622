"""Outliner: the evidence (or, without sources, the model's plan) -> a structured outline.

With evidence, the sections are what the sources cover (``agents.outliner.grounded_outline``, from
the candidates of ``agents.outliner.planning``): the model only picks and orders the candidates
and names the post, under a grammar that allows nothing else, and each section is assigned the
passages it explains (``agents.text.evidence``). Without evidence the model plans freely; an
off-topic plan is asked again, then replaced by a simple one (``agents.outliner.tidy_outline``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.outliner.grounded_outline import grounded_outline, with_evidence
from agents.outliner.tidy_outline import fallback_outline, is_on_topic, tidy_outline
from agents.outliner.unsourced_plan import plan_from_topic
from agents.text.evidence import EvidenceIndex
from agents.text.issues import issue_lines
from agents.text.lengths import section_count
from agents.text.prompts import ask_structured, bullet_list, render, shared_context
from backends.structured import StructuredOutputError, json_schema_for
from core.policy import run_policy
from core.state import DraftState, Outline


def make_outliner(model: BaseChatModel, writing: WritingMode = "extractive") -> Callable[[DraftState], dict]:
    """Build the outliner node: a grammar-constrained outline, with a safe fallback. A model that
    can write (``writing="free"``) heads the evidence's sections in its own words."""

    def outliner(state: DraftState) -> dict:
        passages = state.get("passages", [])
        if passages:
            grounded = grounded_outline(model, state, passages, writing)
            if grounded is not None:
                return grounded
        request = state["request"]
        previous = state.get("outline")
        critique = state.get("critique")
        revision = ""
        if previous is not None and critique is not None:
            revision = render(
                "outliner",
                "revision",
                previous=json.dumps(previous.model_dump(), ensure_ascii=False),
                issues=bullet_list(issue_lines(critique.issues) + critique.gaps),
            )
        count = section_count(request.words, writes=writing == "free")
        task = render("outliner", "outline", sections=count, revision=revision)
        sources = state.get("sources", [])
        system = shared_context(request, state.get("notes", []), sources)
        warnings: list[str] = []
        outline: Outline | None = None
        on_topic = False
        for attempt in range(run_policy().outliner.off_topic_attempts):
            try:
                outline = ask_structured(
                    model,
                    Outline,
                    system,
                    task,
                    json_schema=outline_schema(count),
                    max_tokens=run_policy().outliner.outline_max_tokens,
                    **({"seed": run_policy().outliner.retry_seed + attempt} if attempt else {}),
                )
            except StructuredOutputError as exc:
                outline = None
                warnings.append(f"outliner reply was unusable ({exc}); using a simple outline")
                break
            on_topic = is_on_topic(outline, request.topic)
            if on_topic:
                break
        if outline is None or not on_topic:
            if outline is not None:
                warnings.append("the outliner's plan was off topic; using a simple outline")
            outline = previous or fallback_outline(request, state.get("notes", []), sources, count)
        if not sources and writing == "extractive":
            tidy, notes = plan_from_topic(outline, request, count)
            warnings += notes
        else:
            tidy = tidy_outline(outline, {s.id for s in sources}, count, request.topic)
        if passages:
            tidy = with_evidence(tidy, request.topic, EvidenceIndex(passages), [[] for _ in tidy.sections])
        return {"outline": tidy, "outline_reviewed": False, "warnings": warnings}

    return outliner


def outline_schema(count: int) -> dict[str, Any]:
    """The Outline JSON schema with exactly ``count`` sections and short key points (fewer tokens)."""
    schema = json_schema_for(Outline)
    schema["properties"].pop("intro_passage_ids", None)
    schema["properties"]["sections"]["items"]["properties"].pop("passage_ids", None)
    sections = schema["properties"]["sections"]
    sections["minItems"] = sections["maxItems"] = count
    sections["items"]["properties"]["key_points"].update(maxItems=run_policy().outliner.written_key_points)
    return schema
