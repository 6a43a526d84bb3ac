from tests.server.conftest import LiveServer


def test_the_index_lists_every_mounted_api(live_server: LiveServer) -> None:
    response = live_server.client.get("/")
    assert response.status_code == 200
    apis = response.json()["apis"]
    assert apis["productive"]["prefix"] == "/api/v2"
