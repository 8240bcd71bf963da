"""Feature identity: columns matched by name to a model's fitted order (NumPy only).

A model fitted on named columns (a pandas DataFrame whose column names are all
strings, or a CSV file's header in the CLI) keeps them as ``feature_names_in_``.
Data given later with names is matched *by name*: the same names in another
order are reordered to the fitted order; unknown, missing or repeated names are
one ``ValueError`` listing them.  Data without names is taken by position
(scikit-learn's rule: the estimator warns when the model has names).

:func:`column_order` is that rule, used by the estimators and, before
TensorFlow is imported, by ``tfgraph-dnn predict``.  :func:`declared_feature_names`
lets code that holds plain arrays with known column names (the CLI, which must
not need pandas) give the names a DataFrame would carry.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections import Counter
from typing import Iterator, Optional, Sequence

import numpy as np

_LISTED = 10  # names shown per list in one message

_DECLARED: contextvars.ContextVar = contextvars.ContextVar("tfgraph_dnn_feature_names",
                                                           default=None)


def _names_text(names: Sequence[str]) -> str:
    shown = ", ".join(repr(str(name)) for name in names[:_LISTED])
    more = f", ... and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return f"[{shown}{more}]"


def duplicated(names: Sequence[str]) -> list:
    """The names that occur more than once, in order of first occurrence."""
    counts = Counter(names)
    return [name for name in dict.fromkeys(names) if counts[name] > 1]


def check_unique(names: Sequence[str], source: str = "X") -> None:
    """Refuse repeated column names (a column could not be found by its name).

    Raises
    ------
    ValueError
        Naming ``source`` and the repeated names.
    """
    repeated = duplicated(list(names))
    if repeated:
        raise ValueError(f"{source} has repeated column names {_names_text(repeated)}: "
                         "feature names must be unique to match columns by name")


def column_order(given: Sequence[str], fitted: Sequence[str],
                 source: str = "X") -> Optional[np.ndarray]:
    """How to reorder columns named ``given`` into the ``fitted`` order.

    Parameters
    ----------
    given : sequence of str
        The column names of the data, in its order.
    fitted : sequence of str
        The model's ``feature_names_in_``.
    source : str, default="X"
        What the data is called in the message (``"X"``, a file name...).

    Returns
    -------
    ndarray of int or None
        ``None`` when the names are already in the fitted order; else the
        indices ``order`` such that ``data[:, order]`` is in the fitted order.

    Raises
    ------
    ValueError
        One message listing the unknown names, the missing names and the
        repeated names, with both column counts.
    """
    given = [str(name) for name in given]
    fitted = [str(name) for name in fitted]
    if given == fitted:
        return None
    known = set(fitted)
    unknown = [name for name in dict.fromkeys(given) if name not in known]
    present = set(given)
    missing = [name for name in fitted if name not in present]
    repeated = duplicated(given)
    if unknown or missing or repeated or len(given) != len(fitted):
        problems = []
        if unknown:
            problems.append(f"unknown {_names_text(unknown)}")
        if missing:
            problems.append(f"missing {_names_text(missing)}")
        if repeated:
            problems.append(f"repeated {_names_text(repeated)}")
        raise ValueError(
            f"{source} has {len(given)} feature columns but the model was fitted on "
            f"{len(fitted)} named features, and the names do not match: "
            f"{'; '.join(problems)}. Columns "
            f"are matched by name; the model's features are {_names_text(fitted)}")
    position = {name: index for index, name in enumerate(given)}
    return np.array([position[name] for name in fitted], dtype=np.intp)


@contextlib.contextmanager
def declared_feature_names(names: Optional[Sequence[str]]) -> Iterator[None]:
    """Within the block, plain arrays given to the estimators have columns ``names``.

    What a DataFrame's column names do, for code holding NumPy arrays: ``fit``
    records them as ``feature_names_in_``; ``predict``... match them by name
    to the model's names (reordering) and refuse unknown or missing ones.  A
    DataFrame's own names take precedence.  ``None`` declares nothing.

    Parameters
    ----------
    names : sequence of str or None
    """
    token = _DECLARED.set(None if names is None else tuple(str(name) for name in names))
    try:
        yield
    finally:
        _DECLARED.reset(token)


def declared() -> Optional[tuple]:
    """The names declared by the innermost :func:`declared_feature_names`, or ``None``."""
    return _DECLARED.get()
