"""The command line: one-line errors with the right exit code, outputs, and a run with a fake team."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import cli
from tests.team import FakeTeam


@pytest.fixture
def fake_team(monkeypatch):
    team = FakeTeam(critic_scores=[6, 9])
    monkeypatch.setattr("backends.factory.make_chat_model", lambda settings: team.model)
    return team


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(cli.main(list(args)))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


BAD_INPUT = [
    (["--rounds", "0"], "rounds"),
    (["--rounds", "6"], "rounds"),
    (["--rounds", "-1"], "rounds"),
    (["--rounds", "three"], "--rounds"),
    (["--threshold", "11"], "threshold"),
    (["--threshold", "0"], "threshold"),
    (["--words", "0"], "words"),
    (["--words", "1000000"], "words"),
    (["--backend", "gpt"], "--backend"),
    (["--backend", "openai"], "base_url"),
    (["--base-url", "ftp://x"], "base_url"),
    (["--search", "google"], "--search"),
    (["--search", "local"], "needs a folder of notes: pass --sources DIR"),
    (["--sources", "/no/such/folder"], "/no/such/folder"),
    (["--hf-repo", "org/repo"], "hf_file"),
    (["--out", "/no/such/dir/post.md"], "/no/such/dir"),
    (["--format", "pdf"], "--format"),
]


@pytest.mark.parametrize(("extra", "named"), BAD_INPUT)
def test_bad_options_give_one_line_and_exit_code_2(capsys, fake_team, extra, named):
    code, out, err = run_cli(capsys, "draft", "Brewing tea", "--quiet", *extra)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and named in err
    assert "Traceback" not in err and out == ""
    assert fake_team.model.calls == []


@pytest.mark.parametrize("topic", ["", "   ", "ab", "x" * 10_000, "tea\x00time", "tea\x1b[31m"])
def test_bad_topics_are_refused(capsys, fake_team, topic):
    code, _, err = run_cli(capsys, "draft", topic, "--quiet")
    assert code == 2 and err.startswith("error: invalid topic") and err.count("\n") == 1


@pytest.mark.parametrize("topic", ["Tea 🍵 for beginners", "الشاي في المنزل", "  Brewing\ttea  "])
def test_unusual_but_valid_topics_run(capsys, fake_team, topic):
    code, out, _ = run_cli(capsys, "draft", topic, "--quiet", "--rounds", "1", "--search", "off")
    assert code == 0 and "\n# A Scripted Post" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "model file not found"),
        (b"not a model", "not a GGUF model file"),
        (b"", "not a GGUF model file"),
    ],
)
def test_bad_model_files_are_refused_before_loading(capsys, tmp_path, content, message):
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run_cli(capsys, "draft", "Brewing tea", "--quiet", "--search", "off", "--model", str(path))
    assert code == 2 and err.startswith(f"error: {message}: {path}") and err.count("\n") == 1


def test_a_run_prints_markdown_and_progress(capsys, fake_team):
    code, out, err = run_cli(
        capsys, "draft", "Brewing tea", "--rounds", "2", "--search", "off", "--threshold", "9.5"
    )
    assert code == 0
    assert out.startswith("---\ntitle: A Scripted Post") and out.count("\n## ") >= 4
    assert "round 1 scored" in err and "critic" in err and "done in" in err


def test_json_prints_the_full_result(capsys, fake_team):
    code, out, _ = run_cli(
        capsys, "draft", "Brewing tea", "--rounds", "2", "--search", "off", "--json", "--quiet"
    )
    assert code == 0
    result = json.loads(out)
    assert result["topic"] == "Brewing tea" and result["title"] == "A Scripted Post on Brewing tea"
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    assert result["best_round"] == 2 and result["search_mode"] == "off" and result["degraded"] is False
    assert {step["agent"] for step in result["telemetry"]} >= {"outliner", "writer", "editor", "critic"}
    assert result["backend"] == "llama_cpp" and result["model"]


@pytest.mark.parametrize(
    ("name", "marker"), [("post.md", "# A Scripted Post"), ("post.html", "<h1>"), ("post.json", '"run_id"')]
)
def test_out_writes_the_format_its_suffix_names(capsys, fake_team, tmp_path, name, marker):
    target = tmp_path / name
    code, out, err = run_cli(
        capsys, "draft", "Brewing tea", "--rounds", "1", "--search", "off", "--out", str(target)
    )
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert marker in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write to, root included (chmod, or the immutable flag for root)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.access(folder, os.W_OK):  # root ignores the mode bits
        immutable = (
            subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode == 0
        )
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("cannot make a read-only folder here (root, and no chattr on this filesystem)")
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_a_read_only_output_folder_is_refused_before_the_run(capsys, fake_team, read_only_folder):
    target = read_only_folder / "post.md"
    code, out, err = run_cli(
        capsys, "draft", "Brewing tea", "--quiet", "--search", "off", "--out", str(target)
    )
    assert code == 2 and out == ""
    assert (
        err
        == f"error: cannot write {target}: folder {read_only_folder} is not writable (pick another --out)\n"
    )
    assert fake_team.model.calls == [] and list(read_only_folder.iterdir()) == []


def test_a_model_failure_is_one_line_with_a_log_file(capsys, monkeypatch):
    team = FakeTeam()

    def explode(messages):
        raise RuntimeError("the model fell over")

    team.model.default_reply = explode
    monkeypatch.setattr("backends.factory.make_chat_model", lambda settings: team.model)
    code, _, err = run_cli(capsys, "draft", "Brewing tea", "--quiet", "--search", "off")
    assert code == 1
    assert err.startswith("error: outliner failed in round 1: the model fell over (details in ")
    assert err.count("\n") == 1
    log = err.rsplit("details in ", 1)[1].rstrip(")\n")
    assert "RuntimeError: the model fell over" in Path(log).read_text()
