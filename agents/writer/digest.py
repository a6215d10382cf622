"""Facts the model left out, condensed from the evidence and woven into a section.

Small models write fluent text that ignores the evidence in their prompt (SmolLM2-135M stated
none of a section's names or numbers in most trials, whatever the prompt). So after a section
is generated its text is checked against its evidence: model sentences that share nothing with
the section's subject are dropped, and the evidence's most specific statements that the text
does not make yet are added, condensed to their core clause (a short claim, not the source's
sentence) and cited. A capable model states the facts itself and gets little or nothing added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.text.evidence import stems
from agents.text.grounding import copied_grams, source_ngrams
from core.markers import MARKER_LIST_RE, split_sentences
from core.policy import run_policy
from core.state import Passage
from core.text import content_words
from tools.injection import looks_like_injection
from tools.specifics import Specific, find_specifics, key_specifics, states

MARKUP = re.compile(r"\*\*|__|`|" + MARKER_LIST_RE.pattern)
_LEAD = re.compile(
    r"^(?:so|and|but|also|then|still|however|in practice|in short|for example|for instance|of course|"
    r"at the other end of the scale|on the other hand|as a result|that said|in other words|today|"
    r"first|second|third|finally|above all|in fact|put simply|this is why|that is why|here)\b[^,]{0,40},\s*",
    re.IGNORECASE,
)
_CONJUNCTION = re.compile(r"^(?:so|and|but|also|then|still|yet|or)\s+", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r",\s+|;\s+|:\s+|\s+[–—-]\s+"
    r"|\s+(?=(?:because|unless|although|though|whereas|which means|so that)\s)"
    r"|\s+(?=(?:once|when|if|after|before|until|while)\s(?:you|we|they|it|i|he|she|the)\s)"
)
_RELATIVE = re.compile(r"^(?:which|that|who|whose|because|and|but|so|or|than)\b", re.IGNORECASE)
_DEPENDENT = re.compile(
    r"^(?:which|that|so|but|and|because|while|although|though|where|when|who|whose|as|if|or|than|once|unless|"
    r"until|whereas|with|without|for|from|by|at|in|on|to|into|after|before|since|like|such as|across|usually|"
    r"typically|often|about|around|over|under|between|through|during|within|per|via|along|among|near|also|"
    r"only|even|just|mostly|roughly|nearly|almost|then|each|every)\b",
    re.IGNORECASE,
)


def condense(sentence: str) -> str:
    """The sentence's core claim: markup and lead-in phrases removed and, when it is long, the
    stretch of clauses (as written) from the independent clause that heads its first specific
    through the clause holding it; if that is too long, the holding clause alone when it reads
    as a claim once its subordinator is dropped ("when the heap sits at 30:1"). Empty when no
    short core exists."""
    text = " ".join(MARKUP.sub("", sentence).split()).strip()
    text = _CONJUNCTION.sub("", _LEAD.sub("", text))
    if len(text.split()) > run_policy().writer.max_fact_words:
        text = core_clauses(text)
    words = text.split()
    if (
        not words
        or _RELATIVE.match(text)
        or len(words) > run_policy().writer.max_fact_words + run_policy().writer.fact_words_slack
        or not has_verb(text)
    ):
        return ""
    if text.count('"') % 2 or text.count("“") != text.count("”") or text.count("(") != text.count(")"):
        return ""  # a quotation or aside cut in half
    text = text.rstrip(" .,:;!?")
    first = text.split()[0]
    if first.isalpha() and first.islower():  # not an identifier such as "llama.cpp"
        text = text[:1].upper() + text[1:]
    return text + "."


def has_verb(text: str) -> bool:
    """A rough check that a condensed fact is a clause, not a fragment such as "Painted road
    markings": a common verb anywhere, or a past form after the first word."""
    words = [w.lower().strip(".,;:!?\"'()") for w in text.split()]
    if any(w in VERBS for w in words):
        return True
    return any(len(w) > 4 and w.endswith("ed") for w in words[1:])


