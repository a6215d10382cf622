"""Draftsmith on the command line.

    python cli.py draft "TOPIC" [options]   draft a post (progress on stderr, post on stdout or --out)
    python cli.py runs                      list past runs
    python cli.py show RUN_ID [--round N]   print a stored draft
    python cli.py resume RUN_ID             continue an interrupted, stopped or paused run
    python cli.py models [pull NAME]        list the models (the recommended one marked), or download one

Exit codes: 0 success, 2 bad input, 1 runtime failure (details in the log file it names),
130 interrupted (the run is checkpointed: resume it).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from core.errors import BadInputError, DraftsmithError
from core.request_limits import limits
from core.settings import Settings, describe_validation_error, load_settings

if TYPE_CHECKING:
    from core.result import DraftResult
    from exports import ExportFormat

BACKENDS = {"llamacpp": "llama_cpp", "openai": "openai"}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one line (exit code 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see: python {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="cli.py", description="Local-first multi-agent blog drafting.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    draft = commands.add_parser("draft", help="draft a blog post about TOPIC")
    draft.add_argument("topic", help="what the post is about")
    rounds, threshold, words, search = (limits(name) for name in ("rounds", "threshold", "words", "search"))
    post = draft.add_argument_group("the post")
    post.add_argument(
        "--rounds",
        type=int,
        default=rounds.default,
        help=f"maximum writing rounds, {rounds.span()} (default {rounds.default})",
    )
    post.add_argument(
        "--threshold",
        type=float,
        default=threshold.default,
        help=f"score {threshold.span()} that ends the loop (default {threshold.default:g})",
    )
    post.add_argument(
        "--audience", default=None, help=f"who reads it (default: {limits('audience').default})"
    )
    post.add_argument("--tone", default=None, help=f"e.g. '{limits('tone').default}' (default)")
    post.add_argument(
        "--words", type=int, default=words.default, help=f"target length in words (default {words.default})"
    )
    post.add_argument(
        "--voice",
        type=Path,
        action="append",
        default=None,
        metavar="FILE",
        help="a post you wrote, whose voice the writer imitates (repeatable)",
    )
    add_model_options(draft)
    research = draft.add_argument_group("research")
    research.add_argument(
        "--search", choices=search.choices, default=search.default, help=f"default: {search.default}"
    )
    research.add_argument(
        "--sources", type=Path, default=None, help="folder of your own .md/.txt/.html files"
    )
    steer = draft.add_argument_group("steering and budgets")
    steer.add_argument("--review-outline", action="store_true", help="pause to approve or edit the outline")
    steer.add_argument("--feedback", action="store_true", help="pause before each new round for your notes")
    steer.add_argument("--max-seconds", type=float, default=None, help="stop after this much agent time")
    steer.add_argument("--max-tokens", type=int, default=None, help="stop after this many generated tokens")
    add_output_options(draft)

    resume = commands.add_parser("resume", help="continue an interrupted, stopped or paused run")
    resume.add_argument("run_id")
    add_model_options(resume)
    add_output_options(resume)

    batch = commands.add_parser("batch", help="draft every topic in a file (one per line)")
    batch.add_argument("topics", type=Path, help="a text file, one topic per line (# starts a comment)")
    batch.add_argument("--out", type=Path, required=True, help="folder for the posts (created if missing)")
    batch.add_argument("--concurrency", type=int, default=1, help="runs at once (OpenAI-compatible backend)")
    batch.add_argument("--rounds", type=int, default=rounds.default)
    batch.add_argument("--threshold", type=float, default=threshold.default)
    batch.add_argument("--words", type=int, default=words.default)
    batch.add_argument("--audience", default=None)
    batch.add_argument("--tone", default=None)
    batch.add_argument("--search", choices=search.choices, default=search.default)
    batch.add_argument("--sources", type=Path, default=None)
    add_model_options(batch)
    batch.add_argument("--quiet", action="store_true", help="only the summary")

    commands.add_parser("runs", help="list past runs")
    models = commands.add_parser(
        "models", help="list the models --model can name, and GGUFs in the hub cache"
    )
    pulls = models.add_subparsers(dest="models_command", parser_class=OneLineParser)
    pull = pulls.add_parser("pull", help="download a model by name into the hub cache (resumes, verifies)")
    pull.add_argument("name", help="a model name, e.g. llama3.2-1b (list: python cli.py models)")
    show = commands.add_parser("show", help="print a stored draft")
    show.add_argument("run_id")
    show.add_argument("--round", type=int, default=None, help="that round's draft (default: the best)")
    show.add_argument("--format", choices=["md", "html", "json"], default="md")
    return parser


def add_model_options(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("the model")
    model.add_argument("--backend", choices=sorted(BACKENDS), default=None, help="default: llamacpp")
    model.add_argument(
        "--model",
        default=None,
        help="a .gguf file, a model name, e.g. llama3.2-1b (list: python cli.py models), or auto "
        "(default): a downloaded Llama 3, else the recommended one pulled from the hub, else embedded",
    )
    model.add_argument("--hf-repo", default=None, help="hub repository holding the .gguf (with --hf-file)")
    model.add_argument("--hf-file", default=None, help="the .gguf file name in --hf-repo")
    model.add_argument(
        "--base-url", default=None, help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1"
    )
    model.add_argument("--openai-model", default=None, help="model name on that server")
    model.add_argument(
        "--threads",
        default=None,
        help="CPU threads for llama.cpp: a number, or auto (default: the free CPUs)",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output")
    output.add_argument("--out", type=Path, default=None, help="write the post to this file")
    output.add_argument(
        "--format", choices=["md", "html", "json"], default=None, help="default: from --out, else md"
    )
    output.add_argument("--json", action="store_true", help="print the full result object as JSON")
    output.add_argument("--quiet", action="store_true", help="no progress display")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {
        "draft": run_draft,
        "resume": run_resume,
        "runs": run_runs,
        "models": run_models,
        "show": run_show,
        "batch": run_batch,
    }
    try:
        return commands[args.command](args)
    except DraftsmithError as exc:
        details = f" (details in {write_crash_log(exc)})" if exc.exit_code == 1 else ""
        print(f"error: {exc}{advice(exc)}{details}", file=sys.stderr)
        return exc.exit_code
    except DownloadInterrupted as exc:
        print(exc.hint, file=sys.stderr)
        return 130
    except KeyboardInterrupt as exc:
        print(interrupted_hint(getattr(exc, "run_id", None)), file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback on the terminal: log it, print one line
        print(f"error: unexpected failure: {exc} (details in {write_crash_log(exc)})", file=sys.stderr)
        return 1


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C while a model downloads: what is downloaded stays, and the next run resumes."""

    hint = "interrupted the model download; run the same command again to resume it where it stopped"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run whose id is known (the hint names it)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


