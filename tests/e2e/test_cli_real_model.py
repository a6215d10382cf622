"""``cli.py draft`` end to end with the real embedded model, in a subprocess like a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT, cli_env, cli_options, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
NOTES = ROOT / "tests" / "data" / "notes"


def draft(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("draft", *args, "--json", "--quiet", env=cli_env(tmp_path))


def test_two_rounds_without_search_make_a_structured_post(tmp_path):
    options = cli_options(rounds=2, search="off", threshold=10)
    run = draft(tmp_path, "Why local language models matter for writers", *options)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    markdown = result["markdown"]
    assert re.match(r"# \S", markdown)
    assert len(re.findall(r"^## \S", markdown, re.MULTILINE)) >= 3
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    assert all(0 <= r["critique"]["overall"] <= 10 for r in result["rounds"])
    assert not re.search(r"\[\d+\]", markdown) and "References" not in markdown
    assert result["totals"]["completion_tokens"] > 300


def test_local_sources_are_cited_and_every_citation_resolves(tmp_path):
    options = cli_options(rounds=1, search="local", sources=NOTES, words=400)
    run = draft(tmp_path, "Baking sourdough bread at home", *options)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    names = {path.name for path in NOTES.iterdir()}
    assert result["sources"] and {s["url"] for s in result["sources"]} <= names  # published by file name
    markdown = result["markdown"]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", markdown.split("## References")[0])}
    references = markdown.split("## References")[1] if "## References" in markdown else ""
    listed = re.findall(r"^(\d+)\. .*$", references, re.MULTILINE)
    assert cited, "the grounded draft cites no source"
    assert cited == {int(n) for n in listed}  # every [n] resolves and nothing uncited is listed
    lines = references.strip().splitlines()
    assert all(any(name in line for name in names) and str(NOTES) not in line for line in lines)
