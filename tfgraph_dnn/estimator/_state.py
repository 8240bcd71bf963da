"""What a fit produces, built aside and published at once (room: ``estimator``).

A fit, refit or ``partial_fit`` builds a :class:`FittedState` -- graph,
Session, fitted attributes, history, shuffling RNG -- without touching the
estimator.  Only a fit that succeeded publishes it: one reference swap under
:data:`PUBLISH_LOCK` (``SessionMixin._publish``).  A fit that fails or is
interrupted closes its own state and leaves the published one alone, so the
previous model keeps predicting exactly as before.

Readers (predictions, ``get_weights``, pickling) take the published state once
with :meth:`FittedState.acquire` and use nothing else, so each sees one model
whole, whichever fit publishes meanwhile.  A replaced state is *retired*: its
Session is closed when the last reader running on it releases it, never under
a reader's feet.

What was fitted is described once: :class:`ModelDescription` (every parameter
the fit ran with, deep-copied when it started, and the fitted attributes),
sealed when the state is published.  Everything read after the fit -- the
graph-cache key, Monte Carlo dropout, ``save()``, pickles, SavedModel export,
``summary()`` -- reads that description, never the estimator's current
parameters: ``set_params`` after a fit changes nothing until the next fit.

Graphs come from the process's :data:`~tfgraph_dnn.training.cache.GRAPH_CACHE`:
a retired state gives its Session back to it (once no reader uses it), so the
next fit of the same structure -- a continued fit, a search's next fold --
skips building the graph and the Session's first-run set-up.
"""
from __future__ import annotations

import atexit
import copy
import threading
import weakref
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Iterator, List, Mapping, Optional

import numpy as np
from tensorflow.core.protobuf import config_pb2

from .. import _tf
from ..training.cache import close_session

# Publication of states, and the lazy rebuild of a Session after unpickling (so that
# threads predicting at once on an unpickled estimator build it once and wait for it).
PUBLISH_LOCK = threading.RLock()

# States holding a prepared callable: released before the interpreter tears TensorFlow's
# modules down (a callable's finalizer needs them and would print an error otherwise).
_WITH_CALLABLES: "weakref.WeakSet[FittedState]" = weakref.WeakSet()


@atexit.register
def _release_callables() -> None:
    for state in list(_WITH_CALLABLES):
        state._predict = None


# Fields that hold TensorFlow objects: never pickled, rebuilt from ``values``.
_RUNTIME_FIELDS = ("graph", "init", "session", "endpoints", "ops", "give_back")


# Parameters that are not part of what a fit produced (objects watching the fit).
UNDESCRIBED = ("callbacks",)


def is_fitted_attribute(name: str) -> bool:
    """scikit-learn's convention: public names ending with ``_`` (``classes_``...)."""
    return name.endswith("_") and not name.startswith("_")


