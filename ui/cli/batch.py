"""``batch``: draft every topic of a file (``graph.batch``) and write each post to
``<out>/<slug>.md`` as soon as its topic ends; a failed topic (or file) never stops the others."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict

from core.batch import TopicOutcome
from core.errors import BadInputError, DraftsmithError
from core.settings import Settings
from ui.cli.options import settings_from

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from graph.batch import BatchOutcome


class Published(TopicOutcome):
    """One topic of a batch as the command line reports it: the post's file, or why there is none."""

    model_config = ConfigDict(frozen=True)

    path: str | None = None


def run_batch(args: argparse.Namespace) -> int:
    """Exit code 0 when every topic succeeded, 3 when some failed, 1 when all failed."""
    from rich.console import Console

    from graph.batch import read_topics
    from ui.cli.tables import batch_table

    if args.concurrency < 1 or args.concurrency > 32:
        raise BadInputError(f"invalid concurrency: {args.concurrency} (use 1-32)")
    try:
        topics = read_topics(args.topics.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(
            f"cannot read topics file {args.topics}: {exc} (give a UTF-8 text file)"
        ) from None
    if not topics:
        raise BadInputError(f"no topics in {args.topics} (write one topic per line)")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot create {args.out}: {exc.strerror} (pick another --out)") from None
    settings = settings_from(args)
    options = {
        key: value
        for key, value in {
            "rounds": args.rounds,
            "threshold": args.threshold,
            "words": args.words,
            "audience": args.audience,
            "tone": args.tone,
            "search": args.search,
            "sources_dir": str(args.sources) if args.sources else None,
        }.items()
        if value is not None
    }

    def report(outcome: Published) -> None:
        if args.quiet:
            return
        if outcome.status == "done":
            print(
                f"[line {outcome.line}] done in {outcome.seconds:.0f} s, score {outcome.score}: "
                f"{outcome.path}",
                file=sys.stderr,
            )
        else:
            print(f"[line {outcome.line}] failed: {outcome.error}", file=sys.stderr)

    started = time.monotonic()
    outcomes = draft_all(topics, options, settings, args.out, args.concurrency, on_published=report)
    Console(highlight=False, width=None if sys.stdout.isatty() else 140).print(batch_table(outcomes))
    failed = sum(outcome.status == "failed" for outcome in outcomes)
    minutes = (time.monotonic() - started) / 60
    print(f"{len(outcomes) - failed} of {len(outcomes)} drafted in {minutes:.1f} min", file=sys.stderr)
    return 0 if failed == 0 else 1 if failed == len(outcomes) else 3


def draft_all(
    topics: list[tuple[int, str]],
    options: dict[str, Any],
    settings: Settings,
    out_dir: Path,
    concurrency: int = 1,
    chat_model: BaseChatModel | None = None,
    on_published: Callable[[Published], None] | None = None,
) -> list[Published]:
    """Draft every topic and write each post to ``<out_dir>/<slug>.md`` as its topic ends (two
    topics with the same title get ``slug-2.md``...); return one outcome per topic, in order."""
    from graph.batch import run_batch

    used: set[str] = set()
    published: dict[int, Published] = {}

    def publish(outcome: BatchOutcome) -> None:  # graph.batch calls it one topic at a time
        post = write_post(outcome, out_dir, used)
        published[post.line] = post
        if on_published is not None:
            on_published(post)

    outcomes = run_batch(topics, options, settings, concurrency, chat_model, on_outcome=publish)
    return [published[outcome.line] for outcome in outcomes]


def write_post(outcome: BatchOutcome, out_dir: Path, used: set[str]) -> Published:
    """Write a done topic's post as Markdown with front matter; a file that cannot be written
    makes the topic fail with a one-line error."""
    from ui.exports import to_markdown, write_atomically

    failed = Published(
        line=outcome.line, topic=outcome.topic, status="failed", seconds=outcome.seconds, error=outcome.error
    )
    if outcome.result is None:
        return failed
    path = out_dir / f"{unique_name(outcome.result.packaging.slug, used)}.md"
    try:
        write_atomically(path, to_markdown(outcome.result))
    except DraftsmithError as exc:
        return failed.model_copy(update={"error": str(exc)})
    except Exception as exc:  # one topic's failure must not stop the batch
        return failed.model_copy(update={"error": f"unexpected failure: {exc}"})
    done = {"status": "done", "score": outcome.score, "path": str(path), "run_id": outcome.run_id}
    return failed.model_copy(update=done)


def unique_name(slug: str, used: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… when two topics get the same title."""
    name, number = slug, 1
    while name in used:
        number += 1
        name = f"{slug}-{number}"
    used.add(name)
    return name
