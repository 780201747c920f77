"""Run an ASGI app with uvicorn on a free loopback port in a background thread.

For tests and the demo that need real HTTP (the SDK's urllib3 client, the phone page
posting to /callback).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`with LiveServer(app) as base_url: ...` serves app until the block ends."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        self.server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=self.port, log_level="warning", access_log=False,
            lifespan="on", proxy_headers=False))   # the client address is the socket peer
        self.thread = threading.Thread(target=self.server.run, daemon=True,
                                       name=f"liveserver-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
