"""The claims users reported wrong on real commentary come out right with the shipped models.

The first sentences are real 2023 headlines and summaries (quoted briefly, as the report did);
the others were written by new users or are in the demo corpus.
"""

from __future__ import annotations

import pytest


def themes_of(extractor, text: str) -> dict[str, int]:
    claims, _ = extractor.extract([text])
    return {c.theme: c.stance for c in claims[0]}


@pytest.mark.parametrize(
    "text, theme, stance",
    [
        ("Fed Official Says Rate Pause Doesn't Signal End to Hikes", "rate_cuts", -1),
        (
            "Treasury Secretary Yellen said the U.S. economy is on a path toward taming inflation without a deep "
            "economic slowdown.",
            "rate_cuts",
            1,
        ),
        ("Small caps rip after soft CPI", "small_cap_rotation", 1),
        (
            "Some strategists warned the rotation into smaller companies may have been premature.",
            "small_cap_rotation",
            -1,
        ),
        (
            '"The Fed just told the market that the easing cycle will be much shorter than hoped," said Tom '
            "Lindqvist, head of rates at Halvard Securities.",
            "rate_cuts",
            -1,
        ),
    ],
)
def test_reported_stances(blank_extractor, text, theme, stance):
    got = themes_of(blank_extractor, text)
    assert got.get(theme) == stance, got


def test_soft_cpi_is_also_a_rate_cut_claim_with_the_same_direction(blank_extractor):
    assert themes_of(blank_extractor, "Small caps rip after soft CPI").get("rate_cuts", 1) == 1


@pytest.mark.parametrize(
    "text, theme",
    [
        ("Gold edged higher in the early Asian session ahead of U.S. CPI data.", "rate_cuts"),
        (
            "Lenders were left unprepared for mass withdrawals as they adjusted to rising interest rates.",
            "rate_cuts",
        ),
        (
            "Britain will lift defence spending to 2.5% of GDP by the end of the decade, the prime minister said, "
            "even as inflation squeezes the budget.",
            "rate_cuts",
        ),
        (
            "Argentina's president vowed in a fiery speech to shut the central bank and crush inflation by slashing "
            "public spending.",
            "rate_cuts",
        ),
    ],
)
def test_reported_false_claims_are_gone(blank_extractor, text, theme):
    assert theme not in themes_of(blank_extractor, text)


def test_a_headline_the_body_repeats_is_scored_once(blank_extractor):
    title = "Small caps surge as Treasury yields tumble"
    text = f"{title}\n\n{title}. Traders added to bets on a September cut."
    claims, stats = blank_extractor.extract([text])
    from_title = [c for c in claims[0] if c.sentence.rstrip(".") == title]
    assert {c.theme for c in from_title} >= {"small_cap_rotation"}
    assert len(from_title) == len({c.theme for c in from_title})  # each theme once: the repeat is not scored
    assert all(c.start == 0 for c in from_title)
    assert stats[0]["repeats"] == 1


@pytest.mark.parametrize(
    "text, orientation, certainty",
    [
        ("The Russell 2000 jumped 3.6% on Thursday while the Nasdaq fell about 2%.", "backward", "factual"),
        ("Investors should consider positioning into small caps ahead of the first Fed cut.", "forward", None),
        ('"Small caps lagged all year," she said in an interview on Tuesday.', "backward", None),
    ],
)
def test_reported_orientation_and_certainty(blank_extractor, text, orientation, certainty):
    claims, _ = blank_extractor.extract([text])
    assert claims[0], text
    c = claims[0][0]
    assert c.orientation == orientation
    if certainty:
        assert c.certainty == certainty


def test_context_carries_the_theme_to_a_sentence_that_does_not_name_it(blank_extractor):
    text = (
        "Fed signals it will keep raising rates into next year\n\n"
        "Officials said the fight against inflation is far from over. They are not done yet."
    )
    claims, _ = blank_extractor.extract([text])
    by_sentence = {c.sentence: c.stance for c in claims[0] if c.theme == "rate_cuts"}
    assert by_sentence.get("They are not done yet.") == -1, by_sentence
