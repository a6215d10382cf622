"""A round's edits word by word: the diff, its one-line summary and the redline markdown. No Streamlit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from ui.web.render import escape_markdown

Change = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class Piece:
    """A run of words in a redline line."""

    change: Change
    text: str


def _words(text: str) -> list[str]:
    """Words, with a ``\n`` token at the end of every line (paragraphs stay apart)."""
    return [token for line in text.splitlines() for token in [*line.split(), "\n"]]


def word_diff(previous: str, current: str) -> list[list[Piece]]:
    """The current round's text, line by line, with removed and added words marked."""
    old, new = _words(previous), _words(current)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    lines: list[list[Piece]] = [[]]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        runs: list[tuple[Change, list[str]]] = (
            [("same", new[j1:j2])] if tag == "equal" else [("removed", old[i1:i2]), ("added", new[j1:j2])]
        )
        for change, tokens in runs:
            _add_tokens(lines, change, tokens)
    return [line for line in lines if line]


def _add_tokens(lines: list[list[Piece]], change: Change, tokens: list[str]) -> None:
    words: list[str] = []
    for token in [*tokens, None]:
        if token is None or token == "\n":
            if words:
                lines[-1].append(Piece(change, " ".join(words)))
                words = []
            if token == "\n":
                lines.append([])
        else:
            words.append(token)


def words_changed(previous: str, current: str) -> int:
    """How many words a reviser changed: per edit, the larger of the words removed and added."""
    old, new = previous.split(), current.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def diff_summary(previous: str, current: str) -> str:
    """A short summary of a round's edits, e.g. ``12 words changed · +85 words``."""
    changed = words_changed(previous, current)
    if changed == 0:
        return "no words changed"
    delta = len(current.split()) - len(previous.split())
    length = f" · {delta:+d} word{'s' if abs(delta) != 1 else ''}" if delta else " · same length"
    return f"{changed} word{'s' if changed != 1 else ''} changed{length}"


def redline(previous: str, current: str) -> str:
    """Markdown of the changed lines, removed words struck through in red and added ones in green;
    runs of unchanged lines are folded into a one-line note. Every word is escaped."""
    blocks: list[str] = []
    unchanged = 0
    for line in word_diff(previous, current):
        if all(piece.change == "same" for piece in line):
            unchanged += 1
            continue
        if unchanged:
            blocks.append(_folded(unchanged))
            unchanged = 0
        blocks.append(" ".join(_marked(piece) for piece in line))
    if unchanged and blocks:
        blocks.append(_folded(unchanged))
    return "\n\n".join(blocks)


def _folded(count: int) -> str:
    return f":gray[_… {count} unchanged line{'s' if count != 1 else ''} …_]"


def _marked(piece: Piece) -> str:
    text = escape_markdown(piece.text)
    if piece.change == "removed":
        return f":red-background[~~{text}~~]"
    if piece.change == "added":
        return f":green-background[{text}]"
    return text