def interrupted_hint(run_id: str | None) -> str:
    """What Ctrl-C leaves behind, in the command line's words (``RUN_ID`` when the id is unknown)."""
    return f"interrupted; the run is checkpointed: continue it with python cli.py resume {run_id or 'RUN_ID'}"


def advice(exc: DraftsmithError) -> str:
    """What to do next, in the command line's words (the core's messages carry none)."""
    from core.errors import (
        NoDraftYetError,
        NoNotesFolderError,
        RunFinishedError,
        RunNotFoundError,
        ServerUnreachableError,
    )

    if isinstance(exc, NoNotesFolderError):
        return ": pass --sources DIR"
    if isinstance(exc, ServerUnreachableError):
        return " (is it running? check --base-url)"
    if isinstance(exc, NoDraftYetError):
        return f"; continue it with: python cli.py resume {exc.run_id}"
    if isinstance(exc, RunNotFoundError):
        return " (list runs with: python cli.py runs)"
    if isinstance(exc, RunFinishedError):
        return f" (see it with: python cli.py show {exc.run_id})"
    return ""


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
    from terminal import answer_pause

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


def run_batch(args: argparse.Namespace) -> int:
    """Exit code 0 when every topic succeeded, 3 when some failed, 1 when all failed."""
    from rich.console import Console

    from graph import batch
    from terminal import batch_table

    if args.concurrency < 1 or args.concurrency > 32:
        raise BadInputError(f"invalid concurrency: {args.concurrency} (use 1-32)")
    try:
        topics = batch.read_topics(args.topics.read_text(encoding="utf-8"))
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

    def report(outcome: batch.BatchOutcome) -> None:
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
    outcomes = batch.run_batch(topics, options, settings, args.out, args.concurrency, on_outcome=report)
    Console(highlight=False, width=None if sys.stdout.isatty() else 140).print(batch_table(outcomes))
    failed = sum(outcome.status == "failed" for outcome in outcomes)
    minutes = (time.monotonic() - started) / 60
    print(f"{len(outcomes) - failed} of {len(outcomes)} drafted in {minutes:.1f} min", file=sys.stderr)
    return 0 if failed == 0 else 1 if failed == len(outcomes) else 3


