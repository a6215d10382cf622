"""Hostile-text filter: source sentences that address a model, or smuggle links and markup.

Source text is data. A sentence this filter flags never reaches a prompt as evidence.

A list of bad phrases misses paraphrases, so the filter looks for the *shape* of an instruction
to a model instead: a model, bot or "whoever summarises this" as the addressee; a claim on the
reader's task, goal or instructions; "from now on"; role play ("pretend you are", "act as a
bot"); control of the reply's wording ("begin your reply with", "repeat after me"); and
dropping earlier guidance. Ordinary second-person advice ("You should turn the pile weekly",
"Ignore the smell at first") has none of these shapes. Measured on paraphrases and benign
prose in ``tests/unit/test_injection_paraphrases.py``.
"""

from __future__ import annotations

import re

_MODEL = (
    r"(?:ai|a\.i\.|llms?|gpts?|chatgpt|chat ?bots?|bots?|language models?|assistants?"
    r"|ai (?:models?|agents?|systems?|assistants?|writers?|tools?))"
)
_READER = rf"(?:{_MODEL}|agents?|models?|crawlers?|summari[sz]ers?|scrapers?)"
_TASK = (
    r"(?:instructions?|guidance|guidelines|rules|task|prompt|directions|outline|brief|orders|programming"
    r"|directives?)"
)
_REPLY = r"(?:reply|response|answer|output|message|completion)"
_ROLE = (
    r"(?:bot|assistant|ai|agent|salesman|salesperson|marketer|advertiser|spokesperson|copywriter"
    r"|promoter|influencer|hacker)"
)

_PATTERNS: dict[str, str] = {
    # links, images, markup and fenced code never belong in evidence
    "markup": r"https?://|www\.|!\[|\]\(|```|<\s*/?\s*(?:script|img|iframe)",
    # a model, bot or anyone processing the page as the addressee
    "addressee": (
        rf"^\W*(?:(?:note|attention|message|reminder|warning|important(?: instruction)?|instructions?)"
        rf"(?: to| for)?(?: the| all| any)? {_MODEL}\b"
        rf"|(?:dear |hey |hello )?{_MODEL}\s*[,:])"
        rf"|\bif you(?:'re| are) (?:an? )?{_MODEL}\b"
        rf"|\bas an? (?:ai|language model|llm|assistant)\b"
        rf"|\b{_READER} (?:that |which |who )?(?:is |are )?(?:reading|processing|summari[sz]ing|crawling"
        rf"|scraping|ingesting|indexing|parsing|visiting|seeing) (?:this|these|the following)\b"
        rf"|\b{_MODEL}(?: and [\w ]{{1,30}})?:\s"
        rf"|\b(?:command|instruction|message|note|order|request)s? (?:for|to)"
        rf" (?:the |all |any |every )?{_READER}\b"
        rf"|\bwhoever (?:reads|summari[sz]es|writes|uses|processes|quotes|cites)\b"
        rf"|\b(?:writer|author|summari[sz]er|creator) of (?:any|an|the) \w+ (?:based on|using|about"
        rf"|drawing on|that uses) this\b"
    ),
    # a claim on the reader's task, goal or instructions
    "task": (
        r"\byour (?:new|real|actual|true|updated|revised|secret|hidden|only|primary) (?:task|goal|job"
        r"|mission|purpose|instructions?|role|objective|directive|prompt)s?\b"
        rf"|\b(?:your )?{_TASK} (?:have|has) (?:changed|been (?:updated|replaced|changed))"
        r"|\bsystem prompt\b|\b(?:new|updated|revised|real|hidden|secret|following) instructions?\s*:"
        r"|\bnew instructions? (?:for|to) (?:you|the (?:ai|model|assistant|writer))\b"
        r"|\binstead of (?:the|your) (?:requested|assigned|original|given) \w+"
        r"|(?:^|\n)\s*[\[<(|\"'>]?\s*(?:system|assistant|developer)\s*[:\]]"
    ),
    # dropping earlier guidance
    "override": (
        r"\b(?:ignore|disregard|overlook|forget|drop|abandon|override|bypass|discard|set aside|skip"
        rf"|stop following)\b(?! for\b)(?: \w+){{0,3}} (?:{_TASK}|everything (?:you|above|before)"
        r"|all (?:you|that you) (?:were|have been) told|what you (?:were|have been) told)"
        r"|\b(?:ignore|disregard) (?:all |any |the |your )?(?:previous|prior|above|earlier)\b"
        r"|\bstop what you(?:'re| are) doing\b"
        r"|\b(?:do not|don't|never) follow (?:the|your|any|these|those)\b"
    ),
    # instructions meant to outlive the sentence
    "persistence": (
        r"\b(?:from now on|from here on|from this point(?: on| forward)?|henceforth|going forward),?"
        r" (?:you|always|never|only|write|respond|reply|answer|say|speak|talk|act|use|include|mention"
        r"|refer|call|end|begin|start|output|ignore|forget)\b"
        r"|\bfrom (?:now|here) on\s*[.!]?$"
    ),
    # role play
    "role": (
        r"\bpretend (?:that )?(?:you(?:'re| are)|to be)\b"
        rf"|\byou are (?:now )?(?:an? |the )?(?:\w+ )?{_ROLE}s?\b"
        r"|\byou are no longer (?:an? |the )?(?:ai|assistant|model|bound|restricted)\b"
        rf"|\bact as (?:an? |the |if you )(?:[\w-]+ ){{0,2}}{_ROLE}s?\b"
        r"|\byou (?:have been|were|are being|are now) (?:re-?programmed|re-?configured|jailbroken|unlocked)\b"
        r"|\brole-?play(?:ing)? as\b|\b(?:jailbreak|dan mode|developer mode)\b"
    ),
    # control of the reply's exact wording
    "wording": (
        rf"\b(?:begin|start|end|finish|conclude|open|close|prefix) your {_REPLY}s?\b"
        r"|\b(?:begin|start|end|finish|conclude) (?:your|the|each|every) \w+ with (?:the (?:exact )?"
        r"(?:words?|phrase|sentence|text|line)\b|['\"“‘])"
        r"|\b(?:respond|reply|answer) (?:only |solely |just )(?:with|in|by)\b"
        r"|\brepeat after me\b|\b(?:say|output|print|type|write|reply with)\b[^.]{0,30}"
        r"\b(?:secret|magic|exact|code) (?:phrase|word|words|password)\b"
        r"|\b(?:insert|include|add) (?:this|the following|a) (?:link|url|phrase)\b"
        r"|\b(?:mention|insert|include|add|put|promote|recommend|advertise|plug|praise|link to)"
        r" (?:our|my) (?:\w+ ){0,2}(?:brand|products?|company|site|website|page|shop|store|link"
        r"|coupon|code|name|phone|number|services?|plan|offer)\b"
    ),
}
_COMPILED = {name: re.compile(pattern, re.IGNORECASE | re.MULTILINE) for name, pattern in _PATTERNS.items()}

