"""Benchmark metrics: hand-computed expectations for the quality functions and the reuse counter."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.text import readability
from bench import overlap, post_text, quality
from bench.instruments import EvalCounter, reuse_rate
from bench.summary import add_engine_counts, group_telemetry
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tests.team import FakeTeam
from tools.base import Document, NoSearch, StaticSearch

POST = """# Brewing Tea

Tea is easy to brew at home [1].

## Water

Use water near 80 C for green tea [1].

## Timing

Steep it for two minutes.

## Conclusion

Good tea needs care.

## References

1. Tea facts — https://example.org/tea
"""


# --- structure ------------------------------------------------------------------------------


def test_parse_markdown_splits_title_intro_and_sections():
    title, intro, sections = post_text.parse_markdown(POST)
    assert title == "Brewing Tea"
    assert intro == "Tea is easy to brew at home [1]."
    assert [name for name, _ in sections] == ["Water", "Timing", "Conclusion", "References"]
    assert sections[1] == ("Timing", "Steep it for two minutes.")


def test_prose_drops_headings_references_and_citation_markers():
    text = post_text.prose(POST)
    assert "#" not in text and "[1]" not in text and "example.org" not in text
    expected = "Tea is easy to brew at home. Use water near 80 C for green tea. Steep it for two minutes."
    assert " ".join(text.split()) == expected + " Good tea needs care."
    assert post_text.word_total(POST) == 24


def test_a_complete_post_passes_every_structure_check():
    report = quality.structure_report(POST, ["Water", "timing"], has_sources=True)
    assert report.title and report.intro and report.conclusion and report.references
    assert report.missing_sections == [] and report.sections_expected == 2
    assert report.sections_found == 3  # Water, Timing, Conclusion
    assert report.score == 1.0


def test_structure_names_what_is_missing():
    bare = "# Title\n\n## Water\n\nHot water.\n\n## Timing\n\n"  # no intro, Timing empty, no end
    report = quality.structure_report(bare, ["Water", "Timing", "Cups"], has_sources=True)
    assert report.title and not report.intro and not report.conclusion and not report.references
    assert report.missing_sections == ["Timing", "Cups"]
    assert report.score == round(2 / 6, 3)  # title, distinct headings


def test_references_are_only_required_with_sources():
    no_refs = POST.split("## References")[0]
    assert quality.structure_report(no_refs, None, has_sources=False).score == 1.0
    with_sources = quality.structure_report(no_refs, None, has_sources=True)
    assert with_sources.score == round(5 / 6, 3) and with_sources.sections_expected is None


def test_repeated_headings_fail_the_structure_check():
    post = "# T\n\nIntro.\n\n## Feeding\n\nA.\n\n## feeding!\n\nB.\n\n## Conclusion\n\nC.\n"
    report = quality.structure_report(post, ["Feeding"], has_sources=False)
    assert report.duplicate_headings == ["Feeding"]
    assert report.missing_sections == [] and report.score == round(5 / 6, 3)


# --- repetition and readability -------------------------------------------------------------


def test_repeated_ngram_ratio_counts_repeats_of_earlier_trigrams():
    # trigrams: (a b c) (b c a) (c a b) (a b c) -> 4, one repeat
    assert readability.repeated_ngram_ratio("a b c a b c") == 0.25
    assert readability.repeated_ngram_ratio("one two three four five") == 0.0
    assert readability.repeated_ngram_ratio("too short") == 0.0


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),
        ("make", 1),  # silent e
        ("table", 2),  # -le is spoken
        ("baked", 1),  # silent -ed
        ("wanted", 2),  # -ted is spoken
        ("makes", 1),
        ("boxes", 2),  # -es after x is spoken
        ("beautiful", 3),
        ("Education", 4),
        ("rhythm", 1),
        ("42", 0),
    ],
)
def test_count_syllables_heuristic(word, syllables):
    assert readability.count_syllables(word) == syllables


def test_flesch_reading_ease_by_hand():
    # 6 words, 2 sentences, 6 syllables: 206.835 - 1.015 * 3 - 84.6 * 1
    assert readability.flesch_reading_ease("The cat sat. The dog ran.") == 119.19
    # 3 words, 1 sentence, 9 syllables (4 + 1 + 4): 206.835 - 1.015 * 3 - 84.6 * 3
    assert readability.flesch_reading_ease("Education is beneficial.") == -50.01
    assert readability.flesch_reading_ease("") == 0.0


# --- reference overlap ----------------------------------------------------------------------


def test_rouge_1_uses_clipped_unigram_counts():
    # overlap 3: precision 3/3, recall 3/6 -> F1 = 2 * 1 * 0.5 / 1.5
    assert overlap.rouge_1("The cat sat.", "the cat sat on the mat") == 0.6667
    # "the" x3 vs once: overlap 1, precision 1/3, recall 1/2 -> F1 0.4
    assert overlap.rouge_1("the the the", "the cat") == 0.4
    assert overlap.rouge_1("", "the cat") == 0.0


def test_lcs_length_by_hand():
    assert overlap.lcs_length(list("abcbdab"), list("bdcaba")) == 4  # e.g. "bcba"
    assert overlap.lcs_length(["a", "b"], []) == 0


def test_rouge_l_rewards_order_where_rouge_1_does_not():
    candidate, reference = "alpha beta gamma delta", "beta alpha delta gamma"
    assert overlap.rouge_1(candidate, reference) == 1.0
    assert overlap.rouge_l(candidate, reference) == 0.5  # LCS 2 of 4 each way


def test_entities_are_numbers_and_capitalised_phrases_not_sentence_openers():
    text = "Ada Lovelace wrote notes in 1843. She worked with Charles Babbage in London on 2,000 cards."
    assert overlap.extract_entities(text) == {"ada lovelace", "1843", "charles babbage", "london", "2000"}
    assert overlap.extract_entities("The Thames floods. Rivers flood.") == {"thames"}


def test_entity_recall_counts_reference_entities_the_draft_mentions():
    reference = "Ada Lovelace wrote notes in 1843. She worked with Charles Babbage in London."
    recall, count = overlap.entity_recall("In 1843 charles babbage built an engine.", reference)
    assert (recall, count) == (0.5, 4)
    assert overlap.entity_recall("anything", "no entities here.") == (None, 0)


# --- rounds, citations, whole reports -------------------------------------------------------


def test_critic_progress_reports_whether_rounds_helped():
    progress = quality.critic_progress([5.0, 7.5, 6.0])
    assert (progress.first, progress.best, progress.last, progress.gain) == (5.0, 7.5, 6.0, 2.5)
    assert progress.last_not_worse
    worse = quality.critic_progress([6.0, 4.0])
    assert worse.gain == 0.0 and not worse.last_not_worse
    with pytest.raises(ValueError):
        quality.critic_progress([])


def test_support_rate_recomputes_against_source_texts():
    markdown = "Green tea is steamed soon after picking [1]. Kettles boil water quickly [2]."
    texts = {1: "Green tea is steamed soon after picking.", 2: "Coffee beans are roasted."}
    assert quality.support_rate(markdown, texts, measured=0.9) == 0.5
    assert quality.support_rate(markdown, None, measured=0.9) == 0.9


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


def fake_result(settings, tool, mode):
    team = FakeTeam(critic_scores=[4, 8, 6], cite=1)
    return draft(
        DraftRequest(topic="Brewing tea at home", rounds=3, threshold=10, search=mode),
        settings,
        chat_model=team.model,
        search=tool,
        checkpointer=InMemorySaver(),
    )


def test_evaluate_a_grounded_fake_run(settings):
    source = "The river near the garden shaped lantern number work orchard copper canyon pepper."
    search = StaticSearch([Document(title="Notes", url="https://example.org/notes", text=source)])
    result = fake_result(settings, search, "web")
    headings = ["Part River", "Part Garden", "Part Lantern"]
    report = quality.evaluate(result, outline_headings=headings, source_texts={1: source})
    assert report.structure.score == 1.0 and report.structure.references
    assert report.citation_support == 1.0
    assert report.repeated_sentence_ratio == 0.0
    assert report.progress.scores == [r.critique.overall for r in result.rounds]
    assert report.progress.best == result.score
    assert report.length_ratio == round(report.words / 600, 3)
    again = quality.evaluate(
        result.model_dump(mode="json"), outline_headings=headings, source_texts={1: source}
    )
    assert again == report


def test_evaluate_flags_a_missing_planned_section_and_needs_no_references_without_sources(settings):
    result = fake_result(settings, NoSearch(), "off")
    # Without sources the fake team's "Part …" headings give way to ones named after the topic.
    planned = ["What you need before brewing tea at home", "Part Orbit"]
    report = quality.evaluate(result, outline_headings=planned)
    assert report.structure.missing_sections == ["Part Orbit"]
    assert not report.structure.references_required and not report.structure.references
    assert report.citation_support is None and report.reference is None
    with_reference = quality.evaluate(
        result, reference="The river near the garden. Part River Valley in 1999."
    )
    assert with_reference.reference is not None and with_reference.reference.rouge_1 > 0


def test_load_runs_reads_bench_files_and_plain_results():
    plain = {"topic": "Tea", "rounds": []}
    assert quality.load_runs(plain) == [("Tea", {"result": plain})]
    bench = {"scenarios": [{"name": "a", "result": plain}, {"name": "failed"}]}
    assert quality.load_runs(bench) == [("a", {"name": "a", "result": plain})]


# --- benchmark instruments ------------------------------------------------------------------


class PrefixCachingLlama:
    """Mimics ``Llama.generate``: skips the prefix shared with the last sequence, then evals."""

    def __init__(self) -> None:
        self.held: list[int] = []

    def eval(self, tokens: list[int]) -> None:
        self.held.extend(tokens)

    def generate(self, tokens: list[int], new_tokens: int = 2):
        shared = 0
        for old, new in zip(self.held, tokens[:-1], strict=False):
            if old != new:
                break
            shared += 1
        self.held = self.held[:shared]
        self.eval(tokens[shared:])
        for step in range(new_tokens):
            yield 100 + step
            self.eval([100 + step])


def test_eval_counter_separates_reused_prompt_tokens_from_evaluated_ones():
    llama = PrefixCachingLlama()
    counter = EvalCounter(llama)
    list(llama.generate(list(range(10))))  # nothing cached: 10 evaluated
    list(llama.generate([*range(6), 50, 51]))  # 6 shared: 2 evaluated
    counts = counter.as_dict()
    assert (counts["calls"], counts["prompt_submitted"], counts["prompt_evaluated"]) == (2, 18, 12)
    assert counts["generated_evaluated"] == 4
    assert counts["reuse_rate"] == round(1 - 12 / 18, 4)
    assert reuse_rate(0, 0) == 0.0


def test_group_telemetry_sums_per_agent_in_pipeline_order():
    steps = [
        {
            "agent": "writer",
            "round": 1,
            "seconds": 2.0,
            "calls": 5,
            "prompt_tokens": 50,
            "completion_tokens": 9,
        },
        {
            "agent": "critic",
            "round": 1,
            "seconds": 1.0,
            "calls": 1,
            "prompt_tokens": 30,
            "completion_tokens": 4,
        },
        {
            "agent": "writer",
            "round": 2,
            "seconds": 3.5,
            "calls": 5,
            "prompt_tokens": 60,
            "completion_tokens": 8,
        },
    ]
    by_agent = group_telemetry(steps, "agent")
    assert [g["agent"] for g in by_agent] == ["writer", "critic"]
    assert by_agent[0] == {
        "agent": "writer",
        "seconds": 5.5,
        "calls": 10,
        "prompt_tokens": 110,
        "completion_tokens": 17,
    }
    assert [g["seconds"] for g in group_telemetry(steps, "round")] == [3.0, 3.5]


def test_engine_counts_are_attributed_to_agents_in_call_order():
    steps = [
        {
            "agent": "researcher",
            "round": 1,
            "seconds": 1.0,
            "calls": 1,
            "prompt_tokens": 10,
            "completion_tokens": 1,
        },
        {
            "agent": "writer",
            "round": 1,
            "seconds": 4.0,
            "calls": 2,
            "prompt_tokens": 40,
            "completion_tokens": 9,
        },
        {
            "agent": "researcher",
            "round": 2,
            "seconds": 1.0,
            "calls": 1,
            "prompt_tokens": 10,
            "completion_tokens": 1,
        },
    ]
    calls = [
        {"submitted": 10, "evaluated": 10, "prompt_seconds": 0.5, "decode_seconds": 0.25},
        {"submitted": 20, "evaluated": 5, "prompt_seconds": 0.5, "decode_seconds": 1.0},
        {"submitted": 20, "evaluated": 15, "prompt_seconds": 0.5, "decode_seconds": 1.0},
        {"submitted": 10, "evaluated": 2, "prompt_seconds": 0.25, "decode_seconds": 0.25},
    ]
    agents = add_engine_counts(group_telemetry(steps, "agent"), steps, calls)
    researcher, writer = agents
    assert (researcher["prompt_evaluated"], researcher["reuse_rate"], researcher["engine_s"]) == (
        12,
        0.4,
        1.25,
    )
    assert (writer["prompt_evaluated"], writer["reuse_rate"], writer["engine_s"]) == (20, 0.5, 3.0)
    unmatched = add_engine_counts(group_telemetry(steps, "agent"), steps, calls[:3])
    assert "reuse_rate" not in unmatched[0]
    # Rating probes are not chat calls: they count for the step whose calls they follow.
    probe = {"submitted": 30, "evaluated": 4, "prompt_seconds": 0.5, "decode_seconds": 0.0, "probe": True}
    with_probes = [calls[0], probe, *calls[1:3], probe, calls[3]]
    researcher, writer = add_engine_counts(group_telemetry(steps, "agent"), steps, with_probes)
    assert (researcher["prompt_evaluated"], researcher["engine_s"]) == (16, 1.75)
    assert (writer["prompt_evaluated"], writer["engine_s"]) == (24, 3.5)


def test_generation_time_runs_from_the_prompt_to_the_last_token_and_excludes_the_prompt():
    import time

    from bench.summary import generation_tps

    class SlowSampling(PrefixCachingLlama):
        def generate(self, tokens, new_tokens=2):
            for token in super().generate(tokens, new_tokens):
                time.sleep(0.05)  # sampling and Python between evals count as generation
                yield token

        def eval(self, tokens):
            if len(tokens) > 1:
                time.sleep(0.2)  # a slow prompt does not
            super().eval(tokens)

    llama = SlowSampling()
    counter = EvalCounter(llama)
    list(llama.generate(list(range(10)), new_tokens=3))
    counts = counter.as_dict()
    assert 0.14 <= counts["generation_seconds"] < 0.2 + 0.14
    assert counts["prompt_seconds"] >= 0.2
    assert generation_tps(counts) == round(3 / counts["generation_seconds"], 1)
    assert generation_tps({"generated_evaluated": 0, "generation_seconds": 0}) is None


def test_replay_sends_the_recorded_calls_again_from_an_empty_context_without_the_run_deadline():
    from backends.llama_cpp_chat import GenerationMonitor
    from bench.instruments import CallRecorder, replay_calls
    from bench.pipeline import replay_run

    class CompletingLlama(PrefixCachingLlama):
        def __init__(self) -> None:
            super().__init__()
            self.criteria: list[list[object]] = []

        def reset(self) -> None:
            self.held = []

        def create_completion(self, prompt, max_tokens, stopping_criteria=None, **_):
            self.criteria.append(list(stopping_criteria or []))
            yield from self.generate(prompt, new_tokens=max_tokens)

    llama = CompletingLlama()
    counter = EvalCounter(llama)
    recorder = CallRecorder(llama)
    monitor = GenerationMonitor(3, None, None)
    for prompt, cap in (([1, 2, 3], 2), ([1, 2, 9, 9], 3)):  # the second call reuses 2 tokens
        list(llama.create_completion(prompt=prompt, max_tokens=cap, stopping_criteria=[monitor], stream=True))
    assert len(recorder.requests) == 2
    replay = replay_run(llama, recorder, counter, run_calls=2)
    assert replay["calls"] == 2 and replay["generated"] == replay["run_generated"] == 5
    assert replay["evaluated"] == counter.as_dict()["prompt_evaluated"] // 2 == 5  # 3 + 2: same reuse
    assert all(monitor not in criteria for criteria in llama.criteria[2:])
    assert replay_calls(llama, [], recorder.create) >= 0.0


def test_same_work_compares_the_run_with_its_raw_replay():
    from bench.summary import same_work

    numbers = same_work({"seconds": 45.0, "generated": 900, "run_generated": 900}, wall=50.0, completion=900)
    assert numbers == {
        "raw_same_calls_s": 45.0,
        "raw_same_calls_tps": 20.0,
        "same_calls_ratio": 0.9,
        "same_calls_matched": True,
    }
    assert same_work(None, wall=50.0, completion=900)["same_calls_ratio"] is None
    differed = same_work({"seconds": 45.0, "generated": 800, "run_generated": 900}, 50.0, 900)
    assert not differed["same_calls_matched"]


def test_the_recorder_times_the_run_inside_llama_cpp_and_the_report_the_rest(monkeypatch):
    from bench import instruments
    from bench.instruments import CallRecorder
    from bench.summary import outside_llama

    clock = [100.0]
    monkeypatch.setattr(instruments.time, "perf_counter", lambda: clock[0])

    class SlowLlama:  # each piece, and a whole non-streamed call, takes 1 s of the fake clock
        def create_completion(self, **request):
            if not request.get("stream"):
                clock[0] += 1.0
                return {"choices": [{"text": "7"}]}

            def pieces():
                for text in ("a", "b"):
                    clock[0] += 1.0
                    yield {"choices": [{"text": text}]}

            return pieces()

    llama = SlowLlama()
    recorder = CallRecorder(llama)
    stream = llama.create_completion(prompt=[1], stream=True)
    clock[0] += 5.0  # before the stream is iterated: not time inside llama.cpp
    assert [piece["choices"][0]["text"] for piece in stream] == ["a", "b"]
    clock[0] += 5.0  # the app's own work between calls
    llama.create_completion(prompt=[1], max_tokens=1)
    assert recorder.inside_seconds == 3.0
    assert outside_llama(45.0, wall=50.0) == {"outside_llama_s": 5.0, "outside_llama_share": 0.1}
    assert outside_llama(None, wall=50.0)["outside_llama_s"] is None


def test_chat_reuse_leaves_out_the_rating_probes():
    from bench.summary import chat_reuse_rate

    calls = [
        {"submitted": 100, "evaluated": 60},
        {"submitted": 1000, "evaluated": 20, "probe": True},  # a probe reuses nearly everything
        {"submitted": 100, "evaluated": 40, "probe": False},
    ]
    assert chat_reuse_rate(calls) == 0.5
    assert chat_reuse_rate(None) is None
