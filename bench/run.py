"""``python -m bench.run``: engine ceiling vs full drafts on the embedded model, as numbers.

Every scenario runs in its own subprocess (``bench.workers``), so peak RSS (``os.wait4``'s per-child
rusage) and timings do not mix; runs use a temporary data dir (the user's run store is never touched).
Results go to ``bench/results/<timestamp>.json`` (+ ``.md``); the markdown summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report, summary
from bench.pipeline import Scenario
from bench.workers import ROOT, run_worker, wait_for_idle, worker_main

TOPICS_DIR = Path(__file__).resolve().parent / "topics"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_TOPIC = "sourdough-starter"
OFF_TOPIC = "Why local language models matter for writers"


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
    document["summary"] = summary.summarise(document)
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
