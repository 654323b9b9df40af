"""EPSG:3067 (ETRS-TM35FIN) to WGS84, for the coordinates PTV v11 stores as strings.

PTV's `latitude` holds the northing and `longitude` the easting, in metres. Missing geocodes come as "0" or "",
and a few records hold something else entirely (WGS84 degrees typed into the wrong field), so anything that does
not lie in Finland is treated as "no point" rather than put on the map somewhere wrong.
"""

from __future__ import annotations

import math
import threading

from pyproj import Transformer

# Finland's extent in TM35FIN metres, with a margin: Åland in the west to Ilomantsi in the east, Hanko to Nuorgam.
_EASTING = (40_000.0, 780_000.0)
_NORTHING = (6_590_000.0, 7_790_000.0)
# The same extent in WGS84 degrees, checked after conversion as a second guard.
_LATITUDE = (59.3, 70.2)
_LONGITUDE = (19.0, 31.7)

# pyproj Transformers are costly to build and not safe to share between threads, so each thread builds one once.
_local = threading.local()


def _transformer() -> Transformer:
    transformer: Transformer | None = getattr(_local, "transformer", None)
    if transformer is None:
        # always_xy: take and give (easting, northing) / (longitude, latitude), whatever the CRS axis order says.
        transformer = Transformer.from_crs(3067, 4326, always_xy=True)
        _local.transformer = transformer
    return transformer


def parse_metres(value: object) -> float | None:
    """A TM35FIN coordinate string as a float, or None when it is empty, "0", non-numeric or not finite."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float: JSON allows 1 followed by 400 zeros
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number) or number == 0:
        return None
    return number


def tm35fin_to_wgs84(northing: object, easting: object) -> tuple[float, float] | None:
    """(latitude, longitude) in WGS84 degrees for PTV's (latitude=northing, longitude=easting) strings.

    None means "no usable point": missing, zero, garbage, or outside Finland.
    """
    north = parse_metres(northing)
    east = parse_metres(easting)
    if north is None or east is None:
        return None
    if not (_NORTHING[0] <= north <= _NORTHING[1] and _EASTING[0] <= east <= _EASTING[1]):
        return None
    lon, lat = _transformer().transform(east, north)
    if not (_LATITUDE[0] <= lat <= _LATITUDE[1] and _LONGITUDE[0] <= lon <= _LONGITUDE[1]):
        return None
    return lat, lon
