"""The tolerant bridge to :func:`tfgraph_dnn.tf1_api.resolve` (imported only when first needed).

``resolve`` imports TensorFlow (seconds), so nothing here imports it until a
chain has to be checked; answers are cached per chain.  Whatever goes wrong in
the lookup (the module missing, TensorFlow failing to import, an exception in
one lookup) never stops a migration: the chain is then simply not reported, and
:attr:`Resolver.unavailable` says why checks were skipped.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple


class Resolver:
    """``parts -> reason or None``: whether ``tf.<parts>`` exists in ``tfgraph_dnn.tf1``.

    Parameters
    ----------
    resolve : callable, optional
        The function to ask; default: :func:`tfgraph_dnn.tf1_api.resolve`,
        imported on the first call.
    quiet : bool, default=False
        Import TensorFlow through :func:`tfgraph_dnn._quiet.import_tensorflow`
        first (hides its C++ start-up notices; for the command line).

    Attributes
    ----------
    unavailable : str or None
        Why no chain could be checked (set after a failed import).
    """

    def __init__(self, resolve: Optional[Callable[[Sequence[str]], Optional[str]]] = None,
                 quiet: bool = False) -> None:
        self._resolve = resolve
        self._quiet = quiet
        self._cache: Dict[Tuple[str, ...], Optional[str]] = {}
        self.unavailable: Optional[str] = None

    @property
    def used(self) -> bool:
        """Whether any chain was looked up (hence TensorFlow possibly imported)."""
        return bool(self._cache)

    def _load(self) -> Optional[Callable[[Sequence[str]], Optional[str]]]:
        if self._resolve is None and self.unavailable is None:
            try:
                if self._quiet:
                    from .._quiet import import_tensorflow
                    import_tensorflow()
                from ..tf1_api import resolve
                self._resolve = resolve
            except Exception as error:  # ImportError, or TensorFlow failing to load
                self.unavailable = (f"names not checked: tfgraph_dnn.tf1_api.resolve is "
                                    f"unavailable ({type(error).__name__}: {error})")
        return self._resolve

    def __call__(self, parts: Sequence[str]) -> Optional[str]:
        key = tuple(parts)
        if key not in self._cache:
            resolve = self._load()
            reason = None
            if resolve is not None:
                try:
                    reason = resolve(list(key))
                except Exception:  # one odd lookup must not stop the migration
                    reason = None
            self._cache[key] = " ".join(str(reason).split()) if reason else None
        return self._cache[key]
