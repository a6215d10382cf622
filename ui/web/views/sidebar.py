"""The sidebar's model settings, the models by name with their download, and the download bar."""

from __future__ import annotations

import streamlit as st

from backends.presets import format_size
from core.errors import DraftsmithError
from ui.web import models, render

MODEL_SOURCES: dict[models.ModelSource, str] = {
    "auto": "Auto: Llama 3 when downloaded, else the embedded model",
    "embedded": "Embedded SmolLM2-135M (no setup)",
    "preset": "A model by name (Llama 3.2 1B/3B, 3.1 8B, …)",
    "path": "GGUF file on this computer",
    "hub": "GGUF file from the model hub",
    "openai": "OpenAI-compatible server",
}


def model_sidebar() -> models.ModelForm:
    """The model settings in the sidebar."""
    with st.sidebar:
        st.header("Model")
        sources = list(MODEL_SOURCES)
        source = st.radio(
            "Model source",
            sources,
            index=sources.index(models.default_source()),
            format_func=MODEL_SOURCES.__getitem__,
            key="model_source",
        )
        values: dict[str, str] = {}
        if source == "auto":
            st.caption(f"Drafts with {render.escape_markdown(models.auto_offer().model)}.")
        elif source == "preset":
            values["preset"] = model_picker()
        elif source == "path":
            values["model_path"] = st.text_input(
                "GGUF file", key="model_path", placeholder="/models/model-q4_k_m.gguf"
            )
        elif source == "hub":
            values["hf_repo"] = st.text_input("Hub repository", key="hf_repo", placeholder="org/name-GGUF")
            values["hf_file"] = st.text_input("File in the repository", key="hf_file", placeholder="*.gguf")
        elif source == "openai":
            values["base_url"] = st.text_input(
                "Server URL", key="base_url", placeholder="http://127.0.0.1:8080/v1"
            )
            values["openai_model"] = st.text_input("Model name", key="openai_model", placeholder="default")
            values["api_key"] = st.text_input(
                "API key (if the server needs one)", type="password", key="api_key"
            )
        with st.expander("Advanced"):
            threads = st.number_input(
                "CPU threads", 1, 256, value=None, placeholder="all cores", key="threads"
            )
            temperature = st.number_input(
                "Temperature", 0.0, 2.0, value=None, step=0.05, placeholder="0.3", key="temperature"
            )
        st.caption("Runs are saved in the folder named by `DRAFTSMITH_DATA_DIR` (default: your data folder).")
    return models.ModelForm(
        source=source or models.default_source(),
        threads=int(threads) if threads is not None else None,
        temperature=temperature,
        **values,
    )


def model_picker() -> str:
    """The models by name (as ``cli.py models`` lists them, the recommended one first chosen),
    with a download button and progress."""
    choices = models.model_choices()
    values = list(choices)
    recommended = next((i for i, label in enumerate(choices.values()) if models.RECOMMENDED in label), 0)
    name = st.selectbox(
        "Model", values, index=recommended, format_func=choices.__getitem__, key="model_preset"
    )
    missing = bool(name) and choices[name].endswith("downloads on first use")
    if missing and st.button("Download now", key="download_model"):
        try:
            download(name)
        except DraftsmithError as exc:
            st.error(str(exc))
    return name or ""


def download(name: str) -> None:
    """Download the model ``name`` now, with a progress bar (resumed where an earlier one stopped,
    checked against the hub's sha256).

    Raises:
        DraftsmithError: one line naming the model and why it could not be downloaded.
    """
    bar = st.progress(0.0, text="Downloading…")

    def show(done: int, total: int) -> None:
        shown = f"{format_size(done)} of {format_size(total)}" if total else format_size(done)
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"Downloading… {shown}")

    models.download_model(name, show)
    bar.progress(1.0, text="Downloaded")
