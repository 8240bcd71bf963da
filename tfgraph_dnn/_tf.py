"""TensorFlow as this package uses it: the quiet import and every private TensorFlow API.

Importing this module imports TensorFlow, quietly when this package is the process's first
importer (see :mod:`tfgraph_dnn._quiet`).  Each of our TensorFlow-using subpackages
(``layers``, ``contrib``, ``estimator``, ``training``) and modules (``model``, ``knobs``)
imports it first.  When the user imported TensorFlow before, nothing changes.

The few TensorFlow internals the package relies on live here and nowhere else, each behind a
function that says what it is for, so a TensorFlow release that moves one breaks one place
(``tests/test_quiet.py`` and the estimator tests exercise each):

* :func:`make_callable` -- ``Session._make_callable_from_options`` (a prepared call with
  ``CallableOptions``: feeds and fetches fixed once, run in the caller's thread);
* :func:`eager_mode` -- ``tensorflow.python.eager.context.eager_mode`` (a TF2 SavedModel is
  written eagerly from inside a graph-mode caller);
* :func:`session_closed` -- ``Session._closed`` (whether a cached idle Session was closed
  by its finalizer meanwhile);
* :func:`create_global_step_read` -- ``training_util._get_or_create_global_step_read`` (the
  step read the training hooks fetch, created before the model as TF 1.15's Estimator did);
* :func:`silence_deprecation_notices` -- ``deprecation._PRINT_DEPRECATION_WARNINGS`` (TF1
  programs run through ``tfgraph_dnn.tf1`` call deprecated functions on purpose);
  :func:`deprecation_notices_silenced` sets it for one block only (TensorFlow's own TF1
  optimizers call its deprecated initializer signature: a notice no user can act on).
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, ContextManager

from ._quiet import import_quietly

tensorflow = import_quietly()


def make_callable(session: Any, options: Any) -> Callable[..., Any]:
    """``session``'s prepared callable for ``options`` (a ``CallableOptions`` proto)."""
    return session._make_callable_from_options(options)


def eager_mode() -> ContextManager[None]:
    """A block run eagerly, whatever the caller's mode (TensorFlow's own context switch)."""
    from tensorflow.python.eager import context
    return context.eager_mode()


def session_closed(session: Any) -> bool:
    """Whether ``session`` was closed (``close()`` or its finalizer)."""
    return bool(getattr(session, "_closed", False))


def create_global_step_read(graph: Any) -> Any:
    """The graph's cached ``global_step`` read tensor, created now if missing.

    TensorFlow's training hooks (``StepCounterHook``, ``CheckpointSaverHook``...) fetch this
    tensor (``training_util._get_or_create_global_step_read``).  TF 1.15's Estimator created
    it right after the global step, before the model; the Estimator builds the model under
    a control dependency on it, so the read runs before the train op increments the step
    and the hooks see one new step per run.
    """
    from tensorflow.python.training import training_util
    return training_util._get_or_create_global_step_read(graph)


def silence_deprecation_notices() -> None:
    """Stop TensorFlow's "is deprecated" notices for this process (``tfgraph_dnn.tf1`` only)."""
    with contextlib.suppress(ImportError, AttributeError):  # internal module moved: keep notices
        from tensorflow.python.util import deprecation
        deprecation._PRINT_DEPRECATION_WARNINGS = False


@contextlib.contextmanager
def deprecation_notices_silenced():
    """A block in which TensorFlow prints no "is deprecated" notice (the flag is restored)."""
    try:
        from tensorflow.python.util import deprecation
        previous = deprecation._PRINT_DEPRECATION_WARNINGS
    except (ImportError, AttributeError):  # internal module moved: keep the notices
        yield
        return
    deprecation._PRINT_DEPRECATION_WARNINGS = False
    try:
        yield
    finally:
        deprecation._PRINT_DEPRECATION_WARNINGS = previous
