"""Check the ``tf.a.b.c`` chains of a module against the ``tfgraph_dnn.tf1`` namespace.

A chain is checked when its root name is bound only by TF imports (planned by
:mod:`.rewrite`) or by plain aliases of such chains (``slim = tf.contrib.slim``,
``est = tf.estimator``, followed through further aliases), as libcst's scope
analysis sees them: a parameter, loop variable or call result of the same name
is the user's own and is left alone.
"""
from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import (Assignment, GlobalScope, ImportAssignment, PositionProvider,
                             ScopeProvider)

from . import rules
from .report import Change

Resolve = Callable[[Sequence[str]], Optional[str]]
#: Chains are cut after these names: what follows is the user's (``FLAGS.batch_size``).
_CUT_AFTER = frozenset({"FLAGS"})
#: Aliases followed in a row at most (``a = tf``, ``b = a``...): deeper chains go unchecked
#: rather than exhaust Python's recursion limit.
_MAX_ALIASES = 20


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class ChainChecker(cst.CSTVisitor):
    """Report ``tf.a.b.c`` chains rooted at a namespace-bound name that won't work."""

    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(self, bindings: Dict[Tuple[int, str], List[str]], resolve: Resolve,
                 inherited: Dict[str, List[str]],
                 aliases: Optional[Dict[int, cst.BaseExpression]] = None) -> None:
        super().__init__()
        self.bindings = bindings
        self.lookup = resolve
        self.inherited = inherited
        self.aliases = aliases or {}
        self.unsupported: List[Change] = []
        #: Module-level names bound to a namespace path by an alias (for later notebook cells).
        self.global_aliases: Dict[str, List[str]] = {}
        self._targets: Dict[int, cst.Name] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def _prefix(self, root: cst.Name, seen: FrozenSet[int] = frozenset()
                ) -> Optional[List[str]]:
        """The namespace path ``root`` stands for, if only our imports and aliases bind it.

        An alias is a plain assignment of a chain (``slim = tf.contrib.slim``,
        ``est = tf.estimator``), followed through further aliases; a name also
        bound any other way (a loop, a call's result) is the user's own.
        """
        scope = self.get_metadata(ScopeProvider, root, None)
        if scope is None:
            return None
        assignments = scope[root.value]
        if not assignments:  # bound in an earlier notebook cell, if at all
            return self.inherited.get(root.value)
        prefixes = []
        for assignment in assignments:
            if isinstance(assignment, ImportAssignment):
                prefix = self.bindings.get((id(assignment.node), root.value))
            elif isinstance(assignment, Assignment) and id(assignment.node) in self.aliases \
                    and id(assignment.node) not in seen and len(seen) < _MAX_ALIASES:
                prefix = self._chain_path(self.aliases[id(assignment.node)],
                                          seen | {id(assignment.node)})
            else:
                prefix = None
            if prefix is None:
                return None
            prefixes.append(prefix)
        if not prefixes or any(prefix != prefixes[0] for prefix in prefixes):
            return None
        return prefixes[0]

    def _chain_path(self, chain: cst.BaseExpression, seen: FrozenSet[int]
                    ) -> Optional[List[str]]:
        """The namespace path of the chain ``root.a.b``, if ``root`` is namespace-bound."""
        attrs: List[str] = []
        while isinstance(chain, cst.Attribute):
            attrs.insert(0, chain.attr.value)
            chain = chain.value
        if not isinstance(chain, cst.Name):
            return None
        prefix = self._prefix(chain, seen)
        return None if prefix is None else rules.normalize(prefix + attrs)

    def leave_Module(self, original_node: cst.Module) -> None:
        for target_id, chain in self.aliases.items():
            target = self._targets.get(target_id)
            if target is None or not isinstance(
                    self.get_metadata(ScopeProvider, target, None), GlobalScope):
                continue
            path = self._prefix(target)
            if path is not None:
                self.global_aliases[target.value] = path

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.aliases:
            self._targets[id(node)] = node

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        attrs: List[str] = []
        value: cst.BaseExpression = node
        while isinstance(value, cst.Attribute):
            attrs.insert(0, value.attr.value)
            value = value.value
        if not isinstance(value, cst.Name):
            return True  # e.g. tf.Session().run: the inner chain is visited on its own
        prefix = self._prefix(value)
        if prefix is None or any(name in _CUT_AFTER for name in prefix):
            return False  # FLAGS = tf.app.flags.FLAGS; FLAGS.batch_size is the user's
        for index, name in enumerate(attrs):
            if name in _CUT_AFTER:
                attrs = attrs[:index + 1]
                break
        path = rules.normalize(prefix + attrs)
        reason = rules.classify(path) or (self.lookup(path) if path else None)
        if reason:
            construct = ".".join([value.value, *attrs])
            line = self.get_metadata(PositionProvider, node).start.line
            self.unsupported.append(Change(line, construct, reason=reason))
        return False
