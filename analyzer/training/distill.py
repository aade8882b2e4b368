"""Distillation pieces both trainers share.

`mixed_loss`: batches that mix labelled rows with teacher-labelled ones. A batch's rows are
indices into one list: the labelled rows first (index < n_hard), the teacher-labelled ones after.
Each part's mean loss weighs its share of the batch, a teacher-labelled part times
`distill_weight`, so that every row counts alike whichever part it is in.

`saved_teacher_labels`: the teacher's labels kept in a file between runs, under a key of what
they depend on. Teaching is most of a run's time, so a student can be tried again without it.

`require_reading`: label_mix < 1 mixes the teacher's reading of the labelled rows into their
targets, so teacher labels without that reading are refused before training starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analyzer.errors import AnalyzerError

T = TypeVar("T")


def mixed_loss(idx: list[int], n_hard: int, out, hard_loss: Callable, soft_loss: Callable, distill_weight: float):
    """`out`: the model's output for the batch, one row per index in `idx`. hard_loss(out_rows, rows)
    and soft_loss(out_rows, soft_rows) give each part's mean loss, `rows` indexing the labelled
    targets and `soft_rows` the teacher's."""
    import torch

    at = torch.tensor(idx)
    hard, soft = at < n_hard, at >= n_hard
    loss = out.new_zeros(())
    if hard.any():
        loss = loss + hard_loss(out[hard], at[hard]) * (hard.sum() / len(idx))
    if soft.any():
        loss = loss + distill_weight * (soft.sum() / len(idx)) * soft_loss(out[soft], at[soft] - n_hard)
    return loss


def require_reading(read_rows: int | None, n_rows: int, label_mix: float, from_file: str | None, *, what: str) -> None:
    """Refuse teacher labels that lack the teacher's reading of the `n_rows` labelled rows
    (`read_rows`: how many it read, None when it read none) when label_mix < 1 needs it.
    `from_file`: the teacher-labels file they came from, if any; `what` names the reading."""
    if label_mix < 1 and read_rows != n_rows:
        where = f"{from_file}: saved" if from_file else "teacher labels given"
        raise AnalyzerError(
            f"{where} without the teacher's {what}, which label_mix {label_mix:g} needs"
            + ("; remove the file" if from_file else "")
        )


def saved_teacher_labels(
    path: Path | None,
    key: str,
    teach: Callable[[], T],
    encode: Callable[[T], dict],
    decode: Callable[[dict], tuple[T, int]],
    *,
    kind: str,
    what: str,
    log=print,
) -> T:
    """The teacher's labels: decoded from `path` when that file holds them under `key` (a file made
    for other `what` is refused by name), else `teach()`, encoded and saved there when a path is
    given. `decode` returns the labels and how many sentences they cover; `kind` names the file in
    errors ("teacher-labels", "claim teacher-labels")."""
    if path is not None and path.is_file():
        try:
            saved = json.loads(path.read_text())
            found = saved["key"]
            labels, n = decode(saved)
        except (ValueError, KeyError, TypeError) as exc:
            raise AnalyzerError(f"{path}: not a {kind} file ({type(exc).__name__}: {exc})") from None
        if found != key:
            raise AnalyzerError(
                f"{path}: teacher labels for other {what} or teacher settings (key {found}, this run {key}); "
                "remove the file or name another"
            )
        log(f"teacher: reusing its labels of {n} sentences from {path}")
        return labels
    labels = teach()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, **encode(labels)}))
        log(f"teacher: labels saved to {path}")
    return labels
