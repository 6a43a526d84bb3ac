import orjson

from pagesync.server.productive_wire import encode, invalid_attribute, stamp, unsupported


def test_timestamps_have_milliseconds_and_an_offset() -> None:
    assert stamp(1_754_101_539_156) == "2025-08-02T02:25:39.156+00:00"
    assert stamp(1_754_101_539_000) == "2025-08-02T02:25:39.000+00:00"
    assert stamp(None) is None


def test_documents_are_encoded_compactly_in_insertion_order() -> None:
    assert encode({"b": 1, "a": "é"}) == '{"b":1,"a":"é"}'.encode()


def test_error_bodies_follow_the_seed() -> None:
    error = invalid_attribute("template_id")
    assert error.status == 422
    assert orjson.loads(error.response().body)["errors"][0] == {
        "status": "422",
        "code": "invalid_attribute",
        "title": "Invalid Attribute",
        "detail": "attribute is invalid",
        "source": {"pointer": "data/attributes/template_id"},
    }
    assert unsupported("Sort", "Sort by 'x'").errors == [
        {
            "status": 400,
            "title": "Unsupported Sort",
            "detail": "Sort by 'x' is not supported on this endpoint",
        }
    ]
