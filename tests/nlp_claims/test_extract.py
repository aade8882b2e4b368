"""Claims from sentences we wrote, with the real model and both spaCy pipelines."""

import itertools

import pytest

from analyzer.errors import AnalyzerError


def claims_by_theme(extractor, text):
    claims, _ = extractor.extract([text])
    return {c.theme: c for c in claims[0]}


@pytest.mark.parametrize(
    "text, theme, stance",
    [
        ("The Russell 2000 jumped 3% as investors rotated out of mega-cap tech.", "small_cap_rotation", 1),
        ("Small caps lagged again as money crowded into the Magnificent Seven.", "small_cap_rotation", -1),
        ("Short sellers scrambled to cover as the heavily shorted stock soared 40%.", "short_squeeze", 1),
        ("Hedge funds piled into bearish bets against regional banks.", "short_squeeze", -1),
        ("Cooler-than-expected CPI data boosted bets on a September Fed rate cut.", "rate_cuts", 1),
        ("Hot inflation data pushed Treasury yields higher and dashed hopes of a Fed cut.", "rate_cuts", -1),
        ("Powell did not signal any rush to cut rates.", "rate_cuts", -1),
    ],
)
def test_theme_and_stance(extractor, text, theme, stance):
    got = claims_by_theme(extractor, text)
    assert theme in got, got
    c = got[theme]
    assert c.stance == stance
    assert 0.33 <= c.stance_prob <= 1.0
    assert c.sentence == text and (c.start, c.end) == (0, len(text))
    assert c.label in ("negative", "neutral", "positive")
    assert abs(sum(c.probs.values()) - 1) < 1e-3
    assert c.sentiment == pytest.approx(c.probs["positive"] - c.probs["negative"], abs=1e-3)


def test_several_themes_in_one_sentence(extractor):
    got = claims_by_theme(extractor, "Small caps rallied as two-year Treasury yields fell after the soft CPI report.")
    assert got["small_cap_rotation"].stance == 1
    assert got["rate_cuts"].stance == 1


@pytest.mark.parametrize(
    "text",
    [
        "The company cut 1,200 jobs and fell short of revenue estimates.",
        "Short-term rentals boomed while households felt the squeeze from higher rents.",
        "The ECB cut its deposit rate to 3.5% on Thursday.",
        "Owners of small businesses told the survey that finding workers is still hard.",
        "The weather in Chicago was cold and windy.",
    ],
)
def test_hard_negatives_give_no_claims(extractor, text):
    claims, _ = extractor.extract([text])
    assert claims[0] == []


@pytest.mark.parametrize(
    "text, certainty, orientation",
    [
        ("Small caps rallied 3% on Tuesday.", "factual", "backward"),
        ("The Fed is expected to cut rates in September.", "hedged", "forward"),
        ("Small caps could rally if the Fed cuts rates.", "speculative", "forward"),
        ("Short sellers will likely be forced to cover.", "hedged", "forward"),
    ],
)
def test_certainty_and_orientation(extractor, text, certainty, orientation):
    claims, _ = extractor.extract([text])
    assert claims[0], text
    c = claims[0][0]
    assert (c.certainty, c.orientation) == (certainty, orientation)


@pytest.mark.parametrize(
    "text, speaker, org",
    [
        (
            '"Small caps look cheap relative to large caps," said Lori Calvasina, head of U.S. equity strategy at RBC Capital Markets.',
            "Lori Calvasina",
            "RBC Capital Markets",
        ),
        (
            "Jane Doe, chief strategist at Acme Capital, said small caps are poised to outperform.",
            "Jane Doe",
            "Acme Capital",
        ),
        ("The Fed is expected to cut rates in September, according to Goldman Sachs.", None, "Goldman Sachs"),
        ('"We are in no hurry to cut rates," Powell told reporters.', "Powell", "Federal Reserve"),
        (
            "Fed Chair Jerome Powell said the time had come for policy to adjust, signalling a rate cut.",
            "Jerome Powell",
            "Federal Reserve",
        ),
        ("Small caps rallied 3% on Tuesday.", None, None),
        ("Employers added just 114,000 jobs in July, boosting bets on a September Fed rate cut.", None, None),
    ],
)
def test_attribution(extractor, text, speaker, org):
    claims, _ = extractor.extract([text])
    assert claims[0], text
    c = claims[0][0]
    assert (c.speaker, c.organisation) == (speaker, org)


def test_surname_resolves_to_the_person_introduced_earlier(extractor):
    text = (
        "We spoke with Maria Okafor, chief strategist at Pinecrest Advisors. "
        "Okafor said she expects small caps to outperform large caps once the Fed starts cutting."
    )
    claims, _ = extractor.extract([text])
    by = {c.theme: c for c in claims[0]}
    c = by["small_cap_rotation"]
    assert (c.speaker, c.organisation) == ("Maria Okafor", "Pinecrest Advisors")


