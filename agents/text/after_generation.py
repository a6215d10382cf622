"""What happens to a model reply that becomes a section's text, in one place:

    clean → check → repair → clean (settle)

1. **clean** (:func:`clean`): the hygiene pass (chatter, links, markup, echoes of the prompt,
   loops, an unfinished last sentence, unknown citations, sentences the draft already holds).
2. **check**: the stage's measure of what must not stand, with what it found: invented names and
   numbers, talk about the task, source titles, facts stated twice.
3. **repair**: the stage's own step, injected as a callable: the extractive writer weaves the
   evidence's facts in (``agents.writer.digest``), free writing sends each problem back to the
   model and drops what is still wrong (``agents.writer.free_writing``), the editor keeps its edit
   or the text it had (``agents.editor.editor``).
4. **settle** (:func:`settle`): when the section joins the draft it is cleaned again against the
   sentences of the sections before it, and the draft's memory of its sentences grows by its own.

Steps 1-3 are :func:`after_generation`; step 4 runs when the section joins the draft, which is at
once for the extractive writer (``agents.writer.sections.generate``), after a thin conclusion is
written again for free writing (``agents.writer.free_rounds.settled``), and in order once every
section is edited for the editor. A revision of text already written starts at step 2
(:func:`checked`). The draft's memory (:data:`Seen`) is a value: a step returns a new one, never
changes the one it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Generic, TypeVar

from agents.text.cleanup import clean_section, flatten_markdown

Seen = tuple[frozenset[str], ...]
"""The sentences of the draft so far (their word sets), for dropping a sentence that repeats one."""

Found = TypeVar("Found")


@dataclass(frozen=True)
class Steps(Generic[Found]):
    """A stage's steps 2 and 3: ``check`` returns the text with what it drops dropped and what it
    found; ``repair`` gets both and returns the text."""

    check: Callable[[str], tuple[str, Found]]
    repair: Callable[[str, Found], str]


@dataclass(frozen=True)
class Settled:
    """A section's text as it joins the draft, and the draft's memory with its sentences added."""

    body: str
    seen: Seen


def clean(
    reply: str, known_ids: Collection[int], seen: Seen = (), prompt: str = "", flatten: bool = False
) -> str:
    """Step 1: ``reply`` cleaned, without sentences that repeat ``seen`` (which is not changed) or
    echo ``prompt``; ``flatten`` first turns Markdown lists and headings into prose."""
    text = flatten_markdown(reply) if flatten else reply
    return clean_section(text, set(known_ids), list(seen), prompt=prompt)


def checked(body: str, steps: Steps[Found]) -> str:
    """Steps 2 and 3: ``body`` checked, then repaired by the stage."""
    body, found = steps.check(body)
    return steps.repair(body, found)


def after_generation(
    reply: str,
    known_ids: Collection[int],
    steps: Steps[Found],
    seen: Seen = (),
    prompt: str = "",
    flatten: bool = False,
) -> str:
    """Steps 1-3: a model reply made into a section's text (not yet settled into the draft)."""
    return checked(clean(reply, known_ids, seen, prompt, flatten), steps)


def settle(body: str, known_ids: Collection[int], seen: Seen) -> Settled:
    """Step 4: ``body`` cleaned again as it joins a draft whose sentences are ``seen``."""
    memory = list(seen)
    body = clean_section(body, set(known_ids), memory)
    return Settled(body=body, seen=tuple(memory))
