"""The batching both TF1 input fns share, queue-free: NumPy arrays -> batch tensors.

TF 1.15 fed arrays through a (shuffle) queue: every row once per epoch, batches running on
across epoch boundaries, a last partial batch when ``num_epochs`` is set (``dequeue_up_to``)
and only full batches when it is ``None`` (``dequeue_many``); the end of the data stops
the Estimator with ``OutOfRangeError``.  Here a Python generator yields those batches
into a ``tf.data`` pipeline read by a one-shot iterator, so the arrays never become graph
constants (``graph.pbtxt`` and ``.meta`` stay small) and no queue runner is needed.
Shuffling permutes each epoch with a NumPy generator seeded from the graph seed, so a
``RunConfig(tf_random_seed=...)`` makes it reproducible, as it did in TF1.
"""
from __future__ import annotations

from typing import Iterator, List, Optional

import numpy as np

import threading

from ... import _quiet, _tf

tf = _tf.tensorflow
v1 = tf.compat.v1
_warm_up_lock = threading.Lock()
_warmed_up = False


def _warm_up_generator_datasets() -> None:
    """Run one tiny generator pipeline with its once-per-process C++ notice captured.

    TensorFlow's generator dataset op logs "Memory patch applied" (INFO) the first time
    it runs; running it here first, captured, keeps that line out of an Estimator's run.
    """
    global _warmed_up
    with _warm_up_lock:
        if _warmed_up or _quiet.show_everything():
            _warmed_up = True
            return
        _quiet.quiet_device_setup()
        with _quiet.captured_stderr(), tf.Graph().as_default() as graph:
            dataset = tf.data.Dataset.from_generator(
                lambda: iter([np.zeros(1, np.float32)]),
                output_signature=tf.TensorSpec([1], tf.float32))
            value = v1.data.make_one_shot_iterator(dataset).get_next()
            with v1.Session(graph=graph) as session:
                session.run(value)
        _warmed_up = True


def _dtype(array: np.ndarray):
    if array.dtype.kind in "OUS":
        return tf.string
    return tf.as_dtype(array.dtype)


def _batches(arrays: List[np.ndarray], batch_size: int, num_epochs: Optional[int],
             shuffle: bool, seed: Optional[int]) -> Iterator[tuple]:
    rows = len(arrays[0])
    rng = np.random.RandomState(seed)
    pending = np.empty(0, dtype=np.int64)
    epoch = 0
    while num_epochs is None or epoch < num_epochs:
        order = rng.permutation(rows) if shuffle else np.arange(rows)
        pending = np.concatenate([pending, order])
        epoch += 1
        while len(pending) >= batch_size:
            take, pending = pending[:batch_size], pending[batch_size:]
            yield tuple(array[take] for array in arrays)
    if len(pending):
        yield tuple(array[pending] for array in arrays)


def batch_tensors(arrays: List[np.ndarray], batch_size: int, num_epochs: Optional[int],
                  shuffle: bool) -> list:
    """One batch tensor per array, in the current default graph.

    Parameters
    ----------
    arrays : list of ndarray
        Same first dimension (rows).
    batch_size : int
    num_epochs : int or None
        ``None`` repeats forever (full batches only).
    shuffle : bool

    Returns
    -------
    list of Tensor
        Shape ``[None] + array.shape[1:]`` each.
    """
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, given {batch_size!r}.")
    if num_epochs is not None and (not isinstance(num_epochs, (int, np.integer))
                                   or num_epochs <= 0):
        raise ValueError(f"num_epochs must be None or a positive integer, given {num_epochs!r}.")
    _warm_up_generator_datasets()
    arrays = [np.asarray(a) for a in arrays]
    # Strings go through tf.data as bytes; NumPy's fixed-width unicode cannot.
    arrays = [a.astype(object) if a.dtype.kind == "U" else a for a in arrays]
    graph_seed = v1.get_default_graph().seed
    signature = tuple(tf.TensorSpec(shape=(None,) + a.shape[1:], dtype=_dtype(a))
                      for a in arrays)
    dataset = tf.data.Dataset.from_generator(
        lambda: _batches(arrays, int(batch_size), num_epochs, shuffle, graph_seed),
        output_signature=signature)
    return list(v1.data.make_one_shot_iterator(dataset).get_next())
