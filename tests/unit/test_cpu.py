"""Thread choice from affinity and measured load, explicit settings winning, the OpenMP wait default."""

from __future__ import annotations

import pytest

from backends import cpu, factory
from backends.cpu import CpuSample, ThreadTuner, choose_threads, other_load, read_sample, set_wait_policy
from backends.llama_cpp_chat import LlamaCppChatModel
from core.settings import load_settings
from tests.fakes import FakeLlama


@pytest.mark.parametrize(
    ("cpus", "other", "threads"),
    [
        (2, 0.0, 2),  # idle
        (2, 0.1, 2),  # background noise
        (2, 0.2, 2),  # a process wanting a fifth of a core: both cores are still worth it
        (2, 0.33, 1),  # a third of a core: one thread is faster
        (2, 0.67, 1),
        (2, 1.0, 1),  # one CPU-bound process on its own core
        (2, 2.5, 1),  # everything busy: still one thread
        (4, 1.0, 3),
        (8, 0.2, 8),
        (2, None, 2),  # load unknown (not Linux): every usable CPU
    ],
)
def test_one_thread_per_free_cpu(cpus, other, threads):
    assert choose_threads(cpus, other) == threads


def test_a_reading_taken_while_our_threads_fill_every_cpu_counts_the_squeezed_load():
    assert choose_threads(2, 0.22, current=2) == 1  # a 35% process, squeezed by our two threads
    assert choose_threads(2, 0.13, current=2) == 2  # a 20% process, squeezed: stay
    assert choose_threads(2, 0.2, current=1) == 2  # the same process read at one thread: raise...
    assert choose_threads(2, 0.3, current=1) == 1
    assert choose_threads(2, 0.9, current=2) == 1  # a drop never waits
    assert choose_threads(4, 0.22, current=3) == 4  # a CPU was left free: nothing squeezed


def test_a_borderline_load_does_not_flip_the_count():
    counters = FakeCounters()
    tuner = tuner_on(counters, {0, 1}, others=0.2)
    assert tuner.initial() == 2
    counters.advance(3.0, others=0.13, own=1.87)  # ...and at two threads it reads lower: stay
    assert tuner.update() is None and tuner.current == 2


class FakeCounters:
    """``/proc/stat`` stand-in: others' load per second set by the test, our own CPU use too."""

    def __init__(self) -> None:
        self.now = 0.0
        self.busy = 0.0
        self.own = 0.0
        self.reads = 0

    def advance(self, seconds: float, others: float, own: float = 0.0) -> None:
        self.now += seconds
        self.busy += (others + own) * seconds
        self.own += own * seconds

    def sample(self) -> CpuSample:
        self.reads += 1
        return CpuSample(at=self.now, busy=self.busy, own=self.own)

    def clock(self) -> float:
        return self.now


def tuner_on(counters: FakeCounters, cpus: set[int], others: float) -> ThreadTuner:
    return ThreadTuner(
        cpus=cpus,
        sample=counters.sample,
        clock=counters.clock,
        sleep=lambda seconds: counters.advance(seconds, others),
    )


def test_first_choice_measures_a_short_window_of_other_load():
    counters = FakeCounters()
    assert tuner_on(counters, {0, 1}, others=1.0).initial() == 1
    assert tuner_on(FakeCounters(), {0, 1}, others=0.1).initial() == 2


def test_affinity_caps_the_threads():
    assert tuner_on(FakeCounters(), {3}, others=0.0).initial() == 1
    assert tuner_on(FakeCounters(), {0, 1, 2, 3}, others=0.0).initial() == 4


def test_our_own_cpu_use_does_not_count_as_load():
    counters = FakeCounters()
    tuner = tuner_on(counters, {0, 1}, others=0.0)
    tuner.initial()
    counters.advance(5.0, others=0.0, own=2.0)  # our two threads computing flat out
    assert tuner.update() is None
    assert tuner.current == 2 and tuner.other == pytest.approx(0.0)


def test_threads_follow_the_load_between_calls_and_checks_are_cheap():
    counters = FakeCounters()
    tuner = tuner_on(counters, {0, 1}, others=0.0)
    assert tuner.initial() == 2
    counters.advance(5.0, others=0.7, own=1.3)  # a burner started: it got 0.7 of a core
    assert tuner.update() == 1
    reads = counters.reads
    counters.advance(0.5, others=0.0, own=1.0)
    assert tuner.update() is None  # too soon to re-check: the counters are not even read
    assert counters.reads == reads
    counters.advance(5.0, others=0.0, own=1.0)  # the burner is gone
    assert tuner.update() == 2


def test_after_a_long_idle_the_load_is_measured_afresh():
    counters = FakeCounters()
    tuner = tuner_on(counters, {0, 1}, others=1.0)
    assert tuner.initial() == 1
    counters.advance(600.0, others=0.0)  # ten quiet minutes, then a burner right now
    tuner._sleep = lambda seconds: counters.advance(seconds, others=1.0)
    assert tuner.update() is None and tuner.current == 1