def core_clauses(text: str) -> str:
    """See :func:`condense`: the clauses of a long sentence that carry its first specific."""
    bounds = [0]
    for match in _CLAUSE_BREAK.finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    clauses = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    pieces = [_CONJUNCTION.sub("", text[a:b].strip(" ,;:")) for a, b in clauses]
    target = next((i for i, piece in enumerate(pieces) if find_specifics(piece)), None)
    heads = [i for i, piece in enumerate(pieces) if piece and not _DEPENDENT.match(piece)]
    if target is None:
        if not heads:
            return ""
        end = heads[0]
        while (
            end + 1 < len(clauses)
            and len(text[clauses[heads[0]][0] : clauses[end + 1][1]].split())
            <= run_policy().writer.max_fact_words
        ):
            end += 1
        return _CONJUNCTION.sub("", text[clauses[heads[0]][0] : clauses[end][1]].strip(" ,;:"))
    before = [i for i in heads if i <= target]
    if before:
        window = _CONJUNCTION.sub("", text[clauses[before[-1]][0] : clauses[target][1]].strip(" ,;:"))
        if len(window.split()) <= run_policy().writer.max_fact_words + run_policy().writer.fact_words_slack:
            return window
    alone = _SUBORDINATOR.sub("", pieces[target])
    return alone if alone != pieces[target] or not _DEPENDENT.match(alone) else ""


_SUBORDINATOR = re.compile(r"^(?:when|once|if|because|while|although|though|since|whereas|so that)\s+", re.I)
_VERB_WORDS = """
is are was were be been being am has have had do does did can could will would should must may might
need needs needed make makes made get gets got go goes went take takes took use uses keep keeps kept
run runs ran give gives gave let lets put puts come comes came start starts help helps work works
add adds cut cuts turn turns feed feeds check checks buy buys pay pays cost costs last lasts drop
drops grow grows rise rises fall falls hold holds store stores stay stays leave leaves mean means
show shows allow allows avoid avoids brake ride rides wear wears charge charges fit fits set sets
pick picks choose chooses reach reaches produce produces require requires depend depends rot rots
break breaks kill kills heat heats move moves read reads write writes load loads save saves lose
loses matter matters sit sits breed breeds form forms differ differs range ranges contain contains
include includes cause causes reduce reduces increase increases lower lowers raise raises protect
protects call calls say says see sees find finds try tries pass passes fail fails happen happens
"""
VERBS = frozenset(_VERB_WORDS.split())  # common verbs, for telling a claim from a list fragment
_VERB_STEMS = VERBS | {stem for verb in VERBS for stem in stems(verb)}
_ABOUT_TEXT = re.compile(
    r"\b(?:the|this|that|your)\s+(?:article|text|story|passage|sentence|paragraph|reader|blog post|news)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|me|my|we|we're|our|us)\b")
_DOCUMENT = re.compile(
    r"\b(?:table|list|chart|figure|graph|image|picture|diagram|section|video)\s+(?:below|above)\b"
    r"|\bthis\s+(?:article|guide|post|page|faq|newsletter|piece|report|checklist|explainer)\b",
    re.IGNORECASE,
)


def fact_candidates(evidence: Sequence[Passage], subject_text: str = "") -> list[tuple[str, int, int]]:
    """``(condensed fact, source id, specifics)`` for the evidence's statements: most specifics
    per word first, then most words of the section's subject, then the evidence's order. The
    source author's first person and references to the page itself ("the table below") are
    not facts."""
    subject = content_words(subject_text)
    found: list[tuple[str, int, int, float, int, int]] = []
    seen: set[str] = set()
    for passage in evidence:
        for sentence in split_sentences(passage.text):
            if sentence.endswith("?") or looks_like_injection(sentence) or _DOCUMENT.search(sentence):
                continue
            fact = condense(sentence)
            words = content_words(fact)
            count = len(find_specifics(fact))
            if (
                len(fact.split()) < run_policy().writer.min_fact_words
                or len(words) < run_policy().writer.fact_content_words[0 if count else 1]
                or fact.lower() in seen
                or _FIRST_PERSON.search(fact)
            ):
                continue
            seen.add(fact.lower())
            density = count / len(fact.split())
            found.append((fact, passage.source_id, count, density, len(words & subject), len(found)))
    found.sort(key=lambda item: (-min(item[2], 1), -item[3], -item[4], item[5]))
    return [(fact, source_id, count) for fact, source_id, count, _, _, _ in found]


