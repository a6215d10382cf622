"""``python -m bench.run``: engine ceiling vs full drafts on the embedded model, as numbers.

Every scenario runs in its own subprocess, so peak RSS (``os.wait4``'s per-child rusage) and
timings do not mix; runs use a temporary data dir (the user's run store is never touched).
Results go to ``bench/results/<timestamp>.json`` (+ ``.md``); the markdown summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report
from bench.pipeline import Scenario

ROOT = Path(__file__).resolve().parent.parent
TOPICS_DIR = Path(__file__).resolve().parent / "topics"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_TOPIC = "sourdough-starter"
OFF_TOPIC = "Why local language models matter for writers"
IDLE_CORES = 0.3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (``--worker`` is internal: one scenario in this process)."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per draft (1-5)")
    parser.add_argument("--words", type=int, default=600, help="target words per draft")
    parser.add_argument("--quick", action="store_true", help="1 round, 300 words, short engine test")
    parser.add_argument("--scaling", action="store_true", help="add 1/5 rounds and 300/1200 words")
    parser.add_argument("--topic", default=DEFAULT_TOPIC, help="bench topic folder for the grounded run")
    parser.add_argument("--all-topics", action="store_true", help="a grounded run on every bench topic")
    parser.add_argument("--grounded-only", action="store_true", help="skip the search-off draft")
    parser.add_argument(
        "--topics-dir",
        type=Path,
        default=TOPICS_DIR,
        help="folder of topic folders (topic.txt, sources/, reference.md), e.g. held-out topics",
    )
    parser.add_argument("--threads", help="llama.cpp threads, a number or auto (default: settings)")
    parser.add_argument(
        "--model",
        type=Path,
        help="any GGUF file to measure (default: the embedded model or DRAFTSMITH_MODEL_PATH)",
    )
    parser.add_argument(
        "--no-grammar", action="store_true", help="skip grammar-constrained vs free generation speed"
    )
    parser.add_argument(
        "--contention", type=int, metavar="N", help="only the busy-CPU runs: idle, 1..N burners, two at once"
    )
    parser.add_argument("--threshold", type=float, default=10.0, help="score that ends a draft early")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine ceiling")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the one-prompt baseline beside each grounded draft"
    )
    parser.add_argument(
        "--no-replay", action="store_true", help="skip replaying each draft's model calls raw on llama.cpp"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="S",
        help="wait up to S seconds for a quiet CPU per run",
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.model is not None and not args.model.is_file():
        parser.error(f"--model {args.model}: no such file (give a .gguf model file)")
    if args.quick:
        args.rounds, args.words = 1, 300
    return args


# --- scenarios ----------------------------------------------------------------------------


def load_topic(slug: str, topics_dir: Path = TOPICS_DIR) -> Scenario:
    """A grounded scenario from ``<topics_dir>/<slug>``: topic.txt, sources/, reference.md."""
    folder = topics_dir / slug
    reference = folder / "reference.md"
    return Scenario(
        name=f"sources:{slug}",
        topic=(folder / "topic.txt").read_text(encoding="utf-8").strip().splitlines()[0],
        search="local",
        sources_dir=str(folder / "sources"),
        reference=reference.read_text(encoding="utf-8") if reference.exists() else None,
    )


def topic_slugs(topics_dir: Path = TOPICS_DIR) -> list[str]:
    """Every topic folder (one with a topic.txt) in ``topics_dir``."""
    return sorted(p.name for p in topics_dir.iterdir() if (p / "topic.txt").exists())


def build_scenarios(args: argparse.Namespace) -> list[Scenario]:
    """The drafts to run: search off, grounded topic(s), and the scaling grid."""
    base = {"rounds": args.rounds, "words": args.words, "threshold": args.threshold}
    scenarios = [] if args.grounded_only else [Scenario(name="search-off", topic=OFF_TOPIC, **base)]
    for slug in topic_slugs(args.topics_dir) if args.all_topics else [args.topic]:
        scenarios.append(load_topic(slug, args.topics_dir).model_copy(update=base))
    if args.scaling:
        grid = [(1, args.words), (5, args.words), (args.rounds, 300), (args.rounds, 1200)]
        for rounds, words in grid:
            if (rounds, words) != (args.rounds, args.words):
                scenarios.append(
                    Scenario(
                        name=f"scaling:r{rounds}-w{words}",
                        topic=OFF_TOPIC,
                        rounds=rounds,
                        words=words,
                        threshold=args.threshold,
                    )
                )
    return scenarios


# --- subprocess workers -------------------------------------------------------------------


def cpu_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (``/proc/stat``), None where unavailable."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(timeout: float, busy_cores: float = IDLE_CORES, window: float = 2.0) -> float:
    """Wait until other processes use under ``busy_cores`` CPUs (over ``window`` seconds) or
    ``timeout`` passes; return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_busy_seconds()
        time.sleep(window)
        after = cpu_busy_seconds()
        if before is None or after is None or (after - before) / window < busy_cores:
            break
    return round(time.monotonic() - started, 1)


