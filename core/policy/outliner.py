"""The outline's values (agents/outliner and ``core.state.Outline``)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group

# What an outline can hold at most, whatever a run's policy says (the stored outline's format;
# ``core.state.Outline`` validates against these, the outliner caps each run at its policy's values).
MOST_SECTIONS = 12
MOST_KEY_POINTS = 8
MOST_SECTION_SOURCES = 12


class OutlinerPolicy(_Group):
    """agents/outliner and the outline's shape (``core.state.Outline``)."""

    min_sections: int = Field(
        default=3,
        ge=1,
        le=MOST_SECTIONS,
        description="fewest body sections of an outline and of a length plan",
    )
    max_sections: int = Field(
        default=6, ge=1, le=MOST_SECTIONS, description="most body sections of an outline and of a length plan"
    )
    max_key_points: int = Field(
        default=4, ge=1, le=MOST_KEY_POINTS, description="key points one outline section holds at most"
    )
    max_section_sources: int = Field(
        default=4, ge=0, le=MOST_SECTION_SOURCES, description="sources one outline section names at most"
    )
    key_point_sentence_chars: int = Field(
        default=150, description="a key point taken from a passage's first sentence is cut to this length"
    )
    min_point_words: int = Field(
        default=3, description="a key point of fewer words says nothing the writer can cover"
    )
    phrase_lengths: tuple[int, ...] = Field(
        default=(1, 2, 3), description="word counts of the phrases a section's salient heading is picked from"
    )
    short_word_letters: int = Field(
        default=2, description="a word of this many letters or fewer ends a phrase (of, in, to)"
    )
    echoed_prompt_words: int = Field(
        default=2,
        description="a heading holding this many of the prompt's own words (or its only one) echoes it",
    )
    on_topic_words: int = Field(
        default=2,
        description="a plan sharing this many of the topic's words (one for a one-word topic) is on topic",
    )
    phrase_repeats: int = Field(
        default=2, description="a phrase heads a part of a source only when it occurs there this often"
    )
    outline_max_tokens: int = Field(default=450, description="token cap of the model's outline reply")
    written_key_points: int = Field(
        default=3, description="key points per section the outline grammar asks the model for (fewer tokens)"
    )
    off_topic_attempts: int = Field(
        default=2, description="outline calls before an off-topic outline is replaced"
    )
    retry_seed: int = Field(
        default=7001, description="seed of a repeated outline call (plus the attempt number)"
    )
    key_point_chars: int = Field(
        default=90, description="a heading or key point made from a note is cut to this length"
    )
    point_heading_words: int = Field(
        default=7,
        description="a key point this short, reading like a headline, may head an unsourced section",
    )
    same_unsourced_heading: float = Field(
        default=0.5,
        description="two headings sharing this share of their own words (not the topic's) say one thing",
    )
    max_choices: int = Field(default=8, description="candidate sections shown to the model")
    choice_max_tokens: int = Field(default=80, description="token cap of the model's section-choice reply")
    intro_evidence_words: int = Field(default=120, description="evidence words the introduction is given")
    opening_words: int = Field(
        default=18, description="words of a candidate's first passage shown beside its label"
    )
    plan_max_tokens: int = Field(
        default=200, description="token cap of the model's section-plan reply (free writing)"
    )
    topic_like: float = Field(
        default=0.6, description="a heading whose words are mostly the topic's restates it"
    )
    same_heading: float = Field(
        default=0.5, description="headings of two sources sharing this share of words are one subject"
    )
    max_group_passages: int = Field(
        default=6, description="a source without headings is cut into parts of about this many passages"
    )
    heading_chars: int = Field(default=80, description="a candidate's heading is cut to this many characters")
    concrete_cap: int = Field(
        default=6, description="specifics (numbers, names) beyond this many make a section no more concrete"
    )
    headline_words: int = Field(
        default=12, description="a source heading longer than this is a sentence, not a headline"
    )
