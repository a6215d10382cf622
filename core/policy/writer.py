"""The section writer's and its revisions' values (agents/writer)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class WriterPolicy(_Group):
    """agents/writer: section calls, condensed facts, fixes, revision rounds and the copy budget."""

    too_short: float = Field(
        default=0.3, description="a new section under this share of its planned words is asked for again"
    )
    retry_seed: int = Field(default=9001, description="seed of a section asked for again")
    default_context_tokens: int = Field(
        default=8192, description="context window assumed for a model that does not report its own (a server)"
    )
    prompt_overhead_words: int = Field(default=120, description="the section template's own words")
    max_fact_words: int = Field(default=10, description="a condensed fact stays a short claim")
    min_fact_words: int = Field(default=4, description="a condensed fact shorter than this is a fragment")
    fact_words_slack: int = Field(
        default=6,
        description="a clause this many words past max_fact_words is still cut to a fact, never longer",
    )
    fact_content_words: tuple[int, int] = Field(
        default=(3, 4), description="content words a fact needs: with a name or number, and without one"
    )
    fragment_words: int = Field(
        default=6, description='a shorter model "sentence" without a verb is a fragment (a copied list item)'
    )
    plain_share: float = Field(
        default=0.4, description="model sentences that state no fact of the evidence fill at most this share"
    )
    run_on_words: int = Field(
        default=40, description='a model "sentence" longer than this is a run-on list, never kept'
    )
    on_topic_words: int = Field(
        default=3,
        description="a model sentence must share this many content words with its section's subject",
    )
    revision_seed: int = Field(default=7000, description="seed of a revision call, plus the round number")
    repeat_slack: float = Field(
        default=0.02,
        description="a revision may repeat this much more of its 3-grams than the text it replaces",
    )
    readability_slack: float = Field(
        default=5.0, description="... and read this much harder (Flesch reading ease points)"
    )
    max_revised_share: float = Field(
        default=0.5, description="a revision round rewrites at most this share of the sections"
    )
    length_slack: float = Field(
        default=0.1, description="a rewrite within this share of the planned length is accepted on length"
    )
    low_score: int = Field(
        default=5, description="a rubric item scored this or lower gets its advice in the revision prompt"
    )
    off_topic_words: int = Field(
        default=25,
        description="a paragraph this long that never names the topic's subject is about something else",
    )
    copy_budget: float = Field(
        default=0.12, description="share of the draft's word 8-grams that may repeat a source verbatim"
    )
    voice_chars: int = Field(
        default=700, description="characters of the author's voice sample shown to the writer"
    )
    short_share: float = Field(
        default=0.6, description="a grounded draft under this share of the target words is short"
    )
    max_fix_calls: int = Field(default=5, description="sentence-level revise calls per section and round")
    max_copy_fixes: int = Field(
        default=3,
        description="... of which copied sentences take at most this many (left-out facts need some)",
    )
    copy_fix_share: float = Field(
        default=0.5,
        description="a rewording of a copied sentence is kept when it copies under this share of its 8-grams",
    )
    fix_max_tokens: int = Field(default=90, description="a fix is one or two sentences")
    fix_words: tuple[int, int] = Field(
        default=(4, 60), description="a usable fixed sentence (or two) has this many words"
    )
    max_fix_sentences: int = Field(
        default=2, description="a fix longer than this many sentences is discarded"
    )
    point_words: int = Field(
        default=7, description="a point is shorter than the 8-gram the copy check counts"
    )
    words_per_point: int = Field(
        default=25,
        description="a section is asked for about one point per this many planned words (at 35 the"
        " 1.5B model left out most of the names and numbers it was shown)",
    )
    points: tuple[int, int] = Field(
        default=(2, 5), description="fewest and most points one section is asked to explain"
    )
    min_point_words: int = Field(
        default=3, description='a clause shorter than this ("or DC") is read in its whole sentence'
    )
    gist_sentences: int = Field(
        default=2, description="sentences of each body section the conclusion is shown"
    )
    thin_end: float = Field(
        default=0.5,
        description="an opening or conclusion left under this share of its plan once its checks are done "
        "is written again without evidence (the conclusion from the headings alone)",
    )
    length_room: float = Field(
        default=1.3, description="a section's token cap allows this much more than its planned words"
    )
    section_copy_budget: float = Field(
        default=0.12, description="share of a section's word 8-grams left copied from a source (post: <= 15%)"
    )
