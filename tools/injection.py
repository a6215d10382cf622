"""Hostile-text filter: source sentences that address a model, or smuggle links and markup.

Source text is data. A sentence this filter flags never reaches a prompt as evidence.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above|earlier)|disregard|system prompt|new instructions"
    r"|you are (now )?(a|an|the|chatgpt|an ai)\b|as an ai|assistant:|system:|<\s*/?\s*(script|img|iframe)"
    r"|https?://|www\.|!\[|\]\(|```|\b(insert|include|add) (this|the following|a) (link|url|phrase)",
    re.IGNORECASE,
)


def looks_like_injection(sentence: str) -> bool:
    """True for text that addresses the model or smuggles links/markup (kept out of evidence)."""
    return bool(_INJECTION.search(sentence))
