"""The graph state and the schemas agents exchange and a run stores. Data only: no logic beyond
validation. What a model must reply before it becomes state is in ``core.model_replies``."""

from __future__ import annotations

import operator
import unicodedata
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from core.policy.outliner import MOST_KEY_POINTS, MOST_SECTION_SOURCES, MOST_SECTIONS

SearchMode = Literal["auto", "web", "local", "off"]
AgentName = Literal["researcher", "outliner", "writer", "editor", "critic"]
AGENTS: tuple[AgentName, ...] = ("researcher", "outliner", "writer", "editor", "critic")
MAX_ROUNDS = 5
MAX_TOPIC_CHARS = 300


class DraftRequest(BaseModel):
    """What the person asked for. Invalid values fail here, before any model is loaded."""

    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=3, max_length=MAX_TOPIC_CHARS)
    audience: str = Field(default="curious general readers", min_length=1, max_length=200)
    tone: str = Field(default="friendly and clear", min_length=1, max_length=100)
    words: int = Field(default=600, ge=150, le=5000, description="target length of the post")
    rounds: int = Field(default=3, ge=1, le=MAX_ROUNDS, description="maximum writing rounds")
    threshold: float = Field(default=8.0, ge=1.0, le=10.0, description="overall score that ends the loop")
    search: SearchMode = "auto"
    sources_dir: str | None = None
    feedback: str = Field(default="", max_length=2000, description="the author's notes for the writer")
    voice_sample: str = Field(default="", max_length=4000, description="the author's own writing to imitate")
    review_outline: bool = Field(default=False, description="pause after the outliner for approval or edits")
    ask_feedback: bool = Field(
        default=False, description="pause before each new round for the author's notes"
    )
    max_seconds: float | None = Field(
        default=None, gt=0, description="agent time budget; first round always ends"
    )
    max_tokens: int | None = Field(
        default=None, gt=0, description="generated-token budget; first round always ends"
    )

    @field_validator("topic", "audience", "tone", "feedback", "voice_sample", mode="before")
    @classmethod
    def _clean_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
            raise ValueError("contains control characters; type plain text")
        return " ".join(value.split())


class Source(BaseModel):
    """A numbered source in the run's registry; ``id`` is what ``[n]`` refers to."""

    id: int = Field(ge=1)
    title: str
    url: str
    text: str = Field(description="the extracted text the citation check compares against")
    origin: Literal["web", "local"] = "web"


class Passage(BaseModel):
    """A stretch of one source (a paragraph or a few sentences): the unit of evidence."""

    id: int = Field(ge=0, description="position in the run's evidence list")
    source_id: int
    heading: str = Field(default="", description="the source's own heading above the passage")
    text: str


class Note(BaseModel):
    """A short research note tied to the source it came from."""

    source_id: int
    text: str


def _clip(limit: int) -> BeforeValidator:
    """Cut over-long model text instead of rejecting it (the grammar does not bound lengths)."""
    return BeforeValidator(
        lambda value: " ".join(value.split())[:limit].rstrip() if isinstance(value, str) else value
    )


# Lengths are enforced here, not in the grammar: llama.cpp's grammar sampler slows down by orders
# of magnitude on string-length repetitions like {3,160} (measured: 0.5 tokens/s on an outline).
Clipped100 = Annotated[str, _clip(100), Field(min_length=3, max_length=100)]
ShortText = Annotated[str, _clip(160), Field(min_length=3, max_length=160)]
Heading = Annotated[str, _clip(90), Field(min_length=3, max_length=90)]
Title = Annotated[str, _clip(110), Field(min_length=5, max_length=110)]


class OutlineSection(BaseModel):
    heading: Heading
    key_points: list[ShortText] = Field(min_length=1, max_length=MOST_KEY_POINTS)
    source_ids: list[int] = Field(default_factory=list, max_length=MOST_SECTION_SOURCES)
    passage_ids: list[int] = Field(default_factory=list, description="the evidence this section explains")


class Outline(BaseModel):
    """Outliner output (grammar-constrained): body sections; the writer adds intro and conclusion.
    Its bounds are the format's; the outliner holds each run to its policy's (``tidy_outline``)."""

    title: Title
    sections: list[OutlineSection] = Field(min_length=1, max_length=MOST_SECTIONS)
    intro_passage_ids: list[int] = Field(default_factory=list, description="evidence for the introduction")


RubricValue = Annotated[float, Field(ge=1.0, le=10.0)]


class RubricScores(BaseModel):
    """The critic's final rubric, each 1-10: measured items, probability-weighted judgements."""

    grounding: RubricValue
    structure: RubricValue
    clarity: RubricValue
    depth: RubricValue
    style: RubricValue


class DraftMetrics(BaseModel):
    """Objective measurements of a draft, computed in code (not by the model)."""

    words: int
    sections: int
    repeated_sentence_ratio: float
    length_ratio: float = Field(description="words / target words")
    citations: int
    citation_support: float | None = None
    reading_ease: float | None = Field(default=None, description="Flesch reading ease of the prose")
    repeated_ngram_ratio: float | None = Field(default=None, description="share of repeated word 3-grams")
    coverage: float | None = Field(
        default=None, description="share of the evidence's names, numbers and terms the draft states"
    )
    specifics: int = Field(default=0, description="names, numbers, quotes and studies the draft states")
    unsupported_specifics: list[str] = Field(
        default_factory=list, description="specifics found in no source, nor in the request"
    )
    copied_ngram_ratio: float | None = Field(
        default=None, description="share of the draft's word 8-grams found verbatim in the sources"
    )