class FrozenMapping(Mapping):
    """A read-only ``{name: value}`` mapping (picklable, unlike ``MappingProxyType``).

    Parameters
    ----------
    items : mapping
        Copied (shallowly) at construction; nothing changes it afterwards.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] = ()):
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __reduce__(self):
        return type(self), (self._items,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


def _own_copy(value: Any) -> Any:
    """``value`` deep-copied, so that later changes of the caller's object (a list of
    layer sizes, a scaling array, a schedule) cannot reach the copy; the object itself
    when it cannot be copied (a user's callable)."""
    try:
        return copy.deepcopy(value)
    except Exception:  # an object refusing to be copied: kept as it is
        return value


def snapshot_params(params: Mapping[str, Any]) -> FrozenMapping:
    """The parameters a fit runs with, fixed now: deep copies, read-only, without
    :data:`UNDESCRIBED` (``callbacks``)."""
    return FrozenMapping({name: _own_copy(value) for name, value in params.items()
                          if name not in UNDESCRIBED})


@dataclass(frozen=True)
class ModelDescription:
    """What a fit produced, fixed when the fit published it: the one source of what
    is saved, pickled, exported, cached and summarized.

    Attributes
    ----------
    estimator : str
        Class name (``"DNNClassifier"``...).
    task : str
        ``"classification"`` or ``"regression"``.
    params : FrozenMapping
        Every constructor parameter (but ``callbacks``) as the fit that produced the
        model ran with it -- deep copies taken when the fit started.
    attributes : FrozenMapping
        The public fitted attributes (``classes_``, ``n_features_in_``,
        ``feature_offset_``, ``history_``...).
    graph_seed : int
        Seed of the graph (initializers, dropout masks, Monte Carlo passes).
    n_train : int
        Rows of the training set the graph's schedule was built for.
    """

    estimator: str
    task: str
    params: FrozenMapping
    attributes: FrozenMapping
    graph_seed: int
    n_train: int

    def param(self, name: str, default: Any = None) -> Any:
        """One parameter of the fit (``default`` for one added since the model was made)."""
        return self.params.get(name, default)


@dataclass(eq=False)
class FittedState:
    """One fitted model, complete: what predictions and continued fits read.

    Attributes
    ----------
    attributes : dict
        The public fitted attributes (``classes_``, ``n_features_in_``,
        ``history_``...); mirrored on the estimator when published.
    history : list of dict
        Every epoch's row so far (``history_`` is the same list).
    rng : numpy.random.RandomState
        The shuffling RNG where the last epoch left it.
    graph_seed : int
        The seed the graph was built with (initializers, dropout masks).
    n_train : int
        Rows of the training set the graph's schedule was built for.
    params : mapping
        The estimator parameters this fit runs with (:func:`snapshot_params`,
        taken when it started); a continued fit refuses structural changes.
    description : ModelDescription or None
        Set once, when the state is published (:meth:`seal`); ``params`` and
        ``attributes`` are then the description's read-only mappings.
    hook_states : dict
        ``{hook class name: state_dict}`` to load into the next fit's hooks: a
        checkpoint's during a resumed fit, the learning-rate schedule's once
        published (so ``warm_start`` and ``partial_fit`` go on with it).
    resumed : dict or None
        The checkpoint a fit resumed from (only while that fit runs).
    fit : dict or None
        The fingerprint of the fit that made the state, with ``checkpoint_dir``
        (:func:`tfgraph_dnn.storage.fit_fingerprint`): its checkpoints live in
        ``checkpoint_dir/fit-<key>/``.
    graph, init, session, endpoints, ops
        The TensorFlow side; ``None`` after unpickling until first used.
    give_back : callable or None
        Called with the Session when the state is done with it (the graph
        cache keeps it for a later fit, or closes it).
    values : dict or None
        ``{variable name: array}`` waiting for a Session (after unpickling).
    """

    attributes: Dict[str, Any]
    history: List[Dict[str, Any]]
    rng: np.random.RandomState
    graph_seed: int
    n_train: int
    params: Mapping[str, Any] = field(default_factory=FrozenMapping)
    hook_states: Dict[str, Any] = field(default_factory=dict)
    resumed: Optional[Dict[str, Any]] = None
    fit: Optional[Dict[str, Any]] = None
    graph: Any = None
    init: Any = None
    session: Any = None
    endpoints: Any = None
    ops: Any = None
    values: Optional[Dict[str, np.ndarray]] = None
    give_back: Any = None
    description: Optional[ModelDescription] = None

    def __post_init__(self) -> None:
        self._guard = threading.Lock()
        self._users = 0
        self._retired = False
        self._predict = None  # (Session, callable) running the outputs, made on first use
        # Seeds of Monte Carlo dropout passes: reproducible for a given random_state.
        self.mc_rng = np.random.RandomState(self.graph_seed % (2 ** 32))

    # ---------------------------------------------------------------- readers
    def acquire(self) -> bool:
        """Register a reader; ``False`` if the state was retired (take the new one)."""
        with self._guard:
            if self._retired:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        """Unregister a reader; the last one out closes a retired state's Session."""
        with self._guard:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self._close()

    def retire(self) -> None:
        """No new readers; give the Session back now or when the last reader releases it."""
        with self._guard:
            self._retired = True
            close = self._users == 0
        if close:
            self._close()

    def close(self) -> None:
        """Give back an unpublished state's Session (a fit that failed)."""
        self.retire()

    def _close(self) -> None:
        session, self.session = self.session, None
        self._predict = None
        if session is not None:
            give_back, self.give_back = self.give_back, None
            (give_back or close_session)(session)

    def predictor(self):
        """A callable ``f(X) -> outputs`` of this state's Session (made once).

        A prepared callable (``CallableOptions``: what ``Session.make_callable``
        builds when nothing is fed) skips the feed-dict and fetch handling of
        ``session.run``, which costs more than a small net's arithmetic.
        """
        made = self._predict
        if made is None or made[0] is not self.session:
            options = config_pb2.CallableOptions(feed=[self.endpoints.X.name],
                                                 fetch=[self.endpoints.outputs.name])
            # Run in the calling thread: no hand-off to TensorFlow's pool per call.
            options.run_options.inter_op_thread_pool = -1
            run = _tf.make_callable(self.session, options)
            made = self._predict = (self.session, lambda X: run(X)[0])
            _WITH_CALLABLES.add(self)
        return made[1]

    # ---------------------------------------------------------------- description
    def seal(self, estimator: str, task: str) -> ModelDescription:
        """Describe this state once (idempotent): from now on ``params`` and
        ``attributes`` are the description's read-only mappings.

        Parameters
        ----------
        estimator : str
            The estimator's class name.
        task : str
            Its task.
        """
        if self.description is None:
            params = self.params if isinstance(self.params, FrozenMapping) \
                else snapshot_params(self.params or {})
            self.description = ModelDescription(
                estimator, task, params, FrozenMapping(self.attributes),
                int(self.graph_seed), int(self.n_train))
        self.params, self.attributes = self.description.params, self.description.attributes
        return self.description

    def rebuilt(self) -> "FittedState":
        """A new state of the same description (and hook states), without TensorFlow
        objects: what a Session is opened for after unpickling."""
        return FittedState(self.attributes, self.history, self.rng, self.graph_seed,
                           self.n_train, self.params, self.hook_states,
                           description=self.description)

    # ---------------------------------------------------------------- values
    def capture(self) -> Dict[str, np.ndarray]:
        """Every variable's value (optimizer slots included), from the Session or ``values``."""
        if self.values is not None:
            return self.values
        if not self.acquire():
            raise RuntimeError("This model was replaced meanwhile (by a fit in another "
                               "thread); its weights are gone.")
        try:
            return self.ops.snapshot.capture(self.session)
        finally:
            self.release()

    def detached(self) -> "FittedState":
        """A copy without TensorFlow objects, holding the variables as arrays (picklable)."""
        twin = FittedState(**{f.name: getattr(self, f.name) for f in fields(self)
                              if f.name not in _RUNTIME_FIELDS and f.name != "values"})
        twin.values = self.capture()
        return twin

    def __getstate__(self) -> Dict[str, Any]:
        state = self if self.values is not None else self.detached()
        return {f.name: getattr(state, f.name) for f in fields(self)
                if f.name not in _RUNTIME_FIELDS}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for f in fields(self):
            setattr(self, f.name, state.get(f.name))
        self.params = self.params or FrozenMapping()
        self.hook_states = self.hook_states or {}
        if self.description is not None:
            self.params, self.attributes = \
                self.description.params, self.description.attributes
        self.__post_init__()
