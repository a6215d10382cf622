"""What the live box shows of a model call's stream: a prose call's text without the prompt
wording small models echo back, or, for a structured (JSON) call, one line saying what it does.
Text rules only; :mod:`core.progress` folds the events that carry the stream."""

from __future__ import annotations

import re

# What an agent's structured (JSON) calls are doing, for the one progress line shown instead.
STRUCTURED_WORK = {
    "researcher": "choosing what to look up",
    "outliner": "planning the sections",
    "writer": "preparing a structured reply",
    "editor": "preparing a structured reply",
    "critic": "scoring the draft",
}
STRUCTURED_AGENTS = frozenset({"researcher", "outliner", "critic"})  # every call of theirs is JSON
_MARKERS = re.compile(r"<{2,}|>{2,}")  # the prompts' quote delimiters, which small models echo
# The fixed wording of the writer's and editor's prompts, which small models echo back.
_ECHOED_PROMPT = re.compile(
    r"^\W*(?:the critic said|current text|evidence for this section|facts from the evidence|"
    r"now write|now improve|rewrite (?:the )?section|write about|explain what this evidence|"
    r"earlier sections already covered|cover these points|what the sources say|"
    r"reply with the edited text|cut filler|you are the|write in the voice|support claims with|"
    r"no sources are available|keep the facts|state only facts|open with what makes|"
    r"open with why the subject|do not restate those|its evidence, quoted|"
    r"explain it to|earlier sections covered|sum up the main idea|keep everything else|"
    r"rewrite it as one sentence|say the same thing in your own words|say it more simply|be sure to explain|"
    r"write one or two sentences|what it explained|tell .{0,40}what this means for them|"
    r"in two or three sentences|the reader has just read)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s")


def live_prose(text: str) -> str:
    """What the live box shows of a prose call: no quote markers, no echoed prompt lines (nor the
    list items right under one, e.g. the critic's issues after "The critic said:")."""
    kept: list[str] = []
    echoing = False
    for line in _MARKERS.sub("", text).split("\n"):
        if _ECHOED_PROMPT.match(line):
            echoing = True
        elif not (echoing and (not line.strip() or _LIST_ITEM.match(line))):
            echoing = False
            kept.append(line)
    return "\n".join(kept).lstrip()


def is_structured(agent: str | None, text: str) -> bool:
    """Whether a call's text is a structured (JSON) reply rather than prose for the reader."""
    return agent in STRUCTURED_AGENTS or text.lstrip()[:1] in ("{", "[")
