"""What a fitted model is, fixed once (room: ``estimator``).

:class:`ModelDescription` -- every parameter the fit ran with (deep copies
taken when it started, :func:`snapshot_params`) and the fitted attributes --
is sealed when a fit publishes its model
(:meth:`~tfgraph_dnn.estimator._model.FittedNetwork.seal`).  Everything read
after the fit -- Monte Carlo dropout, ``save()``, pickles, SavedModel export,
``summary()`` -- reads that description, never the estimator's current
parameters: ``set_params`` after a fit changes nothing until the next fit.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

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
