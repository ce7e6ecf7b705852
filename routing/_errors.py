"""The exceptions routing raises, so that a caller catches exactly what it means (after osmnx's ``_errors``)."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of every error raised by :mod:`routing`."""


class UnreachableError(RoutingError):
    """No road path joins the two points (impossible on a strongly connected graph, but checked)."""


class SpeedFactorError(RoutingError):
    """A speed factor that is not a positive finite number."""


class GraphSourceError(RoutingError):
    """No source for a graph: neither an OSM file nor a place to fetch online."""


class GraphMismatchError(RoutingError):
    """A saved artefact (a contraction hierarchy) that belongs to another graph than the one given."""
