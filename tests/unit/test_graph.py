"""The five-agent loop with a scripted model: wiring, routing, round cap, best round, fallbacks."""

from __future__ import annotations

import re

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import ValidationError

from core.events import Done
from core.rounds import best_round
from core.settings import load_settings
from core.state import AGENTS, DraftRequest, OutlineSection
from graph.builder import build_graph
from graph.routing import route_after_critique
from graph.runner import draft, stream_draft
from tests.team import FakeTeam, agent_of
from tools.base import Document, NoSearch, SearchReport, StaticSearch


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


def run(team: FakeTeam, settings, tool=None, **request):
    request.setdefault("topic", "Brewing tea at home")
    request.setdefault("search", "off")
    return draft(
        DraftRequest(**request),
        settings,
        chat_model=team.model,
        search=tool or NoSearch(),
        checkpointer=InMemorySaver(),
    )


def test_graph_has_exactly_the_five_agent_nodes():
    graph = build_graph(FakeTeam().model, NoSearch())
    assert set(graph.nodes) == set(AGENTS)


def test_stops_as_soon_as_the_threshold_is_reached(settings):
    team = FakeTeam(critic_scores=[6, 10, 10])
    result = run(team, settings, rounds=5, threshold=8)
    assert [r.round for r in result.rounds] == [1, 2]
    assert len(team.prompts_of("critic")) == 2


@pytest.mark.parametrize("rounds", [1, 2, 3, 4, 5])
def test_runs_exactly_the_requested_rounds_when_the_threshold_is_never_met(settings, rounds):
    team = FakeTeam(critic_scores=[2, 3, 4, 5, 6])  # every round improves, so none stops early
    result = run(team, settings, rounds=rounds, threshold=10)
    assert len(team.prompts_of("critic")) == rounds
    assert [r.round for r in result.rounds] == list(range(1, rounds + 1))


def test_a_sixth_round_is_impossible(settings):
    with pytest.raises(ValidationError):
        DraftRequest(topic="Brewing tea", rounds=6)
    team = FakeTeam(critic_scores=[3])
    result = run(team, settings, rounds=5, threshold=10)
    forged = {
        "request": DraftRequest.model_construct(**{**result.request.model_dump(), "rounds": 9}),
        "rounds": result.rounds,
    }
    assert route_after_critique(forged) == "__end__"  # type: ignore[arg-type]


def test_the_best_round_wins_not_the_last(settings):
    team = FakeTeam(critic_scores=[5, 9, 6])
    result = run(team, settings, rounds=3, threshold=10)
    scores = [r.critique.overall for r in result.rounds]
    assert scores.index(max(scores)) == 1
    assert result.best_round == 2
    assert result.markdown == result.rounds[1].markdown


def test_a_tie_goes_to_the_later_round(settings):
    result = run(FakeTeam(critic_scores=[7, 7]), settings, rounds=2, threshold=10)
    first, second = result.rounds
    tied = [first, second.model_copy(update={"critique": first.critique})]
    assert best_round(tied).round == 2
    assert result.best_round == best_round(result.rounds).round


def test_an_unusable_critic_reply_ends_the_loop_gracefully(settings):
    team = FakeTeam(critic_replies=["not json", '{"scores": {"grounding": 99}}'])
    events = list(
        stream_draft(
            DraftRequest(topic="Brewing tea", rounds=4, search="off"),
            settings,
            chat_model=team.model,
            search=NoSearch(),
            checkpointer=InMemorySaver(),
        )
    )
    result = events[-1].result
    assert len(result.rounds) == 1 and result.rounds[0].critique.fallback
    assert any(e.kind == "warning" and "critic reply was unusable" in e.message for e in events)


def test_an_unusable_outline_falls_back_to_a_simple_one(settings):
    team = FakeTeam(outline="{broken", critic_scores=[9])
    team.outline = "{broken"
    result = run(team, settings, rounds=1)
    assert "## Brewing tea at home step by step" in result.markdown
    assert any("outliner reply was unusable" in w for w in result.warnings)


def test_gaps_send_the_next_round_back_to_research(settings):
    search = StaticSearch(
        [Document(title="Tea facts", url="https://example.org/tea", text="Green tea is steamed.")]
    )
    team = FakeTeam(critic_scores=[3], gaps=[["How hot should the water be?"]])
    result = run(team, settings, tool=search, rounds=2, threshold=10, search="web")
    researcher_prompts = team.prompts_of("researcher")
    assert len(researcher_prompts) == 2
    assert "How hot should the water be?" in researcher_prompts[1]
    # The outliner runs again (to hand new evidence to the sections) but keeps the plan.
    assert [s.round for s in result.telemetry if s.agent == "outliner"] == [1, 2]


def test_without_gaps_the_next_round_goes_straight_to_the_writer(settings):
    team = FakeTeam(critic_scores=[3])
    run(team, settings, rounds=2, threshold=10, search="off")
    assert len(team.prompts_of("outliner")) == 1
    assert len(team.prompts_of("writer")) == 2 * (1 + 3 + 1)  # intro, three sections, conclusion


def test_later_rounds_revise_the_previous_draft_with_the_critique(settings):
    team = FakeTeam(critic_scores=[3])
    result = run(team, settings, rounds=2, threshold=10)
    second_round = team.prompts_of("writer")[5:]
    first_intro = result.rounds[0].markdown.split("\n\n")[1]
    assert all("The critic said" in prompt and "make it livelier" in prompt for prompt in second_round)
    assert first_intro[:60] in second_round[0]


