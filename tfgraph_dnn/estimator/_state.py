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

Graphs come from the process's :data:`~tfgraph_dnn.training.cache.GRAPH_CACHE`:
a retired state gives its Session back to it (once no reader uses it), so the
next fit of the same structure -- a continued fit, a search's next fold --
skips building the graph and the Session's first-run set-up.
"""
from __future__ import annotations

import atexit
import threading
import weakref
from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Optional

import numpy as np
from tensorflow.core.protobuf import config_pb2

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


def is_fitted_attribute(name: str) -> bool:
    """scikit-learn's convention: public names ending with ``_`` (``classes_``...)."""
    return name.endswith("_") and not name.startswith("_")


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
    params : dict
        The estimator parameters the graph was built from (see
        ``_params.GRAPH_PARAMS``); a continued fit reuses the graph only if
        they are unchanged, and refuses structural changes.
    hook_states : dict
        ``{hook class name: state_dict}`` to load into the next fit's hooks: a
        checkpoint's during a resumed fit, the learning-rate schedule's once
        published (so ``warm_start`` and ``partial_fit`` go on with it).
    resumed : dict or None
        The checkpoint a fit resumed from (only while that fit runs).
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
    params: Dict[str, Any] = field(default_factory=dict)
    hook_states: Dict[str, Any] = field(default_factory=dict)
    resumed: Optional[Dict[str, Any]] = None
    graph: Any = None
    init: Any = None
    session: Any = None
    endpoints: Any = None
    ops: Any = None
    values: Optional[Dict[str, np.ndarray]] = None
    give_back: Any = None

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
            run = self.session._make_callable_from_options(options)
            made = self._predict = (self.session, lambda X: run(X)[0])
            _WITH_CALLABLES.add(self)
        return made[1]

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
        copy = FittedState(**{f.name: getattr(self, f.name) for f in fields(self)
                              if f.name not in _RUNTIME_FIELDS and f.name != "values"})
        copy.values = self.capture()
        return copy

    def __getstate__(self) -> Dict[str, Any]:
        state = self if self.values is not None else self.detached()
        return {f.name: getattr(state, f.name) for f in fields(self)
                if f.name not in _RUNTIME_FIELDS}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for f in fields(self):
            setattr(self, f.name, state.get(f.name))
        self.params = self.params or {}
        self.hook_states = self.hook_states or {}
        self.__post_init__()
