"""The drafting policy (``core.policy``): complete, documented, and really carried by a run's config."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

from agents.critic.critic import make_critic
from agents.editor.editor import make_editor
from core.policy import DEFAULT_POLICY, POLICY_KEY, Policy, run_policy
from core.settings import load_settings
from core.state import DraftRequest, Outline, OutlineSection, Section
from graph.runner import draft
from tests.fakes import ScriptedChatModel
from tests.team import FakeTeam, agent_of
from tools.base import NoSearch

AGENTS_DIR = Path(__file__).resolve().parents[2] / "agents"


def groups(model: BaseModel, path: str = "policy") -> list[tuple[str, BaseModel]]:
    found = [(path, model)]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += groups(value, f"{path}.{name}")
    return found


def test_every_policy_value_is_documented_and_the_policy_is_frozen():
    for path, group in groups(DEFAULT_POLICY):
        assert type(group).model_config.get("frozen"), f"{path} can be changed in place"
        for name, field in type(group).model_fields.items():
            assert field.description and field.description.strip(), f"{path}.{name} says not why it is set"
    with pytest.raises(ValueError):
        DEFAULT_POLICY.critic.draft_chars = 10  # type: ignore[misc]


def numeric(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return numeric(node.operand)
    if isinstance(node, ast.Tuple | ast.List):
        return any(numeric(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        return any(value is not None and numeric(value) for value in node.values)
    return False


def test_the_policy_is_complete_no_agent_module_keeps_a_numeric_constant_of_its_own():
    kept = []
    for path in sorted(AGENTS_DIR.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if targets and numeric(node.value):
                kept += [f"{path.relative_to(AGENTS_DIR)}: {ast.unparse(t)}" for t in targets]
    assert kept == []


def test_the_default_policy_is_what_code_outside_a_run_reads():
    assert run_policy() is DEFAULT_POLICY
    assert Policy() == DEFAULT_POLICY


STATE = {
    "request": DraftRequest(topic="Tea", words=300),
    "outline": Outline(
        title="All about tea",
        sections=[OutlineSection(heading=h, key_points=["point"]) for h in ("Green", "Black", "Brewing")],
    ),
    "sources": [],
    # A 50-word introduction planned at 40 words: over the 1.2 the editor tolerates, so it is tightened.
    "sections": [
        Section(
            heading="",
            body=(
                "Assam grows in a river valley with heavy monsoon rain. Its leaves are large and dark. "
                "Darjeeling sits high in the hills, where cool nights slow the growth. Ceylon estates "
                "pick all year round. Kenya now exports more black tea than any other country. "
                "Most bags hold broken leaf, which brews quickly."
            ),
        )
    ],
}


def edit_calls(policy: Policy | dict | None) -> int:
    model = ScriptedChatModel(replies=["Green tea leaves are steamed soon after picking."] * 3)
    config = {"configurable": {POLICY_KEY: policy}} if policy is not None else {}
    RunnableLambda(make_editor(model)).invoke(STATE, config=config)
    return len(model.calls)


def test_a_changed_policy_in_the_runs_config_changes_what_a_node_does():
    assert edit_calls(None) == 1
    tolerant = DEFAULT_POLICY.model_copy(
        update={"editor": DEFAULT_POLICY.editor.model_copy(update={"too_long": 2.0})}
    )
    assert edit_calls(tolerant) == 0
    assert edit_calls({"editor": {"too_long": 2.0}}) == 0  # a LangGraph server client's JSON


def test_a_policy_given_to_a_run_reaches_every_agent_through_the_graph(tmp_path):
    def critic_caps(policy: Policy) -> set[object]:
        team = FakeTeam(critic_scores=[10])
        draft(
            DraftRequest(topic="Brewing tea at home", search="off"),
            load_settings(data_dir=tmp_path),
            chat_model=team.model,
            search=NoSearch(),
            checkpointer=InMemorySaver(),
            policy=policy,
        )
        return {
            kwargs.get("max_tokens")
            for (messages, kwargs) in team.model.calls
            if agent_of(messages) == "critic"
        }

    assert critic_caps(DEFAULT_POLICY) == {DEFAULT_POLICY.critic.critic_max_tokens}
    smaller = DEFAULT_POLICY.model_copy(
        update={"critic": DEFAULT_POLICY.critic.model_copy(update={"critic_max_tokens": 123})}
    )
    assert critic_caps(smaller) == {123}


def test_a_critic_node_reads_the_policy_of_its_own_run_only():
    reply = '{"scores": {"grounding": 7, "structure": 7, "clarity": 7, "depth": 7, "style": 7}}'
    model = ScriptedChatModel(replies=[reply, reply])
    state = {**STATE, "draft": "# All about tea\n\nGreen tea is steamed."}
    cheap = DEFAULT_POLICY.model_copy(
        update={"critic": DEFAULT_POLICY.critic.model_copy(update={"draft_chars": 5})}
    )
    RunnableLambda(make_critic(model)).invoke(state, config={"configurable": {POLICY_KEY: cheap}})
    make_critic(model)(state)
    short, full = model.prompts
    assert "Green tea is steamed" in full and "Green tea is steamed" not in short


def test_how_many_search_queries_a_reply_may_hold_is_the_runs_policy_not_the_class():
    from agents.researcher.researcher import propose_queries

    five = '{"queries": ["tea one", "tea two", "tea three", "tea four", "tea five"]}'
    state = {"request": DraftRequest(topic="Brewing tea at home")}

    def asked(policy: Policy | None) -> list[str]:
        model = ScriptedChatModel(replies=[five])
        config = {"configurable": {POLICY_KEY: policy}} if policy is not None else {}
        return RunnableLambda(lambda s: propose_queries(model, s, [])).invoke(state, config=config)

    assert len(asked(None)) == DEFAULT_POLICY.researcher.max_queries
    wider = DEFAULT_POLICY.model_copy(
        update={"researcher": DEFAULT_POLICY.researcher.model_copy(update={"max_queries": 5})}
    )
    assert len(asked(wider)) == 5


def test_an_outlines_bounds_are_the_runs_policy_not_the_defaults_fixed_at_import():
    from agents.outliner.tidy_outline import tidy_outline

    eight = Outline(
        title="Brewing tea at home",
        sections=[
            OutlineSection(heading=f"{name} tea at home", key_points=["one", "two", "three", "four", "five"])
            for name in ("Green", "Black", "White", "Oolong", "Herbal", "Iced", "Spiced", "Smoked")
        ],
    )  # more sections and key points than the default policy allows: still a valid outline

    def tidied(policy: Policy | None) -> Outline:
        config = {"configurable": {POLICY_KEY: policy}} if policy is not None else {}
        return RunnableLambda(lambda o: tidy_outline(o, set(), None, "Brewing tea at home")).invoke(
            eight, config=config
        )

    default = tidied(None)
    assert len(default.sections) == DEFAULT_POLICY.outliner.max_sections
    assert all(len(s.key_points) == DEFAULT_POLICY.outliner.max_key_points for s in default.sections)
    wider = DEFAULT_POLICY.model_copy(
        update={
            "outliner": DEFAULT_POLICY.outliner.model_copy(update={"max_sections": 8, "max_key_points": 5})
        }
    )
    assert [len(s.key_points) for s in tidied(wider).sections] == [5] * 8
