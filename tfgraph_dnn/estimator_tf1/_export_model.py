"""``Estimator.export_saved_model``: a TF1 SavedModel (serving graph + checkpoint weights).

The serving graph is the ``model_fn``'s ``PREDICT`` graph on the receiver's features; the
variables are restored from the checkpoint and saved with ``tf.compat.v1.saved_model``'s
Builder under the ``serve`` tag, one signature per export output, into ``temp-<ts>`` first
and renamed to ``<ts>`` when complete.  TF2's ``tf.saved_model.load`` reads it.
"""
from __future__ import annotations

import os
import shutil
from typing import Callable, Optional

from .. import _tf
from .export import export as export_lib
from .export.export_output import build_all_signature_defs
from .model_fn import EXPORT_TAG_MAP, ModeKeys

tf = _tf.tensorflow
v1 = tf.compat.v1


def _checkpoint_to_export(estimator, checkpoint_path: Optional[str]) -> str:
    if checkpoint_path:
        return checkpoint_path
    path = estimator.latest_checkpoint()
    if path:
        return path
    settings = estimator._warm_start_settings
    if settings:
        path = settings.ckpt_to_initialize_from
        return tf.train.latest_checkpoint(path) if os.path.isdir(path) else path
    raise ValueError(f"Couldn't find trained model at {estimator.model_dir}.")


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn: Callable,
                       assets_extra: Optional[dict], as_text: bool,
                       checkpoint_path: Optional[str], mode: str) -> bytes:
    """See :meth:`Estimator.export_saved_model`."""
    if mode != ModeKeys.PREDICT:
        raise NotImplementedError(
            f"export_saved_model(experimental_mode={mode!r}): only ModeKeys.PREDICT exports "
            "are provided by tfgraph_dnn's Estimator.")
    if not callable(serving_input_receiver_fn):
        raise ValueError("An input_receiver_fn must be defined.")
    checkpoint_path = _checkpoint_to_export(estimator, checkpoint_path)
    export_dir = export_lib.get_timestamped_export_dir(export_dir_base)
    temp_dir = export_lib.get_temp_export_dir(export_dir)
    builder = v1.saved_model.Builder(temp_dir)
    graph = estimator._new_graph()
    # TensorFlow's own signature builders call its deprecated build_tensor_info.
    with graph.as_default(), _tf.deprecation_notices_silenced():
        receiver = serving_input_receiver_fn()
        spec = estimator._call_model_fn(receiver.features, getattr(receiver, "labels", None),
                                        mode, estimator.config)
        signatures = build_all_signature_defs(
            receiver.receiver_tensors, spec.export_outputs,
            getattr(receiver, "receiver_tensors_alternatives", None))
        with v1.Session(config=estimator._session_config) as session:
            local_init_op = (spec.scaffold.local_init_op
                             or v1.train.Scaffold.default_local_init_op())
            saver = spec.scaffold.saver or v1.train.Saver(sharded=True)
            try:
                saver.restore(session, checkpoint_path)
            except tf.errors.NotFoundError as error:
                raise ValueError(
                    "Could not load all requested variables from checkpoint. Please make sure "
                    "your model_fn does not expect variables that were not saved in the "
                    f"checkpoint.\n\nEncountered error with mode `{mode}` while restoring "
                    f"checkpoint from: `{checkpoint_path}`. Full Traceback:\n\n{error}") from None
            builder.add_meta_graph_and_variables(
                session, EXPORT_TAG_MAP[mode], signature_def_map=signatures,
                assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS),
                main_op=local_init_op, saver=saver, strip_default_attrs=True)
    builder.save(as_text)
    for destination, source in (assets_extra or {}).items():
        target = os.path.join(temp_dir, b"assets.extra", os.fsencode(destination))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.fsencode(source), target)
    os.rename(temp_dir, export_dir)
    return export_dir
