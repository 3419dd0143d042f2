from __future__ import annotations

from typing import Any

from django.http import HttpRequest

DATA_ATTRIBUTION = (
    "Datenquellen: IT.NRW, Statistisches Landesamt, Düsseldorf, 2025; Ministerium für Schule "
    "und Bildung des Landes NRW (Open Data). Lizenz: Datenlizenz Deutschland – Namensnennung – "
    "Version 2.0 (https://www.govdata.de/dl-de/by-2-0). Die Daten wurden verändert: "
    "zusammengeführt, gefiltert, Spalten umbenannt, Koordinaten von EPSG:25832 nach WGS84 "
    "umgerechnet."
)


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"DATA_ATTRIBUTION": DATA_ATTRIBUTION}
