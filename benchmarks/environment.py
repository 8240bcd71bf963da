"""Where a benchmark process runs: its set-up (quiet imports, threads, peers) and the
machine it records.

Every benchmark process (``run.py``'s driver and ``first_fit.py``'s workers) imports
TensorFlow, Keras and torch quietly (:func:`import_quietly`), gives every library the same
thread count (:func:`set_threads`) and keeps the peers it can run (:func:`select_peers`);
the driver also records the machine (:func:`machine`: CPU, versions, thread pools, load)
in its JSON and report.
"""
from __future__ import annotations

import datetime
import logging
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from peers import ALL_PEERS, Ours, Peer

HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- set-up
def import_quietly() -> None:
    """Import TensorFlow, Keras and torch with their start-up notices filtered out."""
    import quiet

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    with quiet.filtered_stderr():
        import tensorflow as tf
        tf.config.list_physical_devices()  # logs "failed call to cuInit" once, here
        import keras  # noqa: F401
        try:
            import torch  # noqa: F401
        except ImportError:
            pass
        import tfgraph_dnn  # noqa: F401


def set_threads(n_threads: int) -> Dict[str, Any]:
    """The same thread count for every peer's TensorFlow and torch pools.

    BLAS and OpenMP pools are limited by the caller (``threadpoolctl.threadpool_limits``
    around the timed work: ``run.py``'s ``main``, ``first_fit.py``'s worker).
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    settings: Dict[str, Any] = {"tf_intra_op": n_threads, "tf_inter_op": n_threads,
                                "blas_openmp": n_threads}
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(n_threads)
        try:
            torch.set_num_interop_threads(n_threads)
        except RuntimeError:  # only settable before torch's first parallel work
            pass
        settings.update(torch_intra_op=torch.get_num_threads(),
                        torch_interop=torch.get_num_interop_threads())
    from tfgraph_dnn import DNNClassifier

    settings["dnn_n_threads"] = (n_threads if "n_threads" in DNNClassifier().get_params()
                                 else None)
    return settings


def select_peers(keys: List[str], n_threads: Optional[int]
                 ) -> Tuple[List[Peer], Dict[str, str]]:
    """Usable peers among ``keys`` and, for the others, why they are left out."""
    usable: List[Peer] = []
    skipped: Dict[str, str] = {}
    for peer in ALL_PEERS:
        if peer.key not in keys:
            skipped[peer.key] = "not selected (--peers)"
            continue
        reason = peer.missing()
        if reason is not None:
            skipped[peer.key] = f"not installed: {reason}; `pip install -e \".[bench]\"`"
            continue
        if isinstance(peer, Ours):
            peer.n_threads = n_threads
        usable.append(peer)
    return usable, skipped


# ----------------------------------------------------------------------------- machine
def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision() -> str:
    """``HEAD`` of the repository, with ``+dirty`` when tracked files are modified."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent,
                              text=True, capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=HERE.parent, text=True, capture_output=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_version(name: str) -> Optional[str]:
    """Installed version of a distribution, ``None`` when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine() -> Dict[str, Any]:
    """CPU, cores, memory, library versions, BLAS kernel, date and load."""
    import psutil
    from threadpoolctl import threadpool_info

    versions = {name: package_version(dist) for name, dist in (
        ("tensorflow", "tensorflow"), ("keras", "keras"), ("sklearn", "scikit-learn"),
        ("numpy", "numpy"), ("torch", "torch"), ("skorch", "skorch"),
        ("scikeras", "scikeras"), ("mlxtend", "mlxtend"))}
    return {"cpu": cpu_model(), "logical_cores": os.cpu_count(),
            "physical_cores": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "versions": versions, "git": git_revision(),
            "thread_pools": [{k: pool.get(k) for k in ("user_api", "internal_api", "prefix",
                                                       "version", "architecture",
                                                       "num_threads")}
                             for pool in threadpool_info()],
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                   "OMP_NUM_THREADS", "KERAS_BACKEND")},
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_average_start": [round(x, 2) for x in os.getloadavg()]}
