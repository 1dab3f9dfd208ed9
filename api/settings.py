"""Service settings: read once, at the edge, from ``INVOICE_CAPTURE_*`` environment variables.

Everything below api/ receives frozen config objects built here; nothing else reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from capture.invoices import InvoiceConfig
from capture.load import LoadLimits
from capture.ocr.paddle import OcrConfig
from capture.pipeline import CaptureConfig
from capture.validate import ValidationConfig
from capture.vendors import VendorList

if TYPE_CHECKING:
    from models.jobs import JobPolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INVOICE_CAPTURE_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="originals, database and caches")
    model_cache_dir: Path | None = Field(default=None, description="where OCR model folders are written once")
    ocr_model: str = "ppocrv6_small"
    ocr_threads: int = Field(default=2, ge=1, le=64)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_pages: int = Field(default=50, ge=1)
    max_pixels: int = Field(default=80_000_000, ge=1)
    confidence_threshold: float = Field(default=0.90, ge=0, le=1, description="key fields below it need review")
    vendors_csv: Path | None = Field(default=None, description="known vendors: CSV with name,tax_id")
    database_url: str | None = Field(
        default=None, description="default sqlite:///<data dir>/invoice-capture.db; postgresql+psycopg://... at scale"
    )
    job_lease_seconds: float = Field(default=60.0, gt=0, description="a worker that stops heartbeating loses its job")
    job_max_attempts: int = Field(default=3, ge=1, description="attempts per job before it is failed")
    job_backoff_seconds: float = Field(default=10.0, ge=0, description="first retry delay; doubles per attempt")
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="idle workers look for jobs this often")
    embedded_worker: bool = Field(default=True, description="the API process runs one capture worker thread")

    def ocr_config(self) -> OcrConfig:
        cache = self.model_cache_dir or (Path.home() / ".cache" / "invoice-capture" / "models")
        return OcrConfig(model=self.ocr_model, cache_dir=cache, threads=self.ocr_threads)

    def capture_config(self) -> CaptureConfig:
        limits = LoadLimits(max_bytes=self.max_upload_bytes, max_pages=self.max_pages, max_pixels=self.max_pixels)
        return CaptureConfig(limits=limits)


    def invoice_config(self) -> InvoiceConfig:
        vendors = VendorList.from_csv(self.vendors_csv) if self.vendors_csv else None
        return InvoiceConfig(
            capture=self.capture_config(),
            validation=ValidationConfig(confidence_threshold=self.confidence_threshold),
            vendors=vendors,
        )

    def resolved_database_url(self) -> str:
        from models.db import normalize_url, sqlite_url

        return normalize_url(self.database_url) if self.database_url else sqlite_url(self.data_dir)

    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def job_policy(self) -> JobPolicy:
        from models.jobs import JobPolicy

        return JobPolicy(max_attempts=self.job_max_attempts, backoff_seconds=self.job_backoff_seconds)


@lru_cache
def get_settings() -> Settings:
    return Settings()
