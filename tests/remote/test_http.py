import asyncio
import email.utils
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from flaky_server import Flaky, Sleeps

from pagesync.errors import RemoteError
from pagesync.remote.http import HttpClient, RetryPolicy, requested_wait


def run(flaky: Flaky, sleeps: Sleeps, action: Callable[[HttpClient], Awaitable[Any]],
        **options: Any) -> Any:
    async def go() -> Any:
        client = HttpClient(flaky.url, retry=options.pop("retry", sleeps.policy()), **options)
        try:
            return await action(client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_429_storm_is_waited_out_honouring_retry_after(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(429, {"Retry-After": "2"})] * 4
    response = run(flaky, sleeps, lambda c: c.request("GET", "/pages"))
    assert response.json()["ok"] is True
    assert sleeps.delays == [2.0, 2.0, 2.0, 2.0]
    assert flaky.script.hits["/pages"] == 5


def test_x_ratelimit_reset_in_seconds_is_honoured(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(429, {"X-RateLimit-Reset": "7"})]
    run(flaky, sleeps, lambda c: c.request("GET", "/pages"))
    assert sleeps.delays == [7.0]


def test_503s_back_off_exponentially_then_succeed(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(503, {}), (502, {}), (500, {}), (504, {})]
    run(flaky, sleeps, lambda c: c.request("GET", "/pages"))
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=lambda: 0.0)
    assert [policy.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 2.5, 2.5]


def test_a_storm_longer_than_the_retries_ends_in_a_typed_error(flaky: Flaky,
                                                               sleeps: Sleeps) -> None:
    flaky.script.answers["/pages/7"] = [(429, {"Retry-After": "1"})] * 10
    with pytest.raises(RemoteError) as info:
        run(flaky, sleeps, lambda c: c.request("GET", "/pages/7", page_id="7"),
            retry=sleeps.policy(retries=3))
    error = info.value
    assert (error.status, error.url, error.page_id) == (429, f"{flaky.url}/pages/7", "7")
    assert "said 429" in error.message and "run again later" in error.message
    assert flaky.script.hits["/pages/7"] == 4


def test_a_wait_longer_than_allowed_is_not_slept(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(429, {"Retry-After": "3600"})]
    with pytest.raises(RemoteError, match="HTTP 429"):
        run(flaky, sleeps, lambda c: c.request("GET", "/pages"),
            retry=sleeps.policy(max_wait=60))
    assert sleeps.delays == []


def test_a_create_is_not_retried_after_a_server_error(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(500, {})]
    with pytest.raises(RemoteError) as info:
        run(flaky, sleeps, lambda c: c.request("POST", "/pages", json={"title": "x"}))
    assert info.value.status == 500
    assert flaky.script.hits["/pages"] == 1


