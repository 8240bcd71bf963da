"""``arg_scope``: scoped default keyword arguments, as in TF1's ``tf.contrib.framework``.

A function decorated with :func:`add_arg_scope` looks up the innermost
:func:`arg_scope` when called and fills in the keyword arguments that scope
set for it; arguments passed explicitly at the call always win.  Scopes nest
(an inner scope merges its values over the outer ones), and the dict that
``with arg_scope(...) as sc`` yields can be re-entered later with
``arg_scope(sc)``.

The stack of scopes is process-wide, as in TF1 (slim model definitions rely
on it being visible from helper functions).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple, Union

__all__ = [
    "add_arg_scope", "arg_scope", "arg_scope_func_key", "arg_scoped_arguments",
    "current_arg_scope", "has_arg_scope",
]

ScopeDict = Dict[str, Dict[str, Any]]

# Innermost scope last; the bottom entry is the empty root scope.
_ARG_STACK: List[ScopeDict] = [{}]
# Key of every decorated function -> the names of its keyword (defaulted) arguments.
_DECORATED_OPS: Dict[str, Tuple[str, ...]] = {}


def arg_scope_func_key(op: Callable) -> str:
    """The key under which an op's defaults are stored in a scope dict."""
    return getattr(op, "_key_op", str(op))


def _op_name(op: Any) -> str:
    module = getattr(op, "__module__", None)
    name = getattr(op, "__qualname__", None) or getattr(op, "__name__", None)
    return f"{module}.{name}" if module and name else repr(op)


def _keyword_names(func: Callable) -> Tuple[str, ...]:
    """Names of the parameters of ``func`` that have a default value."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in inspect.signature(func).parameters.values()
                 if p.kind in kinds and p.default is not inspect.Parameter.empty)


def current_arg_scope() -> ScopeDict:
    """The innermost scope: a dict ``{op key: {argument: value}}`` (do not mutate it)."""
    return _ARG_STACK[-1]


def has_arg_scope(func: Callable) -> bool:
    """Whether ``func`` was decorated with :func:`add_arg_scope`."""
    return arg_scope_func_key(func) in _DECORATED_OPS


def arg_scoped_arguments(func: Callable) -> Tuple[str, ...]:
    """The keyword arguments an :func:`arg_scope` can set for ``func``.

    Raises
    ------
    ValueError
        If ``func`` is not decorated with :func:`add_arg_scope`.
    """
    if not has_arg_scope(func):
        raise ValueError(f"arg_scoped_arguments: func {_op_name(func)} is not decorated "
                         "with @add_arg_scope")
    return _DECORATED_OPS[arg_scope_func_key(func)]


def add_arg_scope(func: Callable) -> Callable:
    """Decorate ``func`` so that :func:`arg_scope` can supply its keyword arguments.

    Parameters
    ----------
    func : callable
        A plain function; its defaulted parameters become scopable.

    Returns
    -------
    callable
        A wrapper with the same name, docstring and signature.  Explicit
        keyword arguments override the scope's values.
    """
    if not callable(func):
        raise TypeError(f"add_arg_scope: func must be callable, got {func!r}")
    key = arg_scope_func_key(func)

    @functools.wraps(func)
    def func_with_args(*args, **kwargs):
        scoped = current_arg_scope().get(key)
        if scoped:
            merged = dict(scoped)
            merged.update(kwargs)
            kwargs = merged
        return func(*args, **kwargs)

    _DECORATED_OPS[key] = _keyword_names(func)
    func_with_args._key_op = key
    return func_with_args


@contextlib.contextmanager
def arg_scope(list_ops_or_scope: Union[Sequence[Callable], ScopeDict],
              **kwargs: Any) -> Iterator[ScopeDict]:
    """Set default keyword arguments for the ops in ``list_ops_or_scope``.

    Parameters
    ----------
    list_ops_or_scope : list or tuple of callables, or dict
        Decorated ops that receive ``kwargs`` as defaults, or a scope dict
        yielded by an earlier ``arg_scope`` to re-enter (then ``kwargs`` must
        be empty).
    **kwargs
        The defaults.  They are merged over the enclosing scope's values for
        the same op.

    Yields
    ------
    dict
        The new current scope, reusable with ``arg_scope(scope)``.

    Raises
    ------
    TypeError
        If ``list_ops_or_scope`` is neither a list/tuple nor a dict.
    ValueError
        If an op is not decorated with :func:`add_arg_scope`, or if kwargs are
        given together with a scope dict.
    """
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("arg_scope: kwargs must be empty when list_ops_or_scope is a "
                             f"scope dict to re-enter, got {sorted(kwargs)}")
        new_scope = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError("arg_scope: list_ops_or_scope must be a list/tuple of ops or a "
                            f"scope dict, got {type(list_ops_or_scope).__name__}")
        new_scope = dict(current_arg_scope())
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                raise ValueError(f"arg_scope: {_op_name(op)} is not decorated with "
                                 "@add_arg_scope")
            key = arg_scope_func_key(op)
            merged = dict(new_scope.get(key, {}))
            merged.update(kwargs)
            new_scope[key] = merged
    _ARG_STACK.append(new_scope)
    try:
        yield new_scope
    finally:
        _ARG_STACK.pop()
