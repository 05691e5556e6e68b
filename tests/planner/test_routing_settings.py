"""The routing server is configured from the environment, and a wrong engine is named."""

from __future__ import annotations

import pytest

from balise.core.errors import ConfigError
from balise.core.settings import Settings
from balise.planner.routing import RoutingServer, routing_server


def test_no_url_means_the_straight_line() -> None:
    assert routing_server(Settings.from_env({})) is None


def test_a_valhalla_server_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"BALISE_ROUTING_URL": "http://valhalla.local:8002/",
                                  "BALISE_ROUTING_ENGINE": "Valhalla",
                                  "BALISE_ROUTING_TIMEOUT_S": "4"})
    assert routing_server(settings) == RoutingServer("http://valhalla.local:8002", "valhalla", 4.0)


def test_an_unknown_engine_is_refused_with_its_name() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"BALISE_ROUTING_URL": "http://x", "BALISE_ROUTING_ENGINE": "graphhopper"})
    assert "graphhopper" in str(raised.value) and "valhalla" in str(raised.value)
