"""The post-generation pipeline (``agents.text.after_generation``): clean → check → repair →
settle, each step once and in that order; the draft's sentence memory is a value, and the writer
and editor send their model replies through it."""

from __future__ import annotations

from agents.editor.editor import dedupe_across_sections, edit_steps
from agents.text.after_generation import Seen, Steps, after_generation, settle
from agents.text.cleanup import sentence_key
from agents.writer.sections import compose, generate
from core.state import Section
from tests.fakes import ScriptedChatModel
from tests.unit.test_free_writing import checker_and_evidence, context_for

EARLIER = "Bees need a calm corner of the garden with morning sun."
CHATTER = "Sure, here is the section:"
KEPT = "A hive of bees needs water within a short flight of its entrance."
DOOMED = "The beekeepers of the valley sing to their hives at dawn."
ADDED = "A hive placed out of the wind keeps its brood warm through cold nights."
REPLY = f"{CHATTER}\n{KEPT} {DOOMED}"


def recording_steps(calls: list[tuple[str, str]]) -> Steps[list[str]]:
    """A check that drops ``DOOMED`` and a repair that adds ``ADDED`` and the earlier sentence
    again (which only settling drops), each recording what it was given."""

    def check(body: str) -> tuple[str, list[str]]:
        calls.append(("check", body))
        return body.replace(f" {DOOMED}", ""), [DOOMED]

    def repair(body: str, found: list[str]) -> str:
        calls.append(("repair", body))
        assert found == [DOOMED]
        return f"{body} {ADDED} {EARLIER}"

    return Steps(check=check, repair=repair)


def test_each_step_runs_once_in_order_clean_check_repair_settle():
    calls: list[tuple[str, str]] = []
    seen: Seen = (sentence_key(EARLIER),)
    body = after_generation(REPLY, {1}, recording_steps(calls), seen)
    # clean ran first: the check sees no chatter; the check ran before the repair: the repair
    # sees no doomed sentence and the check never sees the repair's sentences.
    assert calls == [("check", f"{KEPT} {DOOMED}"), ("repair", KEPT)]
    assert body == f"{KEPT} {ADDED} {EARLIER}"  # not settled yet: the earlier sentence is still there
    settled = settle(body, {1}, seen)
    assert settled.body == f"{KEPT} {ADDED}"  # settling drops what the draft already says
    assert settled.seen == (*seen, sentence_key(KEPT), sentence_key(ADDED))
    assert seen == (sentence_key(EARLIER),)  # the memory it was given is unchanged


def test_clean_drops_what_the_draft_already_says_and_what_echoes_the_prompt():
    calls: list[tuple[str, str]] = []
    prompt = "Write about the garden. Keep every sentence short and plain for the reader."
    reply = f"{EARLIER} Keep every sentence short and plain for the reader. {KEPT} {DOOMED}"
    after_generation(reply, {1}, recording_steps(calls), (sentence_key(EARLIER),), prompt=prompt)
    assert calls[0] == ("check", f"{KEPT} {DOOMED}")


def test_the_extractive_writer_settles_a_section_only_when_it_joins_the_draft():
    invented = "In 1987 a study found 73% more honey."
    model = ScriptedChatModel(default_reply=f"{CHATTER} {KEPT} {DOOMED} {invented}")
    context = context_for(model)
    context.grounded = False  # no weaving: the model's own sentences, checked
    context.seen = (sentence_key(KEPT),)
    part = Section(heading="Hives", body="", role="body", index=1, words=40, subject="bees hives")
    written = generate(context, part, "section", [], {"points": "- water", "covered": "nothing yet"})
    assert context.seen == (sentence_key(KEPT),)  # generating leaves the draft's memory alone
    assert written.body == DOOMED  # chatter cleaned, the invented study checked out, the repeat settled
    assert written.seen == (sentence_key(KEPT), sentence_key(DOOMED))
    section = compose(context, part, "section", [], points="- water", covered="nothing yet")
    assert section.body == DOOMED and context.seen == written.seen  # the section joined the draft


def test_the_editor_checks_its_edit_before_it_decides_and_settles_its_sections_in_order():
    checker, _ = checker_and_evidence()
    original = f"{KEPT} {ADDED}"
    # An edit that only adds an invented specific is that specific dropped, then judged: what is
    # left is the original text, which is kept.
    steps = edit_steps(original, 20, checker.corpus, grounded=True)
    edited = after_generation(f"{original} In 1987 a study found 73% more honey [1].", {1}, steps)
    assert edited == original
    # A shorter edit is rejected for the text it had.
    assert after_generation(KEPT, {1}, edit_steps(original, 20, checker.corpus, True)) == original
    sections = [Section(heading="", body=original), Section(heading="Hives", body=f"{KEPT} {EARLIER}")]
    assert [s.body for s in dedupe_across_sections(sections, {1})] == [original, EARLIER]
