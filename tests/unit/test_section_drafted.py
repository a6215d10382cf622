"""Time to first text: each section the writer's model writes is an event as soon as its call ends,
and the terminal prints it while the rest is written."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver

from core.events import AgentFinished, RunStarted, SectionDrafted
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import stream_draft
from tests.team import FakeTeam, agent_of
from tools.base import NoSearch
from ui.cli.progress import Progress


def recording_team() -> tuple[FakeTeam, list[str]]:
    """A scripted team that also keeps every reply the writer's model gave, in order."""
    team, written = FakeTeam(critic_scores=[5, 9]), []
    reply = team.reply

    def recorded(messages: list[BaseMessage]) -> Any:
        text = reply(messages)
        if agent_of(messages) == "writer":
            written.append(str(text))
        return text

    team.model.default_reply = recorded
    return team, written


def test_every_writer_call_is_shown_as_a_section_before_the_writer_finishes(tmp_path):
    team, written = recording_team()
    events = list(
        stream_draft(
            DraftRequest(topic="Brewing tea at home", rounds=2, threshold=10, search="off"),
            load_settings(data_dir=tmp_path),
            chat_model=team.model,
            search=NoSearch(),
            checkpointer=InMemorySaver(),
        )
    )
    drafted = [e for e in events if isinstance(e, SectionDrafted)]
    assert [e.text for e in drafted] == [text.strip() for text in written]
    first_round = [e for e in drafted if e.round == 1]
    assert [e.call for e in first_round] == list(range(1, len(first_round) + 1))
    assert len(first_round) >= 3  # intro, the body sections, the conclusion
    writer_done = next(
        i for i, e in enumerate(events) if isinstance(e, AgentFinished) and e.agent == "writer"
    )
    assert events.index(first_round[0]) < events.index(first_round[-1]) < writer_done
    assert all(e.round in (1, 2) for e in drafted)


def test_the_terminal_prints_a_drafted_section_as_it_comes(capsys):
    with Progress() as progress:
        progress.show(RunStarted(run_id="r1", topic="Tea", backend="llama_cpp", model="m", max_rounds=1))
        progress.show(SectionDrafted(round=1, call=2, text="Green tea keeps [1] its [bold]leaves[/] cool."))
    err = capsys.readouterr().err
    assert "round 1 · writer · section 2 as written (7 words)" in err
    assert "Green tea keeps [1] its [bold]leaves[/] cool." in err  # literal text, no markup
