"""Local receivers for on-call alerts (a JSON webhook and an SMTP server on the loopback)."""
from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """A tiny HTTP server on the loopback that keeps every JSON body posted to it."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        self.raw: list[bytes] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                receiver.raw.append(raw)
                if receiver.status == 200:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.bodies) >= count:
                return self.bodies
            time.sleep(0.05)
        raise AssertionError(f"webhook: {len(self.bodies)} of {count} alerts arrived")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """Just enough SMTP for smtplib: keeps each mail's envelope and data."""

    def __init__(self):
        self.mails: list[dict] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 localhost test SMTP\r\n")
                mail: dict = {"rcpt": []}
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode("ascii", "replace").strip()
                    upper = command.upper()
                    if upper.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250 localhost\r\n")
                    elif upper.startswith("MAIL FROM"):
                        mail = {"from": command[10:], "rcpt": []}
                        self.wfile.write(b"250 OK\r\n")
                    elif upper.startswith("RCPT TO"):
                        mail["rcpt"].append(command[8:])
                        self.wfile.write(b"250 OK\r\n")
                    elif upper == "DATA":
                        self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        chunks = []
                        while True:
                            data_line = self.rfile.readline()
                            if data_line in (b".\r\n", b".\n", b""):
                                break
                            chunks.append(data_line)
                        mail["data"] = b"".join(chunks)
                        receiver.mails.append(mail)
                        self.wfile.write(b"250 OK queued\r\n")
                    elif upper == "QUIT":
                        self.wfile.write(b"221 Bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.mails) >= count:
                return self.mails
            time.sleep(0.05)
        raise AssertionError(f"smtp: {len(self.mails)} of {count} mails arrived")

    def message(self, index: int = 0):
        from email import message_from_bytes
        from email.policy import default
        return message_from_bytes(self.mails[index]["data"], policy=default)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
