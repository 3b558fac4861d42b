"""Forward + backward speed of tftrain's activations against their TF / Keras peers.

For every activation: one step computing ``y = f(x)`` and ``dL/dx`` for
``L = sum(y * dy)`` on 4 M float32 elements, in three modes: eagerly, as a
``tf.function`` (graph) and with ``jit_compile`` (xla), ours and the peer
interleaved in every repeat (< 1 means ours is faster). Leaky ReLU, swish, mish and hard_silu
are also timed against their alternative formulations, and ``square`` (custom gradient)
against the old ``py_func`` / NumPy recipe on 1 M elements. Ratios are medians
of per-round ratios (ours and the peer timed back to back), which cancels most
of the load drift of a shared machine; ratios within about 0.05 of 1 are noise.

Run: ``PYTHONPATH=. TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/activations.py [--repeats 15]``
(``--only swish mish`` times just those two and their formulations;
``--modes eager`` just one mode).
Targets: each built-in within 1.05x of its peer or of the fastest formulation;
the custom-gradient ``square`` at least 100x faster than the ``py_func`` recipe.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from tftrain import activations as A
from tftrain.activations._gradient import with_input_gradient
from tftrain.activations._hard import hard_silu_backward
from tftrain.activations._swish import mish_backward

N = 4_000_000
N_SQUARE = 1_000_000

ALPHA = 0.2
F1, F2 = (1 + ALPHA) / 2, (1 - ALPHA) / 2

#: name -> (ours, the peer: TF / Keras's own implementation)
PAIRS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (A.sigmoid, tf.math.sigmoid),
    "tanh": (A.tanh, tf.math.tanh),
    "relu": (A.relu, tf.nn.relu),
    "leaky_relu": (A.leaky_relu, lambda x: tf.nn.leaky_relu(x, ALPHA)),
    "elu": (A.elu, tf.nn.elu),
    "selu": (A.selu, tf.nn.selu),
    "swish": (A.swish, tf.nn.silu),
    "gelu": (A.gelu, tf.nn.gelu),
    "gelu_tanh": (
        functools.partial(A.gelu, approximate=True),
        functools.partial(tf.nn.gelu, approximate=True),
    ),
    "mish": (A.mish, keras.activations.mish),
    "softplus": (A.softplus, tf.math.softplus),
    "square": (A.square, tf.math.square),
    "relu6": (A.relu6, keras.activations.relu6),
    "hard_sigmoid": (A.hard_sigmoid, keras.activations.hard_sigmoid),
    "hard_silu": (A.hard_silu, keras.activations.hard_silu),
    "softsign": (A.softsign, keras.activations.softsign),
    "celu": (A.celu, keras.activations.celu),
}

LEAKY_FORMS: dict[str, Callable] = {
    "tf.nn.leaky_relu": lambda x: tf.nn.leaky_relu(x, ALPHA),
    "maximum(a*x, x)": lambda x: tf.maximum(ALPHA * x, x),
    "f1*x + f2*|x|": lambda x: F1 * x + F2 * tf.abs(x),
    "where(x>0, x, a*x)": lambda x: tf.where(x > 0, x, ALPHA * x),
}


def _lowest(x: tf.Tensor) -> tf.Tensor:
    return tf.constant(x.dtype.min, x.dtype)


def _swish_multiply_no_nan(x: tf.Tensor) -> tf.Tensor:
    return tf.math.multiply_no_nan(x, tf.math.sigmoid(x))


def _swish_clamped(x: tf.Tensor) -> tf.Tensor:
    x = tf.maximum(x, _lowest(x))
    return x * tf.math.sigmoid(x)


def _swish_backward_two_guards(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    s = tf.math.sigmoid(x)
    return dy * tf.math.multiply_no_nan(1 + tf.math.multiply_no_nan(x, 1 - s), s)


def _swish_backward_clipped(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    x = tf.clip_by_value(x, _lowest(x), x.dtype.max)
    s = tf.math.sigmoid(x)
    return dy * s * (1 + x * (1 - s))


def _mish_recompute_backward(x: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    t = tf.math.tanh(tf.math.softplus(x))
    sech2_sigmoid = tf.raw_ops.TanhGrad(y=t, dy=tf.raw_ops.SoftplusGrad(gradients=dy, features=x))
    return dy * t + tf.math.multiply_no_nan(x, sech2_sigmoid)


def _mish_closed_forward(x: tf.Tensor) -> tf.Tensor:
    e = tf.math.exp(x)
    return tf.maximum(x, _lowest(x)) * (1 - 2 / (e * (e + 2) + 2))


#: Formulations of swish and mish (all memory-efficient but the TF / Keras peer):
#: the alternatives measured for issue 5's follow-up; "(before)" marks mish's
#: previous form. tftrain's swish keeps multiply_no_nan on the output; its mish
#: clamps the input (a forward oneDNN fuses) and has a one-exp closed-form backward.
SWISH_FORMS: dict[str, Callable] = {
    "tf.nn.silu": tf.nn.silu,
    "clamped fwd": with_input_gradient(_swish_clamped, _swish_backward_two_guards),
    "clipped bwd": with_input_gradient(_swish_multiply_no_nan, _swish_backward_clipped),
    "clamped fwd, clipped bwd": with_input_gradient(_swish_clamped, _swish_backward_clipped),
}
MISH_FORMS: dict[str, Callable] = {
    "keras autodiff": keras.activations.mish,
    "recompute tanh/softplus (before)": with_input_gradient(
        lambda x: tf.math.multiply_no_nan(x, tf.math.tanh(tf.math.softplus(x))),
        _mish_recompute_backward,
    ),
    "closed fwd and bwd": with_input_gradient(_mish_closed_forward, mish_backward),
}


def _hard_silu_clamped(x: tf.Tensor) -> tf.Tensor:
    x = tf.maximum(x, _lowest(x))
    return x * A.hard_sigmoid(x)


#: hard_silu's forward: tftrain's multiply_no_nan against clamping -inf away first.
HARD_SILU_FORMS: dict[str, Callable] = {
    "keras autodiff": keras.activations.hard_silu,
    "clamped fwd": with_input_gradient(_hard_silu_clamped, hard_silu_backward),
}

MODES = ("eager", "graph", "xla")


def step(fn: Callable, mode: str) -> Callable:
    """A forward + backward step returning the output and the input gradient.

    ``mode``: ``"eager"`` runs op by op, ``"graph"`` as a ``tf.function``,
    ``"xla"`` compiled with ``jit_compile``.
    """

    def run(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x, output_gradients=dy)

    if mode == "eager":
        return run
    return tf.function(run, jit_compile=mode == "xla", reduce_retracing=True)


def time_interleaved(
    steps: dict[str, Callable], args: tuple, repeats: int
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Median seconds per call of each step, measured round-robin, and the raw times."""
    for s in steps.values():  # trace, compile, warm up
        for _ in range(2):
            tf.nest.map_structure(lambda t: t.numpy(), s(*args))
    times: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(repeats):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for k in order:
            start = time.perf_counter()
            out = steps[k](*args)
            out[1].numpy()
            times[k].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}, times


