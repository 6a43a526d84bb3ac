"""Filters with operations, sorts, pagination links and meta, includes and sparse fieldsets."""

from typing import Any

import pytest
from tests.server.conftest import ProductiveSession

from pagesync.server.productive import PRODUCTIVE_PAGES
from pagesync.server.productive_pages import list_pages_statement
from pagesync.server.productive_query import parse_list_query
from pagesync.server.productive_wire import ApiError
from pagesync.server.store import PAGES, USERS, Store

DAY = 86_400_000
AUG_2 = 1_754_092_800_000  # 2025-08-02T00:00:00Z


def _ids(productive: ProductiveSession, **params: Any) -> list[str]:
    response = productive.request("GET", "/pages", params=params)
    assert response.status_code == 200, response.text
    return [page["id"] for page in response.json()["data"]]


@pytest.fixture
def tree(productive: ProductiveSession) -> dict[str, int]:
    """Five pages: two docs in projects 1 and 2, children, various edit times and creators."""
    store = productive.live.store
    with store.engine.begin() as conn:
        bea = int(store.ensure_user(conn, "Bea Zed").id)
    make = productive.factory_page
    pages = {
        "a": make("Alpha", "{}", collection="1", edited_at=AUG_2 + 3_600_000),
        "b": make("bravo", "{}", collection="2", edited_at=AUG_2 - DAY),
    }
    pages["a1"] = make("Charlie", "{}", parent_id=pages["a"], root_id=pages["a"], edited_at=None)
    pages["a2"] = make(
        "Delta", "{}", parent_id=pages["a"], root_id=pages["a"], edited_at=AUG_2 + DAY
    )
    pages["b1"] = make("Echo", "{}", parent_id=pages["b"], root_id=pages["b"], edited_at=None)
    with store.engine.begin() as conn:
        conn.execute(PAGES.update().where(PAGES.c.id == pages["b1"]).values(creator_id=bea))
        for offset, name in enumerate(("b1", "a2", "a1", "b", "a")):
            conn.execute(
                PAGES.update().where(PAGES.c.id == pages[name]).values(updated_at=AUG_2 + offset)
            )
    return {name: page_id for name, page_id in pages.items()}


def _names(tree: dict[str, int], ids: list[str]) -> list[str]:
    by_id = {str(v): k for k, v in tree.items()}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["a", "b", "a1", "a2", "b1"]),
        ({"filter[id]": "{a},{b1}"}, ["a", "b1"]),
        ({"filter[id][not_eq]": "{a},{b1}"}, ["b", "a1", "a2"]),
        ({"filter[id][contains]": "{a2}"}, ["a2"]),
        ({"filter[id][not_contain]": "{a2}"}, ["a", "b", "a1", "b1"]),
        ({"filter[id][gt]": "{a1}"}, ["a2", "b1"]),
        ({"filter[id][gt_eq]": "{a1}"}, ["a1", "a2", "b1"]),
        ({"filter[id][lt]": "{b}"}, ["a"]),
        ({"filter[id][lt_eq]": "{b}"}, ["a", "b"]),
        ({"filter[project_id]": "1"}, ["a"]),
        ({"filter[project_id]": "1,2"}, ["a", "b"]),
        ({"filter[project_id][]": ["1", "2"]}, ["a", "b"]),
        ({"filter[project_id][not_eq]": "1"}, ["b", "a1", "a2", "b1"]),
        ({"filter[parent_page_id]": "{a}"}, ["a1", "a2"]),
        ({"filter[parent_page_id]": "null"}, ["a", "b"]),
        ({"filter[parent_page_id][not_eq]": "{a}"}, ["a", "b", "b1"]),
        ({"filter[root_page_id]": "{b}"}, ["b1"]),
        ({"filter[creator_id][not_eq]": "{user}"}, ["b1"]),
        ({"filter[edited_at]": "2025-08-02"}, ["a"]),
        ({"filter[edited_at][not_eq]": "2025-08-02"}, ["b", "a1", "a2", "b1"]),
        ({"filter[edited_at][gt]": "2025-08-02"}, ["a2"]),
        ({"filter[edited_at][gt_eq]": "2025-08-02"}, ["a", "a2"]),
        ({"filter[edited_at][lt]": "2025-08-02"}, ["b"]),
        ({"filter[edited_at][lt_eq]": "2025-08-02"}, ["a", "b"]),
        ({"filter[edited_at][gt]": "2025-08-02T02:00:00+02:00"}, ["a", "a2"]),
        ({"filter[edited_at][gt]": "2025-08-02T01:00:00Z"}, ["a2"]),
        ({"filter[project_id]": "1", "filter[id]": "{b}"}, []),
    ],
)
def test_filters(
    productive: ProductiveSession, tree: dict[str, int], params: dict, expected: list[str]
) -> None:
    values = {**{k: str(v) for k, v in tree.items()}, "user": productive.auth.user_id}

    def fill(value: Any) -> Any:
        return [fill(v) for v in value] if isinstance(value, list) else value.format(**values)

    filled = {key: fill(value) for key, value in params.items()}
    assert _names(tree, _ids(productive, **filled)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["a", "b", "a1", "a2", "b1"]),
        ("-title", ["b1", "a2", "a1", "b", "a"]),
        ("updated_at", ["b1", "a2", "a1", "b", "a"]),
        ("-updated_at", ["a", "b", "a1", "a2", "b1"]),
        ("created_at", ["a", "b", "a1", "a2", "b1"]),
        ("edited_at", ["a1", "b1", "b", "a", "a2"]),
        ("-edited_at", ["a2", "a", "b", "b1", "a1"]),  # ties follow the last direction
        ("project,-id", ["b1", "a2", "a1", "a", "b"]),
        ("-creator_name,id", ["a", "b", "a1", "a2", "b1"]),
        ("creator_name,title", ["b1", "a", "b", "a1", "a2"]),
    ],
)
def test_sorts(
    productive: ProductiveSession, tree: dict[str, int], sort: str, expected: list[str]
) -> None:
    assert _names(tree, _ids(productive, sort=sort)) == expected


