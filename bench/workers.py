"""One benchmark scenario in a child process of its own (``python -m bench.run --worker``): the parent
side starts it and records its wall time, peak RSS and the load other processes put on the CPU;
the child side runs what its spec names and writes the numbers as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.pipeline import Scenario

ROOT = Path(__file__).resolve().parent.parent
IDLE_CORES = 0.3


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
