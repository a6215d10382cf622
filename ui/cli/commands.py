"""``runs``, ``show`` and ``models`` (with ``models pull``): the run store and the models, listed
on the terminal."""

from __future__ import annotations

import argparse
import sys

from core.errors import BadInputError
from core.settings import load_settings
from ui.cli.interrupts import DownloadInterrupted


def run_runs(args: argparse.Namespace) -> int:
    from rich.console import Console

    from graph.store import open_run_index
    from ui.cli.tables import runs_table

    with open_run_index(load_settings().data_dir) as index:
        runs = index.list()
    if not runs:
        print("no runs yet: start one with python cli.py draft TOPIC", file=sys.stderr)
        return 0
    Console(highlight=False, width=None if sys.stdout.isatty() else 140).print(runs_table(runs))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from graph.runner import load_result
    from ui.exports import render

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