def test_entities_with_relevance(extractor):
    text = "Short sellers piled into $IWM as the Russell 2000 slid. Then the FOMC sounded hawkish."
    claims, _ = extractor.extract([text])
    by = {(c.theme, c.sentence.startswith("Short")): c for c in claims[0]}
    ents = {e.text: e for e in by["small_cap_rotation", True].entities}
    assert ents["Russell 2000"].label == "INDEX" and ents["Russell 2000"].relevance == 1.0
    assert any(k.endswith("IWM") for k in ents)
    for e in by["small_cap_rotation", True].entities:
        assert text[e.start : e.end] == e.text
    fomc = {e.text: e for e in by["rate_cuts", False].entities}["FOMC"]
    assert fomc.label == "CENTRAL_BANK" and fomc.relevance >= 0.7


@pytest.mark.parametrize(
    "text",
    [
        "This article is for informational purposes only and is not investment advice on small caps or Fed rate cuts.",
        "We use cookies to personalise content; read our cookie policy on Fed coverage.",
        "Reporting by Jane Smith; Editing by Chris Reese on the Fed rate cut story",
        "Related articles: Small caps rally as the Fed signals cuts",
        "Read: Fed minutes show officials split over the pace of rate cuts",
        "Photo: Traders watch Powell on screens at the NYSE (Getty Images)",
        "Copyright 2024 Market News Inc., all rights reserved, including our short squeeze coverage.",
    ],
)
def test_boilerplate_gives_no_claims(extractor, text):
    claims, stats = extractor.extract([text])
    assert claims[0] == []
    assert stats[0]["boilerplate"] == 1


def test_long_article_is_chunked_and_spans_are_exact(blank_extractor):
    from analyzer.nlp.extract import CHUNK_CHARS

    filler = "The committee discussed the agenda for the annual meeting of the garden club. " * 40 + "\n"
    late = "Short sellers scrambled to cover as the Russell 2000 surged 4%."
    text = filler * (3 * CHUNK_CHARS // len(filler)) + late + "\n" + filler
    assert len(text) > 2.5 * CHUNK_CHARS
    claims, stats = blank_extractor.extract([text])
    assert stats[0]["chunks"] >= 3
    found = [c for c in claims[0] if c.sentence == late]
    assert {c.theme for c in found} == {"short_squeeze", "small_cap_rotation"}
    for c in found:
        assert c.chunk >= 2
        assert text[c.start : c.end] == late


def test_chunks_cover_the_text_exactly():
    from analyzer.nlp.extract import chunk_spans

    text = ("word " * 30000) + ("x" * 70000) + ". Tail sentence.\nEnd"
    spans = chunk_spans(text, 10000)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert all(e - s <= 10000 for s, e in spans)


def test_unknown_theme_is_a_clear_error(model):
    from analyzer.nlp.extract import ClaimExtractor

    with pytest.raises(AnalyzerError, match=r"unknown theme 'nope'.*known: rate_cuts"):
        ClaimExtractor(model, theme_names=["nope"])


def test_theme_selection(model):
    from analyzer.nlp.extract import ClaimExtractor

    ex = ClaimExtractor(model, theme_names=["rate_cuts"], spacy_kind="blank")
    claims, _ = ex.extract(["Small caps rallied as yields fell."])
    assert [c.theme for c in claims[0]] == ["rate_cuts"]


def test_rules_only_mode_has_no_sentiment():
    from analyzer.nlp.extract import ClaimExtractor

    claims, _ = ClaimExtractor("rules", spacy_kind="blank").extract(["Small caps rallied 3% on Tuesday."])
    c = claims[0][0]
    assert c.stance == 1 and c.label is None and c.theme_prob is None
    assert c.model_version == "none+claims:rules"


def test_the_shipped_claim_model_judges(blank_extractor):
    assert blank_extractor.claim_model is not None, "models/claims/claims.* missing: run `analyze train --only claims`"
    assert "+claims:claims-" in blank_extractor.model_version


def test_another_sentiment_model_keeps_the_claim_model():
    from analyzer.nlp.extract import ClaimExtractor

    ex = ClaimExtractor("vader", spacy_kind="blank")
    claims, _ = ex.extract(["Small caps lagged large caps for a sixth week."])
    c = claims[0][0]
    assert c.stance == -1 and c.label in ("negative", "neutral", "positive") and c.theme_prob is not None
    assert c.model_version.startswith("vader@") and "+claims:claims-" in c.model_version


def test_related_articles_lists_give_no_claims(extractor):
    text = (
        "Small caps slipped for a fourth straight session.\n\n"
        "Related articles:\n- Small caps rally as the Fed signals cuts\n- Short sellers scramble to cover in meme stocks\n\n"
        "Treasury yields fell after the soft CPI report."
    )
    claims, _ = extractor.extract([text])
    assert [c.theme for c in claims[0]] == ["small_cap_rotation", "rate_cuts"]