def on_topic(sentence: str, subject: set[str], core: set[str]) -> bool:
    """True when a model sentence names the section's core subject (topic or heading words, by
    stem: "compost" names "composting") and shares enough content words with its subject and
    evidence. Sentences about "the article" or "the reader" are small models talking about
    the task, not the subject."""
    if _ABOUT_TEXT.search(sentence):
        return False
    words = content_words(sentence)
    named = set(stems(sentence)) & subject_stems(core)
    return bool(named) and len(words & subject) >= run_policy().writer.on_topic_words


def subject_stems(core: set[str]) -> set[str]:
    """Stems of the words that name the subject: "read" in "Learning to read a map" is how one
    deals with it, so a sentence about "reading your life story" does not name it."""
    named = {stem for word in core for stem in stems(word)}
    return (named - _VERB_STEMS) or named


def states_facts(sentence: str, wanted: Sequence[Specific]) -> bool:
    """True when a sentence states a name of the evidence, or two of its numbers (one shared
    number, such as "10", is too easily a coincidence)."""
    stated = [s for s in wanted if states(sentence, s)]
    return any(s.kind != "number" for s in stated) or len(stated) >= 2


def weave(body: str, evidence: Sequence[Passage], subject_text: str, target_words: int) -> str:
    """``body`` with off-subject sentences dropped and the evidence's facts it lacks added (cited),
    up to about ``target_words``."""
    core = content_words(subject_text)
    subject = core | content_words(" ".join(p.text for p in evidence))
    wanted = key_specifics(p.text for p in evidence)
    kept, plain_words = [], 0
    for sentence in split_sentences(body):
        size = len(sentence.split())
        if size > run_policy().writer.run_on_words or (
            size < run_policy().writer.fragment_words and not has_verb(sentence)
        ):
            continue  # not a sentence: a run-on list or a copied list item, whatever facts it holds
        if states_facts(sentence, wanted):
            kept.append(sentence)  # the model explains a fact of its evidence: always kept
        elif (
            on_topic(sentence, subject, core)
            and plain_words + size <= run_policy().writer.plain_share * target_words
        ):
            kept.append(sentence)
            plain_words += size
    text, known = " ".join(kept), source_ngrams(p.text for p in evidence)
    for fact, source_id, _ in fact_candidates(evidence, subject_text):
        if len(text.split()) >= target_words:
            break
        if copies(text, fact, known) or already_stated(text, fact):
            continue  # long verbatim claims are rationed over the whole draft (ration_copied_facts)
        text = f"{text} {fact[:-1]} [{source_id}].".strip()
    return text


def copies(text: str, fact: str, known: set[tuple[str, ...]]) -> bool:
    """True when the fact, after ``text``, repeats one of the sources' 8-word runs: by itself, or
    run on from the text's last words (two neighbouring sentences of a source in their order)."""
    tail = " ".join(MARKUP.sub(" ", text).split()[-(run_policy().text.copy_ngram - 1) :])
    return copied_grams(f"{tail} {fact}", known) > 0


def already_stated(text: str, fact: str) -> bool:
    """True when ``text`` already makes the fact's claim (all its specifics, or its words)."""
    specifics = find_specifics(fact)
    return bool(specifics and all(states(text, s) for s in specifics)) or fact[:-1].lower() in text.lower()


def densify(body: str, evidence: Sequence[Passage], subject_text: str, target_words: int) -> str:
    """A revision without the model: keep the sentences that state the evidence's facts and one
    plain lead sentence, and fill the rest with facts the section does not state yet."""
    wanted = key_specifics(p.text for p in evidence)
    sentences = split_sentences(body)
    factual = [s for s in sentences if any(states(s, w) for w in wanted)]
    plain = [s for s in sentences if s not in factual]
    kept = [s for s in sentences if s in factual or (plain and s == plain[0])]
    return weave(" ".join(kept), evidence, subject_text, target_words)
