"""The on-disk format: model directories, checkpoint directories, TensorFlow checkpoints.

Room ``storage``: every reader and writer of a directory written by ``save()``
or by training with ``checkpoint_dir`` goes through here -- the estimator's
save/load, the checkpoint hook, resume, warm start and the command line.  It
uses nothing else of the package, and imports TensorFlow only inside the
functions that read or write a checkpoint (:mod:`.reading`), so the command line
can look at a model directory without it.

Modules:

* :mod:`.layout` -- the layout shared by both kinds (``save-N/`` + atomic
  ``latest``), the format marker, which directories are ours, crash recovery;
* :mod:`.meta` -- ``estimator.json``'s envelope and the architecture in its fingerprint
  (the estimator's parameters are opaque here);
* :mod:`.models` -- ``estimator.json`` and its validation against the
  checkpoint, ``preprocessing.json``;
* :mod:`.identity` -- which model a directory holds; saving over a different
  one is refused unless asked for (:func:`check_replacement`);
* :mod:`.checkpoints` -- ``state.json`` / ``arrays.npz`` of training checkpoints;
* :mod:`.fits` -- fit fingerprints: each fit's checkpoints in its own
  ``fit-<key>/`` directory, so ``resume`` never continues another fit;
* :mod:`.locks` -- one lock per directory (``filelock``), held by every write
  and by the reads that must see one save whole;
* :mod:`.reading` -- TensorFlow checkpoints: resolving, reading, writing;
* :mod:`.codec` -- JSON encoding of parameters and fitted attributes;
* :mod:`.files` -- atomic writes, temporary names, write failures.

Its errors are :mod:`tfgraph_dnn.exceptions`' (served here too).
"""
from ..exceptions import (CheckpointError, DifferentModelError, DirectoryBusyError,
                          ForeignDirectoryError, StorageWriteError)
from .checkpoints import (ARRAYS_FILE, STATE_FILE, prepare_checkpoint_dir, read_latest,
                          resuming, write_checkpoint)
from .codec import decode, encode, rng_from_json, rng_to_json
from .files import (TMP_PREFIX, atomic_write_text, describe_error, is_leftover, is_stale,
                    is_write_failure, remove_leftovers, temp_prefix, write_failure)
from .fits import FIT_FILE, FIT_PREFIX, fit_directory, fit_dirs, fit_fingerprint
from .identity import (IDENTITY_KEYS, check_replacement, model_differences, model_identity,
                       saved_identity)
from .layout import (CHECKPOINTS, FORMAT_VERSION, FORMATS, LATEST, MARKER_FILE, MODEL, MODEL_PREFIX,
                     check_writable, claim, inspect, latest_save_dir, read_lock, write_save)
from .locks import LOCK_FILE, directory_lock, lock_timeout
from .models import (META_FILE, PREPROCESSING_FILE, check_against_checkpoint, model_info,
                     read_model, read_preprocessing, write_model, write_preprocessing)
from .reading import (WarmStartSettings, as_warm_start_settings, checkpoint_shapes,
                      list_checkpoint_variables, open_checkpoint, read_tensors,
                      resolve_checkpoint, saver_writer)


def directory_kind(path) -> "str | None":
    """``"model"``, ``"checkpoints"`` or ``None`` (absent, empty or not ours)."""
    return inspect(path).kind


__all__ = [
    "ARRAYS_FILE", "CHECKPOINTS", "CheckpointError", "DifferentModelError", "FORMAT_VERSION",
    "DirectoryBusyError", "FIT_FILE", "FIT_PREFIX", "FORMATS", "LOCK_FILE", "directory_lock",
    "fit_directory", "fit_dirs", "fit_fingerprint", "is_stale", "lock_timeout", "resuming",
    "temp_prefix",
    "ForeignDirectoryError", "IDENTITY_KEYS", "check_replacement", "model_differences",
    "model_identity", "saved_identity",
    "LATEST", "MARKER_FILE", "META_FILE", "MODEL", "MODEL_PREFIX", "PREPROCESSING_FILE",
    "STATE_FILE", "StorageWriteError", "TMP_PREFIX", "WarmStartSettings",
    "as_warm_start_settings", "atomic_write_text", "check_against_checkpoint",
    "check_writable", "checkpoint_shapes", "claim", "decode", "describe_error",
    "directory_kind", "encode", "inspect", "is_leftover", "is_write_failure", "latest_save_dir",
    "list_checkpoint_variables", "model_info", "open_checkpoint", "prepare_checkpoint_dir",
    "read_latest", "read_lock", "read_model", "read_preprocessing", "read_tensors",
    "remove_leftovers",
    "resolve_checkpoint", "rng_from_json", "rng_to_json", "saver_writer", "write_checkpoint",
    "write_failure", "write_model", "write_preprocessing", "write_save",
]
