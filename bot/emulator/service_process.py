"""The real service (`python -m bot serve`) as a separate OS process, pointed at an
emulator: for failure drills that kill it, multi-process tests and benchmarks."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import httpx

from .liveserver import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, *, database_url: str, line_api_host: str, channel_secret: str,
                 access_token: str, port: Optional[int] = None,
                 extra_env: Optional[dict[str, str]] = None, log_path: Optional[Path] = None):
        self.port = port or free_port()
        self.env = {**os.environ,
                    "DATABASE_URL": database_url, "LINE_API_HOST": line_api_host,
                    "LINE_CHANNEL_SECRET": channel_secret,
                    "LINE_CHANNEL_ACCESS_TOKEN": access_token,
                    "SECRET_KEY": "drill-" + channel_secret,
                    "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
                    "WORKER_POLL_S": "0.2", **(extra_env or {})}
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServiceProcess":
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=PROJECT_ROOT, env=self.env,
            stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("service did not become healthy in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