def run_worker(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one scenario in a child process; add its wall time, peak RSS and the machine's load.

    ``other_cpu_cores``: CPU used by other processes during the run (cores on average) — the
    contention that makes numbers noisy on a shared machine.
    """
    name = spec["name"].replace(":", "_")
    spec_path, out_path, log_path = (workdir / f"{name}.{ext}" for ext in ("spec.json", "out.json", "log"))
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    command = [sys.executable, "-m", "bench.run", "--worker", str(spec_path), "--out", str(out_path)]
    load_before, busy_before, started = os.getloadavg(), cpu_busy_seconds(), time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall, busy_after = time.perf_counter() - started, cpu_busy_seconds()
    if process.returncode != 0 or not out_path.exists():
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"scenario {spec['name']} failed (exit {process.returncode}):\n{tail}")
    child_cpu = usage.ru_utime + usage.ru_stime
    data: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    data.update(
        name=spec["name"],
        process_seconds=round(wall, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        cpu_seconds=round(child_cpu, 2),
        other_cpu_cores=_other_cores(busy_before, busy_after, child_cpu, wall),
        load_before=[round(x, 2) for x in load_before],
        load_after=[round(x, 2) for x in os.getloadavg()],
    )
    return data


def _other_cores(before: float | None, after: float | None, own: float, wall: float) -> float | None:
    if before is None or after is None or wall <= 0:
        return None
    return round(max(0.0, after - before - own) / wall, 2)


def worker_main(spec_path: Path, out_path: Path) -> int:
    """Child side: run the scenario the spec names and write its JSON."""
    from core.settings import load_settings

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    settings = load_settings(**spec["settings"])
    if spec["kind"] == "engine":
        from bench.engine import measure_engine

        data: dict[str, Any] = {"engine": measure_engine(settings, **spec["engine"]).model_dump()}
    elif spec["kind"] == "grammar":
        from bench.speed import measure_grammar

        data = {"grammar": measure_grammar(settings, **spec["grammar"])}
    elif spec["kind"] == "one-prompt":
        from bench.baseline import run_one_prompt

        scenario = Scenario.model_validate(spec["scenario"])
        data = {"scenario": scenario.model_dump(), "baseline": run_one_prompt(scenario, settings)}
        data["reference"] = scenario.reference
    else:
        from bench.pipeline import run_scenario

        scenario = Scenario.model_validate(spec["scenario"])
        replay = spec.get("replay", True)
        data = {"scenario": scenario.model_dump(), **run_scenario(scenario, settings, replay_work=replay)}
        data["reference"] = scenario.reference
    data["settings"] = _settings_summary(settings)
    out_path.write_text(json.dumps(data), encoding="utf-8")
    return 0


def _settings_summary(settings: Any) -> dict[str, Any]:
    fields = ("n_ctx", "n_threads", "n_batch", "max_tokens", "temperature", "top_p", "repeat_penalty", "seed")
    summary = {field: getattr(settings, field) for field in fields}
    return {"model_path": str(settings.model_path) if settings.model_path else None, **summary}


# --- the whole benchmark ------------------------------------------------------------------


def engine_spec(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    """The engine-ceiling worker's spec (shorter under ``--quick``)."""
    sizes = {"gen_tokens": 100, "prompt_tokens": 500, "repeats": 1} if args.quick else {}
    return {"kind": "engine", "name": "engine", "settings": settings, "engine": sizes}


def specs_for(args: argparse.Namespace, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Worker specs: the engine ceiling first (unless skipped), then every draft scenario."""
    specs = [] if args.no_engine else [engine_spec(args, settings)]
    if not args.no_grammar:
        sizes = {"tokens": 80, "repeats": 1} if args.quick else {}
        specs.append({"kind": "grammar", "name": "grammar", "settings": settings, "grammar": sizes})
    for scenario in build_scenarios(args):
        specs.append(
            {
                "kind": "draft",
                "name": scenario.name,
                "settings": settings,
                "scenario": scenario.model_dump(),
                "replay": not args.no_replay,
            }
        )
        if scenario.sources_dir and not args.no_baseline:
            slug = scenario.name.split(":", 1)[-1]
            specs.append(
                {
                    "kind": "one-prompt",
                    "name": f"one-prompt:{slug}",
                    "settings": settings,
                    "scenario": scenario.model_dump(),
                }
            )
    return specs


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "llama_cpp_python": version("llama-cpp-python"),
    }


def new_document(args: argparse.Namespace) -> dict[str, Any]:
    """The results document's header: when, on what, with which arguments."""
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine_info(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "args": {
            k: str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if k not in {"worker", "out"}
        },
    }


def run_all(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run the engine and every scenario; return the full results document."""
    settings: dict[str, Any] = {"data_dir": str(workdir / "data"), "n_threads": args.threads}
    settings["request_timeout"] = 3600.0  # a slow model on a busy machine must not time out a call
    settings["model_path"] = str(args.model) if args.model else None
    if not args.model and not os.environ.get("DRAFTSMITH_MODEL_PATH"):
        settings["model"] = "embedded"  # never what auto would pull on a connected machine
    settings = {key: value for key, value in settings.items() if value is not None}
    document = new_document(args)
    document["scenarios"] = []
    for spec in specs_for(args, settings):
        waited = wait_for_idle(args.wait_idle) if args.wait_idle else 0.0
        _progress(spec["name"] + (f" (waited {waited:g} s for a quiet CPU)" if waited else ""))
        try:
            run = run_worker(spec, workdir)
        except RuntimeError as exc:  # one failed scenario must not lose the others' numbers
            _progress(str(exc))
            document.setdefault("failures", []).append({"name": spec["name"], "error": str(exc)})
            continue
        if spec["kind"] == "engine":
            document["engine"] = run
        elif spec["kind"] == "grammar":
            document["grammar"] = run
        elif spec["kind"] == "one-prompt":
            document.setdefault("baselines", []).append(run)
        else:
            document["scenarios"].append(run)
    document["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    document["summary"] = report.summarise(document)
    return document


def _progress(message: str) -> None:
    print(f"[bench] {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def save(document: dict[str, Any], markdown: str, out_dir: Path) -> Path:
    """Write ``<timestamp>.json`` and ``<timestamp>.md``; return the JSON path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    path.with_suffix(".md").write_text(markdown + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--worker``, one scenario of it)."""
    args = parse_args(argv)
    if args.worker is not None:
        return worker_main(args.worker, args.out)
    if args.contention is not None:
        from bench.contention import contention_main

        return contention_main(args, _progress)
    with tempfile.TemporaryDirectory(prefix="draftsmith-bench-") as workdir:
        document = run_all(args, Path(workdir))
    markdown = report.render(document)
    path = save(document, markdown, args.out_dir)
    print(markdown)
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
