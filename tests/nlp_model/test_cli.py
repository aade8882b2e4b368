"""`analyze sentiment` output format and bad input; `analyze eval` tables."""

import json

import pytest

from analyzer.nlp.types import LABELS

PLAIN = (
    "Quarterly profit more than doubled and the company raised its guidance.\n"
    "\n"
    "Shares plunged after the lender warned of mounting bad loans.\n"
    "The meeting will be held in Helsinki on 15 March.\n"
)


def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _check_row(row):
    assert set(row) == {"id", "label", "score", "probs"}
    assert row["label"] in LABELS
    assert set(row["probs"]) == set(LABELS)
    assert abs(sum(row["probs"].values()) - 1) < 1e-3
    assert row["score"] == pytest.approx(row["probs"]["positive"] - row["probs"]["negative"], abs=2e-4)
    assert max(row["probs"], key=row["probs"].get) == row["label"]


def test_plain_text_one_line_per_sentence(cli, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text(PLAIN)
    res = cli("sentiment", str(f))
    assert res.exit_code == 0, res.output
    rows = _rows(res.stdout)
    assert [r["id"] for r in rows] == [1, 3, 4]  # line numbers; the blank line is skipped
    for r in rows:
        _check_row(r)
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral"]


def test_jsonl_keeps_ids_from_stdin(cli):
    lines = [
        {"id": "a-1", "text": "Net sales jumped 35 percent, beating expectations."},
        {"id": 7, "text": "The company swung to a heavy loss and cut its dividend."},
    ]
    res = cli("sentiment", "--jsonl", "-", input="\n".join(json.dumps(x) for x in lines) + "\n")
    assert res.exit_code == 0, res.output
    rows = _rows(res.stdout)
    assert [r["id"] for r in rows] == ["a-1", 7]
    assert [r["label"] for r in rows] == ["positive", "negative"]


def test_jsonl_bad_line_is_a_clear_error(cli):
    res = cli("sentiment", "--jsonl", input='{"id": 1, "text": "ok"}\nnot json\n')
    assert res.exit_code == 1
    assert "line 2" in res.stderr and "JSON" in res.stderr


def test_vader_model_option(cli):
    res = cli("sentiment", "--model", "vader", input="What a wonderful, excellent day.\n")
    assert res.exit_code == 0
    (row,) = _rows(res.stdout)
    _check_row(row)
    assert row["label"] == "positive"


def test_empty_input_prints_nothing(cli):
    res = cli("sentiment", "--model", "vader", input="")
    assert res.exit_code == 0
    assert res.stdout == ""
    assert "no input" in res.stderr


def test_binary_garbage_is_refused(cli, tmp_path):
    f = tmp_path / "garbage.bin"
    f.write_bytes(bytes(range(256)) * 200)
    res = cli("sentiment", "--model", "vader", str(f))
    assert res.exit_code == 1
    assert "binary" in res.stderr and str(f) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_five_megabytes_of_text(cli, tmp_path):
    f = tmp_path / "big.txt"
    para = "Stocks rallied as investors cheered the earnings news. " * 22_000  # ~1.2 MB a line
    f.write_text("\n".join([para] * 4) + "\n")
    assert f.stat().st_size > 4_800_000
    res = cli("sentiment", str(f))
    assert res.exit_code == 0
    rows = _rows(res.stdout)
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    assert "only their beginning is scored" in res.stderr


def test_missing_file(cli, tmp_path):
    res = cli("sentiment", str(tmp_path / "nope.txt"))
    assert res.exit_code == 2
    assert "nope.txt" in res.stderr


def test_bad_model_path_is_one_line_error(cli, tmp_path):
    res = cli("sentiment", "--model", str(tmp_path / "no-such-model"), input="Profit rose.\n")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: --model")
    assert len(res.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    res = cli("sentiment", "--model", str(empty), input="Profit rose.\n")
    assert res.exit_code == 1 and "config.json" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


EVAL_ROWS = [
    ("Quarterly profit more than doubled and the company raised its guidance.", "positive"),
    ("Net sales jumped 35 percent, beating expectations.", "positive"),
    ("The company swung to a heavy loss and cut its dividend.", "negative"),
    ("Shares plunged after the lender warned of mounting bad loans.", "negative"),
    ("The meeting will be held in Helsinki on 15 March.", "neutral"),
    ("The company is headquartered in Espoo.", "neutral"),
]


def test_eval_compares_models(cli, tmp_path):
    import csv

    f = tmp_path / "gold.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(EVAL_ROWS)
    res = cli("eval", str(f), "--model", "default", "--model", "vader")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "accuracy" in out and "macro-F1" in out
    assert "confusion matrix for default" in out and "confusion matrix for vader" in out
    default_line = next(line for line in out.splitlines() if line.startswith("default "))
    assert default_line.split()[1:3] == ["6", "1.000"]  # n, accuracy

    res = cli("eval", str(f), "--model", "vader", "--json")
    data = json.loads(res.stdout)
    (r,) = data[str(f)]
    assert r["n"] == 6 and sum(map(sum, r["confusion"])) == 6


def test_eval_bad_csv(cli, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("sentence,sentiment\nfoo,positive\n")
    res = cli("eval", str(f), "--model", "vader")
    assert res.exit_code == 1 and "text,label" in res.stderr
    f.write_text("text,label\nfoo,great\n")
    res = cli("eval", str(f), "--model", "vader")
    assert res.exit_code == 1 and "line 2" in res.stderr