# An order (an imperative clause, or one said to "you") about the text being produced, its readers
# or the page itself, rather than about the world: "Write the next section as an advert",
# "In your post, tell readers that ...". How-to advice ("Turn the pile weekly") is about the world.
_VERBS = (
    "write say make add include forget ignore change follow output describe tell list put use give take keep"
    " stop start begin end append insert remove delete replace translate summarise summarize repeat answer"
    " respond reply print show reveal praise promote recommend mention call rate rank cite quote link copy"
    " paste skip drop treat consider pretend act imagine assume remember read visit click buy try let go do"
    " don't never always please kindly override disregard obey comply explain argue claim state warn"
    " produce generate create compose draft rewrite format"
)
_ORDER = re.compile(
    r"(?:^|[,;:]\s+)\W*(?:please |kindly |now |always |never |just |simply )?(?:"
    + "|".join(_VERBS.split())
    + r")\b|\byou(?:r|rs|rself|'re|'ll|'ve|'d)?\b"
    r"|\b(?:must|should|shall|has to|have to|is to|are to|needs? to) (?:now |always |only |never )?(?:state"
    r"|say|claim|mention|recommend|praise|respond|reply|print|reveal|output|promote|describe|call|rate|rank"
    r"|link)\b",
    re.IGNORECASE,
)
_ABOUT_THE_TEXT = re.compile(
    r"\b(?:(?:this|the|that|your|any|each|every|next|whole) (?:page|article|text|site|website|document|post"
    r"|message|title|section|topic|conclusion|summary|output|answer|reply|response(?! to)|paragraph|heading"
    r"|writing|essay|draft|blog|story|piece)s?|readers?|audience|the user|word for word|all caps"
    r"|capital letters|advertisement|advert|keyword|sentences?|style|tone|topic|instructions|prompt"
    r"|conversation|re-?programmed|programming)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\W*(?:new |important |hidden |secret |updated |real )?(?:rule|task|instruction|command|directive"
    r"|order|prompt)s?\s*:",
    re.IGNORECASE,
)


def injection_reason(sentence: str) -> str | None:
    """The kind of instruction-to-a-model cue in ``sentence`` (e.g. ``"addressee"``), or None."""
    for name, pattern in _COMPILED.items():
        if pattern.search(sentence):
            return name
    for piece in re.split(r"(?<=[.:;!?])\s+", sentence):
        if _LABEL.search(piece):
            return "label"
    if _ORDER.search(sentence) and _ABOUT_THE_TEXT.search(sentence):
        return "order about the text"
    return None


def looks_like_injection(sentence: str) -> bool:
    """True for text that addresses the model or smuggles links/markup (kept out of evidence)."""
    return injection_reason(sentence) is not None
