"""Claim extraction throughput against the bare encoder and a BERT-base classifier.

The same real sentences (the saved feeds' titles and summaries, then Financial PhraseBank
training sentences, read from ../shared at run time, never copied) go through, each as a whole
process with its start-up:

  (a) `analyze extract --jsonl` : the path `analyze score` takes (rules, then the model on candidates)
  (b) the bare MiniLM encoder forward pass over every sentence (run-time precision)
  (c) BertForSequenceClassification with a default BertConfig, randomly initialised
      (FinBERT's architecture and cost), fp32, over every sentence
  (d) `analyze sentiment` : the shipped sentiment model over every sentence, one JSON line each

Prints sentences/s, the ratios and each process's peak memory (ru_maxrss from wait4).

    .venv/bin/python benchmarks/bench_score.py [--n 2000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

ENCODER_CHILD = r"""
import json, sys, time
from analyzer.nlp.encoder import load_encoder, mean_pool
from analyzer.nlp.precision import choose_precision
import torch
texts = [json.loads(l)["text"] for l in open(sys.argv[1])]
tok, model = load_encoder()
if choose_precision() == "bf16":
    model.to(torch.bfloat16)
with torch.inference_mode():
    for s in range(0, len(texts), 64):
        enc = tok(texts[s:s+64], padding=True, truncation=True, max_length=128, return_tensors="pt")
        enc.pop("token_type_ids", None)
        mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])
"""

BERT_CHILD = r"""
import json, sys
import torch
from transformers import BertConfig, BertForSequenceClassification
from analyzer.nlp.encoder import load_tokenizer
texts = [json.loads(l)["text"] for l in open(sys.argv[1])]
tok = load_tokenizer()  # the bert-base-uncased vocabulary, offline
torch.manual_seed(0)
model = BertForSequenceClassification(BertConfig(num_labels=3)).eval()
with torch.inference_mode():
    for s in range(0, len(texts), 64):
        enc = tok(texts[s:s+64], padding=True, truncation=True, max_length=128, return_tensors="pt")
        model(**enc).logits.softmax(-1)
"""


def sentences(n: int) -> list[str]:
    from analyzer.training.project_data import feed_sentences

    feeds = SHARED / "data" / "feeds"
    phrasebank = SHARED / "data" / "sentiment" / "financial_phrasebank" / "sentences_50agree_train.csv"
    if not feeds.is_dir() or not phrasebank.is_file():
        sys.exit(f"benchmark data not found under {SHARED}/data (feeds/ and sentiment/financial_phrasebank/)")
    seen, out = set(), []
    for _, text in feed_sentences(feeds):
        if text not in seen:
            seen.add(text)
            out.append(text)
    with phrasebank.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if len(out) >= n:
                break
            if row["text"] not in seen:
                seen.add(row["text"])
                out.append(row["text"])
    return out[:n]


def run_child(argv: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS in MB, exit status, stdout head) of one whole child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{argv[:3]} failed ({p.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, p.returncode, out.decode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="number of sentences (default 2000)")
    args = ap.parse_args()
    texts = sentences(args.n)
    n = len(texts)
    py = sys.executable
    analyze = str(Path(py).parent / "analyze")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sentences.jsonl"
        src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
        plain = Path(tmp) / "sentences.txt"
        plain.write_text("".join(" ".join(t.split()) + "\n" for t in texts))
        runs = {}
        wall, rss, _, out = run_child([analyze, "extract", "--jsonl", str(src)])
        claims = [json.loads(line) for line in out.splitlines() if line.strip()]
        runs["(a) analyze extract (score path)"] = (wall, rss)
        runs["(b) bare MiniLM encoder"] = run_child([py, "-c", ENCODER_CHILD, str(src)])[:2]
        runs["(c) BERT-base classifier"] = run_child([py, "-c", BERT_CHILD, str(src)])[:2]
        wall, rss, _, out = run_child([analyze, "sentiment", str(plain)])
        if len(out.splitlines()) != n:
            sys.exit(f"analyze sentiment printed {len(out.splitlines())} lines for {n} sentences")
        runs["(d) analyze sentiment"] = (wall, rss)
    from analyzer.nlp.precision import choose_precision

    cand = len({c["id"] for c in claims})
    print(
        f"{n} real sentences ({cand} with claims, {len(claims)} claims); encoder precision {choose_precision()}; "
        f"spaCy {os.environ.get('ANALYZE_SPACY', 'auto')}; torch threads default; whole processes incl. start-up"
    )
    print(f"{'':36s} {'seconds':>8s} {'sent/s':>8s} {'vs (c)':>8s} {'peak MB':>8s}")
    base = runs["(c) BERT-base classifier"][0]
    for name, (wall, rss) in runs.items():
        print(f"{name:36s} {wall:8.1f} {n / wall:8.1f} {base / wall:7.1f}x {rss:8.0f}")
    a = runs["(a) analyze extract (score path)"]
    print(
        f"target: (a) >= 10x (c) -> {'met' if base / a[0] >= 10 else 'NOT met'} ({base / a[0]:.1f}x); "
        f"peak memory < 2 GB -> {'met' if a[1] < 2048 else 'NOT met'} ({a[1]:.0f} MB)"
    )
    d = runs["(d) analyze sentiment"]
    print(
        f"target: (d) >= 20x (c) -> {'met' if base / d[0] >= 20 else 'NOT met'} ({base / d[0]:.1f}x); "
        f"peak memory < 2 GB -> {'met' if d[1] < 2048 else 'NOT met'} ({d[1]:.0f} MB)"
    )


if __name__ == "__main__":
    main()
