"""`analyze score`, `analyze stories` and `analyze extract`."""

from __future__ import annotations

import json
import sys

import click

from analyzer.cli.common import (
    check_themes,
    db_option,
    emit_summary,
    is_interactive,
    json_option,
    theme_option,
    themes_option,
)
from analyzer.errors import AnalyzerError
from analyzer.nlp.batch import MAX_CHARS

model_option = click.option(
    "--model",
    "model",
    default="default",
    show_default=True,
    metavar="NAME_OR_PATH",
    help="Sentiment model: 'default' (the shipped one), 'vader', a local Hugging Face model directory, or "
    "'rules' (no models at all: no sentiment, and triggers and stance cues decide the claims).",
)
claim_model_option = click.option(
    "--claim-model",
    "claim_model",
    default="default",
    show_default=True,
    metavar="NAME_OR_PATH",
    help="Claim model (theme, stance, orientation, certainty): 'default' (the shipped one), 'rules' (triggers "
    "and stance cues decide), or the directory of a trained claims artifact.",
)


@click.command("score")
@db_option
@model_option
@claim_model_option
@themes_option
@theme_option
@click.option("--rescore", is_flag=True, help="Redo articles already scored with the current versions.")
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Articles per transaction."
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score at most this many articles.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    default=MAX_CHARS,
    show_default=True,
    help="Characters of one article scored; a longer one is scored in part (recorded in article_scores) "
    "and scored again when this is raised.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where extraction runs: this process, or Ray Data actors (pip install '.[scale]'); this process writes.",
)
@click.option("--address", default=None, show_default="a local Ray", help="Ray cluster address (with --engine ray).")
@click.option("--workers", type=click.IntRange(min=1), default=None, show_default="one per CPU", help="Ray actors.")
@json_option
def score(
    db_path,
    model,
    claim_model,
    themes_path,
    theme_names,
    rescore,
    batch_size,
    limit,
    max_chars,
    engine,
    address,
    workers,
    as_json,
):
    """Extract claims from stored articles not yet scored with the current model and theme versions."""
    from analyzer import store
    from analyzer.nlp.scoring import score_articles

    check_themes(theme_names, themes_path)
    summary = score_articles(
        store.open_db(db_path),
        model=model,
        claim_model=claim_model,
        rescore=rescore,
        batch_size=batch_size,
        progress=is_interactive(),
        themes_path=themes_path,
        theme_names=list(theme_names) or None,
        limit=limit,
        max_chars=max_chars,
        log=lambda message: click.echo(message, err=True),
        engine=engine,
        address=address,
        workers=workers,
    )
    emit_summary(summary, as_json)


def _read_input(src: str) -> tuple[str, bytes]:
    if src == "-":
        return "<stdin>", sys.stdin.buffer.read()
    try:
        with open(src, "rb") as fh:
            return src, fh.read()
    except OSError as exc:
        raise AnalyzerError(f"{src}: cannot read ({exc.strerror})") from None


@click.command("extract")
@click.argument("src", default="-", metavar="[FILE|-]", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--jsonl", "jsonl", is_flag=True, help='Input lines are {"id": ..., "text": ...}; claims carry the id.')
@model_option
@claim_model_option
@themes_option
@theme_option
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True, help="Texts per model batch.")
def extract(src, jsonl, model, claim_model, themes_path, theme_names, batch_size):
    """Claims from ad-hoc text (no database): one JSON line per claim."""
    from analyzer.nlp.extract import ClaimExtractor, looks_binary, looks_english

    check_themes(theme_names, themes_path)
    name, data = _read_input(src)
    if not data.strip():
        click.echo(f"{name}: empty input, no claims", err=True)
        return
    if looks_binary(data):
        raise AnalyzerError(f"{name}: looks like binary data, not text")
    text = data.decode("utf-8", errors="replace")
    items: list[tuple[object, str]] = []
    if jsonl:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AnalyzerError(f"{name}: line {n}: not JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise AnalyzerError(f'{name}: line {n}: expected an object with a "text" string')
            items.append((obj.get("id"), obj["text"]))
    else:
        items.append((None, text))
    if not any(looks_english(t) for _, t in items):
        click.echo(f"{name}: text does not look like English; no claims expected", err=True)
    ex = ClaimExtractor(
        model,
        claim_model=claim_model,
        themes_path=themes_path,
        theme_names=list(theme_names) or None,
        batch_size=batch_size,
    )
    out = click.get_text_stream("stdout")
    n_claims = 0
    for s in range(0, len(items), 256):  # bounded memory for big JSONL inputs
        batch = items[s : s + 256]
        claims, _ = ex.extract([t for _, t in batch])
        for (item_id, _), cl in zip(batch, claims):
            for c in cl:
                out.write(json.dumps({"id": item_id, **c.as_dict()}, ensure_ascii=False) + "\n")
                n_claims += 1
    if n_claims == 0:
        click.echo(f"{name}: no claims found", err=True)


@click.command("stories")
@db_option
@click.option(
    "--window-hours",
    default=72.0,
    show_default=True,
    type=click.FloatRange(1, 24 * 30),
    help="Copies of a story are looked for this many hours apart at most; also the novelty window.",
)
@click.option("--regroup", is_flag=True, help="Regroup every article, not only from the first new one.")
@click.option(
    "--min-prob",
    type=click.FloatRange(0.05, 0.99),
    default=None,
    show_default="the pair model's threshold, 0.5",
    help="Link two articles when the pair model gives them at least this probability of one story. Higher: "
    "fewer wrong links, more copies missed (models/stories/README.md gives both by value); with --regroup "
    "it applies to stories already stored.",
)
@json_option
def stories(db_path, window_hours, regroup, min_prob, as_json):
    """Group copies of one story across outlets and feed updates; each claim's novelty."""
    from analyzer import store
    from analyzer.stories import group_stories

    db = store.open_db(db_path, create=False)
    summary = group_stories(db, window_hours=window_hours, regroup=regroup, min_prob=min_prob)
    emit_summary(summary, as_json)
