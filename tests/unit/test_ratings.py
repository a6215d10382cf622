"""Probability-weighted ratings: the maths, the llama.cpp adapter's probe, and the critic's use."""

import math
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import Field

from agents.critic.critic import JUDGED_ITEMS, UNUSABLE_PROBABILITIES, make_critic
from agents.critic.metrics import measured_clarity
from backends.engine_thread import on_engine_thread
from backends.llama_cpp_chat import LlamaCppChatModel
from backends.ratings import ANSWER_PREFIX, expected_rating, spelled_probabilities
from core.state import DraftRequest, Outline, OutlineSection, Section
from tests.fakes import FakeLlama, ScriptedChatModel
from tests.team import prose

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_a_two_token_rating_splits_the_probability_of_its_first_token():
    # "1" and "10" share the token 1; after it, "0" (token 0) has probability 0.25.
    spellings = {1: (1,), 2: (2,), 10: (1, 0)}
    tables = {(): [0.0, 0.4, 0.6], (1,): [0.25, 0.0, 0.0]}
    probabilities = spelled_probabilities(spellings, lambda prefix: tables[prefix])
    assert probabilities == pytest.approx({1: 0.3, 2: 0.6, 10: 0.1})


class RatingModel(ScriptedChatModel):
    """A scripted chat model that also reports rating probabilities, one table per call."""

    tables: list[dict[int, float]] = Field(default_factory=list)
    rating_prompts: list[list[BaseMessage]] = Field(default_factory=list)

    def rating_probabilities(self, messages: Any, ratings: Any, answer_prefix: str = "") -> dict[int, float]:
        assert answer_prefix == ANSWER_PREFIX
        self.rating_prompts.append(list(messages))
        return self.tables.pop(0)


def test_expected_rating_is_the_probability_weighted_mean():
    model = RatingModel(tables=[{3: 0.5, 9: 0.25}, {4: 0.1, 5: 0.2}])
    assert expected_rating(model, [HumanMessage("rate")]) == pytest.approx((3 * 0.5 + 9 * 0.25) / 0.75)
    assert expected_rating(model, [HumanMessage("rate")]) is None  # 0.3 of the mass: not a rating
    assert expected_rating(ScriptedChatModel(), [HumanMessage("rate")]) is None  # cannot report


class ProbeLlama(FakeLlama):
    """Byte tokens ("10" is two tokens, like SmolLM2's digits); logits scripted by what follows the prompt."""

    def __init__(self, logits: dict[bytes, dict[int, float]]) -> None:
        super().__init__([], metadata={"tokenizer.chat_template": CHATML})
        self.logits = logits
        self.engine_calls: list[bool] = []

    def create_completion(self, **request: Any) -> dict[str, Any]:  # type: ignore[override]
        self.requests.append(request)
        self.engine_calls.append(on_engine_thread())
        assert request["max_tokens"] == 1
        prompt = bytes(request["prompt"])
        tail = prompt[prompt.rindex(b"assistant\nScore: ") + len(b"assistant\nScore: ") :]
        row = [-1e9] * 256
        for token, logit in self.logits[tail].items():
            row[token] = logit
        for processor in request["logits_processor"]:
            processor(request["prompt"], row)
        return {"choices": [{"text": "", "finish_reason": "length"}]}


def test_the_llama_adapter_reads_ratings_from_next_token_logits():
    one, zero, seven = ord("1"), ord("0"), ord("7")
    llama = ProbeLlama({b"": {one: math.log(0.5), seven: math.log(0.5)}, b"1": {zero: 0.0, ord("."): 0.0}})
    model = LlamaCppChatModel(llama=llama)
    probabilities = model.rating_probabilities([HumanMessage("Rate it.")], range(1, 11), "Score: ")
    assert probabilities[7] == pytest.approx(0.5)
    assert probabilities[1] == pytest.approx(0.25) and probabilities[10] == pytest.approx(0.25)
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert len(llama.requests) == 2  # the prompt, then the prompt plus "1"; nothing sampled twice
    assert all(llama.engine_calls)
    assert llama.prompts[0].endswith("Rate it.<|im_end|>\n<|im_start|>assistant\nScore: ")


def critic_state(draft_words: int = 300) -> dict[str, Any]:
    headings = ("Green", "Black", "Oolong")
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in headings]
    )
    sections = [Section(heading=h, body=prose(60, i)) for i, h in enumerate(("", *headings, "Conclusion"))]
    return {
        "request": DraftRequest(topic="Tea", words=draft_words),
        "outline": outline,
        "sections": sections,
        "draft": "# All about tea\n\n" + "\n\n".join(s.body for s in sections),
    }


