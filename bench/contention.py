"""``python -m bench.run --contention N``: one draft idle, next to 1..N CPU-bound burners, and as
two Draftsmith processes drafting at once; wall time, tokens/s and their ratios to idle.

Everything runs in one bench run, so the ratios compare runs minutes apart on the same machine.
"before" runs repeat idle and one burner with the old behaviour (every CPU as a thread,
libgomp's default spin) for comparison; a 1-thread idle run measures the floor for one burner
(no thread policy beats one thread on the one free core). Each burner is a process that stops itself after
``BURN_LIMIT`` seconds; the bench also ends it as soon as its draft is done.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.pipeline import Scenario
from bench.run import OFF_TOPIC, machine_info, save
from bench.tables import record_table
from bench.workers import ROOT, run_worker, wait_for_idle

BURN_LIMIT = 900  # seconds a burner may live even if the bench dies
BURNER = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"
BEFORE_ENV = {"GOMP_SPINCOUNT": "300000"}  # libgomp's own default, set so ours does not apply
# One thread on an idle machine: what one burner leaves at best (a free core), so its wall time
# over idle's is the floor for the 1-burner ratio, whatever the thread policy.
FLOOR = "floor: 1 thread, idle"


@contextmanager
def burners(count: int, seconds: float = BURN_LIMIT) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` CPU-bound processes, each ending itself after ``seconds`` (and here on exit)."""
    code = BURNER.format(seconds=seconds)
    started = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        time.sleep(0.5 if started else 0.0)  # already busy when the draft starts
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=10)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the workers started inside the block."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def draft_spec(args: argparse.Namespace, workdir: Path, name: str, threads: Any) -> dict[str, Any]:
    """A one-round, search-off draft (the same draft in every run)."""
    scenario = Scenario(name=name, topic=OFF_TOPIC, rounds=1, words=args.words, threshold=10.0)
    settings = {"data_dir": str(workdir / name.replace(":", "_")), "n_threads": threads}
    return {
        "kind": "draft",
        "name": name,
        "settings": settings,
        "scenario": scenario.model_dump(),
        "replay": False,
    }


def summarise_run(run: dict[str, Any], label: str, burners: int) -> dict[str, Any]:
    """The numbers one run contributes: wall time, generated tokens, tokens/s, other load."""
    tokens = int(run["result"]["totals"]["completion_tokens"])
    wall = float(run["wall_seconds"])
    perf = run.get("perf") or {}
    decode = perf.get("decode_tokens", 0) / (perf["decode_ms"] / 1000) if perf.get("decode_ms") else None
    return {
        "label": label,
        "burners": burners,
        "wall_seconds": round(wall, 1),
        "tokens": tokens,
        "tokens_per_second": round(tokens / wall, 1) if wall else 0.0,
        "decode_tokens_per_second": round(decode, 1) if decode else None,  # llama.cpp's own count
        "other_cpu_cores": run.get("other_cpu_cores"),
    }


