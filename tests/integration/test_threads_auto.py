"""threads = auto on the real library: the wait default reaches libgomp, thread changes reach the
loaded model without a reload, and it keeps generating."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backends.cpu import WAIT_POLICY, set_threads
from backends.engine_thread import run_on_engine
from backends.factory import make_chat_model
from core.settings import load_settings
from tests.servers import ROOT

pytestmark = pytest.mark.integration
BUILD_A_MODEL = (
    "import os, sys; before = dict(os.environ); import backends.factory as f; "
    "from core.settings import load_settings; "
    "assert dict(os.environ) == before and 'llama_cpp' not in sys.modules; "
    "f.make_chat_model(load_settings(n_ctx=512, max_tokens=8, n_threads=1))"
)


def libgomp_settings(extra_env: dict[str, str]) -> str:
    """What libgomp reports at load (OMP_DISPLAY_ENV) when a fresh process builds a model through
    our factory (importing it sets nothing: the wait default is set when the model loads)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(OMP_DISPLAY_ENV="verbose", **extra_env)
    done = subprocess.run(
        [sys.executable, "-c", BUILD_A_MODEL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


def test_the_wait_default_reaches_libgomp_unless_the_user_set_one():
    ours = libgomp_settings({})
    assert f"GOMP_SPINCOUNT = '{WAIT_POLICY['GOMP_SPINCOUNT']}'" in ours
    assert f"OMP_WAIT_POLICY = '{WAIT_POLICY['OMP_WAIT_POLICY'].upper()}'" in ours
    assert "GOMP_SPINCOUNT = '4242'" in libgomp_settings({"GOMP_SPINCOUNT": "4242"})
    assert "OMP_WAIT_POLICY = 'PASSIVE'" in libgomp_settings({"OMP_WAIT_POLICY": "passive"})


def test_threads_change_on_the_loaded_model_and_it_keeps_generating():
    import llama_cpp

    model = make_chat_model(load_settings(n_ctx=2048, max_tokens=24, n_threads="auto"))
    llama = model.llama  # type: ignore[attr-defined]
    assert model.threads is not None  # type: ignore[attr-defined]
    assert 1 <= llama_cpp.llama_n_threads(llama.ctx) <= len(os.sched_getaffinity(0))
    for threads in (1, 2, 1):
        run_on_engine(set_threads, llama, threads)
        assert llama_cpp.llama_n_threads(llama.ctx) == threads
        assert llama_cpp.llama_n_threads_batch(llama.ctx) == threads
        reply = model.invoke("Name three rivers.")
        assert reply.usage_metadata["output_tokens"] > 0  # type: ignore[index]
    run_on_engine(set_threads, llama, model.threads.current)  # type: ignore[attr-defined]
    assert make_chat_model(load_settings(n_ctx=2048, max_tokens=24, n_threads="auto")).llama is llama  # type: ignore[attr-defined]
