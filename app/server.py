"""uvicorn's HTTP protocol with a deadline for each request's head (request line and headers).

uvicorn times out a connection idle *between* requests (`timeout_keep_alive`), but not one that
opens and says nothing, nor one that sends its headers a byte at a time: each holds a socket
and a file descriptor for ever, and a few thousand of them starve the server (« slowloris »).
Here a connection must finish the head of every request within
DEMINEURS_HTTP_HEADER_TIMEOUT_SECONDS of opening, or of the previous answer; else it is closed.
A head is also bounded in size (DEMINEURS_HTTP_MAX_HEAD_BYTES; httptools has no such limit of
its own, h11 is given it): beyond, 400 and the connection closed.
"""

import asyncio
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from app.config import get_settings


class _HeadDeadline:
    """The deadline, for either of uvicorn's protocols (the methods below call into them)."""

    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        seconds = get_settings().http_header_timeout_seconds
        self._head_timer = self.loop.call_later(seconds, self._head_too_slow)

    def _count_head(self, received: int) -> None:
        """Past the size limit, the parser is stopped: uvicorn answers 400 and closes."""
        self._head_bytes += received
        if self._head_bytes > get_settings().http_max_head_bytes:
            raise ValueError("request head too large")

    def _cancel_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


# mypy checks the httptools branch, the one that runs (TYPE_CHECKING is False at run time).
if TYPE_CHECKING or AutoHTTPProtocol.__name__ == "HttpToolsProtocol":
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base

    class TimedHTTPProtocol(_HeadDeadline, _Base):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_deadline()

        def on_url(self, url: bytes) -> None:
            self._count_head(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_head(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_message_begin(self) -> None:
            self._head_bytes = 0
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._cancel_head_deadline()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self.pipeline:
                self._arm_head_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_deadline()
            super().connection_lost(exc)

else:  # pragma: no cover  (uvicorn[standard] brings httptools)
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base

    class TimedHTTPProtocol(_HeadDeadline, _Base):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_deadline()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._cancel_head_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm_head_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_deadline()
            super().connection_lost(exc)
