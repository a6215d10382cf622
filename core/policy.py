"""The drafting policy: every threshold, budget, seed and penalty weight the agents tune, in one
typed, frozen object grouped by stage.

How a run gets its policy: ``graph.runner.stream_draft(..., policy=...)`` (default:
:data:`DEFAULT_POLICY`) hands it to ``graph.assembly.assemble``, which keeps it in ``RunParts``;
``graph.execution`` puts it in the run's LangGraph ``RunnableConfig`` as ``configurable["policy"]``,
and every agent reads it with :func:`run_policy` where it uses a value, so a node, and every helper
it calls, sees the policy of the run it serves. Outside a graph run (unit tests of helpers, the
bench's text measures) :func:`run_policy` returns the default; assembly's capability check runs
under the run's policy (:func:`with_policy`). A LangGraph server client may pass the same key as
JSON; it is validated into a :class:`Policy` when read. Checkpoints do not keep the policy: a
resumed run gets the one ``resume_draft`` is given.

The JSON schemas the model's replies are constrained to (``core.state.Outline``,
``core.model_replies.SearchQueries`` and the section choices) are classes, built once at import:
their bounds are derived from :data:`DEFAULT_POLICY`, not from a run's policy.

Values are the ones tuned on the bench (``bench/README.md``); change them here, nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from langchain_core.runnables.config import set_config_context, var_child_runnable_config
from pydantic import BaseModel, ConfigDict, Field

POLICY_KEY = "policy"
_T = TypeVar("_T")


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResearcherPolicy(_Group):
    """agents/researcher: how many queries, results and sources a research step gathers."""

    results_per_query: int = Field(default=4, description="web results kept per search query")
    pieces_per_query: int = Field(
        default=20, description="pieces asked per query from a tool holding whole documents (a notes folder)"
    )
    max_queries: int = Field(
        default=3, description="search queries per research step (also SearchQueries' bound)"
    )
    max_sources: int = Field(
        default=8, description="sources kept for a run; research stops once it has this many"
    )
    note_sentences: int = Field(default=1, description="sentences of a source quoted in its research note")
    note_sentence_chars: tuple[int, int] = Field(
        default=(20, 400),
        description="a note sentence has this many characters: shorter is a fragment, longer a dump",
    )
    query_max_tokens: int = Field(default=120, description="token cap of the model's search-query reply")
    gap_queries: int = Field(
        default=2, description="the critic's research gaps searched as they are, before the model's queries"
    )


class OutlinerPolicy(_Group):
    """agents/outliner and the outline's shape (``core.state.Outline``)."""

    min_sections: int = Field(
        default=3, description="fewest body sections of an outline and of a length plan"
    )
    max_sections: int = Field(default=6, description="most body sections of an outline and of a length plan")
    max_key_points: int = Field(default=4, description="key points one outline section holds at most")
    max_section_sources: int = Field(default=4, description="sources one outline section names at most")
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
        default=35, description="a section is asked for about one point per this many planned words"
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
    thin_conclusion: float = Field(
        default=0.5,
        description="a conclusion left under this share of its plan once its repeats are dropped pasted "
        "what it was shown, and is written again from the headings alone",
    )
    length_room: float = Field(
        default=1.3, description="a section's token cap allows this much more than its planned words"
    )
    section_copy_budget: float = Field(
        default=0.12, description="share of a section's word 8-grams left copied from a source (post: <= 15%)"
    )


class EditorPolicy(_Group):
    """agents/editor: when a section is edited and when an edit is kept."""

    min_kept_length: float = Field(
        default=0.6, description="an edit may not cut a section below this share of its words"
    )
    min_planned_share: float = Field(
        default=0.85, description="an edit may not cut a section below this share of its plan"
    )
    too_long: float = Field(
        default=1.2, description="a section this much over its planned length gets tightened"
    )
    repetitive: float = Field(
        default=0.12, description="... as does one where this share of its 3-word sequences repeat"
    )
    kept_specifics: float = Field(
        default=0.8, description="an edit must keep this share of the section's names and numbers"
    )


class PenaltyWeights(_Group):
    """How many overall points each measured problem costs (``agents.critic.metrics.penalty_points``)."""

    repetition_cap: float = Field(default=3.0, description="most points repeated sentences cost")
    repetition_per_share: float = Field(default=10.0, description="points per share of repeated sentences")
    length_cap: float = Field(default=2.0, description="most points a length off the target costs")
    length_per_share: float = Field(
        default=5.0, description="points per share of the target beyond the tolerance"
    )
    missing_sections: float = Field(default=1.0, description="points for planned sections left without text")
    no_citations: float = Field(default=1.0, description="points for a sourced draft that cites nothing")
    low_support: float = Field(
        default=0.5, description="citations backed by their source below this share are a problem"
    )
    low_support_per_share: float = Field(
        default=4.0, description="points per share of support under that floor"
    )
    unsupported_cap: float = Field(default=2.0, description="most points invented specifics cost")
    unsupported_base: float = Field(default=0.5, description="points for any invented specific")
    unsupported_per_share: float = Field(
        default=10.0, description="points per share of the specifics that are invented"
    )
    copying_cap: float = Field(default=2.0, description="most points copying the sources costs")
    copying_per_share: float = Field(
        default=10.0, description="points per share of copied 8-grams over the limit"
    )


