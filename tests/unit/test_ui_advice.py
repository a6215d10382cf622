"""Errors in the page's words: no command-line advice, the sidebar field to change, Resume."""

from __future__ import annotations

import pytest

from core import errors
from ui.web.advice import explain, without_cli_advice


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        (
            "model file not found: /m/x.gguf (check the path, or omit --model to use the embedded model)",
            "model file not found: /m/x.gguf",
        ),
        (
            "search mode 'local' needs a folder of notes: pass --sources DIR",
            "search mode 'local' needs a folder of notes",
        ),
        (
            "no readable .md, .txt or .html text in /n; add notes there or drop --sources",
            "no readable .md, .txt or .html text in /n",
        ),
        ("run r1 stopped early; continue it with: python cli.py resume r1", "run r1 stopped early"),
        (
            "the model is not downloaded (1.2 GB), or pass --model with a path",
            "the model is not downloaded (1.2 GB)",
        ),
        (
            "the prompt does not fit: raise DRAFTSMITH_N_CTX",
            "the prompt does not fit: raise DRAFTSMITH_N_CTX",
        ),
        ("a 3-step plan -- nothing to cut", "a 3-step plan -- nothing to cut"),
    ],
)
def test_command_line_advice_is_cut_and_the_rest_kept(message, kept):
    assert without_cli_advice(message) == kept


@pytest.mark.parametrize(
    ("error", "advice", "resumable"),
    [
        (
            errors.ServerUnreachableError("cannot reach the model server at http://h/v1", run_id="r1"),
            "**Server URL** in the sidebar",
            True,
        ),
        (
            errors.ServerTimeoutError("the model server did not answer within 60 s", run_id="r1"),
            "**Resume**",
            True,
        ),
        (
            errors.NoDraftYetError("run r1 stopped before its first draft was scored", run_id="r1"),
            "**Resume** continues",
            True,
        ),
        (errors.BackendError("writer failed in round 2: boom", run_id="r1"), "**Resume** continues", True),
        (
            errors.ModelFileError("model file not found: /m/x.gguf (check the path, or omit --model)"),
            "**GGUF file** in the sidebar",
            False,
        ),
        (
            errors.ModelFileError("could not download f.gguf from hub repository org/r: 404"),
            "**Hub repository**",
            False,
        ),
        (
            errors.BadInputError("invalid base_url: enter the server address"),
            "Change **Server URL** in the sidebar",
            False,
        ),
        (
            errors.BadInputError("invalid model: pick a model from the list"),
            "Change **Model** in the sidebar",
            False,
        ),
        (
            errors.ModelFileError(
                "model m is not downloaded yet and the hub cannot be reached (repository r, file f)"
            ),
            "**Download now**",
            False,
        ),
        (
            errors.BadInputError("invalid settings: base_url must start with http"),
            "Change **Server URL** in the sidebar",
            False,
        ),
        (errors.BadInputError("invalid topic: at least 3 characters"), "Change **Topic** in the form", False),
        (errors.RunNotFoundError("no run r9 in /data", run_id="r9"), "**History**", False),
        (errors.RunFinishedError("run r1 already finished", run_id="r1"), "**History**", False),
    ],
)
def test_each_error_gets_the_pages_advice(error, advice, resumable):
    explained = explain(error)
    assert advice in explained.advice
    assert (explained.run_id is not None) is resumable
    assert "--" not in explained.message + explained.advice and "cli.py" not in explained.message


def test_an_error_without_advice_or_an_unexpected_one_is_still_one_line():
    assert explain(errors.DraftsmithError("the run store is corrupt")).advice == ""
    unexpected = explain(RuntimeError("boom\nTraceback (most recent call last)"))
    assert unexpected.message == "unexpected failure: boom" and unexpected.run_id is None
    assert explain(KeyError()).message == "unexpected failure: KeyError"


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("invalid topic: String should have at least 3 characters", "Topic: use at least 3 characters"),
        (
            "invalid words: Input should be less than or equal to 5000",
            "Target words: use a number of at most 5000",
        ),
        (
            "invalid settings: base_url must start with http:// or https://, got 'ftp://h'",
            "Server URL must start with http:// or https://, got 'ftp://h'",
        ),
        (
            "invalid n_threads: use a thread count from 1 to 256, or auto",
            "CPU threads: use a thread count from 1 to 256, or auto",
        ),
        ("invalid model_path: enter the path of a .gguf file", "GGUF file: enter the path of a .gguf file"),
    ],
)
def test_validation_errors_are_plain_words_naming_the_field_on_the_page(message, plain):
    explained = explain(errors.BadInputError(message))
    assert explained.message == plain and "invalid" not in explained.message
    assert "Change **" in explained.advice
