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
    worker_nice: int = Field(
        default=10, ge=0, le=19,
        description="CPU niceness of capture workers (of the thread alone for a worker thread): OCR yields to uploads")
    embedded_worker: bool = Field(default=True, description="`serve` runs one capture worker with the API")
    worker_process: bool = Field(
        default=True,
        description="the embedded worker is a child process of the API (its own interpreter lock: acknowledgments "
                    "stay fast while OCR runs); false: a thread in the API process")
    # tax cross-check (api/verifier.py, capture/taxcheck/)
    tax_check: bool = Field(default=True, description="the worker and the API process run the verification loop")
    tax_url: str = Field(default="http://127.0.0.1:8100", description="the verification service (POST /verify)")
    tax_connect_timeout: float = Field(default=3.0, gt=0, description="seconds to connect to the verifier")
    tax_read_timeout: float = Field(default=10.0, gt=0, description="seconds to wait for the verifier's answer")
    tax_daily_budget: int = Field(default=4, ge=1, le=5, description="checks per invoice per day (platform: 5)")
    tax_recheck_days: float = Field(default=30, gt=0, description="verified invoices are checked again after this")
    tax_recheck_horizon_days: float = Field(default=365, gt=0, description="no periodic re-check of older invoices")
    tax_not_found_hours: list[float] = Field(default=[1, 6, 24, 72], description="re-checks after a not_found")
    tax_backoff_seconds: float = Field(default=60, gt=0, description="first retry after a transient failure")
    tax_backoff_max_seconds: float = Field(default=3600, gt=0, description="retry delay cap (doubles per failure)")
    tax_breaker_threshold: int = Field(default=5, ge=1, description="consecutive service failures that open it")
    tax_breaker_cooldown_seconds: float = Field(default=30, gt=0, description="open breaker: probe after this")
    tax_batch: int = Field(default=16, ge=1, description="invoices claimed per verification round")
    tax_concurrency: int = Field(default=4, ge=1, le=64, description="verifier calls in flight per process")
    tax_poll_seconds: float = Field(default=5.0, gt=0, description="an idle verification loop looks this often")

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

    def verifier_config(self):
        from datetime import timedelta

        from api.verifier import VerifierConfig
        from capture.taxcheck import PolicyConfig
        from capture.taxcheck.client import ClientConfig

        policy = PolicyConfig(
            daily_budget=self.tax_daily_budget, recheck_after=timedelta(days=self.tax_recheck_days),
            recheck_horizon=timedelta(days=self.tax_recheck_horizon_days),
            not_found_schedule=tuple(timedelta(hours=h) for h in self.tax_not_found_hours),
            backoff_base=timedelta(seconds=self.tax_backoff_seconds),
            backoff_max=timedelta(seconds=self.tax_backoff_max_seconds),
            breaker_threshold=self.tax_breaker_threshold,
            breaker_cooldown=timedelta(seconds=self.tax_breaker_cooldown_seconds),
        )
        client = ClientConfig(base_url=self.tax_url, connect_timeout=self.tax_connect_timeout,
                              read_timeout=self.tax_read_timeout, max_connections=max(self.tax_concurrency, 4))
        return VerifierConfig(client=client, policy=policy, batch=self.tax_batch, concurrency=self.tax_concurrency,
                              poll_seconds=self.tax_poll_seconds)


@lru_cache
def get_settings() -> Settings:
    return Settings()
