import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from backends.structured import (
    RETRY_SEED_STEP,
    StructuredOutputError,
    bind_schema,
    invoke_structured,
    json_schema_for,
    parse_reply,
)
from core.settings import load_settings


class Section(BaseModel):
    heading: str = Field(max_length=80)


class Plan(BaseModel):
    title: str
    sections: list[Section] = Field(min_length=1, max_length=4)


def test_json_schema_inlines_references():
    schema = json_schema_for(Plan)
    assert "$defs" not in schema and "$ref" not in str(schema)
    heading = schema["properties"]["sections"]["items"]["properties"]["heading"]
    assert heading["type"] == "string" and "maxLength" not in heading  # lengths: pydantic's job
    assert schema["properties"]["sections"]["minItems"] == 1  # list bounds stay in the grammar


def test_our_schemas_clip_over_long_text_instead_of_failing():
    from core.state import Outline

    long = "word " * 100
    outline = Outline.model_validate(
        {"title": long, "sections": [{"heading": long, "key_points": [long]} for _ in range(3)]}
    )
    assert len(outline.title) <= 110 and len(outline.sections[0].heading) <= 90
    assert len(outline.sections[0].key_points[0]) <= 160


def test_parse_reply_validates_and_explains():
    assert parse_reply('{"title": "T", "sections": [{"heading": "H"}]}', Plan).title == "T"
    with pytest.raises(StructuredOutputError, match="Plan"):
        parse_reply('{"title": "T", "sections": []}', Plan)
    with pytest.raises(StructuredOutputError):
        parse_reply("not json", Plan)


def test_raw_control_characters_inside_strings_are_kept_as_text():
    # llama-cpp-python 0.3.16's JSON grammar lets a raw newline into a string (seen with the
    # tiny Llama 3 model); strict JSON parsers would refuse the whole reply.
    plan = parse_reply('{"title": "Tea\nand\ttime", "sections": [{"heading": "H"}]}', Plan)
    assert plan.title == "Tea\nand\ttime"


def test_invoke_structured_sends_the_schema_and_returns_the_object(scripted_model):
    model = scripted_model(Plan(title="T", sections=[Section(heading="H")]))
    plan, reply = invoke_structured(model, Plan, [HumanMessage("plan")])
    assert plan.sections[0].heading == "H"
    sent = model.calls[0][1]["response_format"]
    assert sent["type"] == "json_object" and sent["schema"]["title"] == "Plan"
    assert reply.usage_metadata["output_tokens"] > 0


def test_invoke_structured_retries_once_with_a_new_seed(scripted_model):
    model = scripted_model("{broken", {"title": "T", "sections": [{"heading": "H"}]})
    plan, _ = invoke_structured(model, Plan, [HumanMessage("plan")], retries=1)
    assert plan.title == "T"
    assert "seed" not in model.calls[0][1]
    assert model.calls[1][1]["seed"] == RETRY_SEED_STEP


def test_invoke_structured_gives_up_after_the_retries(scripted_model):
    model = scripted_model("{broken", "[]", "never used")
    with pytest.raises(StructuredOutputError):
        invoke_structured(model, Plan, [HumanMessage("plan")], retries=1)
    assert len(model.calls) == 2


def test_openai_models_get_the_schema_in_the_request_body():
    from backends.factory import make_openai_model

    model = make_openai_model(load_settings(backend="openai", base_url="http://127.0.0.1:9/v1"))
    bound = bind_schema(model, Plan)
    body = bound.kwargs["extra_body"]
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["title"] == "Plan"
    assert body["repeat_penalty"] == load_settings().repeat_penalty


def test_a_greedy_first_attempt_is_retried_with_sampling(scripted_model):
    model = scripted_model("{broken", {"title": "T", "sections": [{"heading": "H"}]})
    invoke_structured(model, Plan, [HumanMessage("plan")], retries=1, temperature=0.0, max_tokens=9)
    assert model.calls[0][1]["temperature"] == 0.0
    assert "temperature" not in model.calls[1][1] and model.calls[1][1]["max_tokens"] == 9


def test_a_retry_offsets_the_callers_own_seed(scripted_model):
    model = scripted_model("{broken", {"title": "T", "sections": [{"heading": "H"}]})
    invoke_structured(model, Plan, [HumanMessage("plan")], retries=1, seed=7001)
    assert [kwargs["seed"] for _, kwargs in model.calls] == [7001, 7001 + RETRY_SEED_STEP]