IssueKind = Literal[
    "weak_citation",  # a cited sentence its source's text does not back
    "unknown_source",  # a citation naming no source
    "repetition",  # sentences that repeat earlier ones
    "length",  # the draft is off its target length
    "missing_sections",  # planned sections without text
    "no_citations",  # a sourced draft that cites nothing
    "low_support",  # most citations unsupported
    "unsupported_specifics",  # names or numbers found in no source
    "copying",  # text copied word for word from the sources
    "missing_evidence",  # a section leaves out facts of its evidence
    "damage",  # talk about the evidence, a source title as a sentence, fused words
    "note",  # the critic model's own words (and every issue of an older checkpoint)
]


def _issue_from_line(value: object) -> object:
    """A plain line (what critiques held before issues were typed) becomes a ``note``."""
    return {"kind": "note", "text": value} if isinstance(value, str) else value


class CritiqueIssue(BaseModel):
    """One finding of the critic, typed so agents route it by its fields, never by its wording."""

    kind: IssueKind
    text: str = Field(description="the finding in one line, as a person reads it")
    section: str | None = Field(
        default=None, description="heading of the section it concerns, shown ('' = intro); None: whole draft"
    )
    section_index: int | None = Field(
        default=None, description="index of the section it concerns (``Section.index``); None: whole draft"
    )
    source_id: int | None = Field(default=None, description="the source it concerns, if one")


Issue = Annotated[CritiqueIssue, BeforeValidator(_issue_from_line)]


class Critique(BaseModel):
    """The critic's verdict: model rubric plus objective metrics, folded into ``overall``."""

    scores: RubricScores
    overall: float = Field(ge=0.0, le=10.0)
    issues: list[Issue] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    metrics: DraftMetrics
    fallback: bool = Field(default=False, description="the model's reply was unusable; loop ends")
    fixable: bool | None = Field(
        default=None,
        description="whether any issue names a section a revision could fix (None: not judged; loop goes on)",
    )


class RoundRecord(BaseModel):
    """One finished round: the edited draft and its critique."""

    round: int = Field(ge=1, le=MAX_ROUNDS)
    title: str
    markdown: str
    critique: Critique
    changes: list[str] = Field(
        default_factory=list, description="what the writer changed this round, in words"
    )


class StepTelemetry(BaseModel):
    """Per agent step: time and tokens."""

    agent: AgentName
    round: int
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


SectionRole = Literal["intro", "body", "conclusion"]


class Section(BaseModel):
    """One part of a draft. Its identity (``role``, ``index``) and its plan (planned words, the
    outline's passages for it, its subject) are set once, when the writer plans the sections
    (``agents.text.outline.plan_sections``); later stages read them. The heading is display text
    only: no stage finds a section by it. The defaults are what a checkpoint saved before sections
    had an identity holds (``agents.text.outline.identified`` gives those sections theirs)."""

    heading: str = Field(default="", description="the heading shown above it ('' for the intro)")
    body: str
    role: SectionRole = "body"
    index: int | None = Field(
        default=None, description="0 the intro, 1..n the body sections, n+1 the conclusion; None: not set"
    )
    words: int = Field(default=0, ge=0, description="planned length in words (0: no plan)")
    passage_ids: list[int] = Field(default_factory=list, description="the outline's passages for it")
    subject: str = Field(default="", description="what it is about, for telling on- from off-subject text")


def merge_sources(existing: list[Source], new: list[Source]) -> list[Source]:
    """Registry reducer: ids stay stable; a source sent again (e.g. with more of its text found)
    replaces the stored one, and new ids are appended."""
    updated = {source.id: source for source in new}
    known = {source.id for source in existing}
    return [updated.get(s.id, s) for s in existing] + [s for s in new if s.id not in known]


class DraftState(TypedDict, total=False):
    """LangGraph state. ``rounds`` grows by one record per critique; its length is the round counter."""

    request: DraftRequest
    queries: list[str]
    sources: Annotated[list[Source], merge_sources]
    notes: list[Note]
    passages: list[Passage]
    outline: Outline
    outline_reviewed: bool
    feedback: str
    feedback_round: int
    sections: list[Section]
    changes: list[str]
    draft: str
    critique: Critique
    rounds: Annotated[list[RoundRecord], operator.add]
    degraded: bool
    warnings: Annotated[list[str], operator.add]
    telemetry: Annotated[list[StepTelemetry], operator.add]


def completed_rounds(state: DraftState) -> int:
    """How many rounds have been critiqued so far."""
    return len(state.get("rounds", []))


def author_notes(state: DraftState) -> list[str]:
    """What the author asked for: the request's feedback and notes given between rounds."""
    notes = [state["request"].feedback, state.get("feedback", "")]
    return [note for note in notes if note]
