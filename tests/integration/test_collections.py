"""A collection is exactly what the user pointed at, wherever askhist runs.

The CLI runs from a copy of the checkout (``src/askhist``, ``seeds/``,
``pyproject.toml``) in a temporary folder, with an upload in its ``data/``,
so no test ever reads or writes the real checkout's ``data/`` or ``index/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS

UPLOAD = (
    "Olga Ilyina\n\nOlga Ilyina ran the Petrograd tram workers' union reading room in 1923, "
    "where she lent out forty copies of the party rules every week.\n"
)
UPLOAD_QUESTION = "Who ran the Petrograd tram workers' union reading room?"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory, seed_index_dir) -> Path:
    """A copy of the checkout with a built seeds index and an upload in data/."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(ROOT / "src" / "askhist", root / "src" / "askhist", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(seed_index_dir, root / "index", symlinks=True)
    (root / "data" / "uploads").mkdir(parents=True)
    (root / "data" / "uploads" / "olga_ilyina.txt").write_text(UPLOAD, encoding="utf-8")
    return root


def run(package_parent: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI of the askhist package in ``package_parent``, run in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [sys.executable, "-m", "askhist.cli", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


def _docs(result: subprocess.CompletedProcess) -> set[str]:
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return {p["doc"] for p in data["passages"]} | {s["doc"] for s in data["sentences"]}


def _kronstadt(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "kronstadt.md").write_text(
        "# Kronstadt\n\nIn March 1921 the sailors of Kronstadt rose against the Bolshevik government.\n",
        encoding="utf-8",
    )
    return folder


def test_the_bundled_seeds_are_found_from_any_folder(checkout, tmp_path):
    result = run(checkout / "src", "ask", "What was the Lenin Enrolment?", "--json", cwd=tmp_path)
    assert "Building" not in result.stderr  # the checkout's index/ is the seeds' own, and it is fresh
    assert _docs(result) <= {p.name for p in SEEDS.glob("*.txt")}


def test_an_installed_copy_without_the_seeds_says_what_to_pass(tmp_path):
    installed = tmp_path / "site-packages"
    shutil.copytree(ROOT / "src" / "askhist", installed / "askhist", ignore=shutil.ignore_patterns("__pycache__"))
    result = run(installed, "ask", "Who was Trotsky?", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "askhist: error: the bundled seed essays come with askhist's repository checkout, not with an installed "
        "copy: pass --docs FOLDER (a folder of .txt/.md/.pdf/.docx files)"
    ]


def test_an_upload_in_data_changes_no_other_collection(checkout, tmp_path):
    """The upload in the checkout's data/ is read by serve and by an explicit --data, by nothing else."""
    seeds_only = run(checkout / "src", "ask", UPLOAD_QUESTION, "--json", cwd=checkout)
    assert not any(d.startswith("uploads/") for d in _docs(seeds_only))
    assert "Building" not in seeds_only.stderr  # index/ still matches the seeds alone

    other = _kronstadt(tmp_path / "other")
    answer = run(checkout / "src", "ask", UPLOAD_QUESTION, "--json", "--docs", str(other), cwd=checkout)
    assert _docs(answer) == {"kronstadt.md"}

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.csv").write_text("a,b", encoding="utf-8")
    refused = run(checkout / "src", "ask", UPLOAD_QUESTION, "--docs", str(empty), cwd=checkout)
    assert refused.returncode == 1 and "no documents" in refused.stderr

    chosen = run(checkout / "src", "ask", UPLOAD_QUESTION, "--json", "--data", str(checkout / "data"), cwd=checkout)
    assert "uploads/olga_ilyina.txt" in _docs(chosen)  # an explicit choice adds the uploads
    assert "seeds+uploads-" in chosen.stderr  # built in its own index, not the seeds' index/
    again = run(checkout / "src", "ask", UPLOAD_QUESTION, "--json", cwd=checkout)
    assert "Building" not in again.stderr and _docs(again) == _docs(seeds_only)


def test_each_collection_has_its_own_index_and_switching_encodes_nothing(tmp_path, private_index_root):
    a, b = _kronstadt(tmp_path / "a"), tmp_path / "b"
    b.mkdir()
    (b / "tambov.txt").write_text("Tambov\n\nThe Tambov rising of 1920 was put down by 1921.\n", encoding="utf-8")

    def index(folder: Path) -> tuple[subprocess.CompletedProcess, Path]:
        result = run(ROOT / "src", "index", "--docs", str(folder), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        directory = Path(result.stdout.split("Index ready in ")[1].split(":")[0])
        return result, directory

    first_a, index_a = index(a)
    manifest_a = json.loads((index_a / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest_a["encoded_now"] > 0 and "Building" in first_a.stderr
    _, index_b = index(b)
    assert index_a != index_b and {index_a.parent, index_b.parent} == {private_index_root}
    again, index_a_again = index(a)
    assert index_a_again == index_a and "Building" not in again.stderr  # nothing rebuilt, nothing encoded
    assert json.loads((index_a / "current" / "manifest.json").read_text(encoding="utf-8")) == manifest_a
