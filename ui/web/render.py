"""Display data for untrusted text: escaped lines, source lines and links, warning groups, the run
summary, file names. Pure functions, no Streamlit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from core.result import DraftResult, SourceRef

# Warnings from the writing agents (fallbacks the run took) rather than from research.
_QUALITY_WARNING = re.compile(r"\b(outliner|writer|editor|critic|rating|sampled scores)\b", re.IGNORECASE)
# Warnings about finding and reading sources: web search, fetched pages, the cache, your notes.
_RESEARCH_WARNING = re.compile(
    r"\b(search|research|sources? found|pages?|fetch\w*|cache|indexed|skipped|quer(?:y|ies))\b", re.IGNORECASE
)
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
# Characters that CommonMark (or Streamlit's extensions: colours, emoji, LaTeX) give a meaning.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&])")


def escape_markdown(text: str) -> str:
    """Backslash-escape ``text`` so that markdown shows it literally, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def bullet_list(items: Sequence[str], empty: str = "none") -> str:
    """A markdown bullet list of untrusted lines, each shown literally."""
    if not items:
        return f"_{empty}_"
    return "\n".join(f"- {escape_markdown(item)}" for item in items)


@dataclass(frozen=True)
class WarningGroups:
    """A result's warnings by what they are about, each said once (the last of a kind that
    repeats every round with other numbers, e.g. a length remark)."""

    research: list[str]
    fallbacks: list[str]
    writing: list[str]


def group_warnings(warnings: Sequence[str]) -> WarningGroups:
    """Research problems (search, pages, notes), quality fallbacks (an agent's unusable reply)
    and writing notes (e.g. why the draft is short)."""
    latest: dict[str, str] = {}
    for warning in warnings:
        latest.pop(_NUMBERS.sub("#", warning), None)  # the same remark with other numbers: keep the last
        latest[_NUMBERS.sub("#", warning)] = warning
    groups = WarningGroups([], [], [])
    for warning in latest.values():
        if _QUALITY_WARNING.search(warning):
            groups.fallbacks.append(warning)
        elif _RESEARCH_WARNING.search(warning):
            groups.research.append(warning)
        else:
            groups.writing.append(warning)
    return groups


def source_line(source: SourceRef) -> str:
    """A markdown list line for a source: a link for web pages, title and file name for local files."""
    title = escape_markdown(source.title) or "untitled"
    url = safe_link_target(source.url)
    if source.origin == "web" and url:
        return f"{source.id}. [{title}](<{url}>)"
    return f"{source.id}. {title} — `{source.url.replace('`', '')}`"


def local_origins(sources: Sequence[SourceRef], uploads: Path) -> list[str]:
    """Where each local source came from (for the author only, never exported): notes uploaded
    on the page (their copy under ``uploads`` is removed once the run completes), or a file on
    this computer, said to be gone when it no longer exists."""
    lines = []
    for source in sources:
        if source.origin != "local" or not source.path:
            continue
        path = Path(source.path).resolve()
        if path.is_relative_to(uploads.resolve()):
            kept = " (its copy is kept until the run completes)" if path.exists() else ""
            lines.append(f"{source.id}. uploaded on this page as `{path.name.replace('`', '')}`{kept}")
        else:
            gone = " (no longer there)" if not path.exists() else ""
            lines.append(f"{source.id}. `{source.path.replace('`', '')}`{gone}")
    return lines


def safe_link_target(url: str) -> str | None:
    """An http(s) address made safe inside ``<...>`` in markdown, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def file_stem(title: str, fallback: str = "draft") -> str:
    """A file-name-safe stem from a title, e.g. ``why-local-models-matter``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    return stem or fallback


def run_summary(result: DraftResult, first_token_after: float | None = None) -> str:
    """One caption line about the run: model, time, tokens and speed (queue time left out)."""
    totals = result.totals
    parts = [
        model_label(result.model, result.backend),
        f"{len(result.rounds)} round{'s' if len(result.rounds) != 1 else ''}",
        f"{totals.seconds:.1f} s of model time",
        f"{totals.completion_tokens} tokens at {totals.tokens_per_second:.0f} tok/s",
    ]
    if first_token_after is not None:
        parts.append(f"first token after {first_token_after:.1f} s")
    return " · ".join(parts)


def model_label(model: str, backend: str) -> str:
    """The one way the page names a run's model: its name, and where it runs."""
    where = "an OpenAI-compatible server" if backend == "openai" else "llama.cpp on this computer"
    return f"{model} ({where})"