def run_runs(args: argparse.Namespace) -> int:
    from rich.console import Console

    from graph.store import open_run_index
    from terminal import runs_table

    with open_run_index(load_settings().data_dir) as index:
        runs = index.list()
    if not runs:
        print("no runs yet: start one with python cli.py draft TOPIC", file=sys.stderr)
        return 0
    Console(highlight=False, width=None if sys.stdout.isatty() else 140).print(runs_table(runs))
    return 0


def run_models(args: argparse.Namespace) -> int:
    """List the presets (size, RAM need, recommended, downloaded or not) and other hub GGUFs."""
    from backends.model_files import hub_cache_dir, list_models, this_machine
    from backends.presets import format_size, recommend

    if args.models_command == "pull":
        return run_pull(args.name)
    machine = this_machine()
    rows = [("NAME", "MODEL", "SIZE", "RAM", "LOCAL COPY")]
    for entry in list_models(machine):
        where = str(entry.path) if entry.path else f"not downloaded (from {entry.repo})"
        ram = format_size(entry.ram_bytes) if entry.ram_bytes else "?"
        title = f"{entry.title} (recommended)" if entry.recommended else entry.title
        rows.append((entry.name, title, format_size(entry.size_bytes), ram, where))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    best = recommend(machine)
    free = format_size(machine.free_ram) if machine.free_ram is not None else "unknown memory"
    best_name = best.name if best else "the embedded model"
    pick = f"recommended here ({machine.cores} cores, {free} free): {best_name}"
    hint = "use --model NAME (default auto; other hub GGUFs: --hf-repo REPO --hf-file FILE)"
    print(f"{pick}; {hint}; hub cache: {hub_cache_dir()}", file=sys.stderr)
    return 0