def run_pair(specs: list[dict[str, Any]], workdir: Path) -> list[dict[str, Any]]:
    """Run the specs' drafts at the same time, each in its own process."""
    results: list[Any] = [None] * len(specs)

    def work(index: int) -> None:
        try:
            results[index] = run_worker(specs[index], workdir)
        except RuntimeError as exc:
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(specs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def quiet(args: argparse.Namespace) -> str:
    """With ``--wait-idle S``, wait up to S seconds for other programs to leave the CPU quiet
    (under 0.3 cores) before the next run; say how long it waited."""
    waited = wait_for_idle(args.wait_idle) if getattr(args, "wait_idle", 0.0) else 0.0
    return f" (waited {waited:g} s for a quiet CPU)" if waited else ""


def run_contention(args: argparse.Namespace, workdir: Path, progress: Any) -> dict[str, Any]:
    """All contention runs; returns ``{"runs": [...], "pair": [...], "ratios": {...}}``."""
    auto = args.threads or "auto"
    before_threads = os.cpu_count() or 1
    plan: list[tuple[str, int, Any, dict[str, str]]] = [("idle", 0, auto, {}), (FLOOR, 0, 1, {})]
    plan.append(("before: idle", 0, before_threads, BEFORE_ENV))
    plan += [(f"{n} burner{'s' if n > 1 else ''}", n, auto, {}) for n in range(1, args.contention + 1)]
    plan.append(("before: 1 burner", 1, before_threads, BEFORE_ENV))
    runs: list[dict[str, Any]] = []
    for label, count, threads, env in plan:
        progress(f"contention: {label}{quiet(args)}")
        spec = draft_spec(args, workdir, f"contention:{len(runs)}", threads)
        with environment(env), burners(count):
            runs.append(summarise_run(run_worker(spec, workdir), label, count))
    progress(f"contention: two Draftsmith processes at once{quiet(args)}")
    pair_specs = [draft_spec(args, workdir, f"contention:pair-{i}", auto) for i in (1, 2)]
    pair = [summarise_run(run, f"process {i + 1}", 0) for i, run in enumerate(run_pair(pair_specs, workdir))]
    progress(f"contention: idle again{quiet(args)}")
    spec = draft_spec(args, workdir, "contention:idle-end", auto)
    runs.append(summarise_run(run_worker(spec, workdir), "idle (again, at the end)", 0))
    return {"runs": runs, "pair": pair, "ratios": ratios(runs, pair)}


def ratios(runs: list[dict[str, Any]], pair: list[dict[str, Any]]) -> dict[str, Any]:
    """Wall time and tokens/s against idle (the mean of the two idle runs), the 1-burner floor
    (the 1-thread idle run's wall × idle), and the pair's combined tokens/s (all tokens over the
    longer of the two walls) against one process alone."""
    idle_runs = [run for run in runs if run["label"].startswith("idle")]
    idle_wall = sum(run["wall_seconds"] for run in idle_runs) / len(idle_runs)
    idle_rate = sum(run["tokens_per_second"] for run in idle_runs) / len(idle_runs)
    for run in runs:
        run["wall_vs_idle"] = round(run["wall_seconds"] / idle_wall, 2)
        run["rate_vs_idle"] = round(run["tokens_per_second"] / idle_rate, 2)
    combined = sum(run["tokens"] for run in pair) / max(run["wall_seconds"] for run in pair)
    floor = [run["wall_vs_idle"] for run in runs if run["label"] == FLOOR]
    return {
        "idle_wall_seconds": round(idle_wall, 1),
        "idle_walls": [run["wall_seconds"] for run in idle_runs],
        "idle_tokens_per_second": round(idle_rate, 1),
        "one_burner_floor": floor[0] if floor else None,
        "pair_combined_tokens_per_second": round(combined, 1),
        "pair_vs_one_alone": round(combined / idle_rate, 2),
    }


# The summary table's headers and the keys of a summarised run they show.
COLUMNS = {
    "run": "label",
    "burners": "burners",
    "wall s": "wall_seconds",
    "tokens": "tokens",
    "tok/s": "tokens_per_second",
    "decode tok/s": "decode_tokens_per_second",
    "wall × idle": "wall_vs_idle",
    "tok/s × idle": "rate_vs_idle",
    "other": "other_cpu_cores",
}


def render(contention: dict[str, Any]) -> str:
    """The markdown summary."""
    pair = [
        {**run, "label": f"two at once: {run['label']}", "wall_vs_idle": "", "rate_vs_idle": ""}
        for run in contention["pair"]
    ]
    records = [{header: run[key] for header, key in COLUMNS.items()} for run in [*contention["runs"], *pair]]
    r = contention["ratios"]
    lines = [
        "## Contention (one-round draft, search off)",
        "",
        record_table(records),
        "",
        f"Two processes at once: {r['pair_combined_tokens_per_second']} tok/s combined "
        f"= {r['pair_vs_one_alone']} × one alone ({r['idle_tokens_per_second']} tok/s).",
        f"Idle runs: {' and '.join(f'{wall} s' for wall in r['idle_walls'])}; the best one burner "
        f"allows (1 thread on a free core): {r['one_burner_floor']} × idle.",
        "other: CPU cores other processes used during the run, the burners (and, for the pair, the other "
        "Draftsmith process) included. decode tok/s: llama.cpp's own count (generation only).",
    ]
    return "\n".join(lines)


def contention_main(args: argparse.Namespace, progress: Any) -> int:
    """Run the contention bench, print its summary and save ``bench/results/<timestamp>.json``."""
    if args.contention < 1:
        raise SystemExit("--contention needs at least 1 burner")
    document: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine_info(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "args": {
            "contention": args.contention,
            "words": args.words,
            "threads": args.threads,
            "wait_idle": getattr(args, "wait_idle", 0.0),
        },
    }
    with tempfile.TemporaryDirectory(prefix="draftsmith-bench-") as workdir:
        document["contention"] = run_contention(args, Path(workdir), progress)
    document["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    markdown = render(document["contention"])
    path = save(document, markdown, args.out_dir)
    print(markdown)
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0
