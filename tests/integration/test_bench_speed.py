"""On a real run of the embedded model, the speed bench's per-agent counters add up to the run's
own totals (the result's calls and tokens, and what llama.cpp was sent and evaluated)."""

from __future__ import annotations

import pytest

from bench import speed
from bench.pipeline import Scenario, run_scenario
from core.settings import load_settings

pytestmark = pytest.mark.integration


def test_per_agent_counters_add_up_to_the_run_totals(tmp_path):
    settings = load_settings(data_dir=tmp_path, n_ctx=4096, max_tokens=256, n_threads=1)
    scenario = Scenario(name="search-off", topic="Green tea at home", words=150, rounds=1, threshold=10)
    run = run_scenario(scenario, settings, replay_work=False)
    rows = speed.agent_speeds(run["result"]["telemetry"], run["evals"]["per_call"])
    assert speed.mismatches(rows, run) == []
    critic = next(row for row in rows if row.agent == "critic")
    assert critic.probes > 0 and critic.prompt_reused > 0
    marks = speed.first_text(run["marks"], run["wall_seconds"])
    assert 0 < marks["first_token_s"] <= marks["first_writer_token_s"] < marks["first_section_s"]
    assert marks["first_section_s"] < run["wall_seconds"]