JSON_REPLY = {
    "scores": {"grounding": 9, "structure": 9, "clarity": 3, "depth": 4, "style": 5},
    "issues": [],
    "gaps": [],
}


def test_the_critic_weights_the_models_judgements_by_probability():
    model = RatingModel(replies=[JSON_REPLY], tables=[{2: 1.0}, {6: 0.5, 8: 0.5}, {9: 1.0}])
    critique = make_critic(model)(critic_state())["critique"]
    assert critique.scores.depth == 7.0 and critique.scores.style == 9.0  # not the sampled 4 and 5
    measured = measured_clarity(critique.metrics)
    assert measured is not None and critique.scores.clarity == pytest.approx((2.0 + measured) / 2, abs=0.01)
    json_system, json_task = (message.text for message in model.calls[0][0])
    draft_part = json_task.split(">>>")[0]
    for messages, item in zip(model.rating_prompts, JUDGED_ITEMS, strict=True):
        system, question = (message.text for message in messages)
        assert system == json_system and question.startswith(draft_part)  # reused, not read again
        assert f"rate only the draft's {item}" in question


def test_a_model_that_does_not_answer_with_ratings_keeps_its_sampled_scores_and_says_so():
    model = RatingModel(replies=[JSON_REPLY], tables=[{2: 0.1}, {6: 0.9}, {9: 0.2}])
    update = make_critic(model)(critic_state())
    assert (update["critique"].scores.depth, update["critique"].scores.style) == (6.0, 5.0)
    assert update["warnings"] == [UNUSABLE_PROBABILITIES]


def test_without_probabilities_the_critic_keeps_the_sampled_scores():
    model = ScriptedChatModel(replies=[JSON_REPLY])
    update = make_critic(model)(critic_state())
    assert (update["critique"].scores.depth, update["critique"].scores.style) == (4.0, 5.0)
    assert len(model.calls) == 1 and update["warnings"] == []


def test_a_model_that_can_write_is_judged_by_its_rating_probabilities_alone():
    model = RatingModel(replies=[], tables=[{2: 1.0}, {6: 0.5, 8: 0.5}, {9: 1.0}])
    critique = make_critic(model, "free")(critic_state())["critique"]
    assert model.calls == []  # no written critique: the issues are measured, section by section
    assert critique.scores.depth == 7.0 and critique.scores.style == 9.0
    assert len(model.rating_prompts) == len(JUDGED_ITEMS)


def test_a_model_that_can_write_but_gives_no_usable_probabilities_writes_its_critique():
    model = RatingModel(replies=[JSON_REPLY], tables=[{2: 0.1}, {6: 0.9}, {9: 0.2}])
    update = make_critic(model, "free")(critic_state())
    assert len(model.calls) == 1 and (update["critique"].scores.depth, update["critique"].scores.style) == (
        6.0,
        5.0,
    )


class ResetCountingLlama(ProbeLlama):
    """A probe double that also serves chat calls and counts KV-cache resets."""

    def __init__(self, logits: dict[bytes, dict[int, float]]) -> None:
        super().__init__(logits)
        self.events: list[str] = []
        self.pieces = ["ok"]

    def reset(self) -> None:
        self.events.append("reset")

    def create_completion(self, **request: Any) -> Any:  # type: ignore[override]
        if request.get("stream"):
            self.events.append("chat")
            return FakeLlama._emit(self, request)
        self.events.append("probe")
        return super().create_completion(**request)


def test_rating_probes_keep_the_cache_for_each_other_and_the_next_chat_call_starts_afresh():
    seven = ord("7")
    llama = ResetCountingLlama({b"": {seven: 0.0}, b"1": {ord("0"): 0.0}})
    model = LlamaCppChatModel(llama=llama)
    for _ in range(3):  # three rubric items, each re-sending the draft
        model.rating_probabilities([HumanMessage("Rate it.")], range(1, 11), "Score: ")
    assert llama.events == ["probe"] * 6  # no reset between them: the draft's tokens are reused
    model.invoke([HumanMessage("Next round.")])
    model.invoke([HumanMessage("And on.")])
    assert llama.events == ["probe"] * 6 + ["reset", "chat", "chat"]
