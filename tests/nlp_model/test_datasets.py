"""Dev splits: deterministic, disjoint from train, stratified; SEntFiN decisions parsed by regex."""

from analyzer.training import sentiment_data


def test_sentfin_decisions_regex():
    f = sentiment_data._sentfin_label
    assert f("{'Sebi': 'neutral', 'Osian's Art Fund': 'neutral'}") == "neutral"
    assert f("{'HDFC': 'positive', \"Dr Reddy's\": 'negative'}") == "mixed"
    assert f("{'Infosys': 'negative'}") == "negative"
    assert f("garbage") == ""


def test_dev_splits_are_disjoint_and_stable(shared_sentiment):
    for name in ("phrasebank", "twitter", "sentfin"):
        a = sentiment_data.load_split(name, shared_sentiment)
        b = sentiment_data.load_split(name, shared_sentiment)
        assert a.dev["text"].tolist() == b.dev["text"].tolist()
        assert not set(a.train["text"]) & set(a.dev["text"])
        assert set(a.dev["label"]) == {"negative", "neutral", "positive"}
        frac = len(a.dev) / (len(a.dev) + len(a.train.drop_duplicates("text")))
        assert 0.18 < frac < 0.22
        # stratified: label shares agree within two points
        tr = a.train["label"].value_counts(normalize=True)
        dv = a.dev["label"].value_counts(normalize=True)
        assert (tr - dv).abs().max() < 0.02


def test_allagree_dev_is_subset_of_phrasebank_dev(shared_sentiment):
    dev = sentiment_data.phrasebank(shared_sentiment).dev
    allagree = sentiment_data.phrasebank_allagree_dev(shared_sentiment)
    assert 300 < len(allagree) < len(dev)
    assert set(allagree["text"]) <= set(dev["text"])


def test_training_frame_can_leave_a_set_out(shared_sentiment):
    df = sentiment_data.training_frame(("twitter", "sentfin"), shared_sentiment)
    assert set(df["source"]) == {"twitter", "sentfin"}
    assert "phrasebank" not in set(df["source"])
