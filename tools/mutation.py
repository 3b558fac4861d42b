"""Mutation testing of tftrain's core numeric modules.

Each mutant changes one thing in one module (an operator, a comparison, a
constant, a dropped ``raise``, a skipped branch), then runs that module's
tests against it; a mutant that no test fails "survives" and points at an
untested behaviour. Mutants are made from the syntax tree, so decorated
functions (every registered loss and activation) are reached as well.

Not part of CI. Needs the ``dev`` extra (``pip install -e ".[test,dev]"``);
Linux or macOS (it forks). Usage::

    python tools/mutation.py                        # every module, every mutant
    python tools/mutation.py --module schedules --jobs 2
    python tools/mutation.py --sample 40 --seed 1   # a random sample per module
    python tools/mutation.py --where _cosine.py     # the mutants of matching path:line
    python tools/mutation.py --list                 # the mutants, without running

How it stays fast enough to run whole (about an hour and a half on 2 cores):

- Each module's tests run once under coverage first, which records the tests
  that run each line. A mutant runs those tests first; only if they all pass
  does it run the module's whole test folder, which decides. Lines no test
  reaches directly (decorators, defaults, code autograph converted for a
  ``tf.function``) go straight to the whole folder. Selection only saves time:
  no mutant is called a survivor before the whole folder has passed with it.
- TensorFlow and Keras are imported once, then every test run is a forked
  child, which starts in a fraction of a second instead of seconds.
- Tests stop at the first failure (``-x``) and use the derandomized ``ci``
  hypothesis profile, so every run of the tool gives the same result.

Not mutated: docstrings, type annotations, and the inputs the tests draw (the
``example`` and ``arguments`` facts of a registration, and the ``*arguments``
functions that build those strategies), since a mutant there changes what is
tested, not what a user gets.

Each job works in its own copy of the working tree, so the checkout is
never modified. The score is killed / (killed + survived); mutants that
time out or crash the interpreter count as killed. Known-equivalent mutants
are listed in ``EQUIVALENT`` below (file, the mutated line's code,
description) with the reason, and left out of the score; keyed by code, not
line number, so that edits elsewhere in a file keep them.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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


#: (file, the mutated line's code, description) of mutants argued equivalent, with the
#: reason; left out of the score.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "tftrain/ema/_tracker.py",
        "for t, value in zip(tracked, saved, strict=True):",
        "True -> False",
    ): (
        "zip(..., strict=) in swapped's restore: `saved` is built from `tracked` in the same "
        "call, so the two always have the same length and strict never has anything to refuse."
    ),
    (
        "tftrain/ema/_updater.py",
        "shadow, update_one, args=(value, one_minus_decay), group=True",
        "True -> False",
    ): (
        "group= of strategy.extended.update only shapes its return value (one grouped op or "
        "the per-replica results), which ShadowUpdater.update discards; the same assign ops "
        "are made and run either way (eagerly at once, in a tf.function by automatic control "
        "dependencies). Checked under MirroredStrategy eagerly and traced, in replica and "
        "cross-replica context, op by op and fused: same shadows and counts, and the step "
        "still exports as a SavedModel signature."
    ),
    (
        "tftrain/activations/_elu.py",
        "return tf.where(x > 0, x, a * tf.math.expm1(tf.minimum(x, 0) / a))",
        "Gt -> GtE",
    ): "celu_forward at x = +-0: x and a * expm1(+-0 / a) are the same +-0.",
    (
        "tftrain/activations/_elu.py",
        "return tf.where(x > 0, x, a * tf.math.expm1(tf.minimum(x, 0) / a))",
        "0 -> 1 (#2)",
    ): (
        "celu_forward's min(x, 0) keeps expm1 from overflowing in the branch tf.where drops; "
        "min(x, 1) only changes that dropped branch on (0, 1], and an inf there is dropped "
        "too. The forward pass is never differentiated (celu's gradient is celu_backward), so "
        "the double-where is kept for readers, not results."
    ),
    (
        "tftrain/activations/_gelu.py",
        "_gelu_exact = with_input_gradient(gelu_forward, gelu_backward, recompute=False)",
        "False -> True",
    ): (
        "recompute only decides whether graph optimisation may merge the backward pass with "
        "the forward one: values, gradients and what the tape keeps are the same, only speed "
        "moves, and speed is benchmarks/activations.py's to pin, not a unit test's."
    ),
    (
        "tftrain/activations/_gelu.py",
        "_gelu_tanh = with_input_gradient(gelu_tanh_forward, gelu_tanh_backward, recompute=False)",
        "False -> True",
    ): "As for _gelu_exact: recompute changes speed only.",
    (
        "tftrain/activations/_layers.py",
        "return tf.where(inputs >= 0, inputs, slope * inputs)",
        "GtE -> Gt",
    ): "RReLU at x = +-0: x and slope * x are the same +-0 for every finite slope >= 0.",
    (
        "tftrain/activations/_swish.py",
        "tf.reduce_min(x) >= lowest,  # False for -inf and for NaN",
        "GtE -> Gt",
    ): (
        "swish's graph guard: with min(x) exactly the lowest float the mutant takes the "
        "multiply_no_nan branch, whose values equal the plain product's for every finite x "
        "(x * sigmoid(x) = lowest * 0 is a zero either way, of the other sign); only speed moves."
    ),
    ("tftrain/activations/_swish.py", "_MISH_CLIP = (-1000.0, 20.0)", "20.0 -> 40.0"): (
        "Above 20 the float32 gradient is exactly 1 with either clip ((w + 1)^2 overflows "
        "and the second term is 0), and w = e^(2x) stays finite up to x = 44 in float32. In "
        "float64 the two differ by at most one ulp of 1 (f'(20) - 1 is about 3e-16), far "
        "inside the float64 tolerance every test and promise uses."
    ),
    ("tftrain/activations/_swish.py", "_MISH_CLIP = (-1000.0, 20.0)", "1000.0 -> 2000.0"): (
        "e^x underflows to 0 below -745 in every float type, so clipping at -1000 or -2000 "
        "changes no value."
    ),
    (
        "tftrain/ema/_tracker.py",
        "@dataclass(frozen=True, eq=False)",
        "True -> False",
    ): "frozen only refuses assignments to a _Tracked's fields, and no code makes one.",
    (
        "tftrain/ema/_tracker.py",
        "@dataclass(frozen=True, eq=False)",
        "False -> True",
    ): (
        "eq=True would compare _Tracked objects by their tf.Variables (elementwise) and make "
        "them unhashable; no code compares or hashes one (they live in lists and in dicts as "
        "values), so nothing changes. eq=False stays so that no one meets that trap later."
    ),
    (
        "tftrain/ema/_tracker.py",
        'name = variable.name.rsplit(":", 1)[0]',
        "1 -> 2",
    ): (
        "A tf.Variable's name is an op name plus ':<output>', and op names cannot hold ':', "
        "so splitting at the last colon once or twice leaves the same name."
    ),
    (
        "tftrain/ema/_tracker.py",
        "strategy.extended.update(self._count, lambda count: count.assign_add(1), group=True)",
        "True -> False",
    ): (
        "As for the shadows' update in _updater.py: group= only shapes a return value that is"
        " discarded."
    ),
    (
        "tftrain/ema/_tracker.py",
        "return dict(zip(self._index.names, self._shadows, strict=True))",
        "True -> False",
    ): (
        "build appends a name and a shadow together, under one lock, so the two lists always "
        "have the same length and strict has nothing to refuse."
    ),
    (
        "tftrain/ema/_tracker.py",
        "for t, shadow in zip(tracked, shadows, strict=True):",
        "True -> False (#2)",
    ): "As for the first such zip: `shadows` is built from `tracked` in the same call.",
    (
        "tftrain/ema/_tracker.py",
        "for t, shadow in zip(tracked, shadows, strict=True):",
        "True -> False",
    ): (
        "`shadows` is built from `tracked` in the same call, one per item: the same length always."
    ),
    (
        "tftrain/ema/_updater.py",
        "for shadow, value in zip(shadows, values, strict=True):",
        "True -> False (#3)",
    ): "As for the (#2) zip in update: the same lists, the same lengths.",
    (
        "tftrain/ema/_updater.py",
        "for shadow, value in zip(shadows, values, strict=True):",
        "True -> False (#2)",
    ): (
        "update's callers build `values` from the same tracked list as `shadows`: the same "
        "length always (fused_update's own strict zip is tested with unpaired lists)."
    ),
    (
        "tftrain/ema/_updater.py",
        "@tf.function(jit_compile=True, autograph=False)",
        "False -> True",
    ): (
        "fused_update has no Python control flow on tensors for autograph to convert: the "
        "loop over a Python list unrolls to the same graph either way."
    ),
    (
        "tftrain/ema/_updater.py",
        "functools.partial(parallel_fused_update, shadows, values), autograph=False",
        "False -> True",
    ): ("As for fused_update: autograph finds nothing to convert, the graph is the same."),
    (
        "tftrain/ema/_updater.py",
        "loads = [0] * max(1, min(groups, len(sizes)))",
        "0 -> 1",
    ): (
        "Every group starts with the same load either way; adding one constant to all loads "
        "changes no comparison, so the groups are the same."
    ),
    (
        "tftrain/ema/_updater.py",
        "sizes = [s.shape.num_elements() or 0 for s in shadows]",
        "0 -> 1",
    ): (
        "Counting an empty shadow as one element can only change which program updates "
        "which shadow, by a one-element imbalance; every shadow is still updated exactly "
        "once by the same formula. The apply-wide sum, where the count decides the path, "
        "is tested."
    ),
    (
        "tftrain/losses/_base.py",
        "y_pred = tf.expand_dims(y_pred, -1)",
        "minus dropped",
    ): (
        "Only reached when y_pred has rank 1 (p == 1), where axis 1 and axis -1 are the same "
        "new last axis."
    ),
    (
        "tftrain/losses/_base.py",
        "y_true = tf.expand_dims(y_true, -1)",
        "minus dropped",
    ): (
        "Only reached when y_true has rank 1 (t == 1), where axis 1 and axis -1 are the same "
        "new last axis."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        "if axis != rank - 1:",
        "Sub -> Add",
    ): (
        "With the class axis already last, the transpose the mutant adds is the identity "
        "permutation: the same values, one more op."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        'return _masked(loss * tf.where(valid, 1.0, float("nan")), kept)',
        "Mult -> Div",
    ): (
        "The factor is 1 or NaN: loss * 1 = loss / 1, and loss * NaN = loss / NaN = NaN, in "
        "value and in gradient."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        "y_pred[..., 0],",
        "0 -> 1",
    ): (
        "Only the shape of this slice is checked, and every class slice has the same shape; a"
        " second class always exists (a single class is refused just before)."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        'assertions = [tf.debugging.Assert(all_valid, [message, "Labels:", y_true], summarize=20)]',
        "20 -> 21",
    ): (
        "summarize only sets how many labels the graph-mode error prints; which labels are "
        "refused, and that the error is raised, do not change."
    ),
    (
        "tftrain/losses/_regression.py",
        "return tf.reduce_mean(tf.where(error <= d, quadratic, d * error - 0.5 * d * d), axis=-1)",
        "LtE -> Lt",
    ): (
        "At |error| = delta both branches give delta^2 / 2: the Huber loss is continuous "
        "there (and its slope, delta, too)."
    ),
    (
        "tftrain/_registry.py",
        "close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)",
        "1 -> 2",
    ): ("Only close[0] is read: asking difflib for one more candidate changes nothing shown."),
    (
        "tftrain/_registry.py",
        "close = difflib.get_close_matches(fact, list(self.facts), n=1, cutoff=0.6)",
        "1 -> 2",
    ): ("Only close[0] is read: asking difflib for one more candidate changes nothing shown."),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "_RESTART_SLACK = 4 * float(2.0**-23)",
        "4 -> 5",
    ): (
        "The slack only has to exceed the few float32 ulps by which a restart on a whole step"
        " lands off it; 4 or 5 ulps both do, and both are far below the quarter-step bound "
        "that decides for fractional steps (the 1/ mutant, which removes the slack, is "
        "killed)."
    ),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "_RESTART_SLACK = 4 * float(2.0**-23)",
        "2.0 -> 4.0",
    ): (
        "The position is computed in float64 from whole float32 steps, so a restart on a "
        "whole step lands within a few float64 ulps (about 1e-16 relative) of it; a slack of "
        "4 * 4**-23 (6e-14) still covers that, and for fractional steps the quarter-step cap "
        "decides (tested)."
    ),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "_RESTART_SLACK = 4 * float(2.0**-23)",
        "23 -> 24",
    ): (
        "Half the slack (2.4e-7 relative) still covers the float64 rounding of a restart on a"
        " whole step by nine orders of magnitude; the quarter-step cap decides for fractional"
        " steps (tested)."
    ),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "i = tf.where(reaches(i), i, i - 1.0)",
        "Sub -> Add",
    ): (
        "This correction fires only when float64's logarithm puts a step a whole period late "
        "by more than the slack. A search over t_mul in 1.01..7, first_decay_steps 1..1000 "
        "and float32 steps within one step of every restart up to 2**24 found no such step "
        "(the log's only overshoots were restarts on whole steps, inside the slack, where i "
        "stays). Kept as a guard for inputs no search reached."
    ),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "i = tf.where(reaches(i), i, i - 1.0)",
        "1.0 -> 2.0",
    ): ("As for Sub -> Add on this line: the correction never fires on a reachable input."),
    (
        "tftrain/schedules/_cosine_restarts.py",
        "completed = tf.clip_by_value((fraction - self._periods_before(i)) / length, 0.0, 1.0)",
        "1.0 -> 2.0",
    ): (
        "After the second correction a step that reaches the next period's start (within the "
        "slack) is moved into it, so the completed fraction of a period stays below 1 and the"
        " upper clip never binds; it is a guard."
    ),
    (
        "tftrain/schedules/_exponential.py",
        "lr = tf.maximum(lr, bound) if self.decay_rate < 1 else tf.minimum(lr, bound)",
        "Lt -> LtE",
    ): ("Only reached when decay_rate != 1 (the line above), where < 1 and <= 1 agree."),
    (
        "tftrain/schedules/_one_cycle.py",
        "at = phase.end if phase.end_rate < phase.start_rate else phase.start",
        "Lt -> LtE",
    ): (
        "Only differs for a flat phase (equal start and end rates), whose rate is that one "
        "value from whichever end the distance is measured."
    ),
    (
        "tftrain/schedules/_one_cycle.py",
        "rate = tf.where(t <= float32_below(phase.end), self._anneal(phase, t), rate)",
        "LtE -> Lt",
    ): (
        "Only a step exactly on a phase's end moves to the next phase, and there both phases "
        "give the same rate (OneCycle is continuous: each phase starts at the rate the one "
        "before ends at), up to float32 rounding of that one value."
    ),
    (
        "tftrain/activations/_elu.py",
        "return dy * tf.where(x > 0, tf.ones_like(x), tf.math.exp(tf.minimum(x, 0) / a))",
        "0 -> 1",
    ): (
        "celu_backward with x > 1 for x > 0: on (0, 1] the other branch is "
        "exp(min(x, 0) / a) = exp(0) = 1, the same slope, and its own derivative there "
        "is 0 (min passes none to x > 0), the same second derivative. (The (#2) mutant, "
        "min(x, 1), is killed by the second-derivative test.)"
    ),
    (
        "tftrain/ema/_tracker.py",
        "with tf.init_scope(), strategy.scope() if distributed else contextlib.nullcontext():",
        "conditional negated",
    ): (
        "Without a strategy the mutant enters the default strategy's scope, which changes "
        "nothing; with one, has_strategy() is only true inside that strategy's scope or run, "
        "so its variable creator is already in force and entering its scope again changes "
        "nothing either (the MirroredStrategy tests, which check shadows are mirrored and "
        "agree across replicas, pass with the mutant)."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        "y_pred = tf.math.log(tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))",
        "Sub -> Add",
    ): (
        "The sparse path uses the log-probabilities as logits of a softmax, which "
        "renormalises: a top clip at 1 - eps or none (1 + eps) changes the renormalised "
        "probabilities by a factor within 1e-7 of 1, under float32 resolution (a certain "
        "right prediction gives 1.1920929e-07 both ways, as Keras). The categorical path's "
        "clip, where it does show, is tested."
    ),
    (
        "tftrain/losses/_crossentropy.py",
        "y_pred = tf.math.log(tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))",
        "1.0 -> 2.0",
    ): (
        "As for Sub -> Add on this line: a top clip above 1 is none, and the softmax renormalises."
    ),
    (
        "tftrain/schedules/_one_cycle.py",
        "self._phases = [Phase(s, e, a, b) for s, (e, a, b) in zip(starts, ends, strict=True)]",
        "True -> False",
    ): ("`starts` is built from `ends` on the line above, one per phase: the same length always."),
    (
        "tftrain/schedules/_warmup.py",
        "return tf.where(t < warmup, ramp, after)",
        "Lt -> LtE",
    ): (
        "At t = warmup the ramp has reached the wrapped schedule's step-0 rate, which is what"
        " `after` is there: LinearWarmup is continuous at the hand-over (up to float32 "
        "rounding of that one value)."
    ),
    (
        "tftrain/schedules/_warmup_stable_decay.py",
        "rate = tf.where(t >= self._decay_start, peak * decay, peak)",
        "GtE -> Gt",
    ): (
        "At the decay's first step the decay factor is 1, so peak * decay = peak: the "
        "schedule is continuous where the decay starts."
    ),
    (
        "tftrain/schedules/_warmup_stable_decay.py",
        "rate = tf.where(t < float(self.warmup_steps), peak * (t / self.warmup_steps), rate)",
        "Lt -> LtE",
    ): (
        "At t = warmup_steps the ramp gives peak * 1 = peak, and so does the stable phase (or"
        " the decay's first step, whose factor is 1): continuous at the end of the warm-up."
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


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One change to one file: the span it replaces and the new text."""

    path: str
    line: int
    start: tuple[int, int]
    end: tuple[int, int]
    replacement: str
    description: str

    def key(self) -> tuple[str, str, str]:
        """Its key in ``EQUIVALENT``: file, the code of its first line, description."""
        code = (ROOT / self.path).read_text().splitlines()[self.line - 1].strip()
        return self.path, code, self.description

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


