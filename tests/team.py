"""A scripted stand-in for the whole agent team: replies chosen by which agent is asking.

Use ``team = FakeTeam(critic_scores=[6, 9])``; ``team.model`` is a ScriptedChatModel whose
every call is recorded. Writer and editor replies have the requested length, in unique sentences.
"""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

from langchain_core.messages import BaseMessage

from tests.fakes import ScriptedChatModel

WORDS = ["river", "garden", "lantern", "harbor", "meadow", "violin", "copper", "orchard", "canyon", "pepper"]
EXTRA_WORDS = (
    "anchor basket candle desert engine falcon glacier hammer island jacket kettle ladder "
    "mirror needle oyster pillow quarry rocket saddle timber tunnel velvet wagon yarrow"
)
VOCAB = [*WORDS, *EXTRA_WORDS.split()]


def agent_of(messages: list[BaseMessage]) -> str:
    """Which agent sent this prompt (the task message names the role)."""
    match = re.search(r"You are the (researcher|outliner|writer|editor|critic)", messages[-1].text)
    if not match:
        raise AssertionError(f"prompt names no agent: {messages[-1].text[:200]}")
    return match.group(1)


def code_words(n: int) -> str:
    """A unique lower-case tag for ``n`` (digits would read as invented numbers)."""
    size = len(VOCAB)
    return "".join(VOCAB[(n // size**place) % size] for place in range(3))


def prose(words: int, seed: int, cite: int | None = None, quote: str = "", subject: str = "") -> str:
    """``words`` words of distinct sentences (no repetition), optionally citing ``[cite]``;
    ``quote`` (a few words of that source's note) makes the citations supported; ``subject``
    (e.g. the topic and heading) is named in every sentence, as a writer on task would."""
    sentences, counter = [], itertools.count(seed * 1000)
    total = 0
    topical = [w for w in re.findall(r"[a-z]{3,}", subject.lower()) if w not in {"the", "and", "for", "part"}]
    for index in itertools.count():
        if total >= words:
            break
        n = next(counter)
        picks = random.Random(n).sample(VOCAB, 4)  # varied enough to survive the repetition cleanup
        # Subject words rotate through separate slots, so no five-word run repeats (a loop to the cleanup).
        s1, s2, s3 = (f" {topical[(index + k) % len(topical)]}" if topical else "" for k in range(3))
        sentence = (
            f"The {picks[0]}{s1} near the {picks[1]} shaped{s2} {picks[2]} number {code_words(n)}{s3} "
            f"and {picks[3]} work"
        )
        if cite is not None:
            sentence += f"{', as ' + quote if quote else ''} [{cite}]"
        sentences.append(sentence + ".")
        total += len(sentence.split())
    return " ".join(sentences)


QUOTE_WORDS = 8


class FakeTeam:
    """Scripted agents. ``critic_scores``: one rubric value per round (all five items get it)."""

    def __init__(
        self,
        critic_scores: list[int] | None = None,
        gaps: list[list[str]] | None = None,
        critic_replies: list[Any] | None = None,
        outline: Any = None,
        cite: int | None = None,
    ) -> None:
        self.critic_scores = list(critic_scores or [5])
        self.gaps = list(gaps or [])
        self.critic_replies = list(critic_replies or [])
        self.outline = outline
        self.cite = cite
        self.writes = itertools.count(1)
        self.model = ScriptedChatModel(default_reply=self.reply)

    def prompts_of(self, agent: str) -> list[str]:
        return [
            text
            for (messages, _), text in zip(self.model.calls, self.model.prompts, strict=True)
            if agent_of(messages) == agent
        ]

    def reply(self, messages: list[BaseMessage]) -> Any:
        agent = agent_of(messages)
        task = messages[-1].text
        if agent == "researcher":
            return {"queries": ["first query", "second query"]}
        if agent == "outliner":
            if self.outline is not None:
                return self.outline
            count = int(re.search(r"and (\d+) body sections", task).group(1))  # type: ignore[union-attr]
            topic = re.search(r"^Topic: (.*)$", messages[0].text, re.MULTILINE).group(1)  # type: ignore[union-attr]
            return {
                "title": f"A Scripted Post on {topic}",  # a plan on task names its topic
                "sections": [
                    {
                        "heading": f"Part {WORDS[i].title()}",
                        "key_points": [f"point {i} on {topic}"],
                        "source_ids": [1],
                    }
                    for i in range(count)
                ],
            }
        if agent == "critic":
            if self.critic_replies:
                return self.critic_replies.pop(0)
            score = self.critic_scores.pop(0) if len(self.critic_scores) > 1 else self.critic_scores[0]
            gaps = self.gaps.pop(0) if self.gaps else []
            return {
                "scores": dict.fromkeys(("grounding", "structure", "clarity", "depth", "style"), score),
                "issues": ["make it livelier"],
                "gaps": gaps,
            }
        length = int(re.search(r"about (\d+) words", task, re.IGNORECASE).group(1))  # type: ignore[union-attr]
        topic = re.search(r"^Topic: (.*)$", messages[0].text, re.MULTILINE)
        heading = re.search(r'(?:section|improve the section) "([^"]+)"', task)
        subject = " ".join(part.group(1).lower() for part in (topic, heading) if part)
        return prose(length, next(self.writes), self.cite, note_quote(messages[0].text, self.cite), subject)


def note_quote(system: str, source_id: int | None) -> str:
    """The first words of research note ``[source_id]`` in the shared context ("" if absent)."""
    if source_id is None:
        return ""
    match = re.search(rf"^\[{source_id}\] (.+)$", system, re.MULTILINE)
    return " ".join(match.group(1).rstrip(".").split()[:QUOTE_WORDS]) if match else ""
