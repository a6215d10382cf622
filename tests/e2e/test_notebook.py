"""notebooks/demo.ipynb runs top to bottom with the real embedded model (1 round, search off)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


def test_demo_notebook_drafts_a_post(monkeypatch):
    monkeypatch.setenv("DEMO_ROUNDS", "1")
    monkeypatch.setenv("DEMO_SEARCH", "off")
    notebook = nbformat.read(ROOT / "notebooks" / "demo.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "round 1 critic" in text and "round 1 scored" in text and "best round: 1" in text
    markdown = [
        o["data"]["text/markdown"]
        for o in outputs
        if o.output_type == "execute_result" and "text/markdown" in o.get("data", {})
    ]
    assert markdown and markdown[0].startswith("# ") and markdown[0].count("\n## ") >= 3
