"""`analyze stories`: copies of one story grouped, and each claim's novelty.

A story is what several articles report: wire copies, feed re-publications and updates,
cross-outlet write-ups of the same event. Two articles are linked when a small logistic model
over pair features (lexical ones and an embedding cosine) says they report the same story;
stories are the groups of links (union-find), and a story's id is the id of its earliest article.

Each article joins the story of its one best-matching earlier article (if any pair clears the
model's threshold), so a digest that mentions two stories cannot weld them into one; stories
still grow as chains of copies and updates (a story chain), and existing story ids are kept.

Candidates: articles published within `window_hours` of each other whose TF-IDF cosine (title
plus the start of the body, English stop words out) is at least `MIN_COSINE`, found with sparse
matrix products over time blocks (exact, no hashing: paraphrased copies share few word 3-grams,
so MinHash over shingles misses them, while their content words still overlap).

Pair features (models/stories/pair_model.json holds the weights, fitted on labelled pairs of the
2023 archive by `benchmarks/eval_stories.py --write`):
  cosine      TF-IDF cosine of the two texts
  log_gap     log(1 + hours between the publication times)
  log_repeat  log(1 + how often the more common of the two titles occurs): recurring headlines
              ("What's News", "Market Talk" roundups) say nothing about the story
  names       Jaccard overlap of capitalised words
  numbers     Jaccard overlap of numbers
  same_source 1 when both come from the same source
  embedding   cosine of the two texts' sentence embeddings (the plain all-MiniLM-L6-v2 encoder the
              models build on, first EMBED_TOKENS tokens): paraphrases that share few words, and
              texts that share words but not a happening, are told apart; only articles in a
              candidate pair are embedded

Novelty (table claim_novelty, one row per claim): a claim is a first mention when no claim of the
same theme from the same story was published in the `window_hours` before it; prior_24h and
prior_72h count such earlier claims (the novelty counts of commercial news analytics).

Stored in `article_stories` (not as a column of `articles`, whose full-text triggers would rewrite
the search index on every regrouping). Rerunning regroups only from the earliest article without
a story (less one window), so a daily run stays small; `regroup=True` recomputes everything.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.groups import Groups
from analyzer.records import StoriesSummary

WINDOW_HOURS = 72
MIN_COSINE = 0.2
TEXT_CHARS = 600  # title + this much of the body: wire copies differ most further down
RECURRING_TITLE = 5  # a headline seen this often in the database is a rubric, not a story
FEATURES = ("cosine", "log_gap", "log_repeat", "names", "numbers", "same_source", "embedding")
EMBED_TOKENS = 64
_WORD = re.compile(r"\W+")
_NAME = re.compile(r"\b[A-Z][a-zA-Z]+\b")
_NUMBER = re.compile(r"\d[\d.,]*")


def model_path() -> Path:
    from analyzer.paths import MODELS_DIR

    return MODELS_DIR / "stories" / "pair_model.json"


def load_pair_model(path: Path | None = None, *, check: bool = True) -> dict:
    path = path or model_path()
    model = json.loads(path.read_text())
    if check and list(model.get("features", ())) != list(FEATURES):
        raise AnalyzerError(
            f"{path}: a pair model for features {model.get('features')}, not {list(FEATURES)}; "
            "refit it with benchmarks/eval_stories.py --write"
        )
    return model


def norm_title(title: str | None) -> str:
    return _WORD.sub(" ", (title or "").lower()).strip()


def story_text(row: dict, repeats: Counter) -> str:
    """Title and the start of the body; a recurring headline ("What's News", a daily column) is left
    out, and so is a body that only repeats the title: neither says which story it is."""
    title = (row.get("title") or "").strip()
    body = (row.get("summary") or "").strip() or (row.get("content") or "").strip()
    if norm_title(body) == norm_title(title):
        body = ""
    if repeats[norm_title(title)] >= RECURRING_TITLE:
        title = ""
    return f"{title} {body[:TEXT_CHARS]}".strip()


def _epoch(ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def embed(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """L2-normalised sentence embeddings (mean pooling) of the plain encoder, EMBED_TOKENS tokens."""
    import torch

    from analyzer.nlp.encoder import FastEncoder, mean_pool
    from analyzer.nlp.precision import choose_precision, ready_for_inference

    enc = FastEncoder()
    ready_for_inference(enc, choose_precision())
    out = np.zeros((len(texts), enc.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            idx = order[s : s + batch_size]
            ids, mask = enc.tokenize([texts[i] or "" for i in idx], EMBED_TOKENS)
            out[idx] = torch.nn.functional.normalize(mean_pool(enc(ids, mask), mask).float(), dim=-1).numpy()
    return out


def embedding_cosines(texts: list[str], pairs: list[tuple[int, int]]) -> list[float]:
    """The embedding cosine of each pair (i, j) of `texts`; only texts in a pair are embedded."""
    paired = sorted({k for pair in pairs for k in pair})
    vectors = dict(zip(paired, embed([texts[k] for k in paired])))
    return [float(vectors[i] @ vectors[j]) for i, j in pairs]


def pair_features(a: dict, b: dict, cosine: float, repeats: Counter, embedding: float) -> list[float]:
    """The FEATURES of one pair; a and b carry text, t (epoch seconds), title and source;
    `embedding` is the cosine of their embeddings."""
    gap_h = abs(a["t"] - b["t"]) / 3600
    repeat = max(repeats[norm_title(a["title"])], repeats[norm_title(b["title"])])
    return [
        cosine,
        math.log1p(gap_h),
        math.log1p(repeat),
        _jaccard(_names(a), _names(b)),
        _jaccard(_numbers(a), _numbers(b)),
        float(a["source"] == b["source"]),
        embedding,
    ]


def _names(item: dict) -> set:
    if "names" not in item:
        item["names"] = set(_NAME.findall(item["text"]))
    return item["names"]


def _numbers(item: dict) -> set:
    if "numbers" not in item:
        item["numbers"] = set(_NUMBER.findall(item["text"]))
    return item["numbers"]


def same_story_prob(features: np.ndarray, model: dict) -> np.ndarray:
    z = features @ np.asarray(model["weights"]) + float(model["intercept"])
    return 1.0 / (1.0 + np.exp(-z))


def tfidf(texts: list[str]):
    """L2-normalised TF-IDF rows (sublinear tf, English stop words out)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, min_df=1, stop_words="english", dtype=np.float32)
    return vec.fit_transform(texts).tocsr()


