"""What a model must reply, grammar-constrained and validated, before an agent turns the reply into
state. None of these is stored in a run's checkpoints (the outline is: it lives in ``core.state``).

How many queries or sections a reply holds is the run's policy's to say, not the class's: the
agent asking gives the grammar those bounds with each call (``json_schema``), so a run with
another policy gets its own."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.state import Clipped100, Heading, ShortText, Title


class SearchQueries(BaseModel):
    """Researcher output (grammar-constrained)."""

    queries: list[Clipped100] = Field(min_length=1)


class SectionChoice(BaseModel):
    """Outliner output when the evidence offers sections: a title and the chosen candidates' numbers."""

    title: Title
    sections: list[int] = Field(min_length=1)


class NamedSection(BaseModel):
    """One planned section of a model that can write: a candidate subject and its own heading."""

    subject: int
    heading: Heading


class SectionPlan(BaseModel):
    """Outliner output for a model that can write: a title and each chosen subject's heading."""

    title: Title
    sections: list[NamedSection] = Field(min_length=1)


# An enum, not ge/le: llama.cpp's JSON-schema grammar enforces enums but not integer bounds.
Score = Literal[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


class JudgedScores(BaseModel):
    """The rubric as the critic model writes it (grammar-constrained), each 1-10."""

    grounding: Score = Field(description="claims supported by the numbered sources")
    structure: Score = Field(description="follows the outline, clear sections")
    clarity: Score = Field(description="easy to read, no repetition")
    depth: Score = Field(description="specific, useful content")
    style: Score = Field(description="fits audience, tone and length")


class CritiqueReply(BaseModel):
    """What the critic model must return (grammar-constrained)."""

    scores: JudgedScores
    issues: list[ShortText] = Field(default_factory=list, max_length=5)
    gaps: list[ShortText] = Field(
        default_factory=list, max_length=3, description="questions needing research"
    )
