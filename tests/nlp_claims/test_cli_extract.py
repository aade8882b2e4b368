"""`analyze extract` as a user runs it: JSON lines out, ids, bad inputs, new themes."""

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

KEYS = {
    "id",
    "sentence",
    "start",
    "end",
    "theme",
    "stance",
    "stance_prob",
    "sentiment",
    "label",
    "probs",
    "certainty",
    "orientation",
    "speaker",
    "entities",
}
TEXT = (
    "Small caps rally as yields fall\n\n"
    '"Small caps look cheap," said Jane Doe, chief strategist at Acme Capital. '
    "The weather was nice. The Fed is expected to cut rates in September."
)


def lines(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def test_plain_text_in_claims_out(tmp_path, run_cli):
    f = tmp_path / "article.txt"
    f.write_text(TEXT)
    r = run_cli("extract", str(f))
    assert r.returncode == 0, r.stderr.decode()
    claims = lines(r.stdout)
    assert {c["theme"] for c in claims} == {"small_cap_rotation", "rate_cuts"}
    for c in claims:
        assert set(c) >= KEYS
        assert c["id"] is None
        assert TEXT[c["start"] : c["end"]] == c["sentence"]
        assert c["label"] in ("positive", "negative", "neutral") and -1 <= c["sentiment"] <= 1
    quoted = next(c for c in claims if c["sentence"].startswith('"Small caps look cheap'))
    assert (quoted["speaker"], quoted["organisation"], quoted["stance"]) == ("Jane Doe", "Acme Capital", 1)


def test_jsonl_ids_are_carried(tmp_path, run_cli):
    src = "\n".join(
        json.dumps(o)
        for o in [
            {"id": "a-1", "text": "Short sellers scrambled to cover as the stock soared."},
            {"id": 7, "text": "The cafeteria menu changed on Monday."},
            {"id": "a-3", "text": "Sticky inflation data sent two-year Treasury yields sharply higher."},
        ]
    )
    r = run_cli("extract", "--jsonl", "-", input=src.encode())
    assert r.returncode == 0, r.stderr.decode()
    claims = lines(r.stdout)
    assert [(c["id"], c["theme"], c["stance"]) for c in claims] == [
        ("a-1", "short_squeeze", 1),
        ("a-3", "rate_cuts", -1),
    ]


def test_bad_inputs(tmp_path, run_cli):
    r = run_cli("extract", "-", input=b"")
    assert r.returncode == 0 and r.stdout == b"" and b"empty input" in r.stderr
    garbage = bytes(range(256)) * 64
    r = run_cli("extract", "-", input=garbage)
    assert r.returncode == 1 and b"binary" in r.stderr and b"Traceback" not in r.stderr
    r = run_cli("extract", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and b"missing.txt' does not exist" in r.stderr
    r = run_cli("extract", "--jsonl", "-", input=b'{"id": 1, "text": "ok"}\nnot json\n')
    assert r.returncode == 1 and b"line 2: not JSON" in r.stderr
    german = "Die Europäische Zentralbank hat die Zinsen gesenkt, und die Aktien kleinerer Unternehmen legten zu. " * 5
    r = run_cli("extract", "-", "--model", "rules", input=german.encode())
    assert r.returncode == 0 and r.stdout == b"" and b"does not look like English" in r.stderr
    r = run_cli("extract", "--theme", "nope", "-", input=b"Small caps rallied.")
    assert r.returncode == 2 and b"unknown theme 'nope'" in r.stderr


def test_five_megabytes_of_text_do_not_crash(tmp_path, run_cli):
    para = "The council approved the new library budget after a long debate about parking. " * 12 + "\n"
    big = para * (5_000_000 // len(para) + 1) + "Small caps rallied 3% as the Russell 2000 hit a record.\n"
    f = tmp_path / "big.txt"
    f.write_text(big)
    assert f.stat().st_size >= 5_000_000
    r = run_cli("extract", str(f), env={"ANALYZE_SPACY": "blank"})
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    claims = lines(r.stdout)
    assert [c["theme"] for c in claims] == ["small_cap_rotation"]
    assert big[claims[0]["start"] : claims[0]["end"]] == claims[0]["sentence"]


def test_a_new_theme_needs_no_code_change(tmp_path, run_cli):
    spec = yaml.safe_load((REPO / "models" / "themes.yml").read_text())
    spec["themes"]["oil_shock"] = {
        "label": "Oil shock",
        "description": "Crude oil supply shocks.",
        "targets": [{"name": "USO", "kind": "log_return", "long": "USO"}],
        "triggers": {"phrases": ["oil prices", "crude oil", "Brent"], "regex": [r"\bOPEC\+?"]},
        "stance_cues": {"positive": [r"\bsurg\w*", r"\bjump\w*"], "negative": [r"\bslump\w*", r"\bfell\b"]},
    }
    themes = tmp_path / "themes.yml"
    themes.write_text(yaml.safe_dump(spec, sort_keys=False))
    src = "Oil prices surged above $100 a barrel after OPEC+ cut output. Small caps rallied."
    r = run_cli("extract", "--themes", str(themes), "--theme", "oil_shock", "-", input=src.encode())
    assert r.returncode == 0, r.stderr.decode()
    claims = lines(r.stdout)
    assert [(c["theme"], c["stance"]) for c in claims] == [("oil_shock", 1)]
    r = run_cli("extract", "--themes", str(themes), "-", input=src.encode())
    assert {c["theme"] for c in lines(r.stdout)} == {"oil_shock", "small_cap_rotation"}


def test_bad_theme_file_is_a_clear_error(tmp_path, run_cli):
    bad = tmp_path / "themes.yml"
    bad.write_text("version: 1\nthemes:\n  broken:\n    triggers:\n      regex: ['(unclosed']\n")
    r = run_cli("extract", "--themes", str(bad), "-", input=b"Small caps rallied.")
    assert r.returncode == 1 and b"bad regex" in r.stderr and b"Traceback" not in r.stderr