def candidate_pairs(items: list[dict], window_hours: float, min_cosine: float = MIN_COSINE):
    """(i, j, cosine) for i < j in time order, published within the window, cosine >= min_cosine."""
    if len(items) < 2:
        return []
    matrix = tfidf([it["text"] for it in items])
    times = np.array([it["t"] for it in items])
    window = window_hours * 3600
    out: list[tuple[int, int, float]] = []
    block = 2000
    for s in range(0, len(items), block):
        e = min(len(items), s + block)
        hi = int(np.searchsorted(times, times[e - 1] + window, side="right"))
        sims = (matrix[s:e] @ matrix[s:hi].T).tocoo()
        i, j = sims.row + s, sims.col + s
        keep = (j > i) & (sims.data >= min_cosine) & (times[j] - times[i] <= window)
        out.extend(zip(i[keep].tolist(), j[keep].tolist(), sims.data[keep].tolist()))
    return out


def title_counts(db) -> Counter:
    return Counter(norm_title(r[0]) for r in db.execute("select title from articles where title is not null"))


def _load_articles(db, since: str | None, repeats: Counter) -> list[dict]:
    sql = (
        "select a.id, a.title, a.summary, substr(a.content, 1, ?) as content, a.source, "
        "coalesce(a.published_at, a.first_seen_at) as at, s.story_id "
        "from articles a left join article_stories s on s.article_id = a.id"
    )
    params: list = [TEXT_CHARS]
    if since is not None:
        sql += " where coalesce(a.published_at, a.first_seen_at) >= ?"
        params.append(since)
    cols = ("id", "title", "summary", "content", "source", "at", "story_id")
    items = []
    for r in db.execute(sql, params).fetchall():
        row = dict(zip(cols, r))
        row["t"] = _epoch(row["at"])
        if row["t"] is None:
            row["t"] = 0.0
        row["text"] = story_text(row, repeats)
        items.append(row)
    items.sort(key=lambda it: (it["t"], it["id"]))
    return items


