"""A method a route does not have answers 405 with the error envelope, for
every API route (the API fuzz found TRACE answering 500: the permission
table has no rule for a method the view lacks)."""

from __future__ import annotations

import pytest

from nexusone.tests.routewalk import PUBLIC_API_ROUTES, api_routes, url_values

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]


def test_an_unknown_method_is_405_with_the_envelope_on_every_route(world):
    client = world["A"].client("owner")
    checked = 0
    for route in api_routes():
        if route.name in PUBLIC_API_ROUTES:
            continue
        url = route.url(url_values(route, world["A"]))
        response = client.generic("TRACE", url)
        assert response.status_code == 405, (route.name, response.status_code)
        assert response.json()["error"]["code"] == "method_not_allowed", route.name
        checked += 1
    assert checked >= 100