def run_pull(name: str) -> int:
    """Download a preset into the hub cache with its size first and a progress bar; verify it."""
    import functools

    from backends.model_files import download_from_hub, hub_download
    from backends.presets import find_preset, preset_names
    from graph.assembly import pull_line

    preset = find_preset(name)
    if preset is None:
        raise BadInputError(f"unknown model {name!r}: pull one of {', '.join(preset_names()[1:])}")
    if preset.embedded:
        print(f"{preset.name} ships with the app: nothing to download", file=sys.stderr)
        return 0
    settings = load_settings()
    say = functools.partial(print, file=sys.stderr)
    download = functools.partial(
        hub_download, timeout=settings.hub_timeout, on_start=lambda file: say(pull_line(preset, file))
    )
    try:
        path = download_from_hub(preset.repo, preset.filename, download)
    except KeyboardInterrupt:
        raise DownloadInterrupted from None
    say(f"{preset.name} is downloaded: {path}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from exports import render
    from graph.runner import load_result

    result = load_result(args.run_id, load_settings())
    if args.round is None:
        print(render(result, args.format))
        return 0
    record = next((r for r in result.rounds if r.round == args.round), None)
    if record is None:
        done = ", ".join(str(r.round) for r in result.rounds)
        raise BadInputError(f"run {args.run_id} has no round {args.round} (rounds: {done})")
    print(record.markdown)
    return 0


@contextmanager
def stop_on_ctrl_c() -> Iterator[Callable[[], bool]]:
    """For the block, Ctrl-C also tells the run to stop (the stop check yielded), so the step in
    flight ends at once (a generation is cut, in process or on a server) instead of running to
    its end while the interrupt waits for it; the ``KeyboardInterrupt`` is raised as before."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    pressed = threading.Event()

    def interrupt(signum: int, frame: Any) -> None:
        pressed.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


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
    from terminal import NullProgress, Progress, answer_pause

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
    from exports import render, write_atomically

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


def settings_from(
    args: argparse.Namespace, stored: dict[str, Any] | None = None, *, resolve: bool = True
) -> Settings:
    """Settings from the environment, a resumed run's model settings, then the flags given.

    With ``resolve`` the model is resolved here (:func:`resolve_model`), before any run display
    starts: ``auto`` (the default) and a model named by ``--model`` that is not in the hub cache
    yet download here, with a progress bar.
    """
    from backends.model_files import model_overrides

    flags = {
        "backend": BACKENDS.get(args.backend) if args.backend else None,
        "hf_repo": args.hf_repo,
        "hf_file": args.hf_file,
        "base_url": args.base_url,
        "openai_model": args.openai_model,
        "n_threads": args.threads,
    }
    given = {key: value for key, value in flags.items() if value is not None}
    if args.model:
        if args.hf_repo or args.hf_file:
            raise BadInputError("give either --model or --hf-repo/--hf-file, not both")
        named = ("model", "model_path", "hf_repo", "hf_file")
        stored = {k: v for k, v in (stored or {}).items() if k not in named}
        given |= model_overrides(args.model)
    settings = load_settings(**{**(stored or {}), **given})
    return resolve_model(settings) if resolve else settings


def resolve_model(settings: Settings) -> Settings:
    """Settings naming one model file: ``auto`` resolved (a pull shows its size, then the hub
    client's progress bar; a fallback says so in one line), a named hub model downloaded.

    Raises:
        DownloadInterrupted: Ctrl-C during a download (the next run resumes it).
        ModelFileError: the named model cannot be found or fetched (one line).
    """
    from backends.model_files import resolve_model_file
    from graph.assembly import choose_model

    if settings.backend != "llama_cpp":
        return settings
    try:
        choice = choose_model(settings, on_start=lambda line: print(line, file=sys.stderr))
        notice = choice.notice()
        if notice:
            print(f"note: {notice}", file=sys.stderr)
        resolve_model_file(choice.settings)
    except KeyboardInterrupt:
        raise DownloadInterrupted from None
    return choice.settings


def make_request(args: argparse.Namespace) -> Any:
    from core.state import DraftRequest

    given = {
        "topic": args.topic,
        "audience": args.audience,
        "tone": args.tone,
        "words": args.words,
        "rounds": args.rounds,
        "threshold": args.threshold,
        "search": args.search,
        "sources_dir": str(args.sources) if args.sources else None,
        "review_outline": args.review_outline,
        "ask_feedback": args.feedback,
        "max_seconds": args.max_seconds,
        "max_tokens": args.max_tokens,
        "voice_sample": read_voice_sample(args.voice) if args.voice else None,
    }
    try:
        return DraftRequest(**{key: value for key, value in given.items() if value is not None})
    except ValidationError as exc:
        raise BadInputError(describe_validation_error(exc)) from None


def read_voice_sample(paths: list[Path], limit: int | None = limits("voice_sample").max_length) -> str:
    """The author's sample posts as one plain-text excerpt (headings and control characters dropped)."""
    texts = []
    for path in paths:
        try:
            raw = path.expanduser().read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInputError(f"voice sample not found: {path} (check the path)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"cannot read voice sample {path}: {exc} (give a UTF-8 text file)") from None
        lines = [line for line in raw.splitlines() if not line.lstrip().startswith(("#", "---"))]
        texts.append(" ".join(" ".join(lines).split()))
    sample = " ".join(text for text in texts if text)
    sample = "".join(ch for ch in sample if ch.isprintable())[:limit]
    if not sample:
        raise BadInputError(f"the voice sample {paths[0]} has no text (give a post you wrote)")
    return sample


def format_from_suffix(out: Path | None) -> ExportFormat:
    suffix = out.suffix.lower() if out else ""
    formats: dict[str, ExportFormat] = {".html": "html", ".htm": "html", ".json": "json"}
    return formats.get(suffix, "md")


def check_output_path(out: Path | None) -> None:
    """Fail before the run, not after it, when the output cannot be written."""
    import os

    if out is None:
        return
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


if __name__ == "__main__":
    sys.exit(main())
