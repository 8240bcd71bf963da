"""The libcst pass over one Python source: rewrite TF1 imports, report what stays TF1-only.

Three steps over one parsed module (:func:`rewrite_module`):

1. :class:`_ImportPlanner` decides, for every ``import`` / ``from ... import``
   of ``tensorflow`` (wherever it stands), what replaces it and which local
   names it binds to which path of the ``tfgraph_dnn.tf1`` namespace
   (existing ``tfgraph_dnn.tf1`` imports bind names too, unchanged);
2. :class:`.chains.ChainChecker` looks at every attribute chain ``tf.a.b.c`` whose root
   name is bound only by those imports (libcst's scope analysis, so a
   parameter or local variable of the same name is left alone) and reports
   the ones :func:`~.rules.classify` rejects or the resolver says are missing;
3. :class:`_Apply` swaps the planned statements in; everything else is
   kept byte for byte (libcst's concrete syntax tree).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from . import rules
from .chains import ChainChecker, dotted_name as _dotted_name
from .report import Change

Resolve = Callable[[Sequence[str]], Optional[str]]
_EMPTY = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    return " ".join(_EMPTY.code_for_node(node).split())


@dataclass
class _Target:
    """How one imported name is bound after migration.

    ``kind`` is ``"from"`` (``from <module> import <name> as <local>``),
    ``"import"`` (``import <module> as <local>``) or ``"keep"`` (left as it was).
    """

    kind: str
    module: str
    name: str
    local: str
    path: List[str] = field(default_factory=list)

    def key(self) -> Tuple[str, str]:
        return (self.kind, self.module)

    def alias_code(self) -> str:
        if self.kind == "import":
            return f"{self.module} as {self.local}"
        return self.name if self.local == self.name else f"{self.name} as {self.local}"


def _bind(path: List[str], local: str, prefer_from: bool) -> Optional[_Target]:
    """The import that binds ``local`` to ``tfgraph_dnn.tf1.<path>``, if one can.

    ``import tfgraph_dnn.tf1.<path> as local`` or ``from tfgraph_dnn.tf1.<parent>
    import <last> as local``; ``prefer_from`` picks the latter when both work.
    """
    by_import = not path or rules.importable(path)
    by_from = bool(path) and rules.importable(path[:-1])
    if by_from and (prefer_from or not by_import):
        return _Target("from", rules.module_name(path[:-1]), path[-1], local, path)
    if by_import:
        return _Target("import", rules.module_name(path), "", local, path)
    return None


def _canonical_alias(alias: cst.ImportAlias) -> str:
    asname = f" as {_code(alias.asname.name)}" if alias.asname is not None else ""
    return (_dotted_name(alias.name) or "") + asname


def _canonical(node: cst.CSTNode) -> str:
    """An import statement on one line, without comments or odd spacing (for the report)."""
    if isinstance(node, cst.FlattenSentinel):
        return "; ".join(_canonical(statement) for statement in node.nodes)
    if not isinstance(node, (cst.Import, cst.ImportFrom)):
        return _code(node)
    if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
        names = "*"
    else:
        names = ", ".join(_canonical_alias(alias)
                          for alias in node.names)  # type: ignore[union-attr]
    if isinstance(node, cst.Import):
        return f"import {names}"
    module = "." * len(node.relative) + (_dotted_name(node.module) or "" if node.module else "")
    return f"from {module} import {names}"


class _ImportPlanner(cst.CSTVisitor):
    """Decide every TF import's replacement, bindings and report lines."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, resolve: Resolve) -> None:
        super().__init__()
        self.lookup = resolve
        self.plans: Dict[cst.CSTNode, Union[cst.BaseSmallStatement,
                                            cst.FlattenSentinel]] = {}
        self.bindings: Dict[Tuple[int, str], List[str]] = {}
        self.changes: List[Change] = []
        self.unsupported: List[Change] = []
        #: ``id(target Name)`` -> the chain assigned to it (``slim = tf.contrib.slim``).
        self.aliases: Dict[int, cst.BaseExpression] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and _dotted_name(node.value) is not None:
            self.aliases[id(node.targets[0].target)] = node.value

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _report(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        self.unsupported.append(Change(self._line(node), construct, reason=reason))

    def _check_name(self, node: cst.CSTNode, construct: str, path: List[str]) -> None:
        reason = self.lookup(path) if path else None
        if reason:
            self._report(node, construct, reason)

    # -- import a.b.c [as x] -------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        kept: List[cst.ImportAlias] = []
        extra: List[str] = []
        changed = False
        for alias in node.names:
            dotted = _dotted_name(alias.name) or ""
            split = rules.split_module(dotted)
            asname = alias.asname.name.value if alias.asname is not None and \
                isinstance(alias.asname.name, cst.Name) else None
            if split is None:
                kept.append(alias)
                continue
            root, raw = split
            path = rules.normalize(raw)
            construct = f"import {_canonical_alias(alias)}"
            reason = rules.classify(path)
            if reason:
                if root == "tensorflow" and raw and not asname:
                    reason += "; it also binds the name tensorflow to TensorFlow itself"
                self._report(alias, construct, reason)
                kept.append(alias)
                continue
            if root == rules.TF1:
                if asname:
                    self.bindings[(id(node), asname)] = path
                self._check_name(alias, construct, path)
                kept.append(alias)
                continue
            self._check_name(alias, construct, path)
            local = asname or "tensorflow"
            target = _bind(path, local, False) if asname \
                else _Target("import", rules.TF1, "", local)
            if target is None:
                self._report(alias, construct, f"{rules.module_name(path)} is not importable "
                             "as a module; use the attribute of the namespace")
                kept.append(alias)
                continue
            self.bindings[(id(node), local)] = target.path
            changed = True
            if target.kind == "import":
                new_asname = (alias.asname or cst.AsName(name=cst.Name(local)))
                kept.append(alias.with_changes(
                    name=cst.parse_expression(target.module),
                    asname=new_asname.with_changes(name=cst.Name(local))))
            else:
                extra.append(f"from {target.module} import {target.alias_code()}")
        if changed:
            statements: List[cst.BaseSmallStatement] = []
            if kept:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                statements.append(node.with_changes(names=kept))
            statements += [cst.parse_statement(text).body[0] for text in extra]
            self._plan(node, statements)
        return False

    # -- from a.b import c [as d], ... -----------------------------------------------
    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None:
            return False
        module = _dotted_name(node.module) or ""
        split = rules.split_module(module)
        if split is None:
            return False
        root, raw = split
        base = rules.normalize(raw)
        flattened = len(raw) > len(base) and "python" in raw
        if isinstance(node.names, cst.ImportStar):
            self._plan_star(node, root, module, base)
            return False
        targets: List[_Target] = []
        for alias in node.names:
            name = _dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None and \
                isinstance(alias.asname.name, cst.Name) else name
            construct = f"from {module} import {_canonical_alias(alias)}"
            path = rules.normalize(base + [name])
            if flattened and name in rules.INTERNAL_MODULES.get(tuple(base), ()):
                path = list(base)  # contrib's internal module: the public module itself
            reason = rules.classify(path)
            target = None if reason else _bind(path, local, True)
            if reason is None and target is None:
                reason = (f"{rules.module_name(path[:-1])} is not importable as a module; "
                          f"import its parent and use .{path[-1]}")
            if reason:
                self._report(alias, construct, reason)
                targets.append(_Target("keep", module, name, local))
                continue
            if path != base:
                self._check_name(alias, construct, path)
            self.bindings[(id(node), local)] = path
            if root == rules.TF1:  # already migrated: keep the statement as it is
                target = _Target("keep", module, name, local, path)
            targets.append(target)
        self._plan_from(node, module, targets)
        return False

    def _plan_star(self, node: cst.ImportFrom, root: str, module: str,
                   base: List[str]) -> None:
        construct = f"from {module} import *"
        reason = rules.classify(base)
        if reason is None and (not rules.importable(base) or base in ([], ["contrib"])):
            reason = ("a star import from the tfgraph_dnn.tf1 namespace brings almost "
                      "nothing (its names are lazy); import the namespace as tf instead")
        if reason:
            self._report(node, construct, reason)
        elif root == "tensorflow":
            self._plan(node, [node.with_changes(module=cst.parse_expression(
                rules.module_name(base)))])

    def _plan_from(self, node: cst.ImportFrom, module: str, targets: List[_Target]) -> None:
        if all(target.kind == "keep" for target in targets):
            return
        names = list(node.names)  # type: ignore[arg-type]
        if len({target.key() for target in targets}) == 1 and targets[0].kind == "from" \
                and all(t.name == _dotted_name(a.name) for t, a in zip(targets, names)):
            self._plan(node, [node.with_changes(module=cst.parse_expression(targets[0].module))])
            return
        groups: List[List[_Target]] = []
        for target in targets:
            if groups and target.kind != "import" and groups[-1][0].key() == target.key():
                groups[-1].append(target)
            else:
                groups.append([target])
        texts = []
        for group in groups:
            head = group[0]
            if head.kind == "import":
                texts.append(f"import {head.alias_code()}")
            else:
                source = module if head.kind == "keep" else head.module
                texts.append(f"from {source} import "
                             + ", ".join(target.alias_code() for target in group))
        self._plan(node, [cst.parse_statement(text).body[0] for text in texts])

    def _plan(self, node: Union[cst.Import, cst.ImportFrom],
              statements: List[cst.BaseSmallStatement]) -> None:
        statements[-1] = statements[-1].with_changes(semicolon=node.semicolon)
        plan = statements[0] if len(statements) == 1 else cst.FlattenSentinel(statements)
        old, new = _canonical(node), _canonical(plan)
        if new != old:
            self.plans[node] = plan
            self.changes.append(Change(self._line(node), old, new=new))


class _Apply(cst.CSTTransformer):
    """Put the planned statements in place of the original imports."""

    def __init__(self, plans: Dict[cst.CSTNode, object]) -> None:
        super().__init__()
        self.plans = plans

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import):
        return self.plans.get(original_node, updated_node)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom):
        return self.plans.get(original_node, updated_node)


