"""Mutation testing of tftrain's core numeric modules.

Each mutant changes one thing in one module (an operator, a comparison, a
constant, a dropped ``raise``, a skipped branch), then runs that module's
tests against it; a mutant that no test fails "survives" and points at an
untested behaviour. Mutants are made from the syntax tree, so decorated
functions (every registered loss and activation) are reached as well.

Not part of CI: a full run takes hours on 2 cores; `--sample N` draws N mutants per module. Usage::

    python tools/mutation.py                        # every module, every mutant
    python tools/mutation.py --module schedules --jobs 2
    python tools/mutation.py --sample 40 --seed 1   # a random sample per module
    python tools/mutation.py --list                 # the mutants, without running

Each run copies the working tree to a temporary folder per job, so the
checkout is never modified. The score is killed / (killed + survived);
mutants that time out count as killed. Known-equivalent mutants are listed
in ``EQUIVALENT`` below (module, line, description) with the reason, and
left out of the score.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _package(name: str, *, leave_out: tuple[str, ...] = ()) -> list[str]:
    """The private modules of ``tftrain/<name>``, so that a new component's module is mutated too.

    ``leave_out`` names modules that hold no numerics of the family (its registry
    binding, tools for the tests).
    """
    folder = ROOT / "tftrain" / name
    return sorted(
        f"tftrain/{name}/{p.name}" for p in folder.glob("_*.py") if p.name not in leave_out
    )


#: Module group -> (source files, test paths run against each of its mutants).
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "schedules": (
        _package("schedules", leave_out=("__init__.py", "_family.py", "_values.py")),
        ["tests/schedules"],
    ),
    "ema": (_package("ema", leave_out=("__init__.py", "_family.py")), ["tests/ema"]),
    "losses": (
        _package("losses", leave_out=("__init__.py", "_family.py", "_distributed.py")),
        ["tests/losses"],
    ),
    "activations": (
        # check_activation's helpers and the XLA detection are tested under tests/testing.
        _package(
            "activations",
            leave_out=("__init__.py", "_family.py", "_check.py", "_gradient.py", "_xla.py"),
        ),
        ["tests/activations"],
    ),
    "registry": (["tftrain/_registry.py"], ["tests/test_registry.py", "tests/config"]),
}


#: (file, line, description) of mutants argued equivalent; left out of the score.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("tftrain/ema/_tracker.py", 424, "True -> False"): (
        "zip(..., strict=) in swapped's restore: `saved` is built from `tracked` in the same "
        "call, so the two always have the same length and strict never has anything to refuse."
    ),
    ("tftrain/ema/_updater.py", 103, "True -> False"): (
        "group= of strategy.extended.update only shapes its return value (one grouped op or "
        "the per-replica results), which ShadowUpdater.update discards; the same assign ops "
        "are made and run either way (eagerly at once, in a tf.function by automatic control "
        "dependencies). Checked under MirroredStrategy eagerly and traced, in replica and "
        "cross-replica context, op by op and fused: same shadows and counts, and the step "
        "still exports as a SavedModel signature."
    ),
}

_SWAPS: dict[type, list[type]] = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
    ast.Pow: [ast.Mult],
    ast.FloorDiv: [ast.Div],
    ast.Mod: [ast.FloorDiv],
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.And: [ast.Or],
    ast.Or: [ast.And],
}


@dataclass(frozen=True)
class Mutant:
    """One change to one file: the span it replaces and the new text."""

    path: str
    line: int
    start: tuple[int, int]
    end: tuple[int, int]
    replacement: str
    description: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for text in lines:
            offsets.append(offsets[-1] + len(text.encode()))
        data = source.encode()
        begin = offsets[self.start[0] - 1] + self.start[1]
        stop = offsets[self.end[0] - 1] + self.end[1]
        return (data[:begin] + self.replacement.encode() + data[stop:]).decode()


def _docstring_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            skip.add(id(value))
    return skip


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _annotations(tree: ast.AST) -> set[int]:
    """Ids of nodes inside type annotations, which no test can observe."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            parts.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            parts.append(node.returns)
        if isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
        for part in parts:
            inside.update(id(n) for n in ast.walk(part))
    return inside


