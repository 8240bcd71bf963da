"""Graphs built once per structure, Sessions kept for the next fit (room: ``training``).

Building a training graph costs far more than a small fit's epochs, and a
Session's first run of each op set costs tens of milliseconds more.  A
search's folds and candidates differ only in values that are knobs of the
graph (:mod:`tfgraph_dnn.model.knobs`), so :class:`GraphCache` keeps the finalized
graphs of the last few structures (least recently used out) and, per graph,
a few idle Sessions that finished fits gave back.  A fit takes a Session,
sets its knobs and runs the initializers: whatever the Session held before is
overwritten, so results are those of a fresh build.

Thread-safe: fits in several threads take different Sessions of one graph.
Each structure has its own build lock: two fits of different structures build
their graphs in parallel, two fits of the same structure build it once (the
second waits for the first's graph).  No lock is held while a graph builds
but that structure's.
"""
from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, Iterator, List, Optional, Tuple

import tensorflow as tf

from .._quiet import quiet_device_setup
from .._tf import session_closed

v1 = tf.compat.v1


def open_session(graph: tf.Graph, config: Optional[v1.ConfigProto] = None) -> v1.Session:
    """A Session on ``graph``; the process's first one without TensorFlow's "no GPU" line."""
    quiet_device_setup()  # cheap after the first call
    return v1.Session(graph=graph, config=config)


@dataclass
class BuiltGraph:
    """A finalized graph and what a fit runs in it."""

    graph: tf.Graph
    init: tf.Operation
    endpoints: Any
    ops: Any


@dataclass(eq=False)
class _Entry:
    built: Optional[BuiltGraph] = None
    idle: Dict[bytes, List[v1.Session]] = field(default_factory=dict)
    evicted: bool = False
    building: threading.Lock = field(default_factory=threading.Lock)  # held while built


class GraphCache:
    """Finalized graphs by structure key, with idle Sessions.

    Parameters
    ----------
    max_graphs : int
        Graphs kept (least recently used evicted; 0 disables the cache).
    max_idle_sessions : int
        Idle Sessions kept per graph and Session configuration.
    """

    def __init__(self, max_graphs: int = 8, max_idle_sessions: int = 2):
        self.max_graphs = max_graphs
        self.max_idle_sessions = max_idle_sessions
        self._entries: "OrderedDict[Hashable, _Entry]" = OrderedDict()
        self._pending: Dict[Hashable, _Entry] = {}  # structures being built
        self._lock = threading.Lock()  # the tables above; never held during a build
        self.builds = 0  # graphs built through the cache (for tests and benchmarks)

    def _build(self, build: Callable[[], BuiltGraph]) -> BuiltGraph:
        built = build()
        with self._lock:
            self.builds += 1
        return built

    def open(self, key: Optional[Hashable], build: Callable[[], BuiltGraph],
             config: Optional[v1.ConfigProto] = None
             ) -> Tuple[BuiltGraph, v1.Session, Callable[[v1.Session], None]]:
        """``(built graph, Session, give_back)`` for ``key``.

        ``build()`` runs only when no graph of ``key`` is cached (always when
        ``key`` is None).  Call ``give_back(session)`` when the Session is no
        longer used: it is kept idle for the next fit, or closed.
        """
        # Building sets TensorFlow's devices up (while_loop registers functions in the
        # eager context): do it first, with its "no GPU" line captured.
        quiet_device_setup()
        if key is None or self.max_graphs <= 0:
            built = self._build(build)
            return built, open_session(built.graph, config), close_session
        with self._lock:
            entry = self._entries.get(key) or self._pending.setdefault(key, _Entry())
            if key in self._entries:
                self._entries.move_to_end(key)
        if entry.built is None:
            with entry.building:  # one build per structure; other structures go on
                if entry.built is None:
                    try:
                        entry.built = self._build(build)
                    finally:
                        with self._lock:
                            if self._pending.get(key) is entry:
                                del self._pending[key]
                    self._insert(key, entry)
        config_key = config.SerializeToString(deterministic=True) if config else b""
        session = None
        with self._lock:
            idle = entry.idle.get(config_key) or []
            while idle and session is None:
                session = idle.pop()
                if _closed(session):  # finalized meanwhile (see _closed)
                    session = None
        if session is None:
            session = open_session(entry.built.graph, config)
        return entry.built, session, \
            lambda used: self._give_back(entry, config_key, used)

    def _insert(self, key: Hashable, entry: _Entry) -> None:
        evicted = []
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_graphs:
                evicted.append(self._entries.popitem(last=False)[1])
            for old in evicted:
                old.evicted = True
        for old in evicted:
            _close_idle(old)

    def _give_back(self, entry: _Entry, config_key: bytes, session: v1.Session) -> None:
        if _closed(session):
            return
        with self._lock:
            idle = entry.idle.setdefault(config_key, [])
            if not entry.evicted and len(idle) < self.max_idle_sessions:
                idle.append(session)
                return
        session.close()

    def clear(self) -> None:
        """Forget every graph and close the idle Sessions (Sessions in use close when
        given back)."""
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
            for entry in entries:
                entry.evicted = True
        for entry in entries:
            _close_idle(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def info(self) -> Dict[str, int]:
        """``{"graphs": cached graphs, "idle_sessions": Sessions kept, "builds": graphs
        built through the cache, "max_graphs": capacity}``."""
        with self._lock:
            idle = sum(len(sessions) for entry in self._entries.values()
                       for sessions in entry.idle.values())
            return {"graphs": len(self._entries), "idle_sessions": idle,
                    "builds": self.builds, "max_graphs": self.max_graphs}

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """Every graph built fresh inside the block (for comparisons in tests)."""
        saved, self.max_graphs = self.max_graphs, 0
        try:
            yield
        finally:
            self.max_graphs = saved


def _closed(session: v1.Session) -> bool:
    """Whether ``session`` was closed.  An estimator collected with its Session in one
    garbage cycle gives the Session back from its finalizer while the Session's own
    finalizer closes it, in either order: so idle Sessions are checked when taken."""
    return session_closed(session)


def close_session(session: v1.Session) -> None:
    """Close ``session`` (the give-back of a Session nobody keeps)."""
    session.close()


def _close_idle(entry: _Entry) -> None:
    sessions = [session for idle in entry.idle.values() for session in idle]
    entry.idle.clear()
    for session in sessions:
        session.close()


# The process's cache, used by the estimators.
GRAPH_CACHE = GraphCache()
