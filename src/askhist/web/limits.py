"""Request size limits for the web server, applied before Gradio reads a body.

Gradio bounds the size of each uploaded file (``max_file_size``) but not how
many files one request carries, nor the size of a JSON request to ``/ask``;
this ASGI middleware refuses any body over its limit, whether it declares its
length or streams it, and refuses Gradio's upload route altogether when the
server does not allow uploads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

# A question, 20 earlier questions of 2,000 characters and the JSON around
# them take under 200 KB: a bigger body is not a question.
MAX_REQUEST_BYTES = 1024 * 1024
# One upload request: a few files of up to the upload limit each.
MAX_UPLOAD_REQUEST_BYTES = 50 * 1024 * 1024
UPLOAD_ROUTE_SUFFIX = "/upload"

Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


class RequestLimits:
    """ASGI middleware: 413 for a body over the limit, 403 for uploads when they are off."""

    def __init__(
        self,
        app,
        uploads_enabled: bool,
        max_body: int = MAX_REQUEST_BYTES,
        max_upload_body: int = MAX_UPLOAD_REQUEST_BYTES,
    ) -> None:
        self.app = app
        self.uploads_enabled = uploads_enabled
        self.max_body = max_body
        self.max_upload_body = max_upload_body

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        is_upload = scope.get("path", "").rstrip("/").endswith(UPLOAD_ROUTE_SUFFIX)
        if is_upload and not self.uploads_enabled:
            await _refuse(send, 403, "adding documents is turned off on this server")
            return
        limit = self.max_upload_body if is_upload else self.max_body
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, f"the request is too large; the limit is {limit // 1024:,} KB")
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, f"the request is too large; the limit is {limit // 1024:,} KB")


async def _refuse(send: Send, status: int, message: str) -> None:
    body = message.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
