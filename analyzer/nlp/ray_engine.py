"""`analyze score --engine ray`: claim extraction on Ray Data, the SQLite writer on the driver.

The driver reads the articles to score from SQLite in the same batches as the local engine
(`scoring.article_batches`: `batch_size` articles sorted by id) and hands them to Ray Data in
windows of `window` articles. Each window is one dataset whose `map_batches` runs an actor pool
of `workers` actors; an actor builds its `ClaimExtractor` (spaCy, themes, the model) once and
scores one whole batch per call with `batch.score_batch`, the function the local engine calls,
so every batch sees the same texts in the same order and the claims table comes out the same.
Results stream back to the driver, which writes each batch in one transaction (delete the
articles' old claims, insert the new ones, record article_scores): resumability and idempotence
are the local engine's. Ray is optional (`pip install '.[scale]'`); nothing imports it unless
this engine is asked for.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from analyzer.errors import AnalyzerError

DEFAULT_WINDOW = 20_000  # articles per dataset: the driver holds one window's texts at a time


class _Scorer:
    """One Ray actor: loads the extractor once, then scores whole batches."""

    def __init__(self, spec: dict):
        from analyzer.nlp.extract import ClaimExtractor

        self.ex = ClaimExtractor(
            spec["model"],
            claim_model=spec["claim_model"],
            themes_path=spec["themes_path"],
            theme_names=spec["theme_names"],
            spacy_kind=spec["spacy_kind"],
        )
        self.max_chars = spec["max_chars"]
        self.versions = (self.ex.model_version, self.ex.theme_version)  # loads the model now, not per call
        if self.versions != tuple(spec["versions"]):
            raise AnalyzerError(
                f"worker on {os.uname().nodename} has model/theme versions {self.versions}, "
                f"the driver {tuple(spec['versions'])}: install the same analyzer and models on every node"
            )

    def __call__(self, batch: dict) -> dict:
        from analyzer.nlp.batch import score_batch

        out = []
        for payload in batch["payload"]:
            rows = json.loads(payload)
            out.append(json.dumps(score_batch(self.ex, rows, self.max_chars)))
        return {"result": out}


class RayEngine:
    """Scores batches of articles on a Ray cluster (a local one when `address` is None)."""

    def __init__(
        self,
        extractor,
        *,
        model: Any = None,
        claim_model: Any = None,
        themes_path=None,
        theme_names=None,
        address: str | None = None,
        workers: int | None = None,
        cpus_per_worker: float = 1.0,
        window: int = DEFAULT_WINDOW,
        max_chars: int = 100_000,
    ):
        if model is not None and not isinstance(model, str):
            raise AnalyzerError("--engine ray needs the model by name or path (each worker loads its own copy)")
        if claim_model is not None and not isinstance(claim_model, str):
            raise AnalyzerError("--engine ray needs the claim model by name or path (each worker loads its own copy)")
        try:
            import ray
        except ImportError:
            raise AnalyzerError(
                "--engine ray needs Ray: pip install 'market-narrative-analyzer[scale]' (or the local engine)"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, workers or int(cpus // cpus_per_worker))
        self.cpus_per_worker = cpus_per_worker
        self.window = max(1, window)
        self.spec = {
            "model": model,
            "claim_model": claim_model,
            "max_chars": max_chars,
            "themes_path": str(themes_path) if themes_path else None,
            "theme_names": list(theme_names) if theme_names else None,
            "spacy_kind": getattr(extractor, "kind", None),
            "versions": [extractor.model_version, extractor.theme_version],
        }

    def describe(self) -> dict:
        return {"engine": "ray", "workers": self.workers, "cpus_per_worker": self.cpus_per_worker}

    def score(self, batches: Iterable[list[dict]]) -> Iterator[list[dict]]:
        """Per input batch, its results (in completion order; each batch is written on its own)."""
        it = iter(batches)
        while True:
            window: list[list[dict]] = []
            n = 0
            for rows in it:
                window.append(rows)
                n += len(rows)
                if n >= self.window:
                    break
            if not window:
                return
            yield from self._score_window(window)

    def _score_window(self, window: list[list[dict]]) -> Iterator[list[dict]]:
        import ray.data

        ray.data.DataContext.get_current().enable_progress_bars = False  # `score` shows its own progress
        items = [{"payload": json.dumps(rows)} for rows in window]
        source = ray.data.from_items(items, override_num_blocks=min(len(items), self.workers * 4))
        ds = source.map_batches(
            _Scorer,
            fn_constructor_kwargs={"spec": self.spec},
            batch_size=1,  # one call = one score batch, cut exactly as the local engine cuts it
            concurrency=min(self.workers, len(items)),
            num_cpus=self.cpus_per_worker,
            batch_format="numpy",
        )
        for batch in ds.iter_batches(batch_size=1, batch_format="numpy"):
            for result in batch["result"]:
                yield json.loads(result)
