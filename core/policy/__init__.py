"""The drafting policy: every threshold, budget, seed and penalty weight the agents tune, in one
typed, frozen object grouped by stage.

How a run gets its policy: ``graph.runner.stream_draft(..., policy=...)`` (default:
:data:`DEFAULT_POLICY`) hands it to ``graph.assembly.assemble``, which keeps it in ``RunParts``;
``graph.execution`` puts it in the run's LangGraph ``RunnableConfig`` as ``configurable["policy"]``,
and every agent reads it with :func:`run_policy` where it uses a value, so a node, and every helper
it calls, sees the policy of the run it serves. Outside a graph run (unit tests of helpers, the
bench's text measures) :func:`run_policy` returns the default; assembly's capability check runs
under the run's policy (:func:`with_policy`). A LangGraph server client may pass the same key as
JSON; it is validated into a :class:`Policy` when read. Checkpoints do not keep the policy: a
resumed run gets the one ``resume_draft`` is given.

The replies' counts (search queries, chosen sections) are bounded by the run's policy: the agent
gives the grammar those bounds with each call. The stored outline's validation bounds
(``core.state.Outline``) are a class's, built once at import from :data:`DEFAULT_POLICY`.

Values are the ones tuned on the bench (``bench/README.md``); change them in this package, nowhere else.

The groups live one module per stage (``researcher``, ``outliner``, ``writer``, ``editor``,
``critic`` with its penalty weights, ``capability``, ``text`` with its problem weights); this
module assembles them into :class:`Policy` and re-exports every name, so code imports from
``core.policy`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from langchain_core.runnables.config import set_config_context, var_child_runnable_config
from pydantic import Field

from core.policy._group import _Group
from core.policy.capability import CapabilityPolicy
from core.policy.critic import CriticPolicy, PenaltyWeights
from core.policy.editor import EditorPolicy
from core.policy.outliner import OutlinerPolicy
from core.policy.researcher import ResearcherPolicy
from core.policy.text import ProblemWeights, TextPolicy
from core.policy.writer import WriterPolicy

POLICY_KEY = "policy"
_T = TypeVar("_T")


class Policy(_Group):
    """Every tuning value of the agents, grouped by the stage that uses it."""

    researcher: ResearcherPolicy = Field(default_factory=ResearcherPolicy, description="the research step")
    outliner: OutlinerPolicy = Field(default_factory=OutlinerPolicy, description="the outline and its shape")
    writer: WriterPolicy = Field(default_factory=WriterPolicy, description="the section writer and revisions")
    editor: EditorPolicy = Field(default_factory=EditorPolicy, description="the editor's edits")
    critic: CriticPolicy = Field(default_factory=CriticPolicy, description="scores and penalties")
    capability: CapabilityPolicy = Field(
        default_factory=CapabilityPolicy, description="the writing-mode check"
    )
    text: TextPolicy = Field(default_factory=TextPolicy, description="heuristics shared by the stages")


DEFAULT_POLICY = Policy()


def run_policy() -> Policy:
    """The policy of the run this code executes in (``configurable["policy"]`` of its LangGraph
    config), or :data:`DEFAULT_POLICY` outside a graph run or when the run's config names none."""
    config = var_child_runnable_config.get()
    value = config.get("configurable", {}).get(POLICY_KEY) if config else None
    if value is None:
        return DEFAULT_POLICY
    if isinstance(value, Policy):
        return value
    if isinstance(value, Mapping):  # a LangGraph server client's JSON
        return Policy.model_validate(value)
    raise TypeError(f"configurable[{POLICY_KEY!r}] must be a Policy or a mapping, not {type(value).__name__}")


def with_policy(policy: Policy, call: Callable[..., _T], *args: object) -> _T:
    """``call(*args)`` outside a graph run, reading ``policy`` as its run policy (assembly's
    capability check, before the run's config exists)."""
    with set_config_context({"configurable": {POLICY_KEY: policy}}) as context:
        return context.run(call, *args)


__all__ = [
    "DEFAULT_POLICY",
    "POLICY_KEY",
    "CapabilityPolicy",
    "CriticPolicy",
    "EditorPolicy",
    "OutlinerPolicy",
    "PenaltyWeights",
    "Policy",
    "ProblemWeights",
    "ResearcherPolicy",
    "TextPolicy",
    "WriterPolicy",
    "run_policy",
    "with_policy",
]