#: Keywords of a registration whose values are the inputs the tests draw, not behaviour.
TEST_INPUT_FACTS = ("example", "arguments")


def _test_inputs(tree: ast.AST) -> set[int]:
    """Ids of nodes that only say what the tests feed a component.

    The values of the ``example`` and ``arguments`` facts of a registration, and
    the functions that build ``arguments`` strategies (named ``*arguments``): a
    mutant there changes which valid inputs the tests try, not what a user gets.
    """
    inside: set[int] = set()
    for node in ast.walk(tree):
        parts: list[ast.AST] = []
        if isinstance(node, ast.Call):
            parts += [k.value for k in node.keywords if k.arg in TEST_INPUT_FACTS]
        if isinstance(node, ast.FunctionDef) and node.name.endswith("arguments"):
            parts.append(node)
        for part in parts:
            inside.update(id(n) for n in ast.walk(part))
    return inside


def mutants(path: str) -> list[Mutant]:
    """Every mutant of one source file, each with its own key (see ``Mutant.key``).

    Where the same change meets the same code twice (two ``0 -> 1`` on one line,
    or two identical lines in the file), the second in reading order is described
    ``0 -> 1 (#2)``, and so on, so that ``EQUIVALENT`` can tell them apart.
    """
    found = list(_mutants_of(path))
    code = (ROOT / path).read_text().splitlines()
    seen: dict[tuple[str, str], int] = {}
    for i, mutant in sorted(enumerate(found), key=lambda item: item[1].start):
        key = (code[mutant.line - 1].strip(), mutant.description)
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1:
            found[i] = dataclasses.replace(mutant, description=f"{mutant.description} (#{n})")
    return found