class CriticPolicy(_Group):
    """agents/critic: the critic call and how measurements turn into scores and penalties."""

    critic_max_tokens: int = Field(default=400, description="token cap of the critic's rubric reply")
    critic_temperature: float = Field(
        default=0.0, description="the same draft gets the same scores, so rounds compare fairly"
    )
    draft_chars: int = Field(default=9000, description="characters of the draft the critic model reads")
    fallback_score: int = Field(
        default=5, description="every rubric item's score when the model's reply is unusable"
    )
    length_tolerance: float = Field(
        default=0.2, description="a draft this share off its target words has no length problem"
    )
    weak_citations_shown: int = Field(default=3, description="weak citations named in the critique")
    unsupported_shown: int = Field(default=3, description="invented specifics named in the critique")
    full_coverage: float = Field(
        default=0.5, description="stating half of the evidence's specifics counts as full depth"
    )
    unsourced_grounding: int = Field(
        default=5, description="nothing to be grounded in: neutral, so rounds compare on the rest"
    )
    reading_ease_range: tuple[float, float] = Field(
        default=(10.0, 80.0), description="Flesch reading ease from 1 (dense) to 10 (plain)"
    )
    repeat_allowance: float = Field(
        default=0.05, description="repeated 3-grams any natural text has (the topic's own phrases)"
    )
    repeat_weight: float = Field(
        default=20.0, description="clarity points lost per share of repeated 3-grams above the allowance"
    )
    penalties: PenaltyWeights = Field(
        default_factory=PenaltyWeights, description="overall points each measured problem costs"
    )


class CapabilityPolicy(_Group):
    """agents/capability: whether the model can write in its own words."""

    free_writer_parameters: int = Field(
        default=900_000_000, description="Llama 3.2 1B has 1.24 B; SmolLM2-135M 0.135 B: the bar between them"
    )
    probe_max_tokens: int = Field(default=80, description="token cap of the paraphrase probe's reply")
    probe_max_shared_run: int = Field(
        default=6, description="a paraphrase keeps no run of this many of the sentence's words"
    )
    probe_temperature: float = Field(
        default=0.0, description="the probe decodes greedily: one model, one verdict"
    )
    probe_words: tuple[int, int] = Field(
        default=(8, 45), description="a usable probe paraphrase has this many words (one sentence)"
    )


class ProblemWeights(_Group):
    """How much each problem counts when a revision is compared with the text it replaces."""

    invented: float = Field(default=3.0, description="a specific no source states")
    meta: float = Field(default=2.0, description="a sentence about the writing, not the subject")
    voice: float = Field(default=2.0, description="a sentence in a source author's first person")
    title: float = Field(default=2.0, description="a sentence repeating a title")
    fused: float = Field(default=2.0, description="two words fused into one")
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


class Policy(_Group):
    """Every tuning value of the agents, grouped by the stage that uses it."""

    researcher: ResearcherPolicy = Field(default_factory=ResearcherPolicy, description="the research step")
    outliner: OutlinerPolicy = Field(default_factory=OutlinerPolicy, description="the outline and its shape")
    writer: WriterPolicy = Field(default_factory=WriterPolicy, description="the section writer and revisions")
    editor: EditorPolicy = Field(default_factory=EditorPolicy, description="the editor's edits")
    critic: CriticPolicy = Field(default_factory=CriticPolicy, description="scores and penalties")
    capability: CapabilityPolicy = Field(
        default_factory=CapabilityPolicy, description="the writing-mode check"
    )
    text: TextPolicy = Field(default_factory=TextPolicy, description="heuristics shared by the stages")


DEFAULT_POLICY = Policy()


def run_policy() -> Policy:
    """The policy of the run this code executes in (``configurable["policy"]`` of its LangGraph
    config), or :data:`DEFAULT_POLICY` outside a graph run or when the run's config names none."""
    config = var_child_runnable_config.get()
    value = config.get("configurable", {}).get(POLICY_KEY) if config else None
    if value is None:
        return DEFAULT_POLICY
    if isinstance(value, Policy):
        return value
    if isinstance(value, Mapping):  # a LangGraph server client's JSON
        return Policy.model_validate(value)
    raise TypeError(f"configurable[{POLICY_KEY!r}] must be a Policy or a mapping, not {type(value).__name__}")


def with_policy(policy: Policy, call: Callable[..., _T], *args: object) -> _T:
    """``call(*args)`` outside a graph run, reading ``policy`` as its run policy (assembly's
    capability check, before the run's config exists)."""
    with set_config_context({"configurable": {POLICY_KEY: policy}}) as context:
        return context.run(call, *args)
