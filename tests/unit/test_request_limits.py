"""Every input of Assistant.ask is capped and type-checked before any work (issue 14, point 4)."""

from __future__ import annotations

import pytest

import askhist.assistant as assistant_module
from askhist.assistant import MAX_HISTORY_ITEMS, MAX_QUESTION_CHARS, InputError, validate_request

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("history", [5, "Who was Trotsky?", {"q": "Who was Trotsky?"}, 2.5, b"bytes"])
def test_a_history_of_the_wrong_type_is_a_friendly_input_error(fake_assistant, history):
    with pytest.raises(InputError, match="history must be a list"):
        fake_assistant.ask("Who was Trotsky?", history=history)


@pytest.mark.parametrize("top_k", ["5", 2.0, None, True])
def test_a_top_k_of_the_wrong_type_is_a_friendly_input_error(fake_assistant, top_k):
    with pytest.raises(InputError, match="top-k"):
        fake_assistant.ask("Who was Trotsky?", top_k=top_k)


def test_a_huge_history_item_is_cut_before_it_is_cleaned(fake_assistant, monkeypatch):
    """Work is counted, not timed: cleaning never sees more than the item limit."""
    seen: list[int] = []
    real = assistant_module.clean_user_text

    def counting(text: str) -> str:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(assistant_module, "clean_user_text", counting)
    huge = "Trotsky " * 2_500_000  # 20 million characters
    answer = fake_assistant.ask("and what about Bukharin?", history=[huge, huge, huge])
    assert seen and max(seen) <= MAX_QUESTION_CHARS
    assert len(answer.context) <= MAX_QUESTION_CHARS


def test_only_the_last_history_items_are_kept(monkeypatch):
    history = [f"Question number {i} about Trotsky?" for i in range(10_000)]
    _, past, _ = validate_request("and Bukharin?", history)
    assert len(past) == MAX_HISTORY_ITEMS
    assert past[-1] == history[-1]
    assert past[0] == history[-MAX_HISTORY_ITEMS]


def test_history_items_that_are_not_text_are_skipped():
    _, past, _ = validate_request("and Bukharin?", [None, 42, "", "Who was Trotsky?"])
    assert past == ["Who was Trotsky?"]


# ------------------------------------------------------------ request bodies of the web server


def _client(uploads_enabled: bool):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from askhist.web.limits import RequestLimits

    async def echo(request):
        return PlainTextResponse(str(len(await request.body())))

    routes = [Route(path, echo, methods=["POST"]) for path in ("/gradio_api/upload", "/gradio_api/call/ask")]
    middleware = [Middleware(RequestLimits, uploads_enabled=uploads_enabled, max_body=1000, max_upload_body=5000)]
    return TestClient(Starlette(routes=routes, middleware=middleware))


def test_request_bodies_over_the_limit_are_refused_declared_or_streamed():
    client = _client(uploads_enabled=True)
    assert client.post("/gradio_api/call/ask", content=b"x" * 1000).text == "1000"
    assert client.post("/gradio_api/call/ask", content=b"x" * 1001).status_code == 413
    streamed = client.post("/gradio_api/call/ask", content=iter([b"x" * 600, b"x" * 600]))  # no content-length
    assert streamed.status_code == 413
    assert client.post("/gradio_api/upload", content=b"x" * 5000).text == "5000"
    assert client.post("/gradio_api/upload", content=b"x" * 5001).status_code == 413


def test_gradios_upload_route_is_closed_when_uploads_are_off():
    response = _client(uploads_enabled=False).post("/gradio_api/upload", content=b"x")
    assert response.status_code == 403 and "turned off" in response.text
