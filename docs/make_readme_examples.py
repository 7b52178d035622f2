"""Write the README's example command-line output from a real run.

    .venv/bin/python docs/make_readme_examples.py      (or: make readme-examples)

Runs each command of ``EXAMPLES`` on the bundled seeds and puts the first
lines of its output into README.md between ``<!-- examples -->`` and
``<!-- /examples -->``. ``tests/integration/test_readme_examples.py`` runs
the same commands and checks that the README still shows what they print.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- examples -->\n)(.*?)(<!-- /examples -->)", re.S)
# (arguments of `askhist`, how many lines of its output the README shows)
EXAMPLES = (
    (["ask", "When did Stalin become General Secretary?"], None),
    (["check", "Stalin became General Secretary in 1922"], 7),
)
MORE = "  ..."


def shown_lines(output: str, keep: int | None) -> list[str]:
    """The first lines of a command's output that the README shows: for
    ``ask``, everything up to the first passage (keep=None)."""
    lines = output.splitlines()
    if keep is None:
        keep = lines.index("Passages:") + 3 if "Passages:" in lines else len(lines)
    return lines[:keep]


def run(arguments: list[str], extra: list[str] = ()) -> str:
    """The standard output of ``askhist ARGUMENTS EXTRA``; an error stops the script."""
    command = [sys.executable, "-m", "askhist.cli", *arguments, *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


def parse_block(readme: str) -> list[tuple[list[str], list[str]]]:
    """(arguments, shown lines without the trailing "...") of each example in the README."""
    match = BLOCK.search(readme)
    if match is None:
        raise ValueError("README.md has no <!-- examples --> block")
    examples: list[tuple[list[str], list[str]]] = []
    for line in match.group(2).splitlines():
        if line.startswith("$ askhist "):
            examples.append((shlex.split(line)[2:], []))
        elif line != "```" and examples:
            examples[-1][1].append(line)
    for _, lines in examples:
        while lines and lines[-1] in ("", MORE):
            lines.pop()
    return examples


def main() -> int:
    parts = ["```"]
    for arguments, keep in EXAMPLES:
        parts.append(f"$ askhist {shlex.join(arguments)}")
        parts += shown_lines(run(arguments), keep)
        parts += [MORE, ""]
    parts[-1] = "```"
    readme = README.read_text(encoding="utf-8")
    if BLOCK.search(readme) is None:
        raise SystemExit("README.md has no <!-- examples --> block to fill")
    new = BLOCK.sub(lambda m: m.group(1) + "\n".join(parts) + "\n" + m.group(3), readme)
    README.write_text(new, encoding="utf-8")
    print(f"README.md examples {'updated' if new != readme else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
