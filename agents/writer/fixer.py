"""Fix calls for a section written by a model that can write: one targeted request at a time.

Each problem goes back to the model as the next turn of the chat that wrote the section (so
llama.cpp reuses the whole prompt it already holds), and a fix is kept only when it passes the
same checks (``agents.text.section_report``). In a later round, where that chat is no longer
held, a fix that needs only its sentence goes in a short chat: the request without its evidence,
then the section as the model's own turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agents.text.after_generation import clean
from agents.text.checks import (
    borrowed_voice,
    meta_sentences,
    names_the_audience,
    names_the_post,
    restated_facts,
    title_sentences,
)
from agents.text.grounding import copied_grams, invented
from agents.text.prompts import messages_for, render, without_quoted_data
from agents.text.section_report import Checker, quoted
from agents.text.spelling import garbled_words
from agents.writer.sections import WritingContext
from core.markers import split_sentences
from core.policy import run_policy
from core.state import Passage
from tools.specifics import find_specifics, states


@dataclass
class Written:
    """One section as the model wrote it: the chat so far (for a revise turn) and its text."""

    messages: list[BaseMessage]
    reply: str
    body: str
    cached: bool = True  # the engine still holds this chat: its reply was the last thing generated


WRITER_CALL = "writer_call"  # run metadata naming a writer call that is not a section's text
# Fixes that need only the sentence itself. While the section's chat is not what llama.cpp holds
# (a later round rebuilds it), each goes in a short chat without the evidence (Fixer.short_chat):
# re-reading it cost 30-110 s a call on the 1.5B model at one thread, for a one-sentence rewording.
SELF_CONTAINED = ("fix_copied", "fix_meta", "fix_voice", "fix_spelling")


def same_facts(original: str, fixed: str) -> bool:
    """True when ``fixed`` states every number of ``original`` and no name or number it does not
    state: a rewording that drops "3.68 kW" loses a fact, and one that brings in a name the
    sentence did not have ("homes need inverters to convert AC into DC", from "homes run on AC,
    so every system needs an inverter to convert one into the other") changes its meaning."""
    if not fixed:
        return False
    numbers = [s for s in find_specifics(original) if s.kind == "number"]
    added = [s for s in find_specifics(fixed) if s.kind in ("name", "number") and not states(original, s)]
    return all(states(fixed, n) for n in numbers) and not added


class Fixer:
    """Asks the model for one targeted fix at a time, within the section's call budget."""

    def __init__(
        self, context: WritingContext, checker: Checker, written: Written, evidence: Sequence[Passage]
    ) -> None:
        self.context, self.checker, self.written, self.evidence = context, checker, written, evidence
        self.cite = cite_example(evidence, context)
        self.calls = 0
        self.warm = written.cached  # llama.cpp holds the section's chat, so a next turn is cheap

    def rewrite(self, template: str, sentence: str, body: str, *, may_copy: int = 0, **values: object) -> str:
        """The model's fix for ``sentence`` of ``body`` (or an addition to it when ``sentence`` is
        ""), or "" when the budget is spent or the fix fails the checks (copying at most
        ``may_copy`` of the sources' word 8-grams)."""
        if self.calls >= run_policy().writer.max_fix_calls:
            return ""
        self.calls += 1
        ask_for = render("writer", template, sentence=quoted(sentence), cite=self.cite, **values)
        short = template in SELF_CONTAINED and not self.warm
        reply = self.reply_to(ask_for, run_policy().writer.fix_max_tokens, short=short)
        fixed = clean(reply, self.context.known_ids, self.context.seen, flatten=True)
        fixed = " ".join(fixed.split())
        rest = replace_sentence(body, sentence, "") if sentence else body
        return fixed if self.passes(fixed, rest, may_copy) else ""

    def reply_to(self, ask_for: str, max_tokens: int, short: bool = False) -> str:
        """One fix call: the request as the next turn of the section's chat (``short``: of that
        chat without its evidence)."""
        if short:
            chat = [*self.short_chat(), AIMessage(self.written.reply), HumanMessage(ask_for)]
        else:
            chat = [*self.written.messages, AIMessage(self.written.reply), HumanMessage(ask_for)]
            self.warm = True
        options: dict[str, Any] = {"max_tokens": max_tokens, "seed": self.context.round_number}
        # Marked as a fix, so front ends do not show it as a new section's text.
        fixing = self.context.model.with_config(metadata={WRITER_CALL: "fix"})
        return str(fixing.invoke(chat, **options).content)

    def short_chat(self) -> list[BaseMessage]:
        """The section's chat without its evidence and instructions: the post's context and the
        request's first line ("Now write the section ..."). The model still sees the section as
        its own previous turn; asked alone about a bare sentence, it gave 5 of 6 back unchanged."""
        task = str(self.written.messages[-1].content) if self.written.messages else self.context.brief
        return messages_for(self.context.system, request_line(task))

    def passes(self, text: str, rest: str, may_copy: int = 0) -> bool:
        """A fix is one or two plain sentences of a sane length with no problem of its own, that
        does not repeat the rest of the section."""
        words = len(text.split())
        if (
            not run_policy().writer.fix_words[0] <= words <= run_policy().writer.fix_words[1]
            or text.count('"') >= 2
        ):
            return False
        if len(split_sentences(text)) > run_policy().writer.max_fix_sentences or restated_facts([rest, text]):
            return False
        if meta_sentences(text) or title_sentences(text, self.checker.titles):
            return False
        if names_the_post(text, self.checker.post_title, self.checker.topic) or names_the_audience(
            text, self.checker.audience
        ):
            return False
        if not self.checker.own_voice and borrowed_voice(text):
            return False
        if garbled_words(text, self.checker.vocabulary):
            return False
        if any(invented(s, self.checker.corpus, self.checker.grounded) for s in split_sentences(text)):
            return False
        return not self.checker.known_grams or copied_grams(text, self.checker.known_grams) <= may_copy


def request_line(task: str) -> str:
    """``task`` up to the first sentence of its "Now write ..." line: the brief and what was asked."""
    lines = task.split("\n")
    for at, line in enumerate(lines):
        if line.startswith("Now write"):
            return "\n".join([*lines[:at], line.split(". ")[0].rstrip(".") + "."])
    return without_quoted_data(task)


def copying_less(sentence: str, checker: Checker) -> int:
    """The most 8-grams a rewording of the copied ``sentence`` may still copy: under
    ``copy_fix_share`` (policy) of the sentence's. A rewording that keeps a name's exact words
    ("SmolLM2-135M from Hugging Face is under 100 MB") copies less and reads better; asking for
    none threw it away and sent the whole pasted sentence back in the next round."""
    copied = copied_grams(sentence, checker.known_grams)
    return max(0, math.ceil(copied * run_policy().writer.copy_fix_share) - 1)


def cite_example(evidence: Sequence[Passage], context: WritingContext) -> str:
    """How a fix is asked to cite: like the evidence's first source, or not at all."""
    return f", cited like [{evidence[0].source_id}]" if evidence and context.grounded else ""


def replace_sentence(body: str, sentence: str, replacement: str) -> str:
    """``body`` with ``sentence`` replaced (or removed when ``replacement`` is empty)."""
    paragraphs = []
    for paragraph in body.split("\n\n"):
        parts = [replacement if s == sentence else s for s in split_sentences(paragraph)]
        joined = " ".join(p for p in parts if p)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)
