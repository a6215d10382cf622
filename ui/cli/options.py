"""The flags turned into what a run needs: settings (with the model resolved, downloaded if
need be), the draft request, the voice sample, and the output checked before the run starts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from core.errors import BadInputError
from core.request_limits import limits
from core.settings import Settings, describe_validation_error, load_settings
from ui.cli.interrupts import DownloadInterrupted
from ui.cli.parser import BACKENDS

if TYPE_CHECKING:
    from ui.exports import ExportFormat


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
