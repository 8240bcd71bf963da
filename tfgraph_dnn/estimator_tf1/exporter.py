"""``tf.estimator.Exporter``, ``FinalExporter``, ``LatestExporter``, ``BestExporter`` (TF 1.15).

Exporters run after each evaluation of :func:`train_and_evaluate` and write SavedModels
under ``model_dir/export/<name>/``.
"""
from __future__ import annotations

import abc
import os
import shutil
from typing import Callable, Optional


class Exporter(abc.ABC):
    """Something that exports the model after an evaluation."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The directory name under ``export/``."""

    @abc.abstractmethod
    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        """Export ``estimator``'s ``checkpoint_path``; returns the export path or ``None``."""


class _SavedModelExporter(Exporter):
    def __init__(self, name: str, serving_input_receiver_fn: Callable,
                 assets_extra: Optional[dict] = None, as_text: bool = False) -> None:
        self._name = name
        self._receiver_fn = serving_input_receiver_fn
        self._assets_extra = assets_extra
        self._as_text = as_text

    @property
    def name(self) -> str:
        return self._name

    def _export(self, estimator, export_path, checkpoint_path):
        return estimator.export_saved_model(export_path, self._receiver_fn,
                                            assets_extra=self._assets_extra,
                                            as_text=self._as_text,
                                            checkpoint_path=checkpoint_path)


class FinalExporter(_SavedModelExporter):
    """Exports once, after the final evaluation (``global_step >= max_steps``)."""

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        if not is_the_final_export:
            return None
        return self._export(estimator, export_path, checkpoint_path)


class LatestExporter(_SavedModelExporter):
    """Exports after every evaluation, keeping the ``exports_to_keep`` newest (default 5)."""

    def __init__(self, name: str, serving_input_receiver_fn: Callable,
                 assets_extra: Optional[dict] = None, as_text: bool = False,
                 exports_to_keep: Optional[int] = 5) -> None:
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text)
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got "
                             f"{exports_to_keep}")
        self._exports_to_keep = exports_to_keep

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        path = self._export(estimator, export_path, checkpoint_path)
        if self._exports_to_keep:
            stamps = sorted(int(d) for d in os.listdir(export_path) if d.isdigit())
            for stamp in stamps[:-self._exports_to_keep]:
                shutil.rmtree(os.path.join(export_path, str(stamp)), ignore_errors=True)
        return path


def _loss_smaller(best_eval_result: dict, current_eval_result: dict) -> bool:
    """BestExporter's default comparison: a smaller ``loss`` is better."""
    for which, result in (("best_eval_result", best_eval_result),
                          ("current_eval_result", current_eval_result)):
        if not result or "loss" not in result:
            raise ValueError(f"{which} cannot be empty or no loss is found in it.")
    return best_eval_result["loss"] > current_eval_result["loss"]


class BestExporter(LatestExporter):
    """Exports when an evaluation beats the best one so far (by ``compare_fn``).

    The best result so far is first read from the model directory's evaluation events
    (``event_file_pattern``), as TF1 did, so a restarted job keeps its best.
    """

    def __init__(self, name: str = "best_exporter", serving_input_receiver_fn=None,
                 event_file_pattern: Optional[str] = "eval/*.tfevents.*",
                 compare_fn: Callable = _loss_smaller, assets_extra: Optional[dict] = None,
                 as_text: bool = False, exports_to_keep: Optional[int] = 5) -> None:
        if not callable(serving_input_receiver_fn):
            raise ValueError("`serving_input_receiver_fn` must be callable.")
        if not callable(compare_fn):
            raise ValueError("`compare_fn` must be callable.")
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text,
                         exports_to_keep)
        self._event_file_pattern = event_file_pattern
        self._compare_fn = compare_fn
        self._model_dir = None
        self._best_eval_result = None

    def _best_from_events(self, pattern: str, current_step) -> Optional[dict]:
        import glob

        from .. import _tf
        best = None
        for path in sorted(glob.glob(pattern)):
            for event in _tf.tensorflow.compat.v1.train.summary_iterator(path):
                values = {v.tag: v.simple_value for v in event.summary.value
                          if v.WhichOneof("value") == "simple_value"}
                # The current evaluation's own event does not count (TF 2.15 exports the
                # first evaluation it sees).
                if "loss" not in values or event.step == current_step:
                    continue
                if best is None or self._compare_fn(best_eval_result=best,
                                                     current_eval_result=values):
                    best = values
        return best

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        if self._model_dir != estimator.model_dir and self._event_file_pattern:
            self._model_dir = estimator.model_dir
            self._best_eval_result = self._best_from_events(
                os.path.join(self._model_dir, self._event_file_pattern),
                eval_result.get("global_step"))
        if self._best_eval_result is not None and not self._compare_fn(
                best_eval_result=self._best_eval_result, current_eval_result=eval_result):
            return None
        self._best_eval_result = eval_result
        return super().export(estimator, export_path, checkpoint_path, eval_result,
                              is_the_final_export)