def _mutants_of(path: str) -> Iterator[Mutant]:
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    skip = _docstring_nodes(tree) | _annotations(tree) | _test_inputs(tree)
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
        elif isinstance(node, ast.If) and not _is_not(node.test):  # else "not dropped" does it
            test = node.test
            yield _mutant(path, test, f"not ({ast.unparse(test)})", "if negated")
        elif isinstance(node, ast.IfExp) and not _is_not(node.test):
            yield _mutant(path, node.test, f"not ({ast.unparse(node.test)})", "conditional negated")


def _is_not(node: ast.AST) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)


def _swap(old: ast.AST, new: type) -> str:
    return f"{type(old).__name__} -> {new.__name__}"


def _mutant(path: str, node: ast.AST, replacement: str, description: str) -> Mutant:
    start, end = _span(node)
    statement = isinstance(node, ast.stmt)
    if not statement and ("\n" in replacement or end[0] != start[0]):
        replacement = f"({replacement})"
    return Mutant(path, start[0], start, end, replacement, description)


class _TestContexts:
    """A pytest plugin that names coverage's context after the running test."""

    def __init__(self, cov: object) -> None:
        self.cov = cov

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: object) -> Iterator[None]:
        self.cov.switch_context(item.nodeid)  # type: ignore[attr-defined]
        yield
        self.cov.switch_context("")  # type: ignore[attr-defined]


_PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts="]


def _in_child(workdir: Path, log: Path, body: Callable[[], int]) -> None:
    """Runs ``body`` in the forked child: in ``workdir``, output to ``log``; never returns."""
    code = 3
    try:
        handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(handle, 1)
        os.dup2(handle, 2)
        os.chdir(workdir)
        sys.path.insert(0, str(workdir))
        code = body()
    except BaseException:  # whatever happens, the child must not return
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _imported_from(workdir: Path) -> bool:
    """Whether the tests imported tftrain from the mutant's copy (if they imported it at all)."""
    tftrain = sys.modules.get("tftrain")
    return tftrain is None or Path(tftrain.__file__ or "").resolve().is_relative_to(workdir)


def _tests_by_line(module: str, workdir: Path, log: Path) -> dict[str, dict[int, set[str]]]:
    """Runs the module's tests once under coverage: file -> line -> ids of tests that ran it.

    Lines run only while importing (decorators, defaults, constants) or only inside code
    autograph converted for a ``tf.function`` have no test here; their mutants run the
    whole test folder.
    """
    files, tests = MODULES[module]
    result = workdir / f"{module}-lines.json"

    def body() -> int:
        import coverage

        cov = coverage.Coverage(data_file=None, include=[str(workdir / f) for f in files])
        cov.start()
        try:
            code = pytest.main([*_PYTEST_ARGS, *tests], plugins=[_TestContexts(cov)])
        finally:
            cov.stop()
        if code != 0:  # every mutant would look killed
            print(f"the tests of {module} fail without any mutant (pytest exit code {code})")
            return 1
        data = cov.get_data()
        lines = {
            f: {
                line: sorted(set(ids) - {""})
                for line, ids in data.contexts_by_lineno(str(workdir / f)).items()
            }
            for f in files
        }
        result.write_text(json.dumps(lines))
        return 0

    pid = os.fork()
    if pid == 0:
        _in_child(workdir, log, body)
    os.waitpid(pid, 0)
    if not result.exists():
        raise RuntimeError(f"mapping the tests of {module} failed:\n{log.read_text()[-3000:]}")
    raw = json.loads(result.read_text())
    result.unlink()
    return {f: {int(line): set(ids) for line, ids in by.items()} for f, by in raw.items()}


