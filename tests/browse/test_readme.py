"""README.md: the two commands come first, the screenshot exists, the CLI reference matches the commands."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from analyzer.cli import COMMANDS, main

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cli_reference as clidoc

README = clidoc.README


def test_make_demo_and_make_test_come_first():
    text = README.read_text()
    first_block = re.search(r"```\n(.*?)```", text, re.S).group(1)
    assert [line.split()[:2] for line in first_block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]
    assert text.index("make demo") < text.index("## ")


def test_screenshot_is_committed_and_small():
    text = README.read_text()
    (path,) = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    png = README.parent / path
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size < 400_000


def test_cli_reference_is_in_sync_with_the_commands():
    block = clidoc.current_block(README.read_text())
    assert block is not None, "README has no CLI reference block"
    assert block == clidoc.cli_reference(), "README's CLI reference is stale: run `make readme`"
    for name in COMMANDS:
        assert f"### `analyze {name}`" in block


def test_reference_is_what_help_prints():
    from click.testing import CliRunner

    out = CliRunner().invoke(main, ["serve", "--help"], prog_name="analyze", terminal_width=clidoc.WIDTH).output
    block = clidoc.current_block(README.read_text())
    serve_help = block.split("### `analyze serve`")[1].split("```")[1].strip()
    assert serve_help == out.strip()
