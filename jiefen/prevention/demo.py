"""The demo's prevention work (演示数据，均为虚构): six months of social-organisation activities
(一老一小, 慈孝文韵, 法治宣传, 心理健康 …) across the villages of 古湖街道(演示), and two 心理疏导
referrals on open cases of 青龙村 — one in progress, one completed. Everything goes through
the services."""

import random
from datetime import timedelta

from jiefen.cases.models import Case, CaseState
from jiefen.organisation.models import Room, RoomKind

from .models import Activity, CounsellingReferral, PreventionLog, Programme

SEED = 20260412 + 73

ACTIVITIES = {
    "一老一小": [("重阳敬老慰问", 35, 20, 8), ("留守儿童课后托管", 28, 18, 6), ("独居老人上门探访", 16, 16, 5)],
    "慈孝文韵": [("“好媳妇好婆婆”评选", 60, 30, 6), ("孝老爱亲家风故事会", 80, 40, 5)],
    "法治宣传": [("民法典进院坝", 90, 45, 4), ("以案说法：邻里纠纷怎么办", 70, 35, 3), ("反诈骗宣传", 120, 60, 6)],
    "心理健康": [("心理健康讲座", 45, 25, 3), ("家庭关系沙龙", 20, 12, 2)],
    "邻里互助": [("邻里节", 150, 70, 12), ("互助理发义诊", 60, 40, 9)],
    "婚姻家庭辅导": [("婚姻家庭辅导讲座", 30, 18, 2)],
}
PLACES = ["党群服务中心", "村文化广场", "新时代文明实践站", "老年活动室", "小区广场"]


def demo_extend(builder) -> dict:
    from .services import activity_record, referral_create, referral_transition

    rng = random.Random(SEED)
    today = builder.now.date()
    staff = builder.users["zongzhi"]
    programmes = {p.name: p for p in Programme.objects.filter(is_active=True)}
    units = list(builder.social)
    count = 0
    for days_ago in range(178, 0, -4):
        name = rng.choice([n for n in ACTIVITIES if n in programmes])
        title, participants, households, volunteers = rng.choice(ACTIVITIES[name])
        village = rng.choice(builder.villages) if rng.random() < 0.85 else None
        activity_record(
            actor=staff,
            unit=rng.choice(units),
            programme=programmes[name],
            title=title,
            day=today - timedelta(days=days_ago),
            village=village,
            place=(village.name if village else "古湖街道") + rng.choice(PLACES),
            participants=max(5, round(participants * rng.uniform(0.6, 1.4))),
            households_reached=max(1, round(households * rng.uniform(0.6, 1.4))),
            volunteers=max(1, round(volunteers * rng.uniform(0.6, 1.4))),
            description="社会组织联合村(社区)开展，志愿者参与服务。",
            today=today,
        )
        count += 1

    room = Room.objects.filter(kind=RoomKind.COUNSELLING, unit=builder.centre).first()
    cases = list(
        Case.objects.filter(village=builder.village_one, state__in=[CaseState.MEDIATING, CaseState.ASSIGNED, CaseState.ACCEPTED])
        .prefetch_related("parties")
        .order_by("id")[:2]
    )
    referrals = 0
    stories = [
        ("当事人因纠纷长期失眠、情绪低落，多次表示“活着没意思”，建议心理疏导。", ["accept", "session", "session"], ""),
        ("当事人调解中情绪激动、言语过激，有冲动倾向，转介心理咨询室疏导。", ["accept", "session", "session", "session", "complete"],
         "经三次疏导，当事人情绪平稳，能理性表达诉求，同意继续调解。"),
    ]
    for case, (reason, steps, outcome) in zip(cases, stories):
        party = case.parties.all()[0]
        start = today - timedelta(days=12 if steps[-1] == "complete" else 5)
        referral = referral_create(actor=staff, case_id=case.pk, party_id=party.pk, reason=reason, room=room, today=start)
        for offset, action in enumerate(steps, start=1):
            referral_transition(
                actor=staff, referral_id=referral.pk, action=action, note=outcome if action == "complete" else "",
                today=min(today, start + timedelta(days=offset * 2)),
            )
        referrals += 1
    return {"activities": count, "referrals": referrals}


def demo_extend_reset(subdistrict) -> None:
    referrals = CounsellingReferral.objects.filter(case__subdistrict=subdistrict)
    activities = Activity.objects.filter(subdistrict=subdistrict)
    PreventionLog.objects.filter(referral__in=referrals).delete()
    PreventionLog.objects.filter(activity__in=activities).delete()
    referrals.delete()
    activities.delete()
