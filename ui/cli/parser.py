"""The command line's arguments: one parser, a subcommand each, errors in one line (exit code 2)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from core.request_limits import limits

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
