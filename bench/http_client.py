"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generator of ``bench/http_load.py``.

Why not httpx: measured in the same run on this 2-core machine, httpx's ``AsyncClient`` spent 4.7 ms of CPU
per request against the server's 1.6 ms (8.1 s of client CPU for 1,714 balance reads in 10 s), so the
benchmark measured its own client, not Saldo. This client sends a prepared request and reads the status
line, the headers and a ``Content-Length`` body, nothing more: tens of microseconds per request. It speaks
only to ``saldo serve`` (uvicorn always sends ``Content-Length`` on these JSON answers; a chunked answer is
refused loudly rather than misread).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

#: Longest header block accepted from the server.
MAX_HEADER_BYTES = 64 * 1024


class Reply:
    """What the benchmark needs of an answer: the status code and the body."""

    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body


class Connection:
    """One keep-alive connection; one request at a time, like one client of the benchmark."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self._host, self._port = host, port
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        payload = b"" if body is None else json.dumps(body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if payload:
            extra += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self._writer.write(f"{method} {path} HTTP/1.1\r\n{self._fixed}{extra}\r\n".encode() + payload)
        assert self._reader is not None  # set with the writer above
        head = await self._reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEADER_BYTES:
            raise ValueError("header block too long")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        pairs = (line.partition(":") for line in lines[1:] if line)
        fields = {k.strip().lower(): v.strip() for k, _, v in pairs}
        if "content-length" not in fields:
            raise ValueError(f"answer without Content-Length to {method} {path}: {fields}")
        content = await self._reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, content)

    async def get(self, path: str) -> Reply:
        return await self.request("GET", path)

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return await self.request("POST", path, json, headers)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
