"""The mediation side of the demo's year of cases (演示数据，均为虚构): before each step of a
replayed case, what the law has people do first is done through the mediation services —
referrals from the police, court and petition office, police reports on risky cases, the
public/private decision, an investigation session and record before mediation starts, a
mediation session and record before it ends, and refusals that end an attempt (Art. 17).

The replay (jiefen.organisation.demo._Replay) owns the clock; each write here happens at a
moment between the case's previous step and the step being replayed, so every case's
timeline stays in order."""

import random
from datetime import datetime, timedelta

SEED = 20260415
LEAD = timedelta(minutes=40)  # data entered in the 40 minutes before the step it prepares
SESSION = timedelta(minutes=60)
SLOTS = [(9, 0), (9, 30), (10, 30), (14, 30), (15, 0), (16, 0)]

INVESTIGATIONS = [
    "调解员到纠纷现场查看，分别听取双方陈述，了解争议经过和各自诉求。",
    "走访双方当事人及周边群众，核实纠纷事实，查看相关凭证和现场情况。",
    "电话联系并当面约谈双方，了解纠纷起因，双方均表示愿意通过调解解决。",
    "会同网格员到现场核实，拍照留存，听取村民小组长意见。",
]
MEDIATIONS = [
    "调解员宣读权利义务告知书后，双方分别陈述意见，调解员释法明理、背靠背做工作。",
    "双方当面协商，调解员结合相关法律规定提出调解方案，双方就主要事项交换意见。",
    "邀请村民小组长共同参与，双方就赔偿数额和履行方式进行协商。",
]
AGREED = "经调解，双方自愿达成调解协议。"
FAILED = "双方分歧较大，未能达成一致意见。"
THIRD_PARTIES = [("村民小组长", "当地村民小组长"), ("亲属", "申请人的亲属"), ("乡贤", "古湖街道乡贤调解理事会成员")]
POLICE_RISKS = [
    "一方扬言要“讨说法”，情绪激动，有采取过激行为的风险。",
    "双方曾发生推搡，矛盾有激化可能，存在民转刑风险。",
    "被申请人多次到申请人家中吵闹，有引发治安案件的可能。",
]
POLICE_MEASURES = ["已分别做好双方稳控工作，约定冷静期。", "已通知网格员加强巡查，随时报告动态。"]
INCOMING = {
    "police_referral": ("police", "派出所接警后认为属民间纠纷，移交人民调解。"),
    "court_referral": ("court", "人民法庭诉前委派调解。"),
    "petition_referral": ("petition", "信访部门转办，请依法调处并反馈结果。"),
}
FEEDBACK = {
    "reach_agreement": "经调解双方已达成协议，案件办结。",
    "terminate": "调解不成，已终止调解并告知当事人其他解决途径。",
    "reject": "经审查不予受理，已告知当事人其他解决途径。",
}
REFUSING_REJECTION = "一方当事人明确拒绝调解"
REFUSING_TERMINATION = "一方当事人明确表示不同意继续调解"


