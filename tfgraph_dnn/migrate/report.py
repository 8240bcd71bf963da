"""What a migration returns: :class:`Change`, :class:`MigrationResult` (errors: ``exceptions``).

A :class:`Change` is one report line: a rewrite (``old`` -> ``new``) or a
construct left as it was (``old`` and ``reason``), at a line of a ``.py`` file
or at a line of a notebook cell (``cell`` counts every cell from 1, markdown
included, in the notebook's order; ``line`` is within the cell).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional


@dataclass(frozen=True)
class Change:
    """One report line.

    Attributes
    ----------
    line : int
        1-based line (within the cell for notebooks).
    old : str
        The statement or construct as it was (on one line).
    new : str or None
        What replaced it; ``None`` for a construct that was not migrated.
    reason : str or None
        Why a construct was not migrated; ``None`` for a rewrite.
    cell : int or None
        1-based cell of a notebook (every cell counts); ``None`` for ``.py``.
    """

    line: int
    old: str
    new: Optional[str] = None
    reason: Optional[str] = None
    cell: Optional[int] = None

    @property
    def where(self) -> str:
        """``"12"`` or ``"cell 3, line 2"``."""
        return str(self.line) if self.cell is None else f"cell {self.cell}, line {self.line}"

    def in_cell(self, cell: int) -> "Change":
        """This change at ``line`` of notebook cell ``cell``."""
        return replace(self, cell=cell)

    def format(self, path: str) -> str:
        """The report line: ``path:line: changed: old -> new`` or ``...: not migrated: ...``."""
        if self.reason is None:
            return f"{path}:{self.where}: changed: {self.old} -> {self.new}"
        return f"{path}:{self.where}: not migrated: {self.old}: {self.reason}"


@dataclass
class MigrationResult:
    """The migrated text of one source and what was done to it.

    Attributes
    ----------
    code : str
        The migrated source (``.py`` code, or a notebook's JSON text).
    changes : list of Change
        Every rewrite, in order.
    unsupported : list of Change
        Every construct left as it was, with its reason, in order.
    filename : str
        The name used in messages.
    encoding : str
        The encoding ``code`` was read with and is written back with.
    """

    code: str
    changes: List[Change] = field(default_factory=list)
    unsupported: List[Change] = field(default_factory=list)
    filename: str = "<string>"
    encoding: str = "utf-8"

    @property
    def changed(self) -> bool:
        """Whether ``code`` differs from the source (every rewrite is a change)."""
        return bool(self.changes)

    def report(self, path: Optional[str] = None) -> List[str]:
        """The report lines, rewrites first, then constructs not migrated.

        Parameters
        ----------
        path : str, optional
            Name shown before each line (default: ``filename``).

        Returns
        -------
        list of str
        """
        path = self.filename if path is None else path
        return [item.format(path) for item in self.changes + self.unsupported]

