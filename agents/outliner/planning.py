"""Sections that come from the evidence: what the sources actually cover, ranked for the topic.

Candidates are the sources' own headings (with the passages under them). A source without
headings is one candidate named after its title; a long one is cut into parts named after
their most distinctive phrase. Passages under a heading that merely restates the topic (an
article's overview) or under a generic one ("Introduction", "FAQ") are not candidates: they stay
in the evidence pool, and the intro draws on the overview.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.text.cleanup import tidy_heading
from agents.text.evidence import EvidenceIndex
from core.policy import run_policy
from core.state import Passage, Source
from core.text import HYPHENATED_WORD_RE, STOPWORDS, content_words
from tools.specifics import key_specifics

GENERIC_HEADINGS = re.compile(
    r"^(introduction|intro|overview|conclusions?|summary|references|sources|further reading|faq|"
    r"frequently asked questions|final thoughts|wrapping up|the bottom line|bottom line|in short|"
    r"closing thoughts|about( the author)?|contents|table of contents|background|notes?|"
    r"where to go from here|next steps|what'?s next|resources|further resources|tl;? ?dr|"
    r"(the )?short version|"
    r"quick version|(key )?takeaways|at a glance|in brief|the basics)$",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    """A section the evidence can carry: a heading and the passages it names."""

    heading: str
    passage_ids: list[int]
    relevance: float = 0.0
    sources: set[int] = field(default_factory=set)


def evidence_candidates(
    topic: str, passages: Sequence[Passage], sources: Sequence[Source], index: EvidenceIndex
) -> tuple[list[Candidate], list[int]]:
    """Candidate sections ranked by relevance to the topic, and the overview passages (for the intro)."""
    titles = {s.id: tidy_heading(s.title) for s in sources}
    groups: dict[tuple[int, str], list[Passage]] = {}
    for passage in passages:
        heading = plain_heading(passage.heading) or titles.get(passage.source_id, "")
        groups.setdefault((passage.source_id, heading), []).append(passage)
    has_inner_headings = {sid for (sid, h) in groups if h and h != titles.get(sid)}
    overview: list[int] = []
    candidates: list[Candidate] = []
    for (source_id, heading), members in groups.items():
        ids = [p.id for p in members]
        is_title = heading == titles.get(source_id)
        if GENERIC_HEADINGS.match(heading) or (is_title and source_id in has_inner_headings):
            overview.extend(ids)  # an article's lead or generic part: intro material
            continue
        if restates(heading, topic):
            overview.extend(ids)
            if source_id in has_inner_headings:
                continue
        candidates.extend(_parts(heading, members, passages))
    by_id = {p.id: p for p in passages}
    topical = index.scores(topic)
    for candidate in candidates:
        candidate.relevance = max((topical.get(pid, 0.0) for pid in candidate.passage_ids), default=0.0)
        candidate.sources = {by_id[pid].source_id for pid in candidate.passage_ids}
    merged = merge_similar(candidates)
    weigh_concreteness(merged, by_id)
    return rank(merged), overview


def weigh_concreteness(candidates: list[Candidate], passages: dict[int, Passage]) -> None:
    """Relevance = relevance to the topic (scaled to the best candidate's) plus concreteness: the
    share of the policy's ``concrete_cap`` names and numbers the section's passages hold. A post on the topic
    is worth most where the sources are specific, not where they restate the topic's words."""
    top = max((c.relevance for c in candidates), default=0.0) or 1.0
    cap = run_policy().outliner.concrete_cap
    for candidate in candidates:
        facts = key_specifics(passages[pid].text for pid in candidate.passage_ids)
        candidate.relevance = candidate.relevance / top + min(len(facts), cap) / cap


_STEP = re.compile(r"^(?:step|part|stage|phase|tip|rule|chapter)\s+\w+\s*[:.)-]\s*", re.IGNORECASE)


def plain_heading(heading: str) -> str:
    """A source heading without numbering ("Step 1: Choose a runtime" -> "Choose a runtime")."""
    return _STEP.sub("", tidy_heading(heading)).strip()


def restates(heading: str, topic: str) -> bool:
    """True when most of the heading's words are the topic's own."""
    words = content_words(heading)
    return bool(words) and len(words & content_words(topic)) / len(words) >= run_policy().outliner.topic_like


def _parts(heading: str, members: list[Passage], everything: Sequence[Passage]) -> list[Candidate]:
    """One candidate, or several for a long run of passages under one heading (or a title)."""
    if len(members) <= run_policy().outliner.max_group_passages:
        return [
            Candidate(
                heading=heading[: run_policy().outliner.heading_chars], passage_ids=[p.id for p in members]
            )
        ]
    count = math.ceil(len(members) / run_policy().outliner.max_group_passages)
    size = math.ceil(len(members) / count)
    parts = [members[i : i + size] for i in range(0, len(members), size)]
    return [
        Candidate(
            heading=salient_phrase(part, everything, heading)[: run_policy().outliner.heading_chars],
            passage_ids=[p.id for p in part],
        )
        for part in parts
    ]


def salient_phrase(part: Sequence[Passage], everything: Sequence[Passage], fallback: str) -> str:
    """The part's most distinctive run of one to three content words (tf-idf), capitalised."""

    def phrases(text: str) -> set[str]:
        found: set[str] = set()
        for run in re.split(r"[^A-Za-z0-9' -]+", text):
            words = [w.lower() for w in HYPHENATED_WORD_RE.findall(run)]
            chunk: list[str] = []
            for word in [*words, ""]:
                if word and word not in STOPWORDS and len(word) > run_policy().outliner.short_word_letters:
                    chunk.append(word)
                    continue
                for n in run_policy().outliner.phrase_lengths:
                    found.update(" ".join(chunk[i : i + n]) for i in range(len(chunk) - n + 1))
                chunk = []
        return found

    frequency = Counter(ph for p in everything for ph in phrases(p.text))
    local = Counter(ph for p in part for ph in phrases(p.text))
    total = len(everything)

    def weight(phrase: str) -> float:
        return local[phrase] * len(phrase.split()) * math.log(1 + total / frequency[phrase])

    best = max(
        (ph for ph in local if local[ph] >= run_policy().outliner.phrase_repeats), key=weight, default=""
    )
    return best.capitalize() if best else fallback


def merge_similar(candidates: list[Candidate]) -> list[Candidate]:
    """Join candidates whose headings name the same subject (two sources on "Feeding")."""
    merged: list[Candidate] = []
    for candidate in candidates:
        words = content_words(candidate.heading)
        twin = next(
            (
                m
                for m in merged
                if words
                and len(words & content_words(m.heading)) / len(words | content_words(m.heading))
                >= run_policy().outliner.same_heading
            ),
            None,
        )
        if twin is None:
            merged.append(candidate)
        else:
            twin.passage_ids += candidate.passage_ids
            twin.sources |= candidate.sources
            twin.relevance = max(twin.relevance, candidate.relevance)
    return merged


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Most relevant first, but alternating sources, so one article does not take every section."""
    ordered = sorted(candidates, key=lambda c: -c.relevance)
    result: list[Candidate] = []
    used_sources: Counter[int] = Counter()
    while ordered:
        best = min(
            ordered, key=lambda c: (min((used_sources[s] for s in c.sources), default=0), -c.relevance)
        )
        ordered.remove(best)
        result.append(best)
        used_sources.update(best.sources)
    return result


_CLAUSE_IN_TITLE = re.compile(r"\.\s|,\s*(?:which|who|where|because)\b", re.IGNORECASE)


def headline_like(title: str) -> bool:
    """True for a short headline; False for a sentence ("The heat pumps in the world, which are
    much cheaper…"), which small models often write instead."""
    words = title.split()
    return (
        0 < len(words) <= run_policy().outliner.headline_words
        and not title.rstrip().endswith(".")
        and not _CLAUSE_IN_TITLE.search(title)
    )