def paired_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """Median over repeats of a's time / b's time in the same round: robust to load drift."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def pyfunc_square_recipe(kind: str) -> Callable:
    """The old recipe: a NumPy forward and backward through ``py_func``, gradient attached.

    ``vectorize`` is the classic form of the recipe (a Python function of one
    number, ``np.vectorize``-d, as in the widely copied TF1 answer with
    ``gradient_override_map``); ``numpy_function`` / ``py_function`` use whole-array
    NumPy instead, its best case.
    """
    if kind == "vectorize":
        forward = np.vectorize(lambda v: v * v, otypes=[np.float32])
        backward = np.vectorize(lambda v, g: 2 * v * g, otypes=[np.float32])
    else:
        forward = np.square

        def backward(a, b):
            return (2 * a * b).astype(np.float32)

    def call(func, args):
        if kind == "py_function":
            return tf.py_function(lambda *a: func(*[t.numpy() for t in a]), args, tf.float32)
        return tf.numpy_function(func, args, tf.float32)

    @tf.custom_gradient
    def square(x):
        y = call(forward, [x])
        y.set_shape(x.shape)

        def grad(dy):
            g = call(backward, [x, dy])
            g.set_shape(x.shape)
            return g

        return y, grad

    return square


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--only", nargs="+", choices=sorted(PAIRS), help="time only these activations"
    )
    parser.add_argument("--modes", nargs="+", choices=MODES, default=MODES)
    args = parser.parse_args()
    modes = [m for m in MODES if m in args.modes]
    only = set(args.only or PAIRS)
    x = tf.random.stateless_normal([N], seed=(1, 2)) * 3
    dy = tf.random.stateless_normal([N], seed=(3, 4))
    worst = 0.0
    print(f"forward+backward, {N:,} float32, median of {args.repeats}; ratio = ours / peer")
    print(f"{'activation':<12} {'mode':<6} {'ours ms':>8} {'peer ms':>8} {'ratio':>6}")
    for name, (ours, peer) in PAIRS.items():
        if name not in only:
            continue
        for mode in modes:
            t, raw = time_interleaved(
                {"ours": step(ours, mode), "peer": step(peer, mode)}, (x, dy), args.repeats
            )
            ratio = paired_ratio(raw, "ours", "peer")
            worst = max(worst, ratio)
            print(
                f"{name:<12} {mode:<6} {t['ours'] * 1e3:8.2f} {t['peer'] * 1e3:8.2f} {ratio:6.2f}"
            )
    print(f"worst ratio against the peer: {worst:.2f}")
    for mode in modes:  # an A/A control: the same op against itself
        _, raw = time_interleaved(
            {"a": step(tf.nn.relu, mode), "b": step(tf.nn.relu, mode)}, (x, dy), args.repeats
        )
        spread = max(paired_ratio(raw, "a", "b"), paired_ratio(raw, "b", "a"))
        print(f"noise floor ({mode}): tf.nn.relu vs itself {spread:.2f}")

    if "leaky_relu" in only:
        print("\nleaky_relu formulations (alpha=0.2); ratio = time / fastest")
        for mode in modes:
            steps = {"tftrain": step(A.leaky_relu, mode)}
            steps.update({k: step(f, mode) for k, f in LEAKY_FORMS.items()})
            t, raw = time_interleaved(steps, (x, dy), args.repeats)
            fastest = min(t, key=t.get)
            cells = ", ".join(
                f"{k} {v * 1e3:.2f}ms {paired_ratio(raw, k, fastest):.2f}x" for k, v in t.items()
            )
            print(f"  {mode}: {cells}")

    for name, forms in (
        ("swish", SWISH_FORMS),
        ("mish", MISH_FORMS),
        ("hard_silu", HARD_SILU_FORMS),
    ):
        if name not in only:
            continue
        print(f"\n{name} formulations; ratio = time / tftrain.{name}")
        for mode in modes:
            steps = {"tftrain": step(getattr(A, name), mode)}
            steps.update({k: step(f, mode) for k, f in forms.items()})
            t, raw = time_interleaved(steps, (x, dy), args.repeats)
            cells = ", ".join(
                f"{k} {v * 1e3:.2f}ms {paired_ratio(raw, k, 'tftrain'):.2f}x" for k, v in t.items()
            )
            print(f"  {mode}: {cells}")

    if "square" not in only:
        return
    print(f"\nsquare on {N_SQUARE:,} float32: custom gradient vs the py_func recipe (graph)")
    xs, dys = x[:N_SQUARE], dy[:N_SQUARE]
    steps = {
        "tftrain.square": step(A.square, "graph"),
        "autodiff x*x": step(lambda v: v * v, "graph"),
        "numpy_function": step(pyfunc_square_recipe("numpy_function"), "graph"),
        "py_function": step(pyfunc_square_recipe("py_function"), "graph"),
        "vectorize recipe": step(pyfunc_square_recipe("vectorize"), "graph"),
    }
    t, raw = time_interleaved(steps, (xs, dys), max(3, args.repeats // 3))
    for k, v in t.items():
        ratio = paired_ratio(raw, k, "tftrain.square")
        print(f"  {k:<16} {v * 1e3:9.3f} ms  {ratio:8.1f}x tftrain.square")


if __name__ == "__main__":
    main()
