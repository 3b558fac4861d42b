"""The exponential-moving-average shadow tracker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
import tensorflow as tf

from tftrain._compat import in_xla_context, variable_storage
from tftrain._validation import check_in_range, check_integer
from tftrain.ema._family import register
from tftrain.ema._updater import ShadowUpdater

_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_LOW_PRECISION = (tf.float16, tf.bfloat16)


@dataclass(frozen=True, eq=False)
class _Tracked:
    """One variable as the tracker sees it: the tf.Variable holding it, its name and ``ref()``."""

    variable: tf.Variable
    name: str
    ref: Any  # variable.ref(), made once: an apply looks it up several times


class _Index:
    """Which shadow belongs to which variable: Python bookkeeping, never checkpointed."""

    def __init__(self) -> None:
        self.position: dict[Any, int] = {}  # variable ref -> index into the shadow list
        self.names: list[str] = []  # the variables' names, in shadow order, made unique

    def unique(self, name: str) -> str:
        """``name``, or ``name_1``, ``name_2``... if a shadowed variable already has it.

        Shadows belong to variables by identity, so two plain ``tf.Variable``s
        both named ``"Variable"`` get two shadows; only the keys of
        ``averages()`` need telling apart.
        """
        taken, candidate, i = set(self.names), name, 0
        while candidate in taken:
            i += 1
            candidate = f"{name}_{i}"
        return candidate


def _tracked(variable: Any, label: str) -> _Tracked:
    """``variable`` (a ``tf.Variable`` or Keras 3 variable) checked, as a :class:`_Tracked`."""
    argument = label.split("[")[0]
    if isinstance(variable, keras.Variable):
        inner = variable_storage(variable)
        name = variable.path
    elif isinstance(variable, tf.Variable):
        inner = variable
        name = variable.name.rsplit(":", 1)[0]
    else:
        raise TypeError(
            f"Argument `{argument}` must hold tf.Variable or keras.Variable objects. "
            f"Received: {label}={variable!r} (of type {type(variable).__name__})"
        )
    if inner.dtype.base_dtype not in _FLOATS:
        raise TypeError(
            f"Argument `{argument}` must hold floating-point variables (float16, bfloat16, "
            f"float32 or float64). Received: {label}={name!r} of dtype "
            f"{inner.dtype.name}"
        )
    return _Tracked(inner, name, inner.ref())


def _shadow_dtype(dtype: tf.DType) -> tf.DType:
    return tf.float32 if dtype in _LOW_PRECISION else dtype


@register("exponential_moving_average", aliases=("ema",))
class ExponentialMovingAverage(tf.Module):
    r"""Shadow variables that follow trained variables slowly, with a warm-up of the decay.

    For each variable :math:`w` a shadow :math:`s` (created on the first
    :meth:`apply`, from :math:`w`'s current value) is updated by

    .. math::

        s \leftarrow s - (1 - \delta_n)(s - w), \qquad
        \delta_n = \min\left(\delta, \frac{1 + n}{10 + n}\right)

    with :math:`\delta` = ``decay`` and :math:`n` the update count: the ``step``
    given to :meth:`apply`, else the number of earlier :meth:`apply` calls.
    Without ``warmup``, :math:`\delta_n = \delta`. These are the numbers of
    ``tf.train.ExponentialMovingAverage(decay, num_updates=n)`` (the warm-up rule
    is TensorFlow's), but this tracker also takes Keras 3 variables (e.g.
    ``model.trainable_variables``), runs under ``tf.function``, XLA and
    ``tf.distribute`` strategies, and is checkpointable: it is a ``tf.Module``,
    and ``tf.train.Checkpoint(ema=ema, model=model)`` saves its shadows and
    update count. A fresh tracker restored from a checkpoint gets the saved
    shadows back when :meth:`apply` (or :meth:`build`) creates them. Shadows are
    saved in the order variables were first applied, as a Keras optimizer saves
    its slots, so apply the same variables in the same order after restoring.

    Shadows are not trainable, live in the scope of the active distribution
    strategy (mirrored under ``MirroredStrategy``), and are float32 for float16
    and bfloat16 variables (float32 and float64 variables keep their dtype), so
    an average of low-precision weights does not lose the small increments.

    Reference: the warm-up rule is that of ``tf.train.ExponentialMovingAverage``
    (``num_updates``).

    Args:
        decay: :math:`\delta`, the weight of the old shadow; in ``[0, 1)``.
        warmup: whether the decay follows :math:`\min(\delta, (1 + n) / (10 + n))`.
        name: the module's name (a Python identifier).

    Raises:
        ValueError: ``decay`` outside ``[0, 1)`` or not finite.
        TypeError: ``decay`` is not a number or ``warmup`` not a bool.

    Example:
        >>> w = tf.Variable(0.0, name="w")
        >>> ema = ExponentialMovingAverage(0.99)
        >>> ema.build([w])             # the shadow starts at w = 0
        >>> _ = w.assign(1.0)
        >>> ema.apply([w], step=0)     # decay min(0.99, 1/10) = 0.1
        >>> print(f"{float(ema.average(w)):.2f}")
        0.90
        >>> _ = w.assign(10.0)
        >>> ema.apply([w], step=100)   # decay min(0.99, 101/110) = 0.918
        >>> print(f"{float(ema.average(w)):.4f}")
        1.6445
        >>> with ema.swapped([w]):
        ...     print(f"{float(w):.4f}")
        1.6445
        >>> print(f"{float(w):.1f}")
        10.0
    """

    def __init__(self, decay: float = 0.99, *, warmup: bool = True, name: str = "ema"):
        check_in_range("decay", decay, 0.0, 1.0, high_inclusive=False)
        if not isinstance(warmup, bool):
            raise TypeError(f"Argument `warmup` must be a bool. Received: warmup={warmup!r}")
        super().__init__(name=name)
        self.decay = decay
        self.warmup = warmup
        self._shadows: list[tf.Variable] = []  # tracked by position (a ListWrapper)
        self._index = _Index()
        self._updater = ShadowUpdater()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (``name`` aside), as given."""
        return {"decay": self.decay, "warmup": self.warmup}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ExponentialMovingAverage:
        """A tracker from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"ExponentialMovingAverage(decay={self.decay!r}, warmup={self.warmup!r})"

    # --------------------------------------------------------------- variables
    def _tracked_list(self, variables: Any) -> list[_Tracked]:
        """Checks ``variables`` (one variable or an iterable of them)."""
        if isinstance(variables, (tf.Variable, keras.Variable)):
            variables = [variables]
        elif not isinstance(variables, Iterable) or isinstance(variables, (str, bytes)):
            raise TypeError(
                "Argument `variables` must be a variable or an iterable of variables. "
                f"Received: variables={variables!r}"
            )
        tracked = [
            _tracked(v, f"variables[{i}]") for i, v in enumerate(tf.nest.flatten(list(variables)))
        ]
        in_call: set[Any] = set()
        for t in tracked:
            if t.ref in in_call:
                raise ValueError(
                    f"Argument `variables` holds the variable {t.name!r} twice; its shadow would "
                    "be updated twice per step. Pass each variable once."
                )
            in_call.add(t.ref)
        return tracked

    def _shadow_of(self, tracked: _Tracked) -> tf.Variable:
        position = self._index.position.get(tracked.ref)
        if position is None:
            raise ValueError(
                f"The variable {tracked.name!r} has no shadow: call `apply` (or `build`) with "
                f"it first. Variables with shadows: {', '.join(self._index.names) or '(none)'}."
            )
        return self._shadows[position]

    # ------------------------------------------------------------------- build
    def build(self, variables: Any) -> None:
        """Creates the shadows of ``variables`` that do not exist yet, without updating any.

        Each new shadow starts at its variable's current value (or at the value
        saved in a checkpoint restored into this tracker). :meth:`apply` calls
        this itself, but call it before a training loop that runs in a
        ``tf.function``: shadows created while the function is traced start at
        the values the variables have at tracing time (before that first
        step's updates), as with ``tf.train.ExponentialMovingAverage``. Call it
        also to read or swap in restored shadows before training resumes.

        Args:
            variables: a ``tf.Variable`` or Keras 3 variable, or an iterable of them.

        Raises:
            TypeError: a non-variable or a non-float variable.
            ValueError: a variable twice in one call.
        """
        tracked = self._tracked_list(variables)
        with self._shadows_strategy_scope():
            self._in_cross_replica_context(lambda strategy: self._build(strategy, tracked))

    def _build(self, strategy: tf.distribute.Strategy, tracked: list[_Tracked]) -> None:
        new = [t for t in tracked if t.ref not in self._index.position]
        if not new and getattr(self, "_count", None) is not None:
            return
        distributed = tf.distribute.has_strategy()
        with tf.init_scope(), strategy.scope() if distributed else contextlib.nullcontext():
            for t in new:
                dtype = _shadow_dtype(t.variable.dtype.base_dtype)
                placement = (
                    contextlib.nullcontext() if distributed else tf.device(t.variable.device)
                )
                with placement:
                    shadow = tf.Variable(
                        tf.cast(tf.convert_to_tensor(t.variable), dtype),
                        trainable=False,
                        name=f"{t.name}/ExponentialMovingAverage".replace(":", "_"),
                        aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                    )
                self._index.position[t.ref] = len(self._shadows)
                self._index.names.append(self._index.unique(t.name))
                self._shadows.append(shadow)  # restores a deferred checkpoint value, if any
            if getattr(self, "_count", None) is None:
                self._count = tf.Variable(
                    0,
                    dtype=tf.int64,
                    trainable=False,
                    name=f"{self.name}_updates",
                    aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                )

    def _shadows_strategy_scope(self) -> contextlib.AbstractContextManager[Any]:
        """The scope of the strategy that holds the shadows, when no strategy is active.

        Outside that scope an update must still reach every replica's shadow (as a
        mirrored variable's own ``assign`` does), and new shadows join the others.
        """
        count = getattr(self, "_count", None)
        if tf.distribute.has_strategy() or not isinstance(count, tf.distribute.DistributedValues):
            return contextlib.nullcontext()
        return count.distribute_strategy.scope()

    @staticmethod
    def _in_cross_replica_context(fn: Any, *args: Any) -> Any:
        """Runs ``fn(strategy, *args)`` in cross-replica context (via ``merge_call`` if needed)."""
        if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
            return tf.distribute.get_replica_context().merge_call(fn, args=args)
        return fn(tf.distribute.get_strategy(), *args)

    # ------------------------------------------------------------------- apply
    def apply(self, variables: Any, step: Any = None) -> None:
        r"""Updates the shadows of ``variables``, creating missing ones first.

        :math:`s \leftarrow s - (1 - \delta_n)(s - w)` for each variable
        :math:`w` and its shadow :math:`s`, with :math:`\delta_n` as in the class
        docstring. Pure TF ops: traces once in ``tf.function`` (pass the step as
        a tensor or variable), compiles under ``jit_compile=True``, and may be
        called in replica context (inside ``strategy.run``) or cross-replica
        context; each shadow is then updated once per call on every replica.
        Outside the scope of the strategy that holds the shadows, it acts as
        in its cross-replica context.

        Args:
            variables: a ``tf.Variable`` or Keras 3 variable, or an iterable of
                them (``model.trainable_variables``); floating-point dtypes.
            step: the update count :math:`n` (a Python int, an integer tensor or
                variable such as ``optimizer.iterations``); ``>= 0``. ``None``
                uses the tracker's own count of earlier calls, which every call
                increments and checkpoints save.

        Raises:
            TypeError: a non-variable, a non-float variable, or a non-integer step.
            ValueError: a variable twice, two different variables with one
                name, a negative Python step or a non-scalar step.
            tf.errors.InvalidArgumentError: a negative step tensor (eagerly, or
                when the graph runs). XLA drops assertions, so inside a
                ``jit_compile=True`` function a negative step tensor goes
                unchecked (as in ``fit``'s compiled update, where the step is
                ``optimizer.iterations``, which only counts up from 0).
        """
        tracked = self._tracked_list(variables)
        step = self._checked_step(step)
        with self._shadows_strategy_scope():
            self._apply(tracked, step)

    def _apply(self, tracked: list[_Tracked], step: Any) -> None:
        if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
            context = tf.distribute.get_replica_context()
            context.merge_call(lambda strategy: self._build(strategy, tracked))
            one_minus_decay = 1.0 - self._decay(step)
            context.merge_call(
                lambda strategy, c: self._update(strategy, tracked, c), args=(one_minus_decay,)
            )
            return
        strategy = tf.distribute.get_strategy()
        self._build(strategy, tracked)
        self._update(strategy, tracked, 1.0 - self._decay(step))

    @staticmethod
    def _checked_step(step: Any) -> Any:
        if step is None:
            return None
        if isinstance(step, (tf.Variable, keras.Variable)) or tf.is_tensor(step):
            dtype = tf.as_dtype(step.dtype)
            if not dtype.is_integer:
                raise TypeError(
                    f"Argument `step` must be an integer tensor or variable. Received: step of "
                    f"dtype {dtype.name}"
                )
            if step.shape.rank not in (0, None):
                raise ValueError(
                    f"Argument `step` must be a scalar. Received: step of shape {step.shape}"
                )
            static = tf.get_static_value(step) if tf.is_tensor(step) else None
            if static is not None and (static < 0).any():
                raise ValueError(
                    f"Argument `step` must be >= 0. Received: step={static.tolist()!r}"
                )
            return step
        return check_integer("step", step, minimum=0)

    def _decay(self, step: Any) -> tf.Tensor:
        """:math:`\\delta_n` as a float32 scalar, exactly as TensorFlow computes it."""
        decay = tf.constant(self.decay, tf.float32)
        if not self.warmup:
            return decay
        if step is None:
            n = tf.cast(self._count, tf.float32)
        elif isinstance(step, int):
            n = tf.constant(float(step), tf.float32)
        else:
            step = tf.convert_to_tensor(step)
            if in_xla_context():
                # XLA drops assertions; leaving one out keeps the compiled update free of
                # them, which is how `fit` tells a check that would vanish (_step.py).
                n = tf.cast(step, tf.float32)
            else:
                check = tf.debugging.assert_non_negative(
                    step, message="Argument `step` must be >= 0"
                )
                with tf.control_dependencies([check]):
                    n = tf.cast(step, tf.float32)
        return tf.minimum(decay, (1.0 + n) / (10.0 + n))

    def _update(
        self, strategy: tf.distribute.Strategy, tracked: list[_Tracked], one_minus_decay: Any
    ) -> None:
        shadows = [self._shadow_of(t) for t in tracked]
        self._updater.update(strategy, shadows, [t.variable for t in tracked], one_minus_decay)
        if tf.distribute.has_strategy():
            strategy.extended.update(self._count, lambda count: count.assign_add(1), group=True)
        else:
            self._count.assign_add(1)

    # ------------------------------------------------------------------- reads
    def average(self, variable: Any) -> tf.Variable:
        """The shadow of ``variable``.

        Args:
            variable: a ``tf.Variable`` or Keras 3 variable already applied.

        Returns:
            The shadow, a non-trainable ``tf.Variable`` of the variable's shape
            (float32 for float16/bfloat16 variables, else the variable's dtype).

        Raises:
            ValueError: ``variable`` has no shadow yet.
            TypeError: ``variable`` is not a floating-point variable.
        """
        return self._shadow_of(_tracked(variable, "variable"))

    def averages(self) -> dict[str, tf.Variable]:
        """Every shadow, keyed by its variable's name (a Keras variable's ``path``).

        Shadows belong to variables by identity; a name that an earlier
        variable already had gets a suffix (``Variable``, ``Variable_1``).

        Returns:
            A new dict ``{name: shadow}``, in the order the shadows were created.
        """
        return dict(zip(self._index.names, self._shadows, strict=True))

    # ------------------------------------------------------------------ writes
    @contextlib.contextmanager
    def swapped(self, variables: Any) -> Iterator[None]:
        """A context inside which ``variables`` hold their shadows' values.

        On exit, normal or by an exception, each variable holds its training
        value again, bit for bit. Use it to evaluate with averaged weights. Call
        it in cross-replica context (not inside ``strategy.run``).

        Args:
            variables: variables that have shadows.

        Raises:
            ValueError: a variable without a shadow (nothing is swapped then).
            TypeError: a non-variable or a non-float variable.
        """
        tracked = self._tracked_list(variables)
        shadows = [self._shadow_of(t) for t in tracked]
        saved = [tf.identity(t.variable) for t in tracked]
        try:
            for t, shadow in zip(tracked, shadows, strict=True):
                t.variable.assign(tf.cast(shadow, t.variable.dtype))
            yield
        finally:
            for t, value in zip(tracked, saved, strict=True):
                t.variable.assign(value)

    def copy_to(self, variables: Any) -> None:
        """Writes the shadows into ``variables`` for good (to export averaged weights).

        Args:
            variables: variables that have shadows; each receives its shadow's
                value, cast to its dtype.

        Raises:
            ValueError: a variable without a shadow (nothing is written then).
            TypeError: a non-variable or a non-float variable.
        """
        tracked = self._tracked_list(variables)
        shadows = [self._shadow_of(t) for t in tracked]
        for t, shadow in zip(tracked, shadows, strict=True):
            t.variable.assign(tf.cast(shadow, t.variable.dtype))
