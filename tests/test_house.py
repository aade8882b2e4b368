"""The package's structure: no import circles, inference never imports training or the CLI, and
the light commands do not pay for the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "analyzer"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports, at the top or inside functions."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                names = [f"{base}.{a.name}" for a in node.names] + [base]
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != mod and name != "analyzer":
                    graph[mod].add(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_the_package():
    graph = import_graph()
    assert "analyzer.nlp.extract" in graph and "analyzer.nlp.claim_model" in graph["analyzer.nlp.extract"]


def test_no_import_circles():
    assert _cycles(import_graph()) == []


def test_library_never_imports_the_cli_and_inference_never_imports_training():
    graph = import_graph()
    for mod, deps in graph.items():
        if not mod.startswith("analyzer.cli"):
            assert not [d for d in deps if d.startswith("analyzer.cli")], mod
        if not mod.startswith(("analyzer.training", "analyzer.cli")):
            assert not [d for d in deps if d.startswith("analyzer.training")], mod


HEAVY = ("datasette", "statsmodels", "matplotlib")
PROBE = r"""
import sys
from click.testing import CliRunner
from analyzer.cli import main
r = CliRunner().invoke(main, sys.argv[1:], input="Small caps rallied as Treasury yields fell after the soft CPI report.\n")
assert r.exit_code == 0, r.output
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_extract_and_sentiment_do_not_import_datasette_statsmodels_or_matplotlib():
    for args in (["extract", "-"], ["sentiment", "-"]):
        out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        loaded = set(out.stdout.split())
        assert "torch" in loaded  # the probe ran the model
        assert not loaded & set(HEAVY), (args, loaded & set(HEAVY))


def test_the_circle_finder_finds_circles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
