"""``tf.contrib`` of the ``tfgraph_dnn.tf1`` namespace: the parts tfgraph_dnn provides.

``layers`` and ``framework`` are :mod:`tfgraph_dnn.contrib`'s re-implementations
(the same module objects, also importable as ``tfgraph_dnn.tf1.contrib.layers``);
``distributions`` is TF1's ``tf.distributions``.  Any other member (``rnn``,
``slim``, ``learn``...) raises an ``AttributeError`` saying it is not provided;
:data:`tfgraph_dnn.tf1_api.CONTRIB` is the list.
"""
from __future__ import annotations

import sys as _sys

from ... import tf1_api as _api

for _name, (_module, _path) in _api.CONTRIB.items():
    if not _path:  # a real module: importable under this package's name too
        _sys.modules[f"{__name__}.{_name}"] = _api.load(_module)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    member = _api.contrib_member(name)
    globals()[name] = member
    return member


def __dir__():
    return sorted(_api.CONTRIB)