def test_creator_names_sort_by_the_users_name(
    productive: ProductiveSession, tree: dict[str, int]
) -> None:
    with productive.live.store.engine.begin() as conn:
        conn.execute(USERS.update().where(USERS.c.name == "Bea Zed").values(name="Aaron"))
    assert _names(tree, _ids(productive, sort="creator_name,id")) == ["b1", "a", "b", "a1", "a2"]


def test_pagination_links_and_meta(productive: ProductiveSession, tree: dict[str, int]) -> None:
    params = {"page[size]": "2", "page[number]": "2", "sort": "title"}
    body = productive.request("GET", "/pages", params=params).json()
    assert _names(tree, [p["id"] for p in body["data"]]) == ["a1", "a2"]
    assert body["meta"] == {
        "current_page": 2,
        "total_pages": 3,
        "total_count": 5,
        "page_size": 2,
        "max_page_size": 200,
    }
    base = f"{productive.live.url}/api/v2/pages?page%5Bnumber%5D="
    links = {name: link.removeprefix(base) for name, link in body["links"].items()}
    assert links == {
        "first": "1&page%5Bsize%5D=2&sort=title",
        "last": "3&page%5Bsize%5D=2&sort=title",
        "prev": "1&page%5Bsize%5D=2&sort=title",
        "next": "3&page%5Bsize%5D=2&sort=title",
    }


def test_first_and_last_pages_omit_prev_and_next(productive: ProductiveSession, tree: dict) -> None:
    first = productive.request("GET", "/pages", params={"page[size]": "4"}).json()["links"]
    last = productive.request(
        "GET", "/pages", params={"page[size]": "4", "page[number]": "2"}
    ).json()
    assert set(first) == {"first", "last", "next"}
    assert set(last["links"]) == {"first", "last", "prev"}
    assert len(last["data"]) == 1


def test_page_size_is_capped_and_beyond_the_end_is_empty(
    productive: ProductiveSession, tree: dict
) -> None:
    body = productive.request("GET", "/pages", params={"page[size]": "500"}).json()
    assert body["meta"]["page_size"] == 200
    beyond = productive.request("GET", "/pages", params={"page[number]": "9"}).json()
    assert beyond["data"] == [] and beyond["meta"]["current_page"] == 9
    assert beyond["links"]["prev"].endswith("page%5Bnumber%5D=1&page%5Bsize%5D=30")


def test_an_empty_list_has_zero_pages_and_a_last_link(productive: ProductiveSession) -> None:
    body = productive.request("GET", "/pages").json()
    assert body["meta"]["total_pages"] == 0 and body["meta"]["total_count"] == 0
    assert body["links"]["last"] == body["links"]["first"]


