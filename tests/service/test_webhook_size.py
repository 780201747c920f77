"""POST /callback refuses a body over the limit with 413 while it streams in: a declared
Content-Length is refused before reading, a chunked body (no Content-Length) as soon as it
passes the limit, and parallel oversized uploads leave the process's memory flat."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.line.webhook import MAX_BODY_BYTES

CHUNK = b"x" * 65_536
UPLOADS = 4
UPLOAD_BYTES = 40 * 1024 * 1024            # each upload is 40 times the limit
RSS_BOUND = 24 * 1024 * 1024               # what all of them together may add, at the peak


def rss_bytes() -> int:
    with open("/proc/self/status") as status:         # the service runs in this process
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class PeakRss:
    """Samples this process's resident memory every few milliseconds while the block runs."""

    def __enter__(self) -> "PeakRss":
        self.start = self.peak = rss_bytes()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


def chunked(total: int):
    sent = 0
    while sent < total:
        yield CHUNK
        sent += len(CHUNK)


def post_chunked(service, total: int) -> httpx.Response:
    headers = {"content-type": "application/json", "x-line-signature": "c2lnbmF0dXJl"}
    return httpx.post(f"{service.base_url}/callback", content=chunked(total), headers=headers,
                      timeout=120.0)


def test_a_declared_oversized_body_is_413_before_it_is_read(service):
    response = httpx.post(f"{service.base_url}/callback", content=b"x" * (MAX_BODY_BYTES + 1),
                          headers={"x-line-signature": "c2lnbmF0dXJl"})
    assert response.status_code == 413
    assert response.json()["detail"] == "body too large"


def test_a_chunked_body_just_over_the_limit_is_413(service):
    response = post_chunked(service, MAX_BODY_BYTES + len(CHUNK))
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)    # no database involved
def test_parallel_chunked_uploads_are_refused_with_memory_flat(service):
    post_chunked(service, 2 * MAX_BODY_BYTES)             # warm up the server's buffers
    with PeakRss() as rss, ThreadPoolExecutor(UPLOADS) as pool:
        statuses = list(pool.map(lambda _: post_chunked(service, UPLOAD_BYTES).status_code,
                                 range(UPLOADS)))
    assert statuses == [413] * UPLOADS
    assert rss.growth < RSS_BOUND, f"RSS grew by {rss.growth / 2**20:.0f} MiB"