def test_a_create_refused_with_429_or_503_is_retried(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/pages"] = [(429, {"Retry-After": "1"}), (503, {})]
    response = run(flaky, sleeps, lambda c: c.request("POST", "/pages", json={}))
    assert response.json()["method"] == "POST"
    assert sleeps.delays == [1.0, 1.0]


def test_client_errors_are_not_retried_and_carry_the_servers_words(flaky: Flaky,
                                                                  sleeps: Sleeps) -> None:
    flaky.script.answers["/pages/9"] = [(404, {})]
    with pytest.raises(RemoteError) as info:
        run(flaky, sleeps, lambda c: c.request("PATCH", "/pages/9", page_id="9"))
    assert str(info.value) == (
        f"PATCH failed: said 404 (not found (deleted on the remote?)) | HTTP 404 | "
        f"{flaky.url}/pages/9 | page 9"
    )
    assert sleeps.delays == []


def test_a_server_that_disappears_mid_run_ends_in_a_clear_error(flaky: Flaky,
                                                                sleeps: Sleeps) -> None:
    async def action(client: HttpClient) -> None:
        assert (await client.request("GET", "/pages")).status_code == 200
        flaky.stop()
        await client.request("GET", "/pages", page_id="3")

    with pytest.raises(RemoteError, match="cannot reach the server") as info:
        run(flaky, sleeps, action, retry=sleeps.policy(retries=2))
    assert info.value.status is None and info.value.page_id == "3"
    assert sleeps.delays == [0.5, 1.0]


def test_a_connection_cut_after_a_create_was_sent_is_not_resent(sleeps: Sleeps) -> None:
    received: list[bytes] = []

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    async def go() -> None:
        server = await asyncio.start_server(cut, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = HttpClient(f"http://127.0.0.1:{port}", retry=sleeps.policy())
        try:
            await client.request("POST", "/pages", json={"title": "once"})
        finally:
            await client.aclose()
            server.close()
            await server.wait_closed()

    with pytest.raises(RemoteError, match="may have been applied"):
        asyncio.run(go())
    assert len(received) == 1
    assert sleeps.delays == []


def test_slow_answers_time_out_and_gets_are_retried(flaky: Flaky, sleeps: Sleeps) -> None:
    with pytest.raises(RemoteError, match="ReadTimeout"):
        run(flaky, sleeps, lambda c: c.request("GET", "/slow", params={"for": "1"}),
            retry=sleeps.policy(retries=1), timeout=0.2)
    assert flaky.script.hits["/slow"] == 2


def test_concurrency_is_bounded(flaky: Flaky, sleeps: Sleeps) -> None:
    async def action(client: HttpClient) -> None:
        await asyncio.gather(*(client.request("GET", "/slow") for _ in range(12)))

    run(flaky, sleeps, action, concurrency=3)
    assert flaky.script.hits["/slow"] == 12
    assert flaky.script.max_in_flight <= 3


def test_requested_wait_reads_every_header_form() -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert requested_wait({"retry-after": "5"}, now) == 5.0
    assert requested_wait({"retry-after": date}, now) == 30.0
    assert requested_wait({"x-ratelimit-reset": str(int(now + 12))}, now) == 12.0
    assert requested_wait({"x-ratelimit-reset": "3"}, now) == 3.0
    assert requested_wait({"retry-after": "soon"}, now) is None
    assert requested_wait({}, now) is None


def test_a_redirect_names_the_address_to_configure(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/old"] = [(301, {"Location": "https://new.example/api"})]
    with pytest.raises(RemoteError, match="redirected to https://new.example/api") as info:
        run(flaky, sleeps, lambda c: c.request("GET", "/old"))
    assert info.value.status == 301


def test_upload_paths_stay_on_the_servers_origin() -> None:
    from pagesync.remote.plate import upload_path

    base = "http://127.0.0.1:8765"
    path = "/api/pages/uploads/pages/1/a.png"
    assert upload_path(path, base) == path
    assert upload_path(f"{base}/api/pages/uploads/a.png", base) == "/api/pages/uploads/a.png"
    assert upload_path("http://evil.example/api/pages/uploads/a.png", base) is None
    assert upload_path("/api/pages/uploads/../../secret", base) is None
    assert upload_path("/api/pages/1", base) is None


def test_once_the_server_asks_to_wait_every_request_waits(flaky: Flaky, sleeps: Sleeps) -> None:
    flaky.script.answers["/a"] = [(429, {"Retry-After": "30"})]

    async def action(client: HttpClient) -> None:
        first = asyncio.create_task(client.request("GET", "/a"))
        await asyncio.sleep(0.2)  # /a has had its 429 and is waiting its 30 s
        sleeps.now -= 20  # ... of which 10 have passed when /b starts
        await client.request("GET", "/b")  # told nothing itself, but the pause is not over
        await first

    run(flaky, sleeps, action)
    assert sleeps.delays == [30.0, 20.0]
    assert flaky.script.hits == {"/a": 2, "/b": 1}


@pytest.mark.parametrize("dialect", ["productive", "raven", "plate"])
def test_a_server_speaking_another_api_gives_a_typed_error(flaky: Flaky, dialect: str) -> None:
    from pagesync.config import Config
    from pagesync.remote import open_remote

    scope = {"productive": {"organization": "1"}, "raven": {"workspace": "w", "space": "s"},
             "plate": {}}[dialect]

    async def go() -> None:
        async with open_remote(Config(dialect, flaky.url, scope), "t") as remote:
            await remote.list_pages()

    with pytest.raises(RemoteError):
        asyncio.run(go())


def test_require_page_refuses_what_is_not_a_page() -> None:
    from pagesync.remote.base import require_page

    assert require_page({"id": "1"}) == {"id": "1"}
    for odd in ("page_1", {"title": "no id"}, None, {"id": ""}):
        with pytest.raises(RemoteError, match="not a page"):
            require_page(odd)


def test_a_plain_http_remote_loads_no_certificates_and_https_verifies() -> None:
    from pagesync.remote.http import _tls_context

    assert _tls_context("https://wiki.example.com") is True
    local = _tls_context("http://127.0.0.1:8000")
    assert isinstance(local, ssl.SSLContext)
    # Were TLS ever used with it, it would check and trust nothing: never an unchecked link.
    assert local.verify_mode is ssl.CERT_REQUIRED and local.check_hostname
    assert local.cert_store_stats()["x509_ca"] == 0
