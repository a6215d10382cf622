import threading

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from backends.chat_formats import LLAMA3_EOT, chat_format_for, stop_sequences_for
from backends.llama_cpp_chat import LlamaCppChatModel
from backends.structured import response_format_for
from tests.fakes import FakeLlama

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{{ content }}{% endfor %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
)
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
MESSAGES = [SystemMessage("You write blogs."), HumanMessage("Write about tea.")]


def test_llama3_templates_select_the_llama3_format():
    assert chat_format_for({"tokenizer.chat_template": LLAMA3_TEMPLATE}) == "llama-3"
    assert chat_format_for({"tokenizer.chat_template": CHATML_TEMPLATE}) is None
    assert chat_format_for({}) is None
    assert chat_format_for({"tokenizer.chat_template": LLAMA3_TEMPLATE}, override="chatml") == "chatml"
    assert stop_sequences_for("llama-3") == [LLAMA3_EOT]
    assert stop_sequences_for(None) == []


def test_llama3_prompt_is_formatted_with_headers_and_eot():
    llama = FakeLlama(["Tea", " is", " old."], chat_format="llama-3")
    LlamaCppChatModel(llama=llama).invoke(MESSAGES)
    prompt = llama.prompts[0]
    assert prompt.startswith("<|start_header_id|>system<|end_header_id|>\n\nYou write blogs.<|eot_id|>")
    assert llama.add_bos == [True]  # <|begin_of_text|> comes from the tokenizer
    assert "<|start_header_id|>user<|end_header_id|>\n\nWrite about tea.<|eot_id|>" in prompt
    assert prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert LLAMA3_EOT in llama.requests[0]["stop"]


def test_llama3_generation_stops_at_eot():
    llama = FakeLlama(["Tea", " is old.", "<|eot_id|>", "<|start_header_id|>user"], chat_format="llama-3")
    reply = LlamaCppChatModel(llama=llama).invoke(MESSAGES)
    assert reply.content == "Tea is old."
    assert reply.response_metadata["finish_reason"] == "stop"


def test_gguf_metadata_template_is_used_by_default():
    llama = FakeLlama(
        ["ok"], chat_format="chat_template.default", metadata={"tokenizer.chat_template": CHATML_TEMPLATE}
    )
    LlamaCppChatModel(llama=llama).invoke(MESSAGES)
    assert llama.prompts[0].startswith("<|im_start|>system\nYou write blogs.<|im_end|>\n<|im_start|>user\n")
    assert llama.prompts[0].endswith("<|im_start|>assistant\n")


def test_model_without_template_gets_a_clear_error():
    llama = FakeLlama(["ok"], chat_format="llama-2")
    with pytest.raises(ValueError, match="no chat template"):
        LlamaCppChatModel(llama=llama).invoke(MESSAGES)


def test_stream_yields_tokens_and_reports_usage():
    llama = FakeLlama(["A", " b", " c"], chat_format="llama-3")
    model = LlamaCppChatModel(llama=llama, max_tokens=10)
    chunks = list(model.stream(MESSAGES))
    assert [c.content for c in chunks if c.content] == ["A", " b", " c"]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    usage = merged.usage_metadata
    assert usage["input_tokens"] == len(llama.prompts[0].encode())
    assert usage["output_tokens"] == 3


def test_sampling_settings_reach_llama_cpp():
    llama = FakeLlama(["x"], chat_format="llama-3")
    model = LlamaCppChatModel(
        llama=llama, temperature=0.1, top_p=0.5, repeat_penalty=1.3, max_tokens=7, seed=9
    )
    model.invoke(MESSAGES)
    request = llama.requests[0]
    assert (request["temperature"], request["top_p"], request["repeat_penalty"]) == (0.1, 0.5, 1.3)
    assert (request["max_tokens"], request["seed"]) == (7, 9)


def test_max_tokens_caps_generation_and_reports_length():
    llama = FakeLlama(["w"] * 50, chat_format="llama-3")
    reply = LlamaCppChatModel(llama=llama, max_tokens=5).invoke(MESSAGES)
    assert reply.content == "wwwww"
    assert reply.response_metadata["finish_reason"] == "length"


def test_response_format_schema_becomes_a_grammar():
    class Point(BaseModel):
        x: int

    llama = FakeLlama(['{"x": 1}'], chat_format="llama-3")
    LlamaCppChatModel(llama=llama).bind(response_format=response_format_for(Point)).invoke(MESSAGES)
    grammar = llama.requests[0]["grammar"]
    assert "x" in grammar._grammar


def test_unknown_arguments_are_rejected():
    llama = FakeLlama(["x"], chat_format="llama-3")
    with pytest.raises(TypeError, match="tools"):
        LlamaCppChatModel(llama=llama).bind(tools=[]).invoke(MESSAGES)


def test_timeout_stops_generation():
    llama = FakeLlama(["w"] * 100, chat_format="llama-3")
    reply = LlamaCppChatModel(llama=llama, timeout=1e-9, max_tokens=100).invoke(MESSAGES)
    assert reply.response_metadata["finish_reason"] == "timeout"
    assert len(reply.content) < 100


def test_calls_on_one_model_are_serialised_across_threads():
    """Four threads call one model at once; each generation takes 40 tokens x 5 ms, so calls that
    are not serialised overlap for certain and the engine's overlap counter sees it."""
    llama = FakeLlama(["a"] * 40, chat_format="llama-3", token_delay=0.005)
    models = [LlamaCppChatModel(llama=llama, max_tokens=40) for _ in range(2)]
    ready = threading.Barrier(4)

    def call(model: LlamaCppChatModel) -> None:
        ready.wait()
        model.invoke(MESSAGES)

    threads = [threading.Thread(target=call, args=(m,)) for m in models * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(llama.requests) == 4
    assert llama.max_active == 1


def test_a_stop_request_ends_a_running_generation():
    from backends.cancel import GenerationCancelled, stop_check

    llama = FakeLlama(["w"] * 100, chat_format="llama-3")
    calls = {"n": 0}

    def stop_after_five_tokens() -> bool:
        calls["n"] += 1
        return calls["n"] > 5

    with stop_check(stop_after_five_tokens), pytest.raises(GenerationCancelled):
        LlamaCppChatModel(llama=llama, max_tokens=100).invoke(MESSAGES)
    assert calls["n"] == 6
