"""Requests a prober sends, answered 404 or 400 instead of 500: ids beyond the archive's integer
range (an OverflowError in SQLite's driver, out of range for PostgreSQL's int4), dates the
calendar cannot reach (an OverflowError in date arithmetic), digits int() cannot read ('²')."""

from __future__ import annotations

import pytest

from nianbao.web.app import create_app
from nianbao.web.request_values import ROW_ID_MAX

BEYOND_SQLITE = str(2**63)  # 9223372036854775808
TWENTY_NINES = "9" * 20


@pytest.mark.parametrize("path", [
    f"/reports/{BEYOND_SQLITE}",
    f"/api/reports/{BEYOND_SQLITE}",
    f"/reports/{BEYOND_SQLITE}/diff",
    f"/captures/{TWENTY_NINES}/raw",
    f"/api/captures/{TWENTY_NINES}",
    f"/reports/{ROW_ID_MAX + 1}",
])
def test_an_id_beyond_the_integer_range_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("query", [f"a={TWENTY_NINES}", f"b={BEYOND_SQLITE}", f"a=1&b={ROW_ID_MAX + 1}"])
@pytest.mark.parametrize("api", ["", "/api"])
def test_a_diff_with_a_version_id_beyond_the_range_is_not_found(client, built, api, query):
    response = client.get(f"{api}/reports/{built.edited}/diff?{query}")
    assert response.status_code == 404
    if api:
        assert response.get_json()["status"] == 404


def test_a_version_id_beyond_the_range_is_not_found(client, built):
    assert client.get(f"/reports/{built.edited}?version={BEYOND_SQLITE}").status_code == 404


@pytest.mark.parametrize("path", [
    "/reports/{report}?version=²", "/reports/{report}/diff?a=²", "/api/reports/{report}/diff?b=١x",
    "/?page=²", "/?per_page=²", "/api/search?page=²",
])
def test_a_number_int_cannot_read_is_a_bad_request(client, built, path):
    response = client.get(path.format(report=built.edited))
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/reports/²", "/captures/١٢/raw"])
def test_an_id_of_other_digits_matches_no_page(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    "/monitor/2023?as_of=9999-12-31",
    "/api/monitor/2021?as_of=9999-12-31",
    "/api/monitor/2021?as_of=0001-01-01",
])
def test_an_as_of_date_beyond_the_calendar_is_a_bad_request(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "as_of" in response.get_data(as_text=True)


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_an_agency_page_with_an_as_of_beyond_the_calendar_is_a_bad_request(built_archive, built, client, tmp_path,
                                                                           write_web_registry, as_of):
    # Only an agency in the registry has statuses, so only its page reads as_of.
    agency = client.get(f"/api/reports/{built.edited}").get_json()["agency"]
    listed = create_app(built_archive[0], registry=write_web_registry(tmp_path)).test_client()
    answered = listed.get(f"/api/agencies/{agency}?as_of=2022-04-15")
    assert answered.status_code == 200 and answered.get_json()["statuses"], answered.get_json()
    assert listed.get(f"/agencies/{agency}?as_of={as_of}").status_code == 400


def test_an_as_of_on_the_last_day_judged_is_answered(client):
    assert client.get("/api/monitor/2100?as_of=2101-12-31").status_code == 200


def test_the_largest_id_is_looked_up_on_both_backends(archive, backend):
    # PostgreSQL's ids are int4: one more than ROW_ID_MAX would be a DataError there.
    client = create_app(archive).test_client()
    assert client.get(f"/api/reports/{ROW_ID_MAX}").get_json()["error"] == f"no report {ROW_ID_MAX} in the archive"
    assert client.get(f"/api/captures/{ROW_ID_MAX}").status_code == 404
    assert client.get(f"/api/reports/{ROW_ID_MAX + 1}").status_code == 404
