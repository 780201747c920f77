"""The service as a separate OS process: the one launcher of failure drills that kill it,
multi-process tests and the benchmarks.

By default it runs the real service (`python -m bot serve`) pointed at an emulator
(`ServiceProcess.against_emulator`); the benchmarks pass their own command
(bench/service_main.py) and reach it over HTTP the same way.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

import httpx

from .liveserver import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, *, env: Optional[dict[str, str]] = None, port: Optional[int] = None,
                 command: Optional[Sequence[str]] = None, log_path: Optional[Path] = None,
                 name: str = "service", role: str = "all"):
        self.port = port or free_port()
        self.name = name
        self.env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})}
        self.command = list(command or [sys.executable, "-m", "bot", "serve",
                                        "--host", "127.0.0.1", "--port", str(self.port),
                                        "--role", role])
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None

    @classmethod
    def against_emulator(cls, *, database_url: str, line_api_host: str, channel_secret: str,
                         access_token: str, port: Optional[int] = None,
                         extra_env: Optional[dict[str, str]] = None,
                         log_path: Optional[Path] = None, name: str = "service",
                         role: str = "all") -> "ServiceProcess":
        """`python -m bot serve --role ROLE` with LINE_API_HOST pointing at an emulator."""
        port = port or free_port()
        env = {"DATABASE_URL": database_url, "LINE_API_HOST": line_api_host,
               "LINE_CHANNEL_SECRET": channel_secret, "LINE_CHANNEL_ACCESS_TOKEN": access_token,
               "SECRET_KEY": "drill-" + channel_secret,
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
               "WORKER_POLL_S": "0.2", **(extra_env or {})}
        return cls(env=env, port=port, log_path=log_path, name=name, role=role)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, timeout: float = 60.0) -> "ServiceProcess":
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env,
                                            stdout=output, stderr=subprocess.STDOUT)
        finally:
            if self.log_path:
                output.close()       # the child holds its own descriptor
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}"
                                   + self._log_tail())
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.name} did not become healthy in time" + self._log_tail())
            time.sleep(0.1)
        return self

    def _log_tail(self) -> str:
        if self.log_path and self.log_path.exists():
            return f"; see {self.log_path}:\n" + self.log_path.read_text(errors="replace")[-3000:]
        return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM) without waiting: stop several at once, then `stop()`."""
        if self.process and self.process.poll() is None:
            self.process.terminate()

    def stop(self, timeout: float = 20.0) -> None:
        self.terminate()
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
