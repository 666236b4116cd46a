"""The demo's review of 不到位 incidents: the centre's staff confirm some of the year's incidents
through the services (so the cards follow as they would), void one with a reason, and a
village room appeals one — leaving one village room with a black card, two with red, a few
with yellow, their liaison leaders with theirs, and an appeal waiting for a decision."""

from django.db.models import Count, Q

from jiefen.organisation.models import VILLAGE_UNIT_KINDS

from .models import Card, Incident, IncidentAppeal, IncidentEvent, IncidentStatus
from .services import incident_appeal_file, incident_confirm, incident_void

VOID_REASON = "经核实，超期系当事人书面申请暂缓调解所致，不属于责任单位原因，予以撤销。"
APPEAL_REASON = "该案当事人外出务工，期间无法取得联系，调解室已多次电话联系并书面记录，请求撤销。"


def _demo_incidents(subdistrict):
    return Incident.objects.filter(
        Q(case__subdistrict=subdistrict) | Q(unit__area=subdistrict) | Q(unit__area__subdistrict=subdistrict)
    )


def demo_cards(builder):
    staff = builder.users.get("zongzhi")
    if staff is None:
        return
    year = builder.now.year
    pending = _demo_incidents(builder.subdistrict).filter(
        status=IncidentStatus.PENDING, assessment_year=year, unit__kind__in=VILLAGE_UNIT_KINDS
    )
    per_unit = list(pending.order_by().values("unit_id").annotate(n=Count("id")).order_by("-n", "unit_id"))
    # Black for the unit with the most, red for the next two, yellow for three more.
    plan = [(row["unit_id"], want) for row, want in zip(per_unit, (3, 2, 2, 1, 1, 1)) if row["n"] >= want]
    confirmed, used_units = [], set()
    for unit_id, want in plan:
        used_units.add(unit_id)
        for incident in pending.filter(unit_id=unit_id).order_by("id")[:want]:
            confirmed.append(
                incident_confirm(actor=staff, incident_id=incident.pk, reason="经领导小组审核，情况属实。", expected_version=incident.version)
            )
    spare = pending.filter(status=IncidentStatus.PENDING).exclude(unit_id__in=used_units).order_by("id").first()
    if spare is not None:
        incident_void(actor=staff, incident_id=spare.pk, reason=VOID_REASON, expected_version=spare.version)
    # The room with the last yellow card disputes it.
    if confirmed:
        target = confirmed[-1]
        mediators = builder.mediators.get(target.unit_id) or []
        if mediators:
            incident_appeal_file(actor=mediators[0], incident_id=target.pk, reason=APPEAL_REASON)


def demo_cards_reset(subdistrict):
    incidents = _demo_incidents(subdistrict)
    Card.objects.filter(incident__in=incidents).delete()
    IncidentAppeal.objects.filter(incident__in=incidents).delete()
    IncidentEvent.objects.filter(incident__in=incidents).delete()