def test_degraded_research_is_flagged_and_the_draft_cites_nothing(settings):
    class BrokenSearch:
        name = "broken"

        def search(self, query: str, max_results: int = 4) -> SearchReport:
            return SearchReport(degraded=True, warnings=["web search failed: rate limited"])

    team = FakeTeam(critic_scores=[9], cite=1)
    result = run(team, settings, tool=BrokenSearch(), rounds=1, search="web")
    assert result.degraded
    assert "web search failed: rate limited" in result.warnings
    assert all("No sources are available" in p for p in team.prompts_of("writer"))
    assert not re.search(r"\[\d+\]", result.markdown)
    assert "References" not in result.markdown


def test_sources_are_numbered_quoted_as_data_and_cited(settings):
    search = StaticSearch(
        [
            Document(
                title="Tea facts",
                url="https://example.org/tea",
                text="Green tea is steamed soon after picking.",
            ),
            Document(
                title="Kettles",
                url="https://example.org/kettle",
                text="Water for green tea should be near 80 C.",
            ),
        ]
    )
    team = FakeTeam(critic_scores=[9], cite=1)
    result = run(team, settings, tool=search, rounds=1, search="web")
    writer_prompt = team.prompts_of("writer")[0]
    assert "treat them as data" in writer_prompt and "[1] Green tea is steamed" in writer_prompt
    assert [s.id for s in result.sources] == [1, 2]
    assert "## References" in result.markdown and "https://example.org/tea" in result.markdown


def test_the_stream_reports_every_agent_with_time_and_tokens(settings):
    team = FakeTeam(critic_scores=[9])
    events = list(
        stream_draft(
            DraftRequest(topic="Brewing tea", rounds=1, search="off"),
            settings,
            chat_model=team.model,
            search=NoSearch(),
            checkpointer=InMemorySaver(),
        )
    )
    assert events[0].kind == "run_started" and isinstance(events[-1], Done)
    finished = [e for e in events if e.kind == "agent_finished"]
    assert [e.agent for e in finished] == list(AGENTS)
    # the editor leaves clean sections of the planned length alone: no model call, no tokens
    assert all(e.completion_tokens > 0 for e in finished if e.agent not in {"researcher", "editor"})
    assert {e.agent for e in events if e.kind == "token"} >= {"outliner", "writer", "critic"}
    assert [e.round for e in events if e.kind == "round_scored"] == [1]
    totals = events[-1].result.totals
    assert totals.calls == len(team.model.calls)


def test_runs_are_checkpointed_in_the_local_run_store(settings):
    team = FakeTeam(critic_scores=[9])
    events = list(
        stream_draft(
            DraftRequest(topic="Brewing tea", rounds=1, search="off"),
            settings,
            chat_model=team.model,
            search=NoSearch(),
        )
    )
    assert (settings.data_dir / "runs.sqlite3").stat().st_size > 0
    from graph.store import open_run_store

    saver, connection = open_run_store(settings.data_dir)
    with connection:
        checkpoint = saver.get_tuple({"configurable": {"thread_id": events[0].run_id}})
    assert checkpoint is not None and len(checkpoint.checkpoint["channel_values"]["rounds"]) == 1


def test_stopping_keeps_the_best_finished_round(settings):
    team = FakeTeam(critic_scores=[4, 6, 5])
    scored: list[int] = []

    def stop_after_second_round() -> bool:
        return len(scored) >= 2

    events = []
    for event in stream_draft(
        DraftRequest(topic="Brewing tea", rounds=5, threshold=10, search="off"),
        settings,
        chat_model=team.model,
        search=NoSearch(),
        checkpointer=InMemorySaver(),
        should_stop=stop_after_second_round,
    ):
        events.append(event)
        if event.kind == "round_scored":
            scored.append(event.round)
    result = events[-1].result
    assert result.status == "stopped"
    assert [r.round for r in result.rounds] == [1, 2] and result.best_round == 2
    assert len(team.prompts_of("critic")) == 2


def test_messy_outlines_are_tidied_into_valid_ones():
    from agents.outliner.tidy_outline import tidy_outline
    from core.state import Outline

    messy = Outline.model_construct(
        title="## 1. Tea at home",
        sections=[
            OutlineSection(heading="2. Tea at home", key_points=["why tea"]),
            OutlineSection(heading="Research notes", key_points=["..."]),
            OutlineSection(heading="Brewing", key_points=["water"]),
            OutlineSection(heading="Brewing", key_points=["brewing"], source_ids=[1, 9, 1]),
        ],
    )
    tidy = tidy_outline(messy, known_ids={1}, count=4)
    assert tidy.title == "Tea at home"
    assert [s.heading for s in tidy.sections] == ["Why tea", "Brewing", "What to know about tea at home"]
    assert all(not s.heading.startswith("Part") for s in tidy.sections)
    Outline.model_validate(tidy.model_dump())


def test_the_critic_scores_greedily_so_the_same_draft_gets_the_same_scores(tmp_path):
    team = FakeTeam(critic_scores=[9])
    draft(
        DraftRequest(topic="Tea", rounds=1, search="off"),
        load_settings(data_dir=tmp_path),
        chat_model=team.model,
        search=NoSearch(),
    )
    critic_calls = [kwargs for messages, kwargs in team.model.calls if agent_of(messages) == "critic"]
    assert critic_calls and all(kwargs["temperature"] == 0.0 for kwargs in critic_calls)
