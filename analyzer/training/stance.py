"""Train and evaluate the stance and theme heads on the labelled stance set.

`train_stance(model, out_dir, seed)` is what `analyze train` runs after the sentiment model:
one forward pass of `model` over the stance set gives the embeddings; per theme a logistic
regression on [embedding, rule-cue features] predicts stance (-1/0/+1) and another one, fitted
on rule candidates only, says whether a candidate really is about the theme. Only the "train"
split is used for fitting; the "test" split (25 %, fixed seed) is scored and the numbers go into
the head's meta and the model card.

    python -m analyzer.training.stance            # retrain with the shipped sentiment model
    python -m analyzer.training.stance --eval     # report on the held-out split, no training
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from analyzer.nlp.stance import HEAD_META, HEAD_WEIGHTS, N_CUE, STANCES, THEME_VETO, StanceHead, cue_features

VERSION = "stance-1.0"


def rule_view(texts: list[str], extractor, probs=None) -> list[dict[str, tuple[np.ndarray, tuple[int, float], bool]]]:
    """Per text (one sentence each): {theme: (cue features, rule stance)} for rule candidates."""
    from analyzer.nlp.pipeline import analyse_sentences
    from analyzer.nlp.themes_match import rule_stance

    m = extractor.matcher
    docs = list(extractor.nlp.pipe(texts, batch_size=64))
    sdocs = analyse_sentences(texts, extractor.kind)
    out = []
    for k, (text, doc, sd) in enumerate(zip(texts, docs, sdocs)):
        found: dict[str, list] = {}
        for hit in m.match_doc(doc).values():  # the whole text is the sentence
            for t, spans in hit.items():
                found.setdefault(t, []).extend(spans)
        trig = m.filter(text, 0, found)
        row = {}
        for theme in m.themes:
            pos, neg, neu = m.cue_score(theme, text, trig, sd)
            feats = cue_features(pos, neg, neu, len(trig.get(theme, [])), None if probs is None else probs[k])
            row[theme] = (feats, rule_stance(pos, neg, neu), theme in trig)
        out.append(row)
    return out


def _fit_lr(x, y, seed, cs=(0.1, 0.3, 1.0, 3.0)):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    best_c, best = cs[0], -1.0
    counts = np.bincount(np.unique(y, return_inverse=True)[1])
    folds = int(min(5, counts.min())) if len(counts) > 1 else 0
    if folds >= 2:
        for c in cs:
            lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            s = cross_val_score(lr, x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed)).mean()
            if s > best:
                best_c, best = c, s
    lr = LogisticRegression(C=best_c, max_iter=3000, class_weight="balanced")
    lr.fit(x, y)
    return lr, best_c, best


def _prepare(model, spacy_kind=None):
    from analyzer.nlp.extract import ClaimExtractor
    from analyzer.training.stance_data import load_items

    items = load_items()
    ex = ClaimExtractor("rules", spacy_kind=spacy_kind)
    texts = [it["text"] for it in items]
    pred = model.predict(texts) if model is not None else None
    view = rule_view(texts, ex, None if pred is None or pred.embeddings is None else pred.probs)
    emb = pred.embeddings if pred is not None else None
    return items, view, emb, list(ex.matcher.themes)


def train_stance(model, out_dir: Path | str, seed: int = 13, *, log=None) -> dict:
    log = log or (lambda msg: print(msg, file=sys.stderr))
    t0 = time.time()
    out_dir = Path(out_dir)
    items, view, emb, themes = _prepare(model)
    if emb is None:
        log("stance: the model gives no embeddings; no head trained (stance comes from rule cues)")
        return {}
    train = [i for i, it in enumerate(items) if it["split"] == "train"]
    weights: dict[str, np.ndarray] = {}
    info: dict[str, dict] = {}
    for theme in themes:
        # stance: every train sentence labelled with the theme
        idx = [i for i in train if theme in items[i]["themes"]]
        if len(idx) >= 12 and len({items[i]["themes"][theme] for i in idx}) >= 2:
            x = np.hstack([emb[idx], np.vstack([view[i][theme][0] for i in idx])])
            y = np.array([items[i]["themes"][theme] for i in idx])
            lr, c, cv = _fit_lr(x, y, seed)
            weights[f"stance.{theme}.coef"] = lr.coef_.astype(np.float32)
            weights[f"stance.{theme}.intercept"] = lr.intercept_.astype(np.float32)
            weights[f"stance.{theme}.classes"] = lr.classes_.astype(np.int8)
            info.setdefault(theme, {})["stance"] = {"n": len(idx), "C": c, "cv_accuracy": round(float(cv), 4)}
        # theme: rule candidates only, is the sentence really about the theme?
        idx = [i for i in train if view[i][theme][2]]
        y = np.array([int(theme in items[i]["themes"]) for i in idx])
        if len(idx) >= 12 and 0 < y.sum() < len(y) and min(y.sum(), len(y) - y.sum()) >= 3:
            x = np.hstack([emb[idx], np.vstack([view[i][theme][0] for i in idx])])
            lr, c, cv = _fit_lr(x, y, seed)
            weights[f"theme.{theme}.coef"] = lr.coef_.astype(np.float32)
            weights[f"theme.{theme}.intercept"] = lr.intercept_.astype(np.float32)
            info.setdefault(theme, {})["theme"] = {
                "n": len(idx),
                "positives": int(y.sum()),
                "C": c,
                "cv_accuracy": round(float(cv), 4),
            }
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / HEAD_WEIGHTS, **weights)
    meta = {
        "version": VERSION,
        "encoder_version": model.version,
        "encoder_name": model.name,
        "dim": int(emb.shape[1]),
        "features": f"embedding[{emb.shape[1]}] + [{N_CUE}]: rule cues (pos, neg, net, neutral, sign, triggers) and sentiment probs (neg, neu, pos)",
        "stances": list(STANCES),
        "seed": seed,
        "train_items": len(train),
        "heads": info,
    }
    (out_dir / HEAD_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    head = StanceHead.load(out_dir)
    metrics = evaluate(head, model, items, view, emb, themes)
    meta["heldout"] = metrics
    meta["train_seconds"] = round(time.time() - t0, 1)
    (out_dir / HEAD_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    log(format_report(metrics))
    return metrics


def evaluate(head, model, items, view, emb, themes, split: str = "test") -> dict:
    """Theme micro-F1 (rule candidates gated by the theme head) and stance accuracy on `split`."""
    idx = [i for i, it in enumerate(items) if it["split"] == split]
    use_head = head is not None and emb is not None and head.compatible(model, emb)

    def run(with_head: bool):
        tp = fp = fn = 0
        right = total = 0
        right_all = total_all = 0
        per = {t: {"tp": 0, "fp": 0, "fn": 0, "stance_right": 0, "stance_n": 0} for t in themes}
        confusion = {t: [[0] * 3 for _ in range(3)] for t in themes}
        for i in idx:
            gold = items[i]["themes"]
            for theme in themes:
                feats, rule, is_cand = view[i][theme]
                pred_theme = is_cand
                sp = None
                if with_head:
                    tprob = head.theme_prob(theme, emb[i : i + 1], feats[None])
                    if is_cand and tprob is not None and tprob[0] < THEME_VETO:
                        pred_theme = False
                    sp = head.stance_probs(theme, emb[i : i + 1], feats[None])
                stance = STANCES[int(sp[0].argmax())] if sp is not None else rule[0]
                g = theme in gold
                if pred_theme and g:
                    tp += 1
                    per[theme]["tp"] += 1
                    total += 1
                    right += stance == gold[theme]
                elif pred_theme:
                    fp += 1
                    per[theme]["fp"] += 1
                elif g:
                    fn += 1
                    per[theme]["fn"] += 1
                if g:
                    total_all += 1
                    right_all += stance == gold[theme]
                    per[theme]["stance_n"] += 1
                    per[theme]["stance_right"] += stance == gold[theme]
                    confusion[theme][STANCES.index(gold[theme])][STANCES.index(stance)] += 1
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {
            "items": len(idx),
            "theme_precision": round(prec, 4),
            "theme_recall": round(rec, 4),
            "theme_micro_f1": round(f1, 4),
            "stance_accuracy_found": round(right / total, 4) if total else None,
            "stance_accuracy_gold": round(right_all / total_all, 4) if total_all else None,
            "pairs_found": total,
            "pairs_gold": total_all,
            "per_theme": per,
            "stance_confusion": confusion,
        }

    out = {"rules": run(False)}
    if use_head:
        out["head"] = run(True)
    return out


def format_report(metrics: dict) -> str:
    lines = []
    for name, m in metrics.items():
        lines.append(
            f"stance set, held-out split ({m['items']} sentences), {name}: theme micro-F1 {m['theme_micro_f1']:.3f} "
            f"(P {m['theme_precision']:.3f} R {m['theme_recall']:.3f}); stance accuracy {m['stance_accuracy_found']:.3f} "
            f"on {m['pairs_found']} found pairs, {m['stance_accuracy_gold']:.3f} on all {m['pairs_gold']} gold pairs"
        )
        for t, cm in m["stance_confusion"].items():
            rows = "  ".join(f"{g:+d}:[{' '.join(f'{v:3d}' for v in r)}]" for g, r in zip(STANCES, cm))
            p = m["per_theme"][t]
            lines.append(f"  {t:20s} tp {p['tp']:3d} fp {p['fp']:3d} fn {p['fn']:3d}  gold->pred (-1 0 +1) {rows}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from analyzer.nlp.model import load_model

    ap = argparse.ArgumentParser(prog="python -m analyzer.training.stance", description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", action="store_true", help="only evaluate the shipped head on the held-out split")
    ap.add_argument("--model", default=None, help="sentiment model (default: the shipped one)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--split", default="test", choices=("test", "blind", "blind2", "train"))
    args = ap.parse_args(argv)
    model = load_model(args.model)
    if args.eval:
        items, view, emb, themes = _prepare(model)
        metrics = evaluate(StanceHead.load(), model, items, view, emb, themes, split=args.split)
    else:
        from analyzer.nlp.stance import head_dir

        metrics = train_stance(model, head_dir(), args.seed, log=lambda m: None)
    print(json.dumps(metrics, indent=2) if args.json else format_report(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