@pytest.mark.parametrize(
    ("params", "title", "detail"),
    [
        (
            {"filter[undefined]": "1"},
            "Unsupported Filter",
            "Filter 'undefined' is not supported on this endpoint",
        ),
        (
            {"filter[$op]": "or"},
            "Unsupported Filter",
            "Filter '$op' is not supported on this endpoint",
        ),
        (
            {"filter[edited_at][contains]": "x"},
            "Unsupported Filter",
            "Filter 'edited_at' with operation 'contains' is not supported on this endpoint",
        ),
        (
            {"filter[project_id][gt]": "1"},
            "Unsupported Filter",
            "Filter 'project_id' with operation 'gt' is not supported on this endpoint",
        ),
        (
            {"filter[id]": "abc"},
            "Unsupported Filter Value",
            "Filter value 'abc' for 'id' is not supported on this endpoint",
        ),
        (
            {"filter[edited_at]": "yesterday"},
            "Unsupported Filter Value",
            "Filter value 'yesterday' for 'edited_at' is not supported on this endpoint",
        ),
        (
            {"sort": "unsupported"},
            "Unsupported Sort",
            "Sort by 'unsupported' is not supported on this endpoint",
        ),
        (
            {"include": "userz"},
            "Unsupported Include",
            "Include 'userz' is not supported on this endpoint",
        ),
        (
            {"aggregates": "unavailable"},
            "Unsupported Aggregate",
            "Aggregate 'unavailable' is not supported on this endpoint",
        ),
        (
            {"page[size]": "0"},
            "Invalid Page",
            "Page parameter 'page[size]' must be a positive integer",
        ),
        (
            {"page[number]": "x"},
            "Invalid Page",
            "Page parameter 'page[number]' must be a positive integer",
        ),
    ],
)
def test_unsupported_parameters_are_400(
    productive: ProductiveSession, params: dict, title: str, detail: str
) -> None:
    response = productive.request("GET", "/pages", params=params)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"status": 400, "title": title, "detail": detail}]}


def test_includes_link_and_embed_related_resources(
    productive: ProductiveSession, tree: dict
) -> None:
    params = {
        "filter[id]": str(tree["a1"]),
        "include": "parent_page,root_page,creator,organization,project",
    }
    body = productive.request("GET", "/pages", params=params).json()
    relationships = body["data"][0]["relationships"]
    assert relationships["parent_page"] == {"data": {"type": "pages", "id": str(tree["a"])}}
    assert relationships["root_page"] == {"data": {"type": "pages", "id": str(tree["a"])}}
    assert relationships["project"] == {"data": None}
    assert relationships["attachments"] == {"meta": {"included": False}}
    included = {(r["type"], r["id"]) for r in body["included"]}
    org = productive.auth.organization_id
    assert included == {
        ("pages", str(tree["a"])),
        ("people", productive.auth.user_id),
        ("organizations", org),
    }


def test_included_pages_are_not_repeated_from_primary_data(
    productive: ProductiveSession, tree: dict
) -> None:
    body = productive.request("GET", "/pages", params={"include": "parent_page"}).json()
    assert body["included"] == []


def test_a_single_page_takes_include_and_fields(productive: ProductiveSession, tree: dict) -> None:
    params = {"include": "parent_page", "fields[pages]": "title,parent_page"}
    body = productive.request("GET", f"/pages/{tree['a2']}", params=params).json()
    assert body["data"]["attributes"] == {"title": "Delta"}
    assert body["data"]["relationships"] == {
        "parent_page": {"data": {"type": "pages", "id": str(tree["a"])}}
    }
    assert [r["attributes"]["title"] for r in body["included"]] == ["Alpha"]
    assert list(body) == ["data", "included", "meta"]


def test_the_query_parser_builds_sql_clauses_not_text() -> None:
    query = parse_list_query([("filter[id]", "1,2"), ("sort", "-edited_at"), ("page[size]", "7")])
    assert query.size == 7 and query.number == 1
    assert "IN" in str(query.where[0]) and "1,2" not in str(query.where[0])
    assert str(query.order[0]).startswith(str(PRODUCTIVE_PAGES.c.edited_at))


def test_the_query_parser_rejects_before_touching_the_database() -> None:
    with pytest.raises(ApiError) as info:
        parse_list_query([("filter[id][nope]", "1")])
    assert info.value.status == 400


def test_a_project_list_and_its_count_stay_inside_one_index(store: Store) -> None:
    if store.backend != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans from its statistics")
    query = parse_list_query([("filter[project_id]", "7"), ("sort", "-updated_at")])
    with store.engine.connect() as conn:
        statement = list_pages_statement(query).params(scope_id=1)
        compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "USING TEMP B-TREE" not in plan  # no sort: the index gives updated_at order
    assert plan.count("ix_pages_scope_collection_live") == 2, plan  # the rows and the count
