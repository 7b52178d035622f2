"""The README's example output is what askhist prints (regenerate it with
``make readme-examples``, i.e. docs/make_readme_examples.py)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, SEEDS


def _script():
    spec = importlib.util.spec_from_file_location("make_readme_examples", ROOT / "docs" / "make_readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLES = _script().parse_block((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_shows_every_generated_example():
    assert [arguments for arguments, _ in EXAMPLES] == [arguments for arguments, _ in _script().EXAMPLES]
    assert all(len(shown) >= 3 for _, shown in EXAMPLES)


@pytest.fixture(scope="module")
def where(tmp_path_factory, seed_index_dir) -> list[str]:
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(SEEDS, root / "docs")
    shutil.copytree(seed_index_dir, root / "index", symlinks=True)
    return ["--docs", str(root / "docs"), "--index", str(root / "index")]


@pytest.mark.parametrize(("arguments", "shown"), EXAMPLES, ids=[" ".join(a[:1]) for a, _ in EXAMPLES])
def test_readme_example_output_still_holds(arguments, shown, where):
    done = subprocess.run(
        [sys.executable, "-m", "askhist.cli", *arguments, *where], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[: len(shown)] == shown, "run `make readme-examples` and check the new output"
