"""Embedding encoders of ``tf.contrib.layers``: ``embed_sequence`` and ``bow_encoder``.

Both keep a ``[vocab_size, embed_dim]`` model variable named ``embeddings`` in
their scope (``EmbedSequence`` / ``bow_encoder`` by default), so TF1
checkpoints of text models restore by name.
"""
from __future__ import annotations

from typing import Callable, Optional

import tensorflow as tf

from ..framework.arg_scope import add_arg_scope
from ..framework.variables import model_variable

v1 = tf.compat.v1


def _lookup_unique(embeddings, ids):
    """Look each distinct id up once, then spread the rows back to every position."""
    ids = tf.convert_to_tensor(ids)
    flat = tf.reshape(ids, [-1])
    distinct, positions = tf.unique(flat)
    rows = tf.gather(tf.nn.embedding_lookup(embeddings, distinct), positions)
    shape = tf.concat([tf.shape(ids), tf.shape(embeddings)[1:]], 0)
    result = tf.reshape(rows, shape)
    result.set_shape(ids.shape.concatenate(embeddings.shape[1:]))
    return result


@add_arg_scope
def embed_sequence(ids, vocab_size: Optional[int] = None, embed_dim: Optional[int] = None,
                   unique: bool = False, initializer=None, regularizer: Optional[Callable] = None,
                   trainable: bool = True, scope=None, reuse=None):
    """Map a ``[batch, length]`` tensor of symbol ids to ``[batch, length, embed_dim]``.

    Parameters
    ----------
    ids : Tensor of int32/int64
        Symbol ids.
    vocab_size, embed_dim : int
        Shape of the embedding matrix; both required unless ``reuse``.
    unique : bool, default=False
        Look each distinct id up once.
    initializer, regularizer : callable, optional
        For the ``embeddings`` variable (``None``: the scope's default).
    trainable : bool, default=True
    scope : str or VariableScope, optional
        Defaults to ``EmbedSequence``.
    reuse : bool, optional
        Reuse an existing ``embeddings`` variable (sizes may then be omitted).

    Returns
    -------
    Tensor
    """
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError("embed_sequence: vocab_size and embed_dim are required unless "
                         f"reuse=True, got vocab_size={vocab_size!r}, embed_dim={embed_dim!r}")
    with v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        shape = [vocab_size, embed_dim] if (vocab_size and embed_dim) else None
        embeddings = model_variable("embeddings", shape=shape, initializer=initializer,
                                    regularizer=regularizer, trainable=trainable)
        if unique:
            return _lookup_unique(embeddings, ids)
        return tf.nn.embedding_lookup(embeddings, ids)


@add_arg_scope
def bow_encoder(ids, vocab_size: int, embed_dim: int, sparse_lookup: bool = True,
                initializer=None, regularizer: Optional[Callable] = None,
                trainable: bool = True, scope=None, reuse=None):
    """Bag-of-words encoding: the mean embedding of each row's ids, ``[batch, embed_dim]``.

    Parameters
    ----------
    ids : Tensor or SparseTensor
        ``[batch, length]`` symbol ids (a SparseTensor needs ``sparse_lookup``).
    vocab_size, embed_dim : int
        Shape of the embedding matrix.
    sparse_lookup : bool, default=True
        Average through a sparse lookup, in which id 0 of a dense input counts
        as padding and is skipped (TF1's behaviour).
    initializer, regularizer, trainable, scope, reuse :
        As for :func:`embed_sequence` (scope default ``bow_encoder``).

    Returns
    -------
    Tensor
    """
    if not vocab_size or not embed_dim:
        raise ValueError("bow_encoder: vocab_size and embed_dim are required, got "
                         f"vocab_size={vocab_size!r}, embed_dim={embed_dim!r}")
    with v1.variable_scope(scope, "bow_encoder", [ids], reuse=reuse):
        embeddings = model_variable("embeddings", shape=[vocab_size, embed_dim],
                                    initializer=initializer, regularizer=regularizer,
                                    trainable=trainable)
        if isinstance(ids, tf.SparseTensor):
            if not sparse_lookup:
                raise TypeError("bow_encoder: a SparseTensor of ids needs sparse_lookup=True")
            sparse_ids = ids
        elif sparse_lookup:
            dense = tf.convert_to_tensor(ids)
            present = tf.where(tf.not_equal(dense, tf.zeros_like(dense)))
            sparse_ids = tf.SparseTensor(present, tf.gather_nd(dense, present),
                                         tf.shape(dense, out_type=tf.int64))
        else:
            return tf.reduce_mean(tf.nn.embedding_lookup(embeddings, ids), axis=1)
        return v1.nn.safe_embedding_lookup_sparse([embeddings], sparse_ids, combiner="mean",
                                                  default_id=0)
