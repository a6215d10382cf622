import pytest

from core.errors import BadInputError
from core.settings import load_settings


def test_defaults_use_the_in_process_model_chosen_by_auto(monkeypatch):
    monkeypatch.delenv("DRAFTSMITH_MODEL")  # the suite pins the embedded model
    settings = load_settings()
    assert settings.backend == "llama_cpp" and settings.model == "auto"
    assert settings.model_path is None and settings.hf_repo is None
    assert 0 < settings.hub_timeout <= 3  # an unreachable hub costs a draft at most 3 s
    assert settings.n_threads == "auto"  # fitted to the free CPUs (backends.cpu)


def test_environment_variables_use_the_draftsmith_prefix(monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_TEMPERATURE", "0.9")
    monkeypatch.setenv("DRAFTSMITH_N_CTX", "2048")
    settings = load_settings()
    assert settings.temperature == 0.9
    assert settings.n_ctx == 2048


def test_explicit_overrides_beat_environment_and_none_means_not_given(monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_TEMPERATURE", "0.9")
    assert load_settings(temperature=0.1).temperature == 0.1
    assert load_settings(temperature=None).temperature == 0.9


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"temperature": 3.0}, "temperature"),
        ({"n_ctx": 10}, "n_ctx"),
        ({"n_threads": 0}, "n_threads"),
        ({"top_p": 0}, "top_p"),
        ({"repeat_penalty": 0.5}, "repeat_penalty"),
        ({"backend": "tensorflow"}, "backend"),
        ({"max_tokens": 0}, "max_tokens"),
    ],
)
def test_out_of_range_values_fail_naming_the_field(overrides, field):
    with pytest.raises(BadInputError) as info:
        load_settings(**overrides)
    message = str(info.value)
    assert message.startswith(f"invalid {field}:")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"hf_file": "m.gguf"}, "hf_file needs hf_repo"),
        ({"hf_repo": "org/repo"}, "hf_repo needs hf_file"),
        ({"model_path": "a.gguf", "hf_repo": "o/r", "hf_file": "m.gguf"}, "not both"),
        ({"backend": "openai"}, "needs base_url"),
        ({"backend": "openai", "base_url": "localhost:8080"}, "must start with http"),
        ({"max_tokens": 4096, "n_ctx": 2048}, "must be below n_ctx"),
    ],
)
def test_inconsistent_values_fail_early(overrides, fragment):
    with pytest.raises(BadInputError, match=fragment):
        load_settings(**overrides)


def test_unknown_setting_is_rejected():
    with pytest.raises(BadInputError, match="invalid colour"):
        load_settings(colour="blue")


def test_openai_requests_carry_max_tokens_for_older_servers():
    from langchain_core.messages import HumanMessage

    from backends.factory import make_chat_model
    from core.settings import load_settings

    model = make_chat_model(load_settings(backend="openai", base_url="http://127.0.0.1:9/v1", max_tokens=300))
    payload = model._get_request_payload([HumanMessage("hi")], max_tokens=120)  # type: ignore[attr-defined]
    assert payload["max_tokens"] == payload["max_completion_tokens"] == 120
    assert model._get_request_payload([HumanMessage("hi")])["max_tokens"] == 300  # type: ignore[attr-defined]
