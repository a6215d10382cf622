"""The meaning-judged citation check: which passage the judge reads, and how its verdicts count."""

from __future__ import annotations

from bench.judge import JUDGE_PROMPT, best_passage, cited_sources, judged_support

SOURCE = (
    "Panels wear out slowly. Most home systems pay back in 6 to 12 years. "
    "An inverter turns the panels' direct current into the alternating current homes use. "
    "Inverters typically last 10 to 15 years."
)


def test_the_judge_reads_the_passage_holding_the_claims_numbers():
    passage = best_passage("A home system usually earns back its price within 6 to 12 years.", SOURCE)
    assert "6 to 12 years" in passage and "Panels wear out" not in passage
    assert best_passage("Anything at all.", "") == ""


def test_each_cited_claim_is_judged_once_per_source_it_cites_and_uncited_text_is_not():
    asked: list[str] = []

    def judge(prompt: str) -> str:
        asked.append(prompt)
        return "Yes." if "6 to 12" in prompt.split("Claim:")[1] else "No"

    markdown = (
        "# Solar\n\nA system earns back its price in 6 to 12 years [1]. "
        "Inverters turn alternating current into direct current [1, 2]. Nobody cites this.\n\n"
        "## References\n\n1. Solar — solar.md\n"
    )
    report = judged_support(markdown, {1: SOURCE, 2: SOURCE}, judge)
    assert [c.supported for c in report.claims] == [True, False, False]
    assert report.rate == round(1 / 3, 4) and len(asked) == 3
    assert asked[0] == JUDGE_PROMPT.format(
        passage=report.claims[0].passage, claim="A system earns back its price in 6 to 12 years."
    )


def test_sources_are_matched_to_citation_numbers_by_the_references_file_names(tmp_path):
    (tmp_path / "solar.md").write_text(SOURCE)
    (tmp_path / "other.md").write_text("Something else.")
    markdown = "Text [1].\n\n## References\n\n1. Home solar — solar.md\n2. Missing — gone.md\n"
    assert cited_sources(markdown, tmp_path) == {1: SOURCE}