@dataclasses.dataclass
class _Job:
    """One mutant's progress: first the tests that run its lines, then its whole folder."""

    module: str
    mutant: Mutant
    stages: list[list[str]]
    pid: int = 0
    began: float = 0.0
    workdir: Path | None = None


def _start(job: _Job, workdir: Path) -> None:
    """Writes the mutant into ``workdir`` and forks a child that runs the next stage's tests."""
    target = workdir / job.mutant.path
    mutated = job.mutant.apply((ROOT / job.mutant.path).read_text())
    target.write_text(mutated)
    tests = job.stages.pop(0)

    def body() -> int:
        try:
            importlib.import_module(job.mutant.path.removesuffix(".py").replace("/", "."))
        except Exception:  # the mutant breaks an import: every test of it would fail
            traceback.print_exc()
            return 1
        if not _imported_from(workdir.resolve()):
            print(f"tftrain was imported from {sys.modules['tftrain'].__file__}, not the copy")
            return 3
        return int(pytest.main([*_PYTEST_ARGS, "-x", *tests]))

    pid = os.fork()
    if pid == 0:
        _in_child(workdir, workdir / "mutant.log", body)
    job.pid, job.began, job.workdir = pid, time.perf_counter(), workdir


def _valid(mutant: Mutant) -> bool:
    try:
        compile(mutant.apply((ROOT / mutant.path).read_text()), mutant.path, "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _outcome(status: int, log: str) -> str:
    """killed, survived, or broken (the child crashed or pytest could not run)."""
    if os.WIFSIGNALED(status):
        return "killed"  # a mutant that crashes the interpreter is caught
    code = os.WEXITSTATUS(status)
    collection_failed = "ERROR collecting" in log
    if code == 0:
        return "survived"
    if code in (1, 2):
        return "killed"  # tests failed, or the mutant broke their collection (an import)
    if code == 4 and collection_failed:
        return "killed"  # a test module no longer imports, so its tests are not found
    return "broken"  # 3 internal error, 4 usage error, 5 no tests


def _import_heavy_modules() -> None:
    """Imports once what every child needs, so a fork starts in a fraction of a second.

    Hypothesis is left to each child's pytest, which must import its plugin first.
    TensorFlow is imported but not started (no op has run), so each child still
    chooses its own devices (the suite's two logical CPUs) and thread pools.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
    os.environ["TFTRAIN_HYPOTHESIS_PROFILE"] = "ci"
    # No .pyc files: a mutant and the original can have the same size and mtime second.
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401


Results = dict[str, dict[str, list[Mutant]]]


def run(plan: list[tuple[str, Mutant]], jobs: int, timeout: float) -> Results:
    """Runs every mutant of ``plan``, ``jobs`` at a time; outcome -> mutants, per module."""
    _import_heavy_modules()
    workdirs = []
    for _ in range(max(1, jobs)):
        folder = Path(tempfile.mkdtemp(prefix="tftrain-mutants-"))
        shutil.copytree(
            ROOT,
            folder,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".git", ".ci-venv", "runs", "__pycache__", "*.egg-info"),
        )
        workdirs.append(folder)
    results: Results = {}
    began = time.perf_counter()
    done = 0
    running: dict[int, _Job] = {}

    def record(job: _Job, outcome: str) -> None:
        nonlocal done
        done += 1
        if outcome == "survived" and job.mutant.key() in EQUIVALENT:
            outcome = "equivalent"
        results.setdefault(job.module, {}).setdefault(outcome, []).append(job.mutant)
        print(
            f"[{done}/{len(plan)} {time.perf_counter() - began:.0f}s] {outcome:10} "
            f"{job.mutant.path}:{job.mutant.line} {job.mutant.description}",
            flush=True,
        )

    try:
        maps: dict[str, dict[str, dict[int, set[str]]]] = {}
        for module in sorted({module for module, _ in plan}):
            started = time.perf_counter()
            maps[module] = _tests_by_line(module, workdirs[0], workdirs[0] / "map.log")
            print(
                f"mapped the tests of {module} in {time.perf_counter() - started:.0f}s", flush=True
            )
        pending: list[_Job] = []
        for module, mutant in plan:
            if not _valid(mutant):
                record(_Job(module, mutant, []), "invalid")
                continue
            lines = maps[module].get(mutant.path, {})
            ids: set[str] = set()
            for line in range(mutant.start[0], mutant.end[0] + 1):
                ids |= lines.get(line, set())
            stages = [sorted(ids)] if ids else []
            pending.append(_Job(module, mutant, [*stages, MODULES[module][1]]))
        free = list(workdirs)
        while pending or running:
            while free and pending:
                job = pending.pop(0)
                _start(job, free.pop())
                running[job.pid] = job
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                for job in running.values():
                    if time.perf_counter() - job.began > timeout:
                        os.kill(job.pid, signal.SIGKILL)
                        job.stages.clear()  # a mutant that hangs is caught: timeout
                time.sleep(0.05)
                continue
            job = running.pop(pid)
            assert job.workdir is not None
            (job.workdir / job.mutant.path).write_text((ROOT / job.mutant.path).read_text())
            free.append(job.workdir)
            outcome = _outcome(status, (job.workdir / "mutant.log").read_text(errors="replace"))
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                outcome = "timeout"
            if outcome == "broken":
                print((job.workdir / "mutant.log").read_text()[-3000:], flush=True)
            if outcome == "survived" and job.stages:
                pending.insert(0, job)  # the tests of its lines missed it: now the whole folder
                continue
            record(job, outcome)
    finally:
        for job in running.values():
            os.kill(job.pid, signal.SIGKILL)
        for folder in workdirs:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def report(results: Results) -> None:
    """Prints the score per module, then every surviving mutant."""
    print("\nmodule        killed  survived  equivalent  invalid  broken  score")
    for module, outcomes in sorted(results.items()):
        killed = len(outcomes.get("killed", [])) + len(outcomes.get("timeout", []))
        survived = len(outcomes.get("survived", []))
        score = 100.0 * killed / max(1, killed + survived)
        print(
            f"{module:12} {killed:7} {survived:9} {len(outcomes.get('equivalent', [])):11} "
            f"{len(outcomes.get('invalid', [])):8} {len(outcomes.get('broken', [])):7} "
            f"{score:6.1f}%"
        )
    for module, outcomes in sorted(results.items()):
        for outcome in ("survived", "broken"):
            for mutant in outcomes.get(outcome, []):
                print(
                    f"{outcome}: {module} {mutant.path}:{mutant.line} {mutant.description}: "
                    f"{mutant.replacement}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES))
    parser.add_argument("--sample", type=int, help="at most this many mutants per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per test run")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--where",
        action="append",
        help="only mutants whose path:line contains this text (repeatable: any of them)",
    )
    args = parser.parse_args(argv)

    plan: list[tuple[str, Mutant]] = []
    for module in args.module or sorted(MODULES):
        files, _ = MODULES[module]
        found = [m for f in files for m in mutants(f)]
        if args.where:
            found = [m for m in found if any(w in f"{m.path}:{m.line}" for w in args.where)]
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
    report(run(plan, args.jobs, args.timeout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
