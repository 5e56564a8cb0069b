"""Distances on the Earth and a grid of cells for finding what is near a point."""

from __future__ import annotations

import math
from collections.abc import Iterator

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.32


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Grid:
    """Square cells of ``cell_degrees``; a cell is an int so it can key a dict or an advisory lock."""

    def __init__(self, cell_degrees: float) -> None:
        self.cell_degrees = cell_degrees

    def cell(self, lat: float, lon: float) -> int:
        row = math.floor((lat + 90) / self.cell_degrees)
        column = math.floor((lon + 180) / self.cell_degrees)
        return row * 1_000_000 + column

    def cells_within(self, lat: float, lon: float, radius_km: float) -> Iterator[int]:
        """Every cell that may hold a point within ``radius_km`` of (lat, lon)."""
        dlat = radius_km / KM_PER_DEGREE_LAT
        dlon = radius_km / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
        row_low = math.floor((lat - dlat + 90) / self.cell_degrees)
        row_high = math.floor((lat + dlat + 90) / self.cell_degrees)
        column_low = math.floor((lon - dlon + 180) / self.cell_degrees)
        column_high = math.floor((lon + dlon + 180) / self.cell_degrees)
        for row in range(row_low, row_high + 1):
            for column in range(column_low, column_high + 1):
                yield row * 1_000_000 + column


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: a cheap first filter before distance_km."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