def test_unknown_load_keeps_every_cpu():
    tuner = ThreadTuner(cpus={0, 1}, sample=lambda: None, sleep=lambda s: None)
    assert tuner.initial() == 2
    assert tuner.update() is None


def test_proc_stat_is_read_for_our_cpus_only(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu.os, "sysconf", lambda name: 100)
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  900 0 300 5000 0 0 0 0 0 0\n"
        "cpu0 100 0 50 1000 20 0 0 0 0 0\n"
        "cpu1 200 0 50 1000 0 0 0 0 0 0\n"
        "cpu2 600 0 200 3000 0 0 0 0 0 0\n"
        "intr 12345\n"
    )
    sample = read_sample({0, 1}, stat)
    assert sample is not None and sample.busy == pytest.approx(4.0)  # (150 + 250) ticks / 100
    assert read_sample({0}, tmp_path / "missing") is None


def test_other_load_subtracts_our_own_time():
    before, after = CpuSample(0.0, 10.0, 1.0), CpuSample(2.0, 13.0, 2.0)
    assert other_load(before, after) == pytest.approx(1.0)


def test_wait_policy_default_is_set_unless_the_user_chose_one():
    env: dict[str, str] = {}
    assert set_wait_policy(env) == cpu.WAIT_POLICY and env == cpu.WAIT_POLICY
    for knob in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        user = {knob: "passive" if knob == "OMP_WAIT_POLICY" else "5"}
        assert set_wait_policy(user) == {} and len(user) == 1


class RecordingLlama:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.metadata: dict = {}


@pytest.fixture
def recording_llama(monkeypatch):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "Llama", RecordingLlama)
    return factory._load_llama_cached.__wrapped__


def test_explicit_threads_always_win(recording_llama, monkeypatch):
    monkeypatch.setattr(factory, "ThreadTuner", lambda: pytest.fail("an explicit count must not be tuned"))
    llama = recording_llama("m.gguf", 1024, 3, 64, 5, None, False)
    assert llama.kwargs["n_threads"] == llama.kwargs["n_threads_batch"] == 3
    assert llama not in factory._TUNERS


def test_auto_starts_with_the_tuners_choice_and_keeps_the_tuner(recording_llama, monkeypatch):
    class OneThread:
        def initial(self) -> int:
            return 1

    monkeypatch.setattr(factory, "ThreadTuner", OneThread)
    llama = recording_llama("m.gguf", 1024, "auto", 64, 5, None, False)
    assert llama.kwargs["n_threads"] == 1
    assert isinstance(factory._TUNERS[llama], OneThread)


def test_settings_accept_auto_and_numbers_from_the_environment(monkeypatch):
    assert load_settings().n_threads == "auto"
    monkeypatch.setenv("DRAFTSMITH_N_THREADS", "3")
    assert load_settings().n_threads == 3
    assert load_settings(n_threads="AUTO").n_threads == "auto"  # a flag beats the environment
    monkeypatch.setenv("DRAFTSMITH_N_THREADS", "Auto")
    assert load_settings().n_threads == "auto"
    assert load_settings(n_threads=2).n_threads == 2


class ScriptedTuner:
    """A tuner that asks for given thread counts on successive checks."""

    def __init__(self, answers: list[int | None]) -> None:
        self.answers = answers
        self.other = 1.0

    def update(self) -> int | None:
        return self.answers.pop(0) if self.answers else None


def test_the_adapter_changes_threads_before_and_during_a_call_on_the_engine_thread(monkeypatch):
    from backends import engine_thread

    applied: list[tuple[int, bool]] = []
    monkeypatch.setattr(
        cpu, "set_threads", lambda llama, n: applied.append((n, engine_thread.on_engine_thread()))
    )
    llama = FakeLlama(["a", "b", "c"], chat_format="chatml")
    model = LlamaCppChatModel(llama=llama, threads=ScriptedTuner([1, None, 2]))
    assert model.invoke("hi").content == "abc"
    assert applied == [(1, True), (2, True)]  # before the call, then mid-call


def test_a_fixed_thread_count_is_never_touched(monkeypatch):
    monkeypatch.setattr(cpu, "set_threads", lambda llama, n: pytest.fail("threads changed"))
    assert LlamaCppChatModel(llama=FakeLlama(["ok"], chat_format="chatml")).invoke("hi").content == "ok"


def test_refit_applies_a_changed_count_on_the_engine_thread_and_logs_it(monkeypatch, caplog):
    from backends import engine_thread

    applied: list[tuple[int, bool]] = []
    monkeypatch.setattr(
        cpu, "set_threads", lambda llama, n: applied.append((n, engine_thread.on_engine_thread()))
    )
    tuner = ScriptedTuner([None, 1])
    with caplog.at_level("INFO", logger="backends.cpu"):
        assert cpu.refit_threads(object(), tuner) is None  # no change: nothing applied, nothing said
        assert applied == [] and caplog.records == []
        assert cpu.refit_threads(object(), tuner) == 1
    assert applied == [(1, True)]
    assert "llama.cpp threads -> 1 (other programs used 1.00 CPUs)" in caplog.text
