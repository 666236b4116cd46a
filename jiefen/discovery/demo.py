"""The demo's discovery registers (演示数据，均为虚构): the 领导接访 rota of the past four and the
next two weeks with the visitors received, and the last four weeks of patrols, night visits,
cadre visits and 带案下访 in the villages. A few entries are the origin of demo cases of the
matching channel.

Everything goes through the services with the clock set to the simulated moment, so the
records and their audit rows are what the system would have written.
"""

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

from django.db import connection

from jiefen.cases.models import Case, CaseState, Channel
from jiefen.organisation.models import Person, Role, RoleAssignment, Room

from .models import (
    CHANNEL_OF_KIND,
    DiscoveryEvent,
    FieldVisit,
    FieldVisitKind,
    ReceptionOutcome,
    ReceptionSlot,
    ReceptionVisit,
)

PAST_WEEKS = 4
FUTURE_WEEKS = 2

MATTERS = [
    ("反映邻居房屋漏水渗到自家墙体，协商多次未果。", "当场联系村(社区)调委会上门查看，约定三日内反馈。"),
    ("反映承包地流转费用两年未结清。", "告知合同纠纷处理途径，交村委会核实流转合同。"),
    ("反映小区物业费上涨未经业主大会表决。", "交社区和住建部门核实收费依据。"),
    ("反映在外务工工资被拖欠三个月。", "告知劳动监察投诉和劳动仲裁途径，登记联系方式跟进。"),
    ("反映宅基地界址与邻居有争议，担心引发冲突。", "请村调委会组织双方现场勘界。"),
    ("反映道路施工影响出行和农田灌溉。", "交城建部门协调施工方，督促恢复灌溉渠。"),
    ("咨询赡养费如何约定，兄弟之间意见不一。", "讲解赡养义务相关法律规定，建议到村小马调解室调解。"),
    ("反映夜间烧烤摊噪音扰民。", "交社区和城管部门处理，约定一周后回访。"),
]
FINDINGS = {
    FieldVisitKind.PATROL: [
        ("沿主干道和集市巡逻，秩序良好，未发现矛盾纠纷。", 0),
        ("巡逻中发现两户因占道堆物发生口角，已当场劝解。", 1),
        ("夜间巡逻发现一处路灯损坏，已报村委会维修；未发现矛盾纠纷。", 0),
        ("巡逻中劝离聚集饮酒人员，提醒商户关好门窗。", 0),
    ],
    FieldVisitKind.NIGHT_VISIT: [
        ("入户走访困难群众，了解低保、医保政策落实情况；群众反映村务公开不够及时。", 1),
        ("夜访种养殖户，听取对惠农补贴发放的意见，未发现优亲厚友问题。", 0),
        ("走访外出务工返乡人员，了解工资结算情况，登记一起欠薪线索。", 1),
    ],
    FieldVisitKind.CADRE_VISIT: [
        ("走访独居老人和留守儿童家庭，宣传法律援助和人民调解。", 0),
        ("走访网格内住户，排查婚姻家庭、邻里矛盾，发现一起赡养纠纷苗头。", 1),
        ("走访沿街商户，了解经营和租赁情况，未发现矛盾纠纷。", 0),
        ("入户走访征地拆迁户，听取补偿安置意见。", 1),
    ],
    FieldVisitKind.CASE_VISIT: [
        ("带案下访，与当事人面对面沟通调解进展，当事人表示理解。", 0),
        ("带案下访到纠纷发生地现场查看，与村调委会研究化解方案。", 0),
    ],
}
OTHERS = ["村治保主任", "社区民警", "村民小组长", "乡贤", "志愿者", "网格员"]


class _Clock:
    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment.astimezone(dt_timezone.utc)


