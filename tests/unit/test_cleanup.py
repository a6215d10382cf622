"""Text hygiene for small models."""

from agents.text.cleanup import (
    clean_section,
    cut_loop,
    drop_echoed_instructions,
    drop_repeated_sentences,
    drop_unfinished_sentence,
    keep_known_citations,
    repeated_sentence_ratio,
    strip_chatter,
    tidy_heading,
)
from core.markers import split_sentences


def test_split_sentences():
    assert split_sentences("Tea is old. It came from China! Is it good? Yes [1].") == [
        "Tea is old.",
        "It came from China!",
        "Is it good?",
        "Yes [1].",
    ]


def test_repeated_and_nearly_repeated_sentences_are_dropped_across_calls():
    seen: list[frozenset[str]] = []
    first = drop_repeated_sentences(
        "Green tea is steamed. Black tea is oxidised. Green tea is steamed.", seen
    )
    assert first == "Green tea is steamed. Black tea is oxidised."
    second = drop_repeated_sentences("Black tea is fully oxidised. Oolong sits in between the two.", seen)
    assert second == "Oolong sits in between the two."  # 4 of 5 words shared: a near repeat
    third = drop_repeated_sentences("Oolong sits in between the two!", seen)
    assert third == ""


def test_repeated_sentence_ratio():
    assert (
        repeated_sentence_ratio("# T\n\nA cat sat down. A dog ran off. A cat sat down. A cat sat down.")
        == 0.5
    )
    assert repeated_sentence_ratio("One idea here. Another idea there.") == 0.0
    assert repeated_sentence_ratio("") == 0.0


def test_a_generation_loop_is_cut():
    text = "Tea is good and tea is warm. " + "and tea is warm and " * 5
    cut = cut_loop(text)
    assert cut.count("tea is warm") <= 3 and cut.startswith("Tea is good")
    assert cut_loop("no loop here at all") == "no loop here at all"


def test_chatter_headings_and_markers_are_stripped():
    text = "Sure! Here's the section:\n## Heading\n<<<\nTea grew in China. 2. Then it spread.\n>>>"
    assert strip_chatter(text) == "Tea grew in China. Then it spread."


def test_an_unfinished_last_sentence_is_dropped():
    assert drop_unfinished_sentence("Tea is old. It came from") == "Tea is old."
    assert drop_unfinished_sentence("Tea is old [1].") == "Tea is old [1]."
    assert drop_unfinished_sentence("no end at all") == "no end at all"


def test_unknown_citations_are_removed():
    assert keep_known_citations("Tea is old [1]. It is good [7].", {1}) == "Tea is old [1]. It is good."
    assert keep_known_citations("Tea is old [1].", set()) == "Tea is old."


def test_echoed_instructions_are_dropped():
    prompt = "You are the writer. Write about 120 words of plain prose. No heading."
    text = "Tea is a drink. Write about 120 words of plain prose. Many people love it."
    assert drop_echoed_instructions(text, prompt) == "Tea is a drink. Many people love it."


def test_headings_lose_numbering():
    assert tidy_heading("2. How it works") == "How it works"
    assert tidy_heading("## Section 3: Brewing") == "Brewing"
    assert tidy_heading("**Why tea**") == "Why tea"


def test_clean_section_runs_the_whole_pass():
    raw = "Certainly!\nTea is old [1]. Tea is old [1]. It is cheap [4]. And then"
    assert clean_section(raw, {1}) == "Tea is old [1]. It is cheap."


def test_sentences_about_the_task_are_dropped_even_when_they_do_not_echo_the_prompt():
    text = (
        'Tea is a drink. The critic said: "Why it matters" - only 17% of citations are backed by '
        "their source text. Many people love it."
    )
    assert drop_echoed_instructions(text, "You are the writer.") == "Tea is a drink. Many people love it."


def test_sentences_about_the_writing_itself_are_dropped():
    text = (
        "In this opening paragraph, I've covered several key points. Tea is old. I made some changes "
        "to improve the section. I also reorganized my sentences for better flow. I edited tea "
        "labels for a living. In this section we look at green tea."
    )
    assert drop_echoed_instructions(text, "You are the writer.") == (
        "Tea is old. I edited tea labels for a living. In this section we look at green tea."
    )


def test_the_writer_does_not_see_per_sentence_citation_findings():
    from agents.text.issues import for_writer
    from core.state import CritiqueIssue

    weak = CritiqueIssue(kind="weak_citation", text="a finding", source_id=1, section="Tea")
    unknown = CritiqueIssue(kind="unknown_source", text="another finding", source_id=4)
    length = CritiqueIssue(kind="length", text="weak citation [1] (overlap 0.00)")  # wording is not read
    note = CritiqueIssue(kind="note", text='citation [4] points to no source: "Tea"')
    assert for_writer([weak, unknown, length, note]) == [length, note]


