"""The import rules of ARCHITECTURE.md, checked on the source.

Walks every module of ``src/askhist`` (imports inside functions included:
a lazy import is still a dependency) and fails on an import cycle, on a
lower stage importing a higher one, on a front end importing another (only
``cli`` dispatches to them, and nothing imports ``cli``), and on importing
another module's ``_private`` name. Library code (everything below the
front ends) must not change process-wide state either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "askhist"

# The pipeline, lowest stage first. A module may import its own stage and the
# stages below it, never one above. Names without a module yet are slots for
# work in progress (facts, conversation, reader, web).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("callbacks", "timing", "text", "facts", "stance", "reasons", "asked"),
    ("cleaning", "formats", "documents"),
    ("chunking",),
    ("bm25", "termsets", "vectors", "minibert", "embedding"),
    ("index",),
    ("conversation",),
    ("retrieval",),
    ("reader",),
    ("scoring",),
    ("answer",),
    ("disagreement",),
    ("claims",),
    ("assistant",),
    ("uploads", "follow"),
    ("frontend",),
    ("evaluation", "web", "cli"),
)
FRONT_ENDS = frozenset(LAYERS[-1])
DISPATCHER = "cli"  # imports the other front ends; nothing imports it
# Modules exempt from these rules, each with the reason (none today).
ALLOWED: dict[str, str] = {}
STAGE = {name: number for number, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    """``askhist.index.store`` for src/askhist/index/store.py."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage_name(module: str) -> str:
    """The pipeline stage of a module: its first part below ``askhist``."""
    return module.split(".")[1]


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import of ``module``
    of another askhist module, outside ``if TYPE_CHECKING`` blocks."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "askhist")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] == "askhist":
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in MODULES:  # `from . import index`: the module itself
                        found.append((submodule, "", node.lineno))
                    else:
                        found.append((target, alias.name, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def checked(module: str) -> bool:
    return module != "askhist" and stage_name(module) not in ALLOWED


def test_every_module_has_a_stage():
    unknown = sorted({stage_name(m) for m in MODULES if checked(m)} - set(STAGE))
    assert not unknown, f"add these modules to LAYERS in {Path(__file__).name}: {unknown}"


def test_no_lower_stage_imports_a_higher_one():
    problems = []
    for module in filter(checked, MODULES):
        for target, _, line in imports(module):
            if target == "askhist" or stage_name(target) not in STAGE:
                continue
            source, imported = stage_name(module), stage_name(target)
            if STAGE[imported] > STAGE[source]:
                problems.append(f"{module}:{line} ({source}) imports {target} ({imported}, a higher stage)")
    assert not problems, "\n".join(problems)


def test_front_ends_do_not_import_each_other_and_nothing_imports_cli():
    problems = []
    for module in filter(checked, MODULES):
        source = stage_name(module)
        for target, _, line in imports(module):
            imported = stage_name(target) if target != "askhist" else ""
            if imported == DISPATCHER and source != DISPATCHER:
                problems.append(f"{module}:{line} imports {target}: nothing imports cli")
            elif source in FRONT_ENDS - {DISPATCHER} and imported in FRONT_ENDS and imported != source:
                problems.append(f"{module}:{line} imports {target}: front ends do not import each other")
    assert not problems, "\n".join(problems)


def test_no_import_cycles():
    graph = {m: sorted({t for t, _, _ in imports(m) if t in MODULES and t != m}) for m in MODULES if checked(m)}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in graph.get(module, []):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            walk(module, [module])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_imports_a_private_name_of_another():
    problems = [
        f"{module}:{line} imports {name} from {target}"
        for module in filter(checked, MODULES)
        for target, name, line in imports(module)
        if name.startswith("_") and target != module
    ]
    assert not problems, "\n".join(problems)


# Calls that change the whole process: made once by the entry points
# (``frontend.configure_process``), never by library code.
PROCESS_WIDE = frozenset({"omp_set_num_threads", "threadpool_limits", "set_num_threads", "putenv"})
PROCESS_WIDE_STAGES = frozenset({"frontend", *FRONT_ENDS})


def process_wide_effects(module: str) -> list[str]:
    """Lines of ``module`` that set thread limits or environment variables,
    or create a lock at module level (a lock belongs to an object)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            target = ast.unparse(node.func)
            if name in PROCESS_WIDE or target in ("os.environ.setdefault", "os.environ.update"):
                found.append(f"{module}:{node.lineno} calls {target}")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(ast.unparse(t).startswith("os.environ[") for t in targets):
                found.append(f"{module}:{node.lineno} sets os.environ")
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            if ast.unparse(node.value.func).split(".")[-1] in ("Lock", "RLock", "Semaphore"):
                found.append(f"{module}:{node.lineno} creates a module-level lock")
    return found


def test_library_code_has_no_process_wide_side_effects():
    problems = [
        problem
        for module in filter(checked, MODULES)
        if stage_name(module) not in PROCESS_WIDE_STAGES
        for problem in process_wide_effects(module)
    ]
    assert not problems, "\n".join(problems)


def test_the_rules_catch_what_they_are_for(tmp_path, monkeypatch):
    """The checks above would fail on a violation: an imagined ``text`` that
    imports ``answer`` and a private name, and an ``answer`` importing it back."""
    fake = tmp_path / "askhist"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "text.py").write_text("def f():\n    from .answer import _private\n")
    (fake / "answer.py").write_text(
        "import os, threading\nfrom .text import f\n_private = 1\n_lock = threading.Lock()\n"
        "def g():\n    os.environ['HF_HUB_OFFLINE'] = '1'\n"
    )
    (fake / "cli.py").write_text("")
    (fake / "frontend.py").write_text("from . import cli\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PACKAGE", fake)
    monkeypatch.setattr(
        __import__(__name__, fromlist=["x"]), "MODULES", {module_name(p): p for p in sorted(fake.rglob("*.py"))}
    )
    for check in (
        test_no_lower_stage_imports_a_higher_one,
        test_no_import_cycles,
        test_no_module_imports_a_private_name_of_another,
        test_front_ends_do_not_import_each_other_and_nothing_imports_cli,
        test_library_code_has_no_process_wide_side_effects,
    ):
        with pytest.raises(AssertionError):
            check()
