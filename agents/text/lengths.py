"""The length plan of a post: how many body sections, how many words each part gets, and the
token caps that leave room for them. The outliner, writer, editor and benchmark share it."""

from __future__ import annotations

from core.policy import run_policy
from core.state import DraftRequest, Outline


def section_count(words: int, writes: bool = False) -> int:
    """Body sections for a target length: 3 for short posts, up to 6 (shorter, more numerous
    sections when the model ``writes`` its own prose)."""
    text, outline = run_policy().text, run_policy().outliner
    per_section = text.words_per_written_section if writes else text.words_per_section
    return max(outline.min_sections, min(outline.max_sections, round(words / per_section) - 1))


def section_lengths(request: DraftRequest, outline: Outline) -> list[int]:
    """Target words for the intro, each body section and the conclusion."""
    text = run_policy().text
    intro = max(text.min_end_words, round(request.words * text.intro_share))
    conclusion = max(text.min_end_words, round(request.words * text.conclusion_share))
    body = max(text.min_body_words, round((request.words - intro - conclusion) / len(outline.sections)))
    return [intro, *[body] * len(outline.sections), conclusion]


def max_tokens_for(words: int) -> int:
    """A token cap with room to finish the last sentence (the cleanup drops a cut-off one)."""
    return round(words * run_policy().text.tokens_per_word) + run_policy().text.finish_tokens