def test_an_issue_the_prompt_showed_is_dropped_when_the_model_echoes_it():
    from agents.text.issues import issue_lines
    from agents.text.prompts import bullet_list
    from core.state import CritiqueIssue

    issue = CritiqueIssue(kind="length", text="the draft is 28% short of the target length: adjust it")
    prompt = "Now improve the section.\n" + bullet_list(issue_lines([issue]))
    text = "Tea is a drink. This draft is short of the target length. Many people love it."
    assert drop_echoed_instructions(text, prompt) == "Tea is a drink. Many people love it."


def test_sentences_without_words_are_dropped():
    from agents.text.cleanup import drop_wordless_sentences

    assert drop_wordless_sentences(".... [10.11.]") == ""
    assert drop_wordless_sentences("Tea is old. [10.11.]") == "Tea is old."
    assert drop_wordless_sentences("1. 2. 3.\n\nIt is. Fine tea.") == "It is. Fine tea."


def test_notes_lose_heading_marks_and_their_repeated_title():
    from agents.text.prompts import note_text

    assert note_text("# What to leave out\nMeat and dairy attract pests.", "What to leave out") == (
        "Meat and dairy attract pests."
    )
    assert note_text("Keep it ## moist", "Moisture") == "Keep it moist"


def test_a_models_markdown_becomes_prose_without_a_title_line_or_a_leading_citation():
    from agents.text.cleanup import flatten_markdown

    reply = (
        "Understanding Gzip: How It Works\n\n[1] Gzip is a widely used compressor. It is old.\n\n"
        "It works in steps:\n- **Hash table**: strings of 3 bytes are hashed\n- **Search**: when a string"
    )
    assert clean_section(flatten_markdown(reply), {1}) == (
        "Gzip is a widely used compressor [1]. It is old.\n\n"
        "It works in steps: Hash table: strings of 3 bytes are hashed."
    )


def test_dropping_unknown_citations_keeps_the_space_before_a_file_suffix():
    from agents.text.cleanup import keep_known_citations

    text = "Gzip writes the .gz extension [9], and gunzip reads bad .Z files [1]."
    assert (
        keep_known_citations(text, {1}) == "Gzip writes the .gz extension, and gunzip reads bad .Z files [1]."
    )


def test_heading_lines_inside_a_models_reply_are_dropped_not_run_into_the_text():
    from agents.text.cleanup import flatten_markdown

    reply = (
        "Panels make DC power.\nFrom Light to Electricity\nOnce the panels are on, they work."
        "\n\n## Costs\n\nPrices vary."
    )
    assert (
        flatten_markdown(reply) == "Panels make DC power.\nOnce the panels are on, they work.\n\nPrices vary."
    )
    # A lead-in to a list, and a last line cut off by the token cap, are text.
    assert flatten_markdown("Key steps:\n- one\n- two") == "Key steps:\none.\ntwo"
    assert flatten_markdown("Sentence one.\nand a cut off") == "Sentence one.\nand a cut off"


def test_a_sentence_congratulating_or_thanking_the_reader_is_chatter():
    text = (
        "Congratulations on your decision to install rooftop solar panels! "
        "Panels make direct current. Thanks for reading. Good luck!"
    )
    assert drop_echoed_instructions(text, "Write the closing paragraph.") == "Panels make direct current."


def test_a_run_in_label_opening_a_line_is_dropped_but_a_one_word_subject_stays():
    from agents.text.cleanup import flatten_markdown

    reply = (
        "Timing Lines: llama.cpp prints timing lines after each reply [2].\n\n"
        "Small Model Performance: Qwen2.5-0.5B generates faster [2].\n\nOllama: a friendlier package.\n\n"
        "Hooch: Hooch is alcohol from a hungry yeast [2]."
    )
    assert flatten_markdown(reply) == (
        "llama.cpp prints timing lines after each reply [2].\n\n"
        "Qwen2.5-0.5B generates faster [2].\n\nOllama: a friendlier package.\n\n"
        "Hooch is alcohol from a hungry yeast [2]."
    )


def test_a_models_code_block_reads_as_inline_code_or_goes_with_its_lead_in():
    from agents.text.cleanup import flatten_markdown

    one_line = "Name it after its module:\n```python\nlogger = logging.getLogger(__name__)\n```\nThat is all."
    assert (
        flatten_markdown(one_line)
        == "Name it after its module: `logger = logging.getLogger(__name__)`.\nThat is all."
    )
    longer = "Set it up:\n```python\nimport logging\nlogging.basicConfig()\n```\nThen log.\n\nUse `__name__`."
    assert flatten_markdown(longer) == "Then log.\n\nUse `__name__`."
    lead_apart = (
        "It is built in. Use this setup:\n\n```python\nimport logging\nlogging.basicConfig()\n```\n\nDone."
    )
    assert flatten_markdown(lead_apart) == "It is built in.\n\nDone."  # the lead-in goes, a blank line apart


def test_a_lists_label_items_read_as_prose():
    from agents.text.cleanup import flatten_markdown

    reply = (
        "1. **Obtaining a Logger Object**: The `getLogger()` call names it.\n"
        "2. **Dictionary Setup**:\n   - It takes a dict."
    )
    assert flatten_markdown(reply) == "The `getLogger()` call names it.\n\nIt takes a dict."
