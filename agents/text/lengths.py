"""The length plan of a post: how many body sections, how many words each part gets, and the
token caps that leave room for them. The outliner, writer, editor and benchmark share it."""

from __future__ import annotations

from core.state import DraftRequest, Outline

WORDS_PER_SECTION = 150
# A model that can write explains a subject well in ~120 words, so it gets one more subject at
# 600 words: with three, the capable drafts left a third of the sources' subjects (and their
# figures) out, where one prompt covering six in bullets stated them.
WORDS_PER_WRITTEN_SECTION = 120
MIN_SECTIONS, MAX_SECTIONS = 3, 6
INTRO_SHARE = 0.12
CONCLUSION_SHARE = 0.1
MIN_END_WORDS = 40  # the intro and the conclusion get at least this many words
MIN_BODY_WORDS = 60  # ... and each body section this many
TOKENS_PER_WORD = 1.35
FINISH_TOKENS = 16  # room to finish the last sentence past a section's planned words


def section_count(words: int, writes: bool = False) -> int:
    """Body sections for a target length: 3 for short posts, up to 6 (shorter, more numerous
    sections when the model ``writes`` its own prose)."""
    per_section = WORDS_PER_WRITTEN_SECTION if writes else WORDS_PER_SECTION
    return max(MIN_SECTIONS, min(MAX_SECTIONS, round(words / per_section) - 1))


def section_lengths(request: DraftRequest, outline: Outline) -> list[int]:
    """Target words for the intro, each body section and the conclusion."""
    intro = max(MIN_END_WORDS, round(request.words * INTRO_SHARE))
    conclusion = max(MIN_END_WORDS, round(request.words * CONCLUSION_SHARE))
    body = max(MIN_BODY_WORDS, round((request.words - intro - conclusion) / len(outline.sections)))
    return [intro, *[body] * len(outline.sections), conclusion]


def max_tokens_for(words: int) -> int:
    """A token cap with room to finish the last sentence (the cleanup drops a cut-off one)."""
    return round(words * TOKENS_PER_WORD) + FINISH_TOKENS
