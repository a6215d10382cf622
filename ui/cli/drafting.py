"""``draft`` and ``resume``: render a run's events on the terminal, answer its pauses there, and
print or write the result."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from core.errors import DraftsmithError
from core.settings import Settings, load_settings
from ui.cli.interrupts import RunInterrupted, stop_on_ctrl_c
from ui.cli.options import check_output_path, format_from_suffix, make_request, resolve_model, settings_from

if TYPE_CHECKING:
    from core.result import DraftResult
    from ui.exports import ExportFormat


def run_draft(args: argparse.Namespace) -> int:
    from graph.assembly import search_tool
    from graph.runner import stream_draft

    request = make_request(args)
    check_output_path(args.out)
    settings = settings_from(args, resolve=False)
    search = search_tool(request, settings)  # a bad notes folder fails before a model download
    settings = resolve_model(settings)
    return drive(
        lambda stop: stream_draft(request, settings, search=search, should_stop=stop), settings, args
    )


def run_resume(args: argparse.Namespace) -> int:
    from graph.runner import pending_pause, resume_draft, run_snapshot
    from graph.store import run_info
    from ui.cli.pauses import answer_pause

    stored = run_info(load_settings().data_dir, args.run_id)
    settings = settings_from(args, stored.model_settings if stored else {})
    check_output_path(args.out)
    pause = pending_pause(run_snapshot(args.run_id, settings))
    answer = None
    if pause is not None:
        go, answer = answer_pause(pause, args.run_id)
        if not go:
            return 0
    return drive(
        lambda stop: resume_draft(args.run_id, settings, answer=answer, should_stop=stop),
        settings,
        args,
        args.run_id,
    )


def drive(
    start: Callable[[Callable[[], bool]], Iterator[Any]],
    settings: Settings,
    args: argparse.Namespace,
    run_id: str | None = None,
) -> int:
    """Render a run's events (``start(should_stop)`` begins them); answer pauses at the terminal
    and continue; write the result.

    Ctrl-C stops the step in flight and becomes ``RunInterrupted`` naming the run, once its id is
    known.
    """
    from graph.runner import resume_draft
    from ui.cli.pauses import answer_pause
    from ui.cli.progress import NullProgress, Progress

    progress = NullProgress() if args.quiet else Progress()
    result: DraftResult | None = None
    try:
        with stop_on_ctrl_c() as interrupted, progress:
            events: Iterator[Any] = start(interrupted)
            while True:
                pause = None
                for event in events:
                    progress.show(event)
                    if event.kind == "run_started":
                        run_id = event.run_id
                    elif event.kind == "done":
                        result = event.result
                    elif event.kind == "input_needed":
                        pause = event
                if pause is None:
                    break
                progress.pause()
                go, answer = answer_pause(pause.pause, pause.run_id)
                if not go:
                    return 0
                events = resume_draft(pause.run_id, settings, answer=answer, should_stop=interrupted)
    except KeyboardInterrupt:
        if run_id is None:
            raise
        raise RunInterrupted(run_id) from None
    if result is None:
        raise DraftsmithError("the run ended without a result")
    emit(result, args)
    return 0


def emit(result: DraftResult, args: argparse.Namespace) -> None:
    """Print and/or write the result in the chosen format."""
    from ui.exports import render, write_atomically

    fmt: ExportFormat = args.format or ("json" if args.json else format_from_suffix(args.out))
    text = render(result, fmt)
    if args.out is not None:
        write_atomically(args.out, text)
        if not args.quiet:
            print(f"wrote {args.out}", file=sys.stderr)
    if args.json and fmt != "json":
        print(render(result, "json"))
    elif args.out is None or args.json:
        print(text)
