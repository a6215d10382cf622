"""The shared text heuristics' values and the problem weights of a revision's comparison (agents/text)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class ProblemWeights(_Group):
    """How much each problem counts when a revision is compared with the text it replaces."""

    invented: float = Field(default=3.0, description="a specific no source states")
    meta: float = Field(default=2.0, description="a sentence about the writing, not the subject")
    voice: float = Field(default=2.0, description="a sentence in a source author's first person")
    title: float = Field(default=2.0, description="a sentence repeating a title")
    fused: float = Field(default=2.0, description="two words fused into one")
    garbled: float = Field(default=2.0, description="a known word with a stray tail ('runsny')")
    restated: float = Field(default=1.5, description="one fact stated twice")
    summary: float = Field(default=1.0, description="a section that summarises instead of explaining")
    copied: float = Field(default=1.5, description="a sentence copied from a source")
    opening: float = Field(default=1.0, description="a stock opening")
    missing: float = Field(default=1.0, description="an evidence fact left out")


class TextPolicy(_Group):
    """agents/text: the shared heuristics, the length plan and the evidence budget."""

    words_per_section: int = Field(
        default=150, description="planned words per body section of a model that cannot write"
    )
    words_per_written_section: int = Field(
        default=120,
        description="a model that can write explains a subject in ~120 words: one more subject at 600 words",
    )
    intro_share: float = Field(
        default=0.12, description="share of the target words planned for the introduction"
    )
    conclusion_share: float = Field(
        default=0.1, description="share of the target words planned for the conclusion"
    )
    min_end_words: int = Field(
        default=40, description="the intro and the conclusion get at least this many words"
    )
    min_body_words: int = Field(default=60, description="... and each body section this many")
    tokens_per_word: float = Field(
        default=1.35, description="tokens a word of English prose takes, for token caps"
    )
    finish_tokens: int = Field(
        default=16, description="room to finish the last sentence past a section's planned words"
    )
    near_duplicate: float = Field(
        default=0.8,
        description="a sentence sharing this share of words (Jaccard) with an earlier one is dropped",
    )
    echo_share: float = Field(
        default=0.7, description="a sentence sharing this share of its words with the prompt echoes it"
    )
    loop_ngram: int = Field(
        default=5, description="a word sequence this long occurring a third time is a generation loop"
    )
    loop_repeats: int = Field(
        default=3, description="a word sequence occurring this often is a loop: the text is cut there"
    )
    heading_words: int = Field(
        default=10, description="a line this short, with no end punctuation, above more text is a heading"
    )
    passage_words: int = Field(
        default=90, description="a longer paragraph is cut into windows of about this many words"
    )
    min_passage_words: int = Field(default=12, description="a shorter window is merged into its neighbour")
    evidence_cap_words: int = Field(
        default=350, description="evidence one section call carries at most (see evidence_word_budget)"
    )
    relevance_floor: float = Field(
        default=0.25, description="a passage scoring under this share of the best one is not relevant"
    )
    add_citation: float = Field(
        default=0.5, description="an uncited sentence gets a marker only when it matches a source this well"
    )
    min_claim_words: int = Field(
        default=5, description="an uncited sentence shorter than this is no claim to cite"
    )
    window: int = Field(
        default=3, description="source sentences per comparison window, as in the citation check"
    )
    min_key_words: int = Field(
        default=3,
        description="a sentence of fewer content words is never called a repeat or an echo of the prompt",
    )
    chatter_chars: int = Field(
        default=120,
        description='a chatter line ("Sure! Here is...") longer than this may be prose and is kept',
    )
    title_line_words: int = Field(
        default=10, description="a reply's first line of at most this many words, unpunctuated, is its title"
    )
    note_title_chars: int = Field(
        default=80, description="a source title shown beside its note is cut to this length"
    )
    min_fallback_passage_words: int = Field(
        default=3,
        description="a source with no full-size window keeps its windows of at least this many words",
    )
    cut_off_heading_words: int = Field(
        default=3, description="a heading of fewer words is never read as a clause cut off mid-phrase"
    )
    strict_window: int = Field(
        default=2, description="source sentences per window when a draft is checked strictly (free writing)"
    )
    strict_supported: float = Field(
        default=0.5, description="share of a claim's content words a strict window must hold"
    )
    note_chars: int = Field(default=360, description="characters of a research note shown in a prompt")
    short: float = Field(
        default=0.75, description="a section under this share of its plan is asked to explain more"
    )
    long: float = Field(default=1.5, description="... over this share, to tighten")
    words_per_fact: int = Field(
        default=45, description="a section is asked to state about one evidence fact per this many words"
    )
    missing_facts_listed: int = Field(
        default=3, description="left-out evidence sentences one revision prompt lists"
    )
    max_missing_shown: int = Field(
        default=3, description="left-out facts asked for per section and round, one call each"
    )
    quoted_chars: int = Field(
        default=160, description="a sentence named in a problem is quoted up to this many characters"
    )
    problem_weights: ProblemWeights = Field(
        default_factory=ProblemWeights, description="how much each problem counts in a revision's comparison"
    )
    length_weight: float = Field(
        default=4.0, description="badness per share of the plan beyond the tolerated range"
    )
    copy_ngram: int = Field(
        default=8, description="word n-gram length the copy check counts (a verbatim run)"
    )
    copy_limit: float = Field(
        default=0.15,
        description="the most of a post's word 8-grams that may repeat its sources (quotes, names)",
    )
    min_heading_words: int = Field(default=2, description="a heading of fewer words is a fragment")
    max_heading_words: int = Field(default=10, description="a heading of more words is a sentence")
    title_overlap: float = Field(
        default=0.85, description="a sentence sharing this share of words with a title is that title"
    )
    min_title_echo_words: int = Field(
        default=3, description="a post title's head phrase this long, found in a sentence, names the post"
    )
    min_audience_echo_words: int = Field(
        default=3,
        description="an audience of this many words or more, addressed in a sentence, echoes the prompt",
    )
    garbled_tail: int = Field(
        default=2,
        description="an unknown word that is a known one plus this many letters or fewer is garbled",
    )
    fused_part: int = Field(
        default=4, description="each half of a fused word is a known word of at least this many letters"
    )
    same_fact_words: float = Field(
        default=0.5, description="two sentences with the same specifics and this word overlap state one fact"
    )
    lead_words: int = Field(
        default=8, description="a sentence this short ending in a colon introduces a list"
    )
    echo_words: float = Field(
        default=0.6,
        description="a sentence sharing this share of its content words with an earlier one says it again",
    )
    min_echo_words: int = Field(default=5, description="a sentence shorter than this is never an echo")
    min_stem_letters: int = Field(
        default=4, description="the evidence index cuts a suffix only when this many letters stay"
    )
    post_copy_budget: float = Field(
        default=0.12,
        description="a draft copying at most this share of its 8-grams has no copying for a later round "
        "to fix (each rewording there costs a full prompt evaluation and was mostly refused)",
    )