def demo_extend(builder) -> dict:
    from .services import (
        field_visit_link_case,
        field_visit_record,
        reception_slot_cancel,
        reception_slot_create,
        reception_visit_link_case,
        reception_visit_record,
    )

    rng, tz, now = builder.rng, builder.tz, builder.now
    today = now.date()
    sub = builder.subdistrict
    staff = builder.users["zongzhi"]
    clock = _Clock(now)
    counts = {"slots": 0, "visitors": 0, "field_visits": 0, "linked_cases": 0}

    def at(day, hour, minute=0):
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    leaders = list(
        Person.objects.filter(roles__role=Role.LEADER, roles__unit__area=sub, is_active=True).distinct().order_by("id")
    )[:5]
    liaison = {
        assignment.area_id: assignment.person
        for assignment in RoleAssignment.objects.filter(role=Role.LIAISON_LEADER, area__subdistrict=sub).select_related("person")
    }
    room = Room.objects.filter(unit__area=sub, name="矛盾调解室").order_by("id").first()
    reception_cases = list(
        Case.objects.filter(
            subdistrict=sub, channel=Channel.LEADER_RECEPTION, created_at__gte=at(today - timedelta(days=7 * PAST_WEEKS), 0)
        ).order_by("created_at")[:4]
    )
    monday = today - timedelta(days=today.weekday())

    with mock.patch("django.utils.timezone.now", new=clock):
        # ------------------------------------------------ the rota and its visitors
        slots = []
        turn = 0
        for week in range(-PAST_WEEKS, FUTURE_WEEKS):
            start = monday + timedelta(days=7 * week)
            for offset, (begin, end) in ((0, (time(9), time(11, 30))), (3, (time(14, 30), time(17)))):
                day = start + timedelta(days=offset)
                if not builder.is_workday(day):
                    continue
                leader = leaders[turn % len(leaders)]
                turn += 1
                clock.moment = min(now, at(day, 8) - timedelta(days=7))
                slots.append(
                    reception_slot_create(
                        actor=staff, subdistrict=sub, leader=leader, date=day, start_time=begin, end_time=end,
                        place="", room=room, note="", today=clock.moment.date(),
                    )
                )
            # A liaison leader receives in their village on Wednesdays.
            day = start + timedelta(days=2)
            village = builder.villages[(week + PAST_WEEKS) % len(builder.villages)]
            person = liaison.get(village.id)
            if person is not None and builder.is_workday(day):
                clock.moment = min(now, at(day, 8) - timedelta(days=7))
                slots.append(
                    reception_slot_create(
                        actor=staff, subdistrict=sub, leader=person, date=day, start_time=time(9), end_time=time(11),
                        place=f"{village.name}党群服务中心", note="联系领导驻村接访", today=clock.moment.date(),
                    )
                )
        counts["slots"] = len(slots)
        past = [s for s in slots if at(s.date, s.end_time.hour, s.end_time.minute) <= now]
        if len(past) > 3:
            cancelled = past[-3]
            clock.moment = at(cancelled.date, 7)
            reception_slot_cancel(slot_id=cancelled.pk, actor=staff, reason="接访领导参加市级会议，本场顺延。")
            past.remove(cancelled)
        for slot in past:
            for number in range(rng.choice([0, 1, 1, 2, 3])):
                matter, handling = rng.choice(MATTERS)
                clock.moment = at(slot.date, slot.start_time.hour) + timedelta(minutes=25 + 30 * number)
                reception_visit_record(
                    slot_id=slot.pk, actor=staff, visitor_name=builder.name(), phone=builder.mobile(),
                    visitors_count=rng.choice([1, 1, 1, 2, 3]), village=rng.choice(builder.villages),
                    matter=matter, handling=handling,
                    outcome=rng.choice([ReceptionOutcome.ANSWERED, ReceptionOutcome.REFERRED, ReceptionOutcome.FOLLOW_UP]),
                    today=slot.date,
                )
                counts["visitors"] += 1
        # The demo's 领导接访 cases came from a visitor received on or just before their day.
        for case in reception_cases:
            registered = case.created_at.astimezone(tz)
            earlier = [s for s in past if s.date <= registered.date()]
            if not earlier:
                continue
            slot = earlier[-1]
            clock.moment = at(slot.date, slot.start_time.hour, 20)
            visit = reception_visit_record(
                slot_id=slot.pk, actor=staff, visitor_name=builder.name(), phone=builder.mobile(),
                visitors_count=max(1, min(case.people_involved, 5)), village=case.village, address=case.address,
                matter=case.description, handling="当场受理，转综治中心登记为矛盾纠纷。",
                outcome=ReceptionOutcome.FOLLOW_UP, today=slot.date,
            )
            clock.moment = max(clock.moment, registered)
            reception_visit_link_case(visit_id=visit.pk, case=case, actor=staff)
            counts["visitors"] += 1
            counts["linked_cases"] += 1

        # ------------------------------------------------ field work
        def recorder_for(kind, village):
            if kind in (FieldVisitKind.NIGHT_VISIT, FieldVisitKind.CASE_VISIT):
                return builder.users["lingdao"] if rng.random() < 0.4 else staff
            if village == builder.village_one:
                return builder.users["wangge"] if kind == FieldVisitKind.PATROL else builder.users["cuntiao"]
            users = builder.mediators.get(builder.village_units[village.id]["room"].id) or [staff]
            return users[0]

        def record(kind, village, day, *, cases_found=(), carried=()):
            findings, issues = rng.choice(FINDINGS[kind])
            evening = kind in (FieldVisitKind.NIGHT_VISIT,) or (kind == FieldVisitKind.PATROL and rng.random() < 0.5)
            begin = at(day, rng.choice([19, 20]) if evening else rng.choice([9, 10, 14, 15]), rng.choice([0, 30]))
            finish = begin + timedelta(minutes=rng.choice([60, 90, 120]))
            if finish > now:
                return None
            grids = builder.grids.get(village.id) or [None]
            places = builder.places.get(village.id) or [None]
            if cases_found:
                findings, issues = cases_found[0].description, max(1, len(cases_found))
            clock.moment = finish + timedelta(minutes=20)
            visit = field_visit_record(
                actor=recorder_for(kind, village), kind=kind, village=village, grid=rng.choice(grids),
                compound=rng.choice(places) if rng.random() < 0.4 else None,
                route=f"{village.name}主干道—集市—学校周边" if kind == FieldVisitKind.PATROL else "",
                started_at=begin, ended_at=finish, findings=findings, issues_found=issues,
                households_visited=0 if kind == FieldVisitKind.PATROL else rng.randint(5, 20),
                other_participants="、".join(rng.sample(OTHERS, rng.randint(0, 2))),
                carried_cases=carried, now=clock.moment,
            )
            counts["field_visits"] += 1
            for case in cases_found:
                clock.moment = max(clock.moment, case.created_at.astimezone(tz))
                field_visit_link_case(visit_id=visit.pk, case=case, actor=staff)
                counts["linked_cases"] += 1
            return visit

        start = monday - timedelta(days=7 * PAST_WEEKS)
        weekly = [(FieldVisitKind.PATROL, 5), (FieldVisitKind.CADRE_VISIT, 3), (FieldVisitKind.NIGHT_VISIT, 1), (FieldVisitKind.CASE_VISIT, 1)]
        for week in range(PAST_WEEKS + 1):
            for kind, times in weekly:
                for _n in range(times):
                    day = start + timedelta(days=7 * week + rng.randint(0, 6))
                    if day > today:
                        continue
                    village = builder.village_one if rng.random() < 0.25 else rng.choice(builder.villages)
                    carried = []
                    if kind == FieldVisitKind.CASE_VISIT:
                        carried = list(
                            Case.objects.filter(village=village, created_at__lt=at(day, 0))
                            .exclude(state=CaseState.ARCHIVED)
                            .order_by("id")[:2]
                        )
                    record(kind, village, day, carried=carried)
        # Some demo cases of these channels were found on an outing of that day.
        for kind in FieldVisitKind.values:
            found = Case.objects.filter(
                subdistrict=sub, channel=CHANNEL_OF_KIND[kind], created_at__gte=at(start, 0)
            ).order_by("created_at")[:2]
            for case in found:
                day = case.created_at.astimezone(tz).date() - timedelta(days=1)
                record(kind, case.village, day, cases_found=[case])
    return counts


def demo_extend_reset(subdistrict) -> None:
    """Remove the demo's registers; the append-only audit log goes with one scoped DELETE."""
    table = connection.ops.quote_name(DiscoveryEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE subdistrict_id = %s", [subdistrict.pk])
    ReceptionVisit.objects.filter(subdistrict=subdistrict).delete()
    ReceptionSlot.objects.filter(subdistrict=subdistrict).delete()
    FieldVisit.objects.filter(subdistrict=subdistrict).delete()


__all__ = ["demo_extend", "demo_extend_reset"]
