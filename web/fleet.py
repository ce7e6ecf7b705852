"""The routed fleet of this process for the app's settings (see :func:`geo112.network.fleet_for`)."""

from __future__ import annotations

from geo112 import network
from geo112.network import RoutedFleet
from web.db import settings


def fleet() -> RoutedFleet:
    """This process's routed fleet, loading the road network on first use.

    Raises
    ------
    geo112.errors.ServiceUnavailable
        (503) When the road network cannot be loaded; the message names the cause.
    """
    return network.fleet_for(settings())
