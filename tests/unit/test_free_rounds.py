"""A whole draft with a model that can write (scripted): the model's headings, fixes named in the
same chat, a later round that goes back only to the section still missing its facts, what each
round changed, and an early stop when nothing is left to fix."""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage

from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tests.fakes import ScriptedChatModel
from tools.base import Document, StaticSearch

HIVES = """# Choosing a hive

The Langstroth hive holds ten frames per box and is the most common design in North America.
A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes."""
MITES = """# Varroa mites

Varroa destructor is the mite that kills most colonies. Beekeepers count mites with a sugar roll
of 300 bees and treat when more than 3 mites per 100 bees fall out."""
HONEY = """# Honey harvest

A strong colony stores 25 kilograms of surplus honey in a good year. Frames are ready when
80% of the cells are capped with wax."""

TEXTS = {
    "introduction": "Keeping bees in a small garden takes less room than most people think, and far "
    "less equipment. You will learn how to pick a hive, how to keep mites in check and when to take honey.",
    "hive": "Most keepers in North America use the Langstroth design, whose boxes each take ten frames "
    "[1]. If lifting full boxes is hard for you, a top-bar hive is the gentler choice at about "
    "150 dollars [1].",
    "mite": "Varroa destructor does more damage to colonies than any other pest [2]. A sugar roll on 300 "
    "bees tells you when to act: once more than 3 mites per 100 bees drop out, it is time to treat [2].",
    "honey": "Honey is a reward for patience rather than a yearly certainty. Keepers wait until the colony "
    "has capped its stores before they take any.",
    "conclusion": "Start small, watch your bees closely and let the colony set the pace. A single hive "
    "teaches more in one season than any book.",
}
HONEY_FACT = "In a good year a strong colony puts away 25 kilograms of honey beyond its own needs [3]."
FRAMES_FACT = "A frame is ready to take once bees have sealed 80% of its cells with wax [3]."


class Writer:
    """Scripted agents of a model that can write; the honey section's left-out facts are only
    explained on the second round (both first-round fixes come back unusable)."""

    def __init__(self) -> None:
        self.honey_fixes = 0

    def __call__(self, messages: list[BaseMessage]) -> object:
        task = messages[-1].text
        if "You are the researcher" in task:
            return {"queries": ["bees"]}
        if "You are the outliner" in task:
            numbers = {h: int(n) for n, h in re.findall(r"^(\d+)\. ([^:]+):", task, re.MULTILINE)}
            return {
                "title": "Bees in a small garden",
                "sections": [
                    {"subject": numbers["Choosing a hive"], "heading": "Picking a hive you can lift"},
                    {"subject": numbers["Varroa mites"], "heading": "Keeping mites in check"},
                    {"subject": numbers["Honey harvest"], "heading": "When the honey is ready"},
                ],
            }
        if "You are the critic" in task:
            return {"scores": dict.fromkeys(("grounding", "structure", "clarity", "depth", "style"), 7)}
        if "You are the editor" in task:
            return re.search(r"<<<\n(.*?)\n>>>", task, re.DOTALL).group(1)  # type: ignore[union-attr]
        if "leaves out this fact" in task:
            self.honey_fixes += 1
            return {1: "Honey.", 2: "Honey.", 3: HONEY_FACT}.get(self.honey_fixes, FRAMES_FACT)
        section = re.search(r'Now write the (?:section "([^"]+)"|(opening)|(closing))', task)
        heading = (section.group(1) or section.group(2) or "conclusion").lower() if section else ""
        for key, text in TEXTS.items():
            if key in heading or (key == "introduction" and heading == "opening"):
                return text
        return TEXTS["conclusion"]


def run(tmp_path, rounds: int = 3):
    docs = [
        Document(title=t.splitlines()[0][2:], url=f"file:///{n}.md", text=t, origin="local")
        for n, t in enumerate((HIVES, MITES, HONEY), 1)
    ]
    writer = Writer()
    model = ScriptedChatModel(default_reply=writer)
    request = DraftRequest(topic="Keeping bees in a small garden", words=450, rounds=rounds, search="local")
    settings = load_settings(data_dir=tmp_path, writing="free")
    return draft(request, settings, chat_model=model, search=StaticSearch(docs)), model


def test_a_later_round_goes_back_only_to_the_section_still_missing_its_facts(tmp_path):
    result, model = run(tmp_path)
    headings = [line[3:] for line in result.markdown.splitlines() if line.startswith("## ")]
    assert headings[:3] == [
        "Picking a hive you can lift",
        "Keeping mites in check",
        "When the honey is ready",
    ]
    assert [r.changes for r in result.rounds][:2] == [["first draft"], ['revised "When the honey is ready"']]
    assert "25 kilograms" not in result.rounds[0].markdown and "25 kilograms" in result.rounds[1].markdown
    assert result.rounds[1].markdown.count("Keeping mites in check") == 1
    assert "80%" in result.rounds[1].markdown
    # Round 2 asked the model for nothing but the honey section's facts.
    writer_calls = [m[-1].text for m, _ in model.calls if "You are the writer" in m[-1].text]
    assert len(writer_calls) == 5 + 2 + 2  # five sections and two fixes, then two fixes
    assert all("leaves out this fact" in text for text in writer_calls[-2:])
    assert result.stop_reason and "no section has a problem a revision could fix" in result.stop_reason
    assert len(result.rounds) == 2


def test_nothing_left_to_fix_after_the_first_round_ends_the_loop(tmp_path):
    TEXTS_BACKUP = dict(TEXTS)
    TEXTS["honey"] = (
        TEXTS["honey"] + " " + HONEY_FACT + " Frames are ready once 80% of their cells are capped [3]."
    )
    try:
        result, _ = run(tmp_path)
    finally:
        TEXTS.clear()
        TEXTS.update(TEXTS_BACKUP)
    assert len(result.rounds) == 1
    assert "after round 1 no section has a problem" in (result.stop_reason or "")


class PastingWriter(Writer):
    """Pastes the sentences the conclusion request shows it, until asked from the headings alone."""

    def __call__(self, messages: list[BaseMessage]) -> object:
        task = messages[-1].text
        if "Now write the closing" in task and "What the post explained" in task:
            return TEXTS["hive"] + " " + TEXTS["mite"]
        return super().__call__(messages)


def test_a_conclusion_that_pastes_what_it_was_shown_is_written_again_from_the_headings(tmp_path):
    docs = [
        Document(title=t.splitlines()[0][2:], url=f"file:///{n}.md", text=t, origin="local")
        for n, t in enumerate((HIVES, MITES, HONEY), 1)
    ]
    model = ScriptedChatModel(default_reply=PastingWriter())
    request = DraftRequest(topic="Keeping bees in a small garden", words=450, rounds=1, search="local")
    settings = load_settings(data_dir=tmp_path, writing="free")
    result = draft(request, settings, chat_model=model, search=StaticSearch(docs))
    closing = [m[-1].text for m, _ in model.calls if "Now write the closing" in m[-1].text]
    assert len(closing) == 2 and "What the post explained" in closing[0] and "explained" not in closing[1]
    # Asked to restate what it was shown, the 1.5B model did; asked where to start, it gave advice.
    assert all('"So where do I start?"' in text and "Do not restate" not in text for text in closing)
    assert "Start small, watch your bees closely" in result.markdown.split("## Conclusion")[1]
