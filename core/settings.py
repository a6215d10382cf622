"""All configuration in one object: environment (``DRAFTSMITH_*``), then CLI flags or UI widgets.

Example:
    settings = load_settings(n_threads=2, temperature=0.2)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import BadInputError
from core.state import SearchMode

Backend = Literal["llama_cpp", "openai"]
ModelChoice = Literal["auto", "embedded"]


class Settings(BaseSettings):
    """Model backend and generation settings. Invalid values fail early, naming the field."""

    model_config = SettingsConfigDict(env_prefix="DRAFTSMITH_", extra="forbid", validate_default=True)

    backend: Backend = "llama_cpp"

    # Model file for the in-process backend: ``model_path`` or ``hf_repo`` + ``hf_file`` when set;
    # else ``model``: auto (a Llama 3 in the hub cache, else the one recommended for this machine,
    # pulled from the hub, else the embedded model) or embedded (graph.assembly.choose_model).
    model: ModelChoice = "auto"
    model_path: Path | None = None
    hf_repo: str | None = None
    hf_file: str | None = None
    chat_format: str | None = Field(
        default=None, description="llama.cpp chat format; default: from the GGUF metadata"
    )

    hub_timeout: float = Field(
        default=2.0, gt=0, le=30, description="seconds the model hub may take to answer before auto gives up"
    )

    # OpenAI-compatible server (llama.cpp server, vLLM, Ollama).
    base_url: str | None = None
    openai_model: str = "default"
    api_key: SecretStr | None = None
    request_timeout: float = Field(default=300.0, gt=0, le=3600)

    # llama.cpp runtime.
    n_ctx: int = Field(default=8192, ge=512, le=131072)
    n_threads: int | Literal["auto"] = Field(
        default="auto", description="llama.cpp threads, 1-256, or auto: fit to the free CPUs (backends.cpu)"
    )
    n_batch: int = Field(default=512, ge=8, le=8192)
    flash_attn: bool = False
    grammar_sample_first: bool = Field(
        default=True,
        description="check a grammar only on the sampled token, resampling under it when rejected "
        "(llama.cpp's common sampler; false: llama-cpp-python's whole-vocabulary grammar sampler)",
    )

    writing: Literal["auto", "free", "extractive"] = Field(
        default="auto",
        description="how the model writes: free (it writes, the pipeline checks), extractive (the "
        "sources' facts, condensed), or auto: decided by measuring the model (agents.capability)",
    )

    # Sampling.
    temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    top_p: float = Field(default=0.9, gt=0.0, le=1.0)
    repeat_penalty: float = Field(default=1.15, ge=1.0, le=2.0)
    max_tokens: int = Field(default=512, ge=1, le=32768)
    seed: int = Field(default=42, ge=0)

    # Where runs are checkpointed and logs are written.
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("draftsmith", appauthor=False)))

    # Research.
    cache_dir: Path = Field(default_factory=lambda: Path(user_cache_dir("draftsmith", appauthor=False)))
    search_cache: bool = True
    search_min_interval: float = Field(default=1.0, ge=0.0, le=60.0, description="seconds between queries")
    fetch_pages: bool = Field(default=True, description="fetch and extract the top web results")
    allow_hosts: frozenset[str] = Field(
        default=frozenset(), description="hosts the page fetcher may reach even if private (e.g. an intranet)"
    )
    server_search: SearchMode = Field(default="auto", description="the LangGraph server graph's search mode")

    @field_validator("n_threads", mode="before")
    @classmethod
    def _threads_or_auto(cls, value: Any) -> Any:
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 256:
            raise ValueError(f"use a thread count from 1 to 256, or auto (got {value!r})")
        return int(text)

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.hf_file and not self.hf_repo:
            raise ValueError("hf_file needs hf_repo (the hub repository that holds the file)")
        if self.hf_repo and not self.hf_file:
            raise ValueError("hf_repo needs hf_file (the .gguf file name inside the repository)")
        if self.model_path and self.hf_repo:
            raise ValueError("give either model_path or hf_repo/hf_file, not both")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("backend 'openai' needs base_url, e.g. http://127.0.0.1:8080/v1")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.max_tokens >= self.n_ctx:
            raise ValueError(f"max_tokens ({self.max_tokens}) must be below n_ctx ({self.n_ctx})")
        return self


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment plus explicit overrides (``None`` means "not given").

    Raises:
        BadInputError: one line naming the first invalid field and why.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise BadInputError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """Turn a pydantic error into one line: ``invalid <field>: <reason>``."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "settings"
    reason = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid {field}: {reason}{extra}"