def _since(db, window_hours: float) -> str | None:
    """Regroup from the earliest article without a story, less one window (None: everything)."""
    first_new = db.execute(
        "select min(coalesce(a.published_at, a.first_seen_at)) from articles a "
        "left join article_stories s on s.article_id = a.id where s.article_id is null"
    ).fetchone()[0]
    if first_new is None:
        return "9999"  # nothing new: no articles to regroup
    t = _epoch(first_new)
    if t is None:
        return None
    return datetime.fromtimestamp(t - window_hours * 3600, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def group_stories(
    db, *, window_hours: float = WINDOW_HOURS, regroup: bool = False, model_file=None, min_prob: float | None = None
) -> StoriesSummary:
    """Group articles into stories and compute every claim's novelty; the run is recorded.
    `min_prob`: link a pair at this probability or more (default the pair model's threshold);
    higher makes fewer wrong links and misses more copies."""
    args = {"window_hours": window_hours, "regroup": regroup, "min_prob": min_prob}
    with store.record_run(db, "stories", args, libraries=("scikit-learn",)) as run:
        t0 = time.perf_counter()
        model = load_pair_model(Path(model_file) if model_file else None)
        threshold = float(model["threshold"] if min_prob is None else min_prob)
        since = None if regroup else _since(db, window_hours)
        repeats = title_counts(db)
        items = _load_articles(db, since, repeats)
        for it in items:
            it["stored"] = it["story_id"]
            if regroup:
                it["story_id"] = None  # regroup from scratch: no story is kept
        pairs = candidate_pairs(items, window_hours)
        groups = Groups(len(items))  # items are in time order: a group's root is its earliest article
        seeds: dict[str, int] = {}  # existing story ids in the loaded span keep their members together
        for k, it in enumerate(items):
            if it["story_id"] is not None:
                if it["story_id"] in seeds:
                    groups.union(seeds[it["story_id"]], k)
                else:
                    seeds[it["story_id"]] = k
        links = 0
        if pairs:
            emb = embedding_cosines([it["text"] for it in items], [(i, j) for i, j, _ in pairs])
            feats = np.array([pair_features(items[i], items[j], c, repeats, e) for (i, j, c), e in zip(pairs, emb)])
            probs = same_story_prob(feats, model)
            parent: dict[int, tuple[float, int]] = {}  # later article -> (probability, its best earlier match)
            for (i, j, _), p in zip(pairs, probs):
                if p >= threshold and p > parent.get(j, (0.0, -1))[0]:
                    parent[j] = (float(p), i)
            for j, (_, i) in parent.items():
                groups.union(i, j)
            links = len(parent)
        rows = []
        for k, it in enumerate(items):
            root = items[groups.find(k)]
            story = root["story_id"] or root["id"]
            if story != it["stored"]:
                rows.append({"article_id": it["id"], "story_id": story})
        with store.transaction(db):
            if rows:
                db["article_stories"].upsert_all(rows, pk="article_id", batch_size=5000)
        novelty = _novelty(db, window_hours)
        stories = db.execute("select count(distinct story_id) from article_stories").fetchone()[0]
        grouped = db.execute("select count(*) from article_stories").fetchone()[0]
        summary = {
            "articles": grouped,
            "stories": stories,
            "articles_regrouped": len(items),
            "candidate_pairs": len(pairs),
            "links": links,
            "changed": len(rows),
            "claims": novelty["claims"],
            "first_mentions": novelty["first_mentions"],
            "window_hours": window_hours,
            "elapsed_s": round(time.perf_counter() - t0, 3),
        }
        run.counts = {k: v for k, v in summary.items() if isinstance(v, int)}
        run.versions["pair_model"] = str(model.get("version"))
        result = StoriesSummary(**summary, run_id=run.id)
    return result


def _novelty(db, window_hours: float) -> dict:
    """claim_novelty rebuilt for every claim: first mention of its story and theme, earlier similar claims."""
    sql = """
        select c.id, c.theme, coalesce(s.story_id, c.article_id),
               coalesce(a.published_at, a.first_seen_at)
        from claims c join articles a on a.id = c.article_id
        left join article_stories s on s.article_id = c.article_id
    """
    by_key: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for cid, theme, story, at in db.execute(sql).fetchall():
        by_key[(story, theme)].append((_epoch(at) or 0.0, cid))
    rows = []
    firsts = 0
    for (story, _theme), items in by_key.items():
        items.sort()
        times = np.array([t for t, _ in items])
        for k, (t, cid) in enumerate(items):
            before = times[:k]
            prior_window = int(((t - before) <= window_hours * 3600).sum())
            first = int(prior_window == 0)
            firsts += first
            rows.append(
                {
                    "claim_id": cid,
                    "story_id": story,
                    "first_mention": first,
                    "prior_24h": int(((t - before) <= 24 * 3600).sum()),
                    "prior_72h": int(((t - before) <= 72 * 3600).sum()),
                }
            )
    with store.transaction(db):
        db.execute("delete from claim_novelty")
        if rows:
            db["claim_novelty"].insert_all(rows, batch_size=5000)
    return {"claims": len(rows), "first_mentions": firsts}
