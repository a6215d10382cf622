"""Batch mode with a scripted team: bad topics fail alone, names stay unique, exit codes tell."""

from __future__ import annotations

import pytest

import cli
from graph.batch import read_topics
from tests.team import FakeTeam
from ui.cli.batch import unique_name


def test_topics_file_skips_blank_lines_and_comments():
    assert read_topics("# posts\nTea\n\n  Coffee  \n#skip\n") == [(2, "Tea"), (4, "Coffee")]


def test_unique_names():
    used: set[str] = set()
    assert [unique_name("a", used) for _ in range(3)] == ["a", "a-2", "a-3"]


def test_one_bad_topic_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    team = FakeTeam(critic_scores=[9])
    monkeypatch.setattr("backends.factory.make_chat_model", lambda settings: team.model)
    topics = tmp_path / "topics.txt"
    topics.write_text("Brewing green tea\nab\nBrewing green tea\n")  # one title twice: two files
    out = tmp_path / "posts"
    code = cli.main(["batch", str(topics), "--out", str(out), "--rounds", "1", "--search", "off"])
    captured = capsys.readouterr()
    assert code == 3  # partial failure
    assert sorted(p.name for p in out.iterdir()) == [
        "a-scripted-post-on-brewing-green-tea-2.md",
        "a-scripted-post-on-brewing-green-tea.md",
    ]
    assert "[line 2] failed: invalid topic" in captured.err
    assert "2 of 3 drafted" in captured.err


def test_all_topics_failing_exits_1_and_a_missing_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("backends.factory.make_chat_model", lambda settings: FakeTeam().model)
    topics = tmp_path / "topics.txt"
    topics.write_text("x\ny\n")
    assert cli.main(["batch", str(topics), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert cli.main(["batch", str(tmp_path / "none.txt"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read topics file" in capsys.readouterr().err


@pytest.mark.parametrize("concurrency", ["0", "99"])
def test_concurrency_is_checked(tmp_path, capsys, concurrency):
    topics = tmp_path / "t.txt"
    topics.write_text("Tea\n")
    assert cli.main(["batch", str(topics), "--out", str(tmp_path), "--concurrency", concurrency]) == 2


def test_the_orchestration_returns_each_post_and_the_command_line_writes_them(tmp_path, monkeypatch):
    from core.settings import load_settings
    from graph.batch import run_batch
    from ui.cli.batch import write_post

    monkeypatch.chdir(tmp_path)
    team = FakeTeam(critic_scores=[9])
    seen: list[int] = []
    topics = [(1, "Brewing green tea"), (2, "ab")]
    options = {"rounds": 1, "search": "off"}
    done, failed = run_batch(
        topics, options, load_settings(), chat_model=team.model, on_outcome=lambda o: seen.append(o.line)
    )
    assert sorted(seen) == [1, 2] and list(tmp_path.iterdir()) == []  # graph/ wrote no file
    assert done.status == "done" and done.result is not None and done.result.markdown
    assert failed.status == "failed" and failed.result is None and "invalid topic" in (failed.error or "")
    used: set[str] = set()
    missing = write_post(done, tmp_path / "missing", used)
    assert missing.status == "failed" and "does not exist" in (missing.error or "")  # this topic alone
    written = write_post(done, tmp_path, used)
    expected = tmp_path / "a-scripted-post-on-brewing-green-tea-2.md"
    assert written.status == "done" and written.path == str(expected)
    assert expected.read_text().startswith("---\n")
    assert write_post(failed, tmp_path, used).error == failed.error
