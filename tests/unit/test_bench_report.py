"""The bench's markdown tables: headers come from the records' keys, cells are formatted alike."""

from __future__ import annotations

from bench.contention import ratios, render
from bench.tables import record_table


def test_a_record_table_takes_its_headers_from_the_keys():
    records = [{"run": "idle", "wall s": 20.0, "decode": None}, {"run": "busy", "wall s": 31.5, "decode": 9}]
    assert record_table(records).splitlines() == [
        "| run | wall s | decode |",
        "|---|---|---|",
        "| idle | 20 | n/a |",
        "| busy | 31.5 | 9 |",
    ]


def test_the_contention_summary_lists_the_pair_without_ratios_to_idle():
    run = {"burners": 0, "wall_seconds": 20.5, "tokens": 1000, "tokens_per_second": 48.8}
    run |= {"decode_tokens_per_second": 50.1, "other_cpu_cores": 0.1}
    idle = {**run, "label": "idle"}
    pair = [{**run, "label": "process 1", "tokens_per_second": 19.5}, {**run, "label": "process 2"}]
    text = render({"runs": [idle], "pair": pair, "ratios": ratios([idle], pair)})
    assert "| idle | 0 | 20.5 | 1000 | 48.8 | 50.1 | 1 | 1 | 0.1 |" in text
    assert "| two at once: process 1 | 0 | 20.5 | 1000 | 19.5 | 50.1 |  |  | 0.1 |" in text
    assert "= 2.0 × one alone (48.8 tok/s)" in text  # 2000 tokens over the longer wall of 20.5 s
