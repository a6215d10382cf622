"""Draftsmith on the command line: ``python cli.py draft "TOPIC" [options]``.

Exit codes: 0 success, 2 bad input, 1 runtime failure (details in the log file it names),
130 interrupted. Progress goes to stderr; the post (or ``--json``) goes to stdout or ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from errors import BadInputError, DraftsmithError
from settings import describe_validation_error, load_settings

if TYPE_CHECKING:
    from exports import ExportFormat

BACKENDS = {"llamacpp": "llama_cpp", "openai": "openai"}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one line (exit code 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see: python cli.py {self.prog.split()[-1]} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="cli.py", description="Local-first multi-agent blog drafting.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    draft = commands.add_parser("draft", help="draft a blog post about TOPIC")
    draft.add_argument("topic", help="what the post is about")
    post = draft.add_argument_group("the post")
    post.add_argument("--rounds", type=int, default=3, help="maximum writing rounds, 1-5 (default 3)")
    post.add_argument(
        "--threshold", type=float, default=8.0, help="overall score 1-10 that ends the loop (default 8)"
    )
    post.add_argument("--audience", default=None, help="who reads it (default: curious general readers)")
    post.add_argument("--tone", default=None, help="e.g. 'friendly and clear' (default)")
    post.add_argument("--words", type=int, default=600, help="target length in words (default 600)")
    model = draft.add_argument_group("the model")
    model.add_argument("--backend", choices=sorted(BACKENDS), default=None, help="default: llamacpp")
    model.add_argument(
        "--model", type=Path, default=None, help="a .gguf file (default: embedded SmolLM2-135M)"
    )
    model.add_argument("--hf-repo", default=None, help="hub repository holding the .gguf (with --hf-file)")
    model.add_argument("--hf-file", default=None, help="the .gguf file name in --hf-repo")
    model.add_argument(
        "--base-url", default=None, help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1"
    )
    model.add_argument("--openai-model", default=None, help="model name on that server")
    model.add_argument("--threads", type=int, default=None, help="CPU threads for llama.cpp")
    research = draft.add_argument_group("research")
    research.add_argument(
        "--search", choices=["auto", "web", "local", "off"], default="auto", help="default: auto"
    )
    research.add_argument(
        "--sources", type=Path, default=None, help="folder of your own .md/.txt/.html sources"
    )
    output = draft.add_argument_group("output")
    output.add_argument("--out", type=Path, default=None, help="write the post to this file")
    output.add_argument(
        "--format", choices=["md", "html", "json"], default=None, help="default: from --out, else md"
    )
    output.add_argument("--json", action="store_true", help="print the full result object as JSON")
    output.add_argument("--quiet", action="store_true", help="no progress display")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "draft":
            return run_draft(args)
    except DraftsmithError as exc:
        details = f" (details in {write_crash_log(exc)})" if exc.exit_code == 1 else ""
        print(f"error: {exc}{details}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback on the terminal: log it, print one line
        log = write_crash_log(exc)
        print(f"error: unexpected failure: {exc} (details in {log})", file=sys.stderr)
        return 1
    return 2


def run_draft(args: argparse.Namespace) -> int:
    from exports import render, write_atomically
    from graph.runner import stream_draft

    settings = load_settings(
        backend=BACKENDS.get(args.backend) if args.backend else None,
        model_path=args.model,
        hf_repo=args.hf_repo,
        hf_file=args.hf_file,
        base_url=args.base_url,
        openai_model=args.openai_model,
        n_threads=args.threads,
    )
    request = make_request(args)
    fmt: ExportFormat = args.format or ("json" if args.json else format_from_suffix(args.out))
    if args.out is not None:
        check_output_path(args.out)
    progress = NullProgress() if args.quiet else Progress()
    result = None
    with progress:
        for event in stream_draft(request, settings):
            progress.show(event)
            if event.kind == "done":
                result = event.result
    if result is None:
        raise DraftsmithError("the run ended without a result")
    text = render(result, fmt)
    if args.out is not None:
        write_atomically(args.out, text)
        if not args.quiet:
            print(f"wrote {args.out}", file=sys.stderr)
    if args.json and fmt != "json":
        print(render(result, "json"))
    elif args.out is None or args.json:
        print(text)
    return 0


def make_request(args: argparse.Namespace) -> Any:
    from graph.state import DraftRequest

    given = {
        "topic": args.topic,
        "audience": args.audience,
        "tone": args.tone,
        "words": args.words,
        "rounds": args.rounds,
        "threshold": args.threshold,
        "search": args.search,
        "sources_dir": str(args.sources) if args.sources else None,
    }
    try:
        return DraftRequest(**{key: value for key, value in given.items() if value is not None})
    except ValidationError as exc:
        raise BadInputError(describe_validation_error(exc)) from None


def format_from_suffix(out: Path | None) -> ExportFormat:
    suffix = out.suffix.lower() if out else ""
    formats: dict[str, ExportFormat] = {".html": "html", ".htm": "html", ".json": "json"}
    return formats.get(suffix, "md")


def check_output_path(out: Path) -> None:
    """Fail before the run, not after it, when the output cannot be written."""
    import os

    folder = out.expanduser().parent
    if not folder.is_dir():
        raise BadInputError(
            f"cannot write {out}: folder {folder} does not exist (create it or pick another --out)"
        )
    if out.is_dir():
        raise BadInputError(f"cannot write {out}: it is a directory (give a file name)")
    if not os.access(folder, os.W_OK):
        raise BadInputError(f"cannot write {out}: folder {folder} is not writable (pick another --out)")


def write_crash_log(exc: BaseException) -> Path:
    """Append the traceback to the log file in the data directory and return its path."""
    try:
        folder = load_settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except (DraftsmithError, OSError):
        folder = Path(".")
    path = folder / "draftsmith.log"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{stamp} run failed\n{''.join(traceback.format_exception(exc))}\n")
    return path.resolve()


class NullProgress:
    """Progress display that shows nothing (``--quiet``)."""

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, event: Any) -> None:
        return None


class Progress:
    """A live status line on stderr: round, agent, tokens/s, elapsed; a log line per finished step."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)
        self.status: Any = None
        self.started = time.monotonic()
        self.max_rounds = 1
        self.agent, self.round, self.tokens, self.agent_started = "starting", 1, 0, time.monotonic()

    def __enter__(self) -> Progress:
        self.status = self.console.status("loading the model…")
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.__exit__(*exc)

    def show(self, event: Any) -> None:
        kind = event.kind
        if kind == "run_started":
            self.max_rounds = event.max_rounds
            self.console.print(f"run {event.run_id} · {event.backend} · {event.model}")
        elif kind == "agent_started":
            self.agent, self.round, self.tokens, self.agent_started = (
                event.agent,
                event.round,
                0,
                time.monotonic(),
            )
        elif kind == "token":
            self.tokens += 1
        elif kind == "agent_finished":
            rate = event.completion_tokens / event.seconds if event.seconds else 0.0
            self.console.print(
                f"  round {event.round}  {event.agent:<10} {event.seconds:6.1f} s  "
                f"{event.completion_tokens:5d} tokens  {rate:5.0f} tok/s"
            )
        elif kind == "round_scored":
            self.console.print(
                f"[bold]round {event.round} scored {event.overall:.1f}/10[/] ({event.words} words)"
            )
        elif kind == "warning":
            self.console.print(f"[yellow]warning:[/] {event.message}")
        elif kind == "done":
            result = event.result
            flag = " · research degraded" if result.degraded else ""
            self.console.print(
                f"[green]done[/] in {time.monotonic() - self.started:.0f} s · best round {result.best_round} "
                f"scored {result.score:.1f}/10 · {result.totals.completion_tokens} tokens{flag}"
            )
        self._refresh()

    def _refresh(self) -> None:
        elapsed = time.monotonic() - self.started
        in_agent = time.monotonic() - self.agent_started
        rate = self.tokens / in_agent if in_agent > 0 else 0.0
        self.status.update(
            f"round {self.round}/{self.max_rounds} · {self.agent} · {rate:.0f} tok/s · {elapsed:.0f} s"
        )


if __name__ == "__main__":
    sys.exit(main())
