"""Where an Open311 request happened: the village (and compound) of the subdistrict it names.

A case must belong to a village or community (the tiers route by village), so a request whose
place cannot be tied to one of the subdistrict's villages is refused rather than guessed.
In order of precedence:

1. `address_id` is the id of one of the subdistrict's areas (village, community, group,
   compound or grid) — the "master address repository" of the GeoReport spec is our place tree;
2. `address_string` names a village/community (or a compound) of the subdistrict; the longest
   name found in the text wins, and two different villages of equal length are ambiguous;
3. `lat`/`long` fall within a few kilometres of a village's centre. Areas carry no coordinates,
   so a village's centre is the mean position of its registered cases that have coordinates.
"""

import math
from dataclasses import dataclass

from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from jiefen.organisation.models import Area, AreaKind

from .errors import Open311Error

# Further than this from every village centre is outside the subdistrict.
MAX_DISTANCE_KM = 5.0


@dataclass(frozen=True)
class Place:
    village: Area
    compound: Area | None = None
    grid: Area | None = None
    how: str = ""  # address_id, address_string or coordinates


def _villages(subdistrict: Area):
    return list(Area.objects.filter(subdistrict=subdistrict, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]))


def place_from_address_id(subdistrict: Area, address_id: str) -> Place:
    try:
        pk = int(str(address_id).strip())
    except (TypeError, ValueError):
        pk = None
    area = (
        Area.objects.filter(pk=pk, subdistrict=subdistrict).exclude(kind=AreaKind.SUBDISTRICT).select_related("village").first()
        if pk
        else None
    )
    if area is None:
        raise Open311Error(_("address_id 不是本辖区的地址编号（应为本街道村(社区)、村民小组/小区或网格的编号）。"))
    if area.is_village_level:
        return Place(village=area, how="address_id")
    compound = area if area.kind in (AreaKind.GROUP, AreaKind.COMPOUND) else None
    grid = area if area.kind == AreaKind.GRID else None
    if grid is not None and grid.parent_id and grid.parent.kind in (AreaKind.GROUP, AreaKind.COMPOUND):
        compound = grid.parent
    return Place(village=area.village, compound=compound, grid=grid, how="address_id")


def place_from_text(subdistrict: Area, text: str) -> Place | None:
    text = (text or "").strip()
    if not text:
        return None
    villages = [v for v in _villages(subdistrict) if v.name and v.name in text]
    village = None
    if villages:
        longest = max(len(v.name) for v in villages)
        best = {v.pk: v for v in villages if len(v.name) == longest}
        if len(best) == 1:
            village = next(iter(best.values()))
    # Compounds have distinctive names (“东苑小区”); group names (“3组”) repeat in every village.
    compounds = [
        c
        for c in Area.objects.filter(subdistrict=subdistrict, kind=AreaKind.COMPOUND)
        if len(c.name) >= 3 and c.name in text and (village is None or c.village_id == village.pk)
    ]
    compound = max(compounds, key=lambda c: len(c.name)) if compounds else None
    if village is None and compound is not None:
        village = Area.objects.get(pk=compound.village_id)
    if village is None:
        return None
    return Place(village=village, compound=compound, how="address_string")


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def village_centres(subdistrict: Area) -> dict:
    """village id -> (lat, lon): the mean position of the village's cases that have coordinates."""
    from jiefen.cases.models import Case

    rows = (
        Case.objects.filter(subdistrict=subdistrict, latitude__isnull=False, longitude__isnull=False)
        .values("village_id")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("id"))
    )
    return {row["village_id"]: (float(row["lat"]), float(row["lon"])) for row in rows}


def place_from_coordinates(subdistrict: Area, lat: float, lon: float) -> Place | None:
    centres = village_centres(subdistrict)
    if not centres:
        return None
    village_id, distance = min(
        ((vid, _distance_km(lat, lon, clat, clon)) for vid, (clat, clon) in centres.items()), key=lambda item: item[1]
    )
    if distance > MAX_DISTANCE_KM:
        return None
    return Place(village=Area.objects.get(pk=village_id), how="coordinates")


def place_resolve(subdistrict: Area, *, lat=None, lon=None, address_string="", address_id="") -> Place:
    if address_id:
        return place_from_address_id(subdistrict, address_id)
    place = place_from_text(subdistrict, address_string)
    if place is None and lat is not None and lon is not None:
        place = place_from_coordinates(subdistrict, lat, lon)
    if place is None:
        raise Open311Error(
            _("所报位置不在本辖区内或无法确定所在村(社区)：请在 address_string 中写明村(社区)名称，或提供本辖区内的经纬度。")
        )
    return place