class MediationStory:
    def __init__(self, replay):
        self.replay = replay
        self.b = replay.b
        self.rng = random.Random(SEED)
        self.rooms = {}
        self.incoming = {}  # case id -> referral id awaiting feedback

    # ------------------------------------------------------------ hooks called by the replay

    def registered(self, plan, case, moment):
        """An incoming referral for a case the police, the court or a petition office sent."""
        from jiefen.mediation.services.preparation import referral_create

        if case.channel not in INCOMING:
            return
        kind, reason = INCOMING[case.channel]
        counterpart = {"police": self.b.police, "court": self.b.tribunal}.get(kind)
        sent = self.local(moment).date() - timedelta(days=self.rng.choice([0, 1, 1, 2]))
        referral = referral_create(
            case_id=case.id,
            actor=plan.reporter,
            direction="in",
            kind=kind,
            sent_on=sent,
            counterpart_id=counterpart.pk if counterpart else None,
            counterpart_name="" if counterpart else "隆昌市信访局",
            feedback_due=sent + timedelta(days=30),
            reason=reason,
        )
        self.incoming[case.id] = referral.pk

    def before(self, plan, index, action, case, actor, kwargs, moment):
        """Do what comes before `action`; returns (fresh case, True) when a refusal took the
        step itself, else (fresh case, False)."""
        from jiefen.cases.models import Case

        previous = plan.times[index - 1]
        start = max(previous + timedelta(seconds=1), moment - LEAD)
        steps = iter(start + (moment - start) * k / 8 for k in range(1, 8))
        done = False
        try:
            if action == "accept" and (case.criminal_risk or (case.risk_grade == "red" and self.rng.random() < 0.25)):
                self.at(next(steps))
                self.police_report(case, actor)
            if action == "start_mediation":
                self.at(next(steps))
                self.plan(case, actor)
                # Investigation on the spot: a record, no room to book.
                self.sitting(case, actor, "investigation", next(steps), next(steps), previous, book=False)
                if self.rng.random() < 0.12:
                    self.at(next(steps))
                    self.third_party(case, actor)
                # Notice and consents (the replay's own step), then the mediation session booked ahead.
                self.at(next(steps))
                self.replay.prepare_mediation(case, actor)
                self.at(next(steps))
                self.book_ahead(case, actor, moment)
            if action == "escalate":
                self.at(next(steps))
                self.cancel_booked(case, actor, "案件上报上一级调解组织，原定会期取消。")
            if action in ("reach_agreement", "terminate") and case.state == "mediating":
                result = AGREED if action == "reach_agreement" else FAILED
                self.sitting(case, actor, "mediation", next(steps), next(steps), previous, result=result)
            refusal = (action == "reject" and kwargs.get("reason", "").startswith(REFUSING_REJECTION)) or (
                action == "terminate" and kwargs.get("reason", "").startswith(REFUSING_TERMINATION)
            )
            if refusal:
                self.at(next(steps))
                self.refuse(case, actor, moment)
                done = True
            if action in FEEDBACK and case.id in self.incoming:
                self.at(next(steps))
                self.feedback(case, actor, action)
        finally:
            self.at(moment)
        return Case.objects.get(pk=case.id), done

    # ------------------------------------------------------------ the pieces

    def local(self, moment):
        return moment.astimezone(self.b.tz)

    def at(self, moment):
        self.replay.clock.set(moment)

    def police_report(self, case, actor):
        from jiefen.mediation.services.preparation import police_report_file

        police_report_file(
            case_id=case.id,
            actor=actor,
            police_station_id=self.b.police.pk,
            risk_description=self.rng.choice(POLICE_RISKS),
            measures=self.rng.choice(POLICE_MEASURES),
        )

    def plan(self, case, actor):
        from jiefen.mediation.services.preparation import mediation_plan_set, must_be_private

        if must_be_private(case):
            mediation_plan_set(case_id=case.id, actor=actor, is_public=False, private_reason="privacy")
        elif self.rng.random() < 0.25:
            mediation_plan_set(case_id=case.id, actor=actor, is_public=True)
        elif self.rng.random() < 0.3:
            mediation_plan_set(case_id=case.id, actor=actor, is_public=False, private_reason="party_request")

    def third_party(self, case, actor):
        from jiefen.mediation.services.preparation import third_party_invite

        relation, who = self.rng.choice(THIRD_PARTIES)
        third_party_invite(
            case_id=case.id,
            actor=actor,
            name=self.name(),
            relation=f"{who}（{relation}）",
            consenting_party_ids=list(case.parties.values_list("pk", flat=True)),
        )

    def name(self):
        from jiefen.organisation.demo import GIVEN, SURNAMES

        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _i in range(self.rng.choice([1, 2])))

    def room_for(self, case):
        from jiefen.mediation.services.sittings import rooms_for

        key = (case.village_id, case.assigned_unit_id)
        if key not in self.rooms:
            rooms = [room for room in rooms_for(case) if room.kind == "mediation"]
            own = [room for room in rooms if room.unit_id == case.assigned_unit_id]
            self.rooms[key] = (own or rooms or [None])[0]
        return self.rooms[key]

    def cancel_booked(self, case, actor, reason):
        from jiefen.mediation.services.sittings import session_cancel

        for session in case.sessions.filter(status="scheduled"):
            session_cancel(session_id=session.pk, actor=actor, reason=reason)

    def book_ahead(self, case, actor, moment):
        """Book the mediation session in a room on one of the next working days."""
        from jiefen.common.errors import DomainError
        from jiefen.mediation.services.sittings import session_book

        mediator = self.b.users_by_id.get(case.mediator_id) or actor
        room = self.room_for(case)
        day = self.local(moment).date()
        slots = []
        while len(slots) < 8:
            day += timedelta(days=1)
            if self.b.is_workday(day):
                slots += [datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.b.tz) for hour, minute in self.rng.sample(SLOTS, 2)]
        for start in slots:
            try:
                return session_book(
                    case_id=case.id,
                    actor=actor,
                    kind="mediation",
                    starts_at=start,
                    ends_at=start + SESSION + timedelta(minutes=self.rng.choice([0, 30])),
                    mediator_ids=[mediator.pk],
                    room_id=room.pk if room else None,
                    place="" if room else case.address,
                )
            except DomainError:
                continue  # the room or the mediator is busy then
        return None

    def sitting(self, case, actor, kind, book_at, record_at, previous, *, result="", book=True):
        """Book a session that has just taken place (in a room when one is free), then write
        its record; the session ends a quarter of an hour before it is booked, or the
        afternoon before when that would be before office hours."""
        from jiefen.common.errors import DomainError
        from jiefen.mediation.services.sittings import record_create, session_book, session_cancel

        mediator = self.b.users_by_id.get(case.mediator_id) or actor
        room = self.room_for(case)
        end = self.local(book_at).replace(second=0, microsecond=0) - timedelta(minutes=15)
        end -= timedelta(minutes=end.minute % 5)
        if end.hour < 9:
            afternoon = (end - timedelta(days=1)).replace(hour=16, minute=30)
            if afternoon - SESSION > previous:
                end = afternoon
        session = None
        self.at(book_at)
        booked = case.sessions.filter(kind=kind, status="scheduled").order_by("starts_at").first() if book else None
        if booked is not None and booked.ends_at <= book_at:
            session, book = booked, False  # it took place as booked
        elif booked is not None:
            session_cancel(session_id=booked.pk, actor=actor, reason="双方同意提前到调解室当面调解，原定会期取消。")
        for attempt in range(8 if book else 0):
            try:
                session = session_book(
                    case_id=case.id,
                    actor=actor,
                    kind=kind,
                    starts_at=end - SESSION,
                    ends_at=end,
                    mediator_ids=[mediator.pk],
                    room_id=room.pk if room and attempt < 6 else None,
                    place="" if room and attempt < 6 else case.address,
                )
                break
            except DomainError:
                end -= timedelta(minutes=90)  # the room or the mediator was busy: an earlier slot
        self.at(record_at)
        parties = list(case.parties.order_by("id"))
        who = "、".join(f"{p.get_role_display()}{p.name}" for p in parties)
        record_create(
            case_id=case.id,
            actor=actor,
            kind=kind,
            held_at=session.starts_at if session else end - SESSION,
            place=(session.room.name if session and session.room else case.address),
            participants=f"{who}；调解员{mediator.get_full_name() or mediator.username}",
            statements=self.rng.choice(INVESTIGATIONS if kind == "investigation" else MEDIATIONS),
            result=result,
            session_id=session.pk if session else None,
        )

    def refuse(self, case, actor, moment):
        from jiefen.mediation.services.preparation import consent_record

        party = case.parties.order_by("-id").first()
        consent_record(
            case_id=case.id,
            party_id=party.pk,
            decision="refuse",
            actor=actor,
            method=self.rng.choice(["当面口头表示", "电话告知"]),
            note="表示不愿通过调解解决，坚持通过其他途径处理。",
            today=self.local(moment).date(),
        )

    def feedback(self, case, actor, action):
        from jiefen.mediation.services.preparation import referral_record_feedback

        referral_id = self.incoming.pop(case.id)
        referral_record_feedback(
            referral_id=referral_id, actor=actor, feedback_on=self.local(self.replay.clock.moment).date(), feedback=FEEDBACK[action]
        )
