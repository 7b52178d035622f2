"""Index faults: damaged files, killed and concurrent builds, queries during a
rebuild. The next start always says why it rebuilds and recovers by itself,
and source documents are only ever read.
"""

from __future__ import annotations

import errno
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from askhist import Assistant, IndexProblem
from askhist.cli import main as cli_main
from askhist.embedding import EmbeddingCache, Encoder
from askhist.index import CURRENT, GENERATION_FILES, index_lock, load_index, load_manifest

from .conftest import SEEDS

ASKHIST = [sys.executable, "-m", "askhist.cli"]
QUESTION = "Why did Trotsky lose the power struggle?"


@pytest.fixture
def collection(tmp_path, seed_index_dir):
    """A writable copy of the seeds and a pre-built (pre-warmed) index of them."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    return docs, index_dir


def _sources(docs: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(docs.iterdir()) if p.is_file()}


def _generation(index_dir: Path) -> Path:
    return index_dir / os.readlink(index_dir / CURRENT)


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.glob("gen-*"))


def _damage(index_dir: Path, target: str, how: str) -> None:
    generation = _generation(index_dir)
    rng = random.Random(f"{target}-{how}")
    if target in GENERATION_FILES:
        path = generation / target
        size = path.stat().st_size
        if how == "deleted":
            path.unlink()
        elif how == "truncated":
            path.write_bytes(path.read_bytes()[: size // 2])
        elif how == "emptied":
            path.write_bytes(b"")
        else:  # garbage of the same size
            path.write_bytes(rng.randbytes(size))
        return
    link = index_dir / CURRENT
    if target == "current":
        link.unlink()
        if how == "dangling":
            link.symlink_to("gen-20000101T000000000000-1")
        elif how == "garbage":
            link.write_bytes(rng.randbytes(100))
        elif how == "loop":
            link.symlink_to(CURRENT)
    elif target == "generation":
        shutil.rmtree(generation)
        if how == "emptied":
            generation.mkdir()
        elif how == "garbage":
            generation.write_bytes(rng.randbytes(100))
    elif target == "manifest":
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
        if how == "other-model":
            manifest["model"] = "sentence-transformers/all-mpnet-base-v2"
        elif how == "other-dimension":
            manifest["dimension"] = 768
        elif how == "other-format":
            manifest["format_version"] = 99
        elif how == "wrong-types":
            manifest["counts"], manifest["documents"] = "many", list(manifest["documents"])
        elif how == "not-an-object":
            manifest = [manifest]
        (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    elif target == "arrays":
        if how == "wrong-shape":
            vectors = np.load(generation / "sentences.npy")
            np.save(generation / "sentences.npy", vectors[:, :100])
        elif how == "vocabulary-list":
            (generation / "bm25_vocabulary.json").write_text("[1, 2, 3]", encoding="utf-8")
        elif how == "idf-short":
            np.save(generation / "bm25_idf.npy", np.load(generation / "bm25_idf.npy")[:10])


FAULTS = [(name, how) for name in GENERATION_FILES for how in ("deleted", "truncated", "emptied", "garbage")]
FAULTS += [
    ("current", "deleted"),
    ("current", "dangling"),
    ("current", "garbage"),
    ("current", "loop"),
    ("generation", "deleted"),
    ("generation", "emptied"),
    ("generation", "garbage"),
    ("manifest", "other-model"),
    ("manifest", "other-dimension"),
    ("manifest", "other-format"),
    ("manifest", "wrong-types"),
    ("manifest", "not-an-object"),
    ("arrays", "wrong-shape"),
    ("arrays", "vocabulary-list"),
    ("arrays", "idf-short"),
]
# What the log must say for each kind of fault.
REASONS = {
    "deleted": ("missing", "no index built yet", "no manifest.json", "points to a missing folder"),
    "loop": ("points to a missing folder",),
    "other-model": ("embedding model changed",),
    "other-format": ("index format 99 is not the current",),
}


@pytest.mark.parametrize(("target", "how"), FAULTS, ids=[f"{t}-{h}" for t, h in FAULTS])
def test_damaged_index_is_rebuilt_on_next_start_with_a_reason(collection, encoder, target, how):
    docs, index_dir = collection
    sources = _sources(docs)
    _damage(index_dir, target, how)
    messages: list[str] = []
    assistant = Assistant.load(docs, index_dir, log=messages.append, encoder=encoder)
    building = [m for m in messages if m.startswith("Building the index")]
    assert len(building) == 1, messages
    expected = REASONS.get(how, ("damaged", "unreadable", "incomplete", "not a JSON object", "missing"))
    assert any(word in building[0] for word in expected), building[0]
    assert any(m.startswith("Indexed 5 documents") for m in messages)
    assert assistant.ask(QUESTION).sentences
    # The rebuilt index is live and loads cleanly; the damaged generation is gone.
    assert load_index(index_dir).manifest["counts"]["documents"] == 5
    assert len(_generations(index_dir)) == 1
    assert (index_dir / CURRENT).is_symlink()
    assert _sources(docs) == sources


def test_index_copied_without_symlinks_still_loads_and_rebuilds(collection, encoder):
    docs, index_dir = collection
    generation = _generation(index_dir)
    (index_dir / CURRENT).unlink()
    shutil.copytree(generation, index_dir / CURRENT)  # what `cp -r` without -P does
    shutil.rmtree(generation)
    messages: list[str] = []
    assert Assistant.load(docs, index_dir, log=messages.append, encoder=encoder).ask(QUESTION).sentences
    assert not any("Building" in m for m in messages)
    (docs / "extra.txt").write_text("Kirov led the party in Leningrad from 1926.", encoding="utf-8")
    assistant = Assistant.load(docs, index_dir, log=messages.append, encoder=encoder)
    assert "extra.txt" in assistant.index.documents
    assert (index_dir / CURRENT).is_symlink()
    assert len(_generations(index_dir)) == 1


def _plant_leftovers(index_dir: Path) -> list[Path]:
    """What a build SIGKILLed while writing its generation leaves behind."""
    partial = index_dir / "gen-20000101T000000000000-999999"
    partial.mkdir()
    (partial / "documents.json").write_text('[{"doc": "half', encoding="utf-8")
    link = index_dir / f"{CURRENT}.tmp-999999"
    link.symlink_to(partial.name)
    cache_tmp = index_dir / "cache" / "embeddings-0123456789abcdef.tmp-999999.npz"
    cache_tmp.write_bytes(b"PK\x03\x04 half a cache")
    return [partial, link, cache_tmp]


def test_leftovers_of_killed_builds_are_harmless_and_cleaned_up(collection, encoder):
    docs, index_dir = collection
    live = _generation(index_dir)
    leftovers = _plant_leftovers(index_dir)
    assert load_index(index_dir).manifest["counts"]["documents"] == 5  # they break nothing

    # While another process builds (it holds the lock), nothing is touched.
    with index_lock(index_dir):
        Assistant.load(docs, index_dir, encoder=encoder)
        assert all(p.exists() or p.is_symlink() for p in leftovers)

    messages: list[str] = []
    assistant = Assistant.load(docs, index_dir, log=messages.append, encoder=encoder)
    assert not any(p.exists() or p.is_symlink() for p in leftovers)
    assert any("interrupted index build" in m for m in messages), messages
    assert _generation(index_dir) == live and _generations(index_dir) == [live.name]
    assert assistant.ask(QUESTION).sentences


def test_failed_write_keeps_the_previous_index_live(collection, encoder, monkeypatch):
    docs, index_dir = collection
    assistant = Assistant(load_index(index_dir), encoder, [docs])
    before = (load_manifest(index_dir), _generations(index_dir), assistant.index)
    (docs / "extra.txt").write_text("Kirov led the party in Leningrad from 1926.", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(IndexProblem, match=r"cannot build the index .*No space left on device"):
        assistant.refresh()
    monkeypatch.undo()
    assert (load_manifest(index_dir), _generations(index_dir), assistant.index) == before
    assert assistant.ask(QUESTION).sentences

    # The embedding cache is written after the new index is live: failing to save it costs nothing else.
    monkeypatch.setattr(EmbeddingCache, "save", lambda self, keep=None: disk_full())
    assert assistant.refresh() == ["1 document(s) added: extra.txt"]
    assert "extra.txt" in load_index(index_dir).documents


def test_cli_explains_and_recovers_from_a_damaged_index(collection, encoder, monkeypatch, capsys):
    docs, index_dir = collection
    monkeypatch.setattr(Encoder, "load", classmethod(lambda cls, model=None: encoder))
    (_generation(index_dir) / "passages.faiss").write_bytes(b"\x00garbage")
    code = cli_main(["ask", "--json", QUESTION, "--docs", str(docs), "--index", str(index_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Building the index in {index_dir}: index at {index_dir} is damaged" in err
    assert "Traceback" not in err
    assert json.loads(out)["sentences"]

    not_a_folder = docs.parent / "index-file"
    not_a_folder.write_text("not an index", encoding="utf-8")
    code = cli_main(["ask", QUESTION, "--docs", str(docs), "--index", str(not_a_folder)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-1].startswith(f"askhist: error: cannot build the index in {not_a_folder}")


# --- processes -------------------------------------------------------------------------------

_NAMES = "Kamenev Zinoviev Bukharin Rykov Tomsky Molotov Kirov Kaganovich Voroshilov Ordzhonikidze".split()
_BODIES = "Politburo, Central Committee, Orgburo, Sovnarkom, party congress, Moscow Soviet".split(", ")
_TOPICS = "grain requisitioning, the New Economic Policy, industrialisation, the Red Army, the Comintern".split(", ")


def _synthetic_docs(folder: Path, count: int, sentences: int = 20) -> list[Path]:
    """Documents of unique sentences (nothing in the embedding cache)."""
    rng = random.Random(count)
    paths = []
    for number in range(count):
        lines = [
            f"In {1917 + rng.randrange(20)} {rng.choice(_NAMES)} told the {rng.choice(_BODIES)} "
            f"about {rng.choice(_TOPICS)} (record {number}.{line})."
            for line in range(sentences)
        ]
        path = folder / f"synthetic-{number:03d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def _read_until(proc: subprocess.Popen, pattern: bytes, timeout: float) -> bytes:
    """Read the process's stderr until pattern appears (or fail)."""
    fd = proc.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while pattern not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {pattern!r}; stderr so far: {seen[-2000:]!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"process ended before {pattern!r}: {seen[-2000:]!r}"
            seen += chunk
    return seen


def test_sigkill_in_the_middle_of_encoding_keeps_the_previous_index(collection, encoder):
    docs, index_dir = collection
    sources = _sources(docs)
    before = load_manifest(index_dir)
    generations = _generations(index_dir)
    extra = _synthetic_docs(docs, 30)
    proc = subprocess.Popen(
        [*ASKHIST, "index", "--docs", str(docs), "--index", str(index_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        seen = _read_until(proc, b"encoding:", timeout=300)
        # "encoding: [##  ] 9% (64/760)": the first batch is done, the rest is not.
        progress = seen[seen.rindex(b"(") + 1 : seen.rindex(b")")].split(b"/")
        assert 0 < int(progress[0]) < int(progress[1]), seen
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # The previous index is live and whole, and the sources are untouched.
    assert load_manifest(index_dir) == before
    assert load_index(index_dir).manifest["counts"]["documents"] == 5
    assert _generations(index_dir) == generations
    assert {k: v for k, v in _sources(docs).items() if k in sources} == sources

    # Had it died while writing its generation, there would be leftovers; the next start
    # (with one new document, so it rebuilds) says why, recovers and removes them.
    leftovers = _plant_leftovers(index_dir)
    for path in extra[1:]:
        path.unlink()
    messages: list[str] = []
    assistant = Assistant.load(docs, index_dir, log=messages.append, encoder=encoder)
    assert any("1 document(s) added: synthetic-000.txt" in m for m in messages), messages
    assert not any(p.exists() or p.is_symlink() for p in leftovers)
    assert len(_generations(index_dir)) == 1
    assert "synthetic-000.txt" in assistant.index.documents
    assert assistant.ask(QUESTION).sentences
    assert {k: v for k, v in _sources(docs).items() if k in sources} == sources


# A build process that injects a fast stand-in for the model (deterministic
# unit vectors): what is under test is the lock and the publish, not MiniLM.
_BUILDER = """
import hashlib, sys
import numpy as np
from askhist import Assistant
from askhist.embedding import default_model, model_identity

class HashEncoder:
    dimension = 384
    def __init__(self):
        self.model = default_model()
        self.identity = model_identity(self.model)
    def encode(self, texts, **kwargs):
        seeds = [int(hashlib.sha1(t.encode("utf-8", "surrogatepass")).hexdigest()[:12], 16) for t in texts]
        rows = np.array([np.random.default_rng(s).standard_normal(self.dimension) for s in seeds], dtype=np.float32)
        return rows.reshape(-1, self.dimension) / np.linalg.norm(rows, axis=1, keepdims=True).reshape(-1, 1)

def log(message):
    print(message, file=sys.stderr, flush=True)

assistant = Assistant.load(sys.argv[1], sys.argv[2], log=log, encoder=HashEncoder())
print(len(assistant.index.documents))
"""


def test_two_builds_at_once_are_serialised_and_the_second_does_not_rebuild(collection, tmp_path):
    docs, index_dir = collection
    sources = _sources(docs)
    _synthetic_docs(docs, 3)
    script = tmp_path / "builder.py"
    script.write_text(_BUILDER, encoding="utf-8")
    lock = index_lock(index_dir)
    lock.acquire()  # hold both builders at the lock until each has decided to build
    procs = []
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(script), str(docs), str(index_dir)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        early = [_read_until(proc, b"Building the index", timeout=300) for proc in procs]
    finally:
        lock.release()
        results = []
        for number, proc in enumerate(procs):
            out, err = proc.communicate(timeout=300)
            results.append((proc.returncode, out.decode(), (early[number] if number < len(early) else b"") + err))
    assert [code for code, _, _ in results] == [0, 0], results
    assert [out.strip() for _, out, _ in results] == ["8", "8"]
    built = [err for _, _, err in results if b"Indexed 8 documents" in err]
    assert len(built) == 1, results  # one built; the other found the index fresh
    assert all(b"3 document(s) added" in err for _, _, err in results)
    assert len(_generations(index_dir)) == 1
    manifest = load_manifest(index_dir)
    assert manifest["counts"]["documents"] == 8
    assert {k: v for k, v in _sources(docs).items() if k in sources} == sources


VOROSHILOV = (
    "Kliment Voroshilov commanded the cavalry of the Red Army at Tsaritsyn in 1918.\n"
    "Stalin and Voroshilov defied Trotsky's orders there, which began their long feud."
)


def test_queries_during_a_rebuild_are_served_by_the_old_index(collection, encoder):
    docs, index_dir = collection
    assistant = Assistant(load_index(index_dir), encoder, [docs])
    old = assistant.index
    (docs / "voroshilov.txt").write_text(VOROSHILOV, encoding="utf-8")
    building, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def progress(stage, done, total):
        building.set()
        release.wait(timeout=120)  # hold the rebuild half-way while questions come in

    def rebuild():
        try:
            outcome["reasons"] = assistant.refresh(progress=progress)
        except BaseException as exc:
            outcome["error"] = exc

    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_asking():
        while not stop.is_set():
            try:
                assert assistant.ask("Who commanded the cavalry at Tsaritsyn?").passages
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert building.wait(timeout=120), outcome
    asker = threading.Thread(target=keep_asking)
    asker.start()
    for question in (QUESTION, "What was the Lenin Enrolment?", "Who was Bukharin?"):
        answer = assistant.ask(question)
        assert answer.sentences and all(s.doc in old.documents for s in answer.sentences)
    assert assistant.index is old and "voroshilov.txt" not in old.documents
    release.set()
    thread.join(timeout=120)
    time.sleep(0.2)  # a few more questions against the new index
    stop.set()
    asker.join(timeout=60)
    assert not errors, errors
    assert outcome == {"reasons": ["1 document(s) added: voroshilov.txt"]}
    assert assistant.index is not old
    assert assistant.ask("Who commanded the cavalry at Tsaritsyn?").sentences[0].doc == "voroshilov.txt"
