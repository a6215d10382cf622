"""The length plan: section count, words per part and token caps, from the request's target."""

from __future__ import annotations

import pytest

from agents.text.lengths import max_tokens_for, section_count, section_lengths
from core.state import DraftRequest, Outline, OutlineSection


def outline(sections: int) -> Outline:
    parts = [OutlineSection(heading=f"Part {n}", key_points=["a point"]) for n in range(sections)]
    return Outline(title="A title", sections=parts)


@pytest.mark.parametrize(("words", "count"), [(150, 3), (600, 3), (750, 4), (1050, 6), (5000, 6)])
def test_section_count_grows_with_the_target_between_three_and_six(words, count):
    assert section_count(words) == count


@pytest.mark.parametrize("words", [150, 600, 1200, 5000])
def test_the_parts_add_up_to_about_the_target(words):
    count = section_count(words)
    lengths = section_lengths(DraftRequest(topic="Brewing tea", words=words), outline(count))
    assert len(lengths) == count + 2
    assert lengths[0] >= 40 and lengths[-1] >= 40 and min(lengths[1:-1]) >= 60
    assert abs(sum(lengths) - words) <= max(count, 0.05 * words) or words < 300  # short posts get floors


def test_the_token_cap_leaves_room_past_the_planned_words():
    assert max_tokens_for(100) == 151  # 1.35 tokens a word, plus 16 to finish the sentence
    assert max_tokens_for(0) == 16


@pytest.mark.parametrize(("words", "count"), [(300, 3), (600, 4), (750, 5), (1200, 6)])
def test_a_model_that_writes_gets_shorter_more_numerous_sections(words, count):
    assert section_count(words, writes=True) == count
    assert section_count(words, writes=True) >= section_count(words)