def rewrite_module(module: cst.Module, resolve: Resolve,
                   names: Optional[Dict[str, List[str]]] = None
                   ) -> Tuple[str, List[Change], List[Change]]:
    """Migrate one parsed module.

    Parameters
    ----------
    module : libcst.Module
    resolve : callable
        ``parts -> reason or None`` (see :func:`tfgraph_dnn.tf1_api.resolve`).
    names : dict, optional
        Local name -> namespace path of the names that earlier notebook cells
        bound (used for names this module uses but never binds); updated with
        this module's own bindings.

    Returns
    -------
    code : str
        The migrated source (``module.code`` itself when nothing changed).
    changes, unsupported : list of Change
        In line order, ``cell`` unset.
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    planner = _ImportPlanner(resolve)
    wrapper.visit(planner)
    names = {} if names is None else names
    checker = ChainChecker(planner.bindings, resolve, dict(names), planner.aliases)
    wrapper.visit(checker)
    names.update({local: path for (_, local), path in planner.bindings.items()})
    names.update(checker.global_aliases)
    code = module.code
    if planner.plans:
        code = wrapper.module.visit(_Apply(planner.plans)).code
    unsupported, seen = [], set()
    for item in sorted(planner.unsupported + checker.unsupported, key=lambda c: c.line):
        if (item.line, item.old, item.reason) not in seen:
            seen.add((item.line, item.old, item.reason))
            unsupported.append(item)
    return code, sorted(planner.changes, key=lambda c: c.line), unsupported