def mutants(path: str) -> Iterator[Mutant]:
    """Every mutant of one source file, in source order."""
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    skip = _docstring_nodes(tree) | _annotations(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAPS:
            for new in _SWAPS[type(node.op)]:
                copy = ast.BinOp(node.left, new(), node.right)
                yield _mutant(path, node, ast.unparse(copy), _swap(node.op, new))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _SWAPS:
            for new in _SWAPS[type(node.ops[0])]:
                copy = ast.Compare(node.left, [new()], node.comparators)
                yield _mutant(path, node, ast.unparse(copy), _swap(node.ops[0], new))
        elif isinstance(node, ast.BoolOp):
            new = _SWAPS[type(node.op)][0]
            copy = ast.BoolOp(new(), node.values)
            yield _mutant(path, node, ast.unparse(copy), _swap(node.op, new))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield _mutant(path, node, f"({ast.unparse(node.operand)})", "not dropped")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield _mutant(path, node, f"({ast.unparse(node.operand)})", "minus dropped")
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = node.value
            new_value = value * 2 if isinstance(value, float) and value else value + 1
            yield _mutant(path, node, repr(new_value), f"{value!r} -> {new_value!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield _mutant(path, node, repr(not node.value), f"{node.value} -> {not node.value}")
        elif isinstance(node, ast.Raise):
            yield _mutant(path, node, "pass", "raise dropped")
        elif isinstance(node, ast.If):
            test = node.test
            yield _mutant(path, test, f"not ({ast.unparse(test)})", "if negated")
        elif isinstance(node, ast.IfExp):
            yield _mutant(path, node.test, f"not ({ast.unparse(node.test)})", "conditional negated")


def _swap(old: ast.AST, new: type) -> str:
    return f"{type(old).__name__} -> {new.__name__}"


def _mutant(path: str, node: ast.AST, replacement: str, description: str) -> Mutant:
    start, end = _span(node)
    if "\n" in replacement or end[0] != start[0]:
        replacement = f"({replacement})"
    return Mutant(path, start[0], start, end, replacement, description)


def _run_one(mutant: Mutant, tests: list[str], workdir: Path, timeout: float) -> str:
    target = workdir / mutant.path
    original = (ROOT / mutant.path).read_text()
    try:
        mutated = mutant.apply(original)
        compile(mutated, mutant.path, "exec")
    except (SyntaxError, ValueError):
        return "invalid"
    target.write_text(mutated)
    env = {
        **os.environ,
        "PYTHONPATH": str(workdir),
        "TFTRAIN_HYPOTHESIS_PROFILE": "ci",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-o",
        "addopts=",
        *tests,
    ]
    try:
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, timeout=timeout)
        outcome = "survived" if result.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        outcome = "timeout"
    finally:
        target.write_text(original)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES))
    parser.add_argument("--sample", type=int, help="at most this many mutants per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)

    plan: list[tuple[str, Mutant]] = []
    for module in args.module or sorted(MODULES):
        files, _ = MODULES[module]
        found = [m for f in files for m in mutants(f)]
        if args.sample and len(found) > args.sample:
            found = sorted(
                random.Random(args.seed).sample(found, args.sample), key=lambda m: (m.path, m.line)
            )
        plan += [(module, m) for m in found]
    if args.list:
        for module, m in plan:
            print(f"{module}\t{m.path}:{m.line}\t{m.description}\t{m.replacement}")
        print(f"{len(plan)} mutants")
        return 0

    workdirs = []
    for _ in range(max(1, args.jobs)):
        folder = Path(tempfile.mkdtemp(prefix="tftrain-mutants-"))
        shutil.copytree(
            ROOT,
            folder,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".git", ".ci-venv", "runs", "__pycache__"),
        )
        workdirs.append(folder)
    free = list(workdirs)
    results: dict[str, dict[str, list[Mutant]]] = {}
    began = time.perf_counter()

    def work(item: tuple[str, Mutant]) -> tuple[str, Mutant, str]:
        module, mutant = item
        workdir = free.pop()
        try:
            return module, mutant, _run_one(mutant, MODULES[module][1], workdir, args.timeout)
        finally:
            free.append(workdir)

    try:
        with ThreadPoolExecutor(max_workers=len(workdirs)) as pool:
            for done, (module, mutant, outcome) in enumerate(pool.map(work, plan), 1):
                if (mutant.path, mutant.line, mutant.description) in EQUIVALENT:
                    outcome = "equivalent"
                results.setdefault(module, {}).setdefault(outcome, []).append(mutant)
                print(
                    f"[{done}/{len(plan)} {time.perf_counter() - began:.0f}s] {outcome:10} "
                    f"{mutant.path}:{mutant.line} {mutant.description}",
                    flush=True,
                )
    finally:
        for folder in workdirs:
            shutil.rmtree(folder, ignore_errors=True)

    print("\nmodule        killed  survived  equivalent  invalid  score")
    worst = 100.0
    for module, outcomes in sorted(results.items()):
        killed = len(outcomes.get("killed", [])) + len(outcomes.get("timeout", []))
        survived = len(outcomes.get("survived", []))
        score = 100.0 * killed / max(1, killed + survived)
        worst = min(worst, score)
        print(
            f"{module:12} {killed:7} {survived:9} {len(outcomes.get('equivalent', [])):11} "
            f"{len(outcomes.get('invalid', [])):8} {score:6.1f}%"
        )
    for module, outcomes in sorted(results.items()):
        for mutant in outcomes.get("survived", []):
            print(
                f"survived: {module} {mutant.path}:{mutant.line} {mutant.description}: "
                f"{mutant.replacement}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
