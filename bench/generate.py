"""Synthetic cases for the benchmark, written in bulk beside the demo subdistrict.

The services would take hours for a million cases, so rows are written directly: COPY on
PostgreSQL, executemany on SQLite, in batches of a few thousand cases per transaction, so
memory stays flat whatever the count. The shape follows what the services would have left:

- numbers `<prefix>-<year>-<seq>` drawn in creation order per year, and the CaseNumberSequence
  rows moved past them, so the next case registered through the app gets a fresh number;
- registration dates spread over the last three years, ids in date order (the newest case has
  the highest id, as in production); the state depends on the case's age (old cases are mostly
  archived, recent ones are being accepted, mediated or performed), with the timestamps and the
  current limit (`due_stage`, `due_date`) each state implies;
- the demo's dispute types, channels, villages, grids and compounds, the village or subdistrict
  body that the tier implies and one of its mediators;
- two parties per case (valid GB 11643 ID numbers, mobile numbers), 4–8 events along the
  lifecycle path to the state, and a written agreement with one performance item for cases
  that reached one.

Overdue flags are left for the deadline sweep to set, as the first sweep after an outage would.
"""

import json
import random
import time
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from jiefen.cases.deadlines import STAGE_BY_STATE
from jiefen.cases.models import (
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    Channel,
    Complexity,
    DeadlineStage,
    DisputeType,
    EventKind,
    Party,
    RiskGrade,
)
from jiefen.mediation.models import Agreement, PerformanceItem
from jiefen.organisation.models import Area, AreaKind, Role, RoleAssignment, Unit, UnitKind

S = CaseState
# Lifecycle path (action, target) from 受理 onwards to each state, as the transition table allows.
PATHS = {
    S.REGISTERED: [],
    S.ACCEPTED: [("accept", S.ACCEPTED)],
    S.REJECTED: [("reject", S.REJECTED)],
    S.ASSIGNED: [("accept", S.ACCEPTED), ("assign", S.ASSIGNED)],
    S.MEDIATING: [("accept", S.ACCEPTED), ("assign", S.ASSIGNED), ("start_mediation", S.MEDIATING)],
    S.TERMINATED: [("accept", S.ACCEPTED), ("assign", S.ASSIGNED), ("start_mediation", S.MEDIATING), ("terminate", S.TERMINATED)],
}
PATHS[S.AGREED] = PATHS[S.MEDIATING] + [("reach_agreement", S.AGREED)]
PATHS[S.PERFORMING] = PATHS[S.AGREED] + [("start_performance", S.PERFORMING)]
PATHS[S.PERFORMED] = PATHS[S.PERFORMING] + [("confirm_performed", S.PERFORMED)]
PATHS[S.VISITED] = PATHS[S.PERFORMED] + [("record_return_visit", S.VISITED)]
PATHS[S.REFERRED_OUT] = PATHS[S.TERMINATED] + [("refer_out", S.REFERRED_OUT)]
PATHS[S.HANDED_UP] = PATHS[S.TERMINATED] + [("hand_up", S.HANDED_UP)]
ARCHIVE_ROUTES = [(S.VISITED, 70), (S.REFERRED_OUT, 14), (S.REJECTED, 10), (S.HANDED_UP, 6)]
AGREED_STATES = {S.AGREED, S.PERFORMING, S.PERFORMED, S.VISITED}

# State mix by age of the case in days: (upper age bound, [(state, weight), ...]).
MIX_BY_AGE = [
    (2, [(S.REGISTERED, 45), (S.ACCEPTED, 25), (S.ASSIGNED, 20), (S.REJECTED, 10)]),
    (30, [(S.ASSIGNED, 10), (S.MEDIATING, 55), (S.AGREED, 10), (S.PERFORMING, 10), (S.TERMINATED, 8), (S.REJECTED, 3), (S.ARCHIVED, 4)]),
    (90, [(S.MEDIATING, 6), (S.PERFORMING, 24), (S.PERFORMED, 18), (S.VISITED, 10), (S.TERMINATED, 4), (S.REFERRED_OUT, 4), (S.HANDED_UP, 2), (S.ARCHIVED, 32)]),
    (None, [(S.MEDIATING, 0.4), (S.PERFORMING, 0.6), (S.PERFORMED, 0.6), (S.VISITED, 1), (S.TERMINATED, 0.4), (S.ARCHIVED, 97)]),
]
SPAN_DAYS = 3 * 365
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力鹏飞宇浩然欣怡子涵梓轩雨桐思远德福贵春梅"
TITLES = {
    "婚姻家庭": "家庭赡养纠纷", "邻里": "邻里排水纠纷", "房屋宅基地": "宅基地边界纠纷", "合同": "买卖合同货款纠纷",
    "生产经营": "农机作业费用纠纷", "损害赔偿": "饲养动物致害赔偿纠纷", "劳动争议": "务工工资纠纷", "山林土地": "承包地界纠纷",
    "征地拆迁": "征地补偿分配纠纷", "环境污染": "养殖异味纠纷", "消费": "装修质量纠纷", "医疗": "诊所诊疗纠纷",
    "道路交通事故": "交通事故赔偿纠纷", "物业": "物业费缴纳纠纷",
}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
BATCH = 5000


def id_number(rng: random.Random) -> str:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    body = f"511028{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Writer:
    """Rows into one table, all columns named; defaults of the model for columns not given.

    Django's own field types are converted cheaply here; a project field (an encrypted column,
    a keyed hash computed from another field) goes through its pre_save and get_db_prep_save,
    exactly as a save() would, so what is stored is what the app would have stored.
    """

    def __init__(self, model):
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.defaults = {f.attname: (None if f.primary_key else f.get_default()) for f in self.fields}
        self.custom = [f for f in self.fields if not type(f).__module__.startswith("django.")]
        self.convert = []
        pg = connection.vendor == "postgresql"
        for f in self.fields:
            kind = f.get_internal_type()
            if f in self.custom:
                self.convert.append(None)
            elif kind == "JSONField":
                self.convert.append(json.dumps)
            elif kind == "DateTimeField" and not pg:
                self.convert.append(connection.ops.adapt_datetimefield_value)
            elif kind == "DateField" and not pg:
                self.convert.append(connection.ops.adapt_datefield_value)
            elif kind == "DecimalField" and not pg:
                self.convert.append(lambda v: None if v is None else str(v))
            else:
                self.convert.append(None)
        self.rows = []

    def add(self, **values):
        merged = {**self.defaults, **values}
        if self.custom:
            instance = self.model(**values)
            for f in self.custom:
                merged[f.attname] = f.get_db_prep_save(f.pre_save(instance, True), connection)
        self.rows.append(tuple(
            (conv(merged[f.attname]) if conv and merged[f.attname] is not None else merged[f.attname])
            for f, conv in zip(self.fields, self.convert)
        ))

    def flush(self):
        if not self.rows:
            return
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.table)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", self.rows)
        self.rows = []


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


class World:
    """What the demo subdistrict offers a synthetic case: places, bodies, people, types."""

    def __init__(self):
        self.subdistrict = Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("id").first()
        if self.subdistrict is None:
            raise SystemExit("no subdistrict: load the demo first (manage.py load_demo)")
        self.prefix = self.subdistrict.code or self.subdistrict.name
        self.villages = list(Area.objects.filter(subdistrict=self.subdistrict, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]).order_by("id"))
        below = Area.objects.filter(village__in=self.villages)
        self.grids, self.compounds = {}, {}
        for area in below.only("id", "kind", "village_id"):
            if area.kind == AreaKind.GRID:
                self.grids.setdefault(area.village_id, []).append(area.id)
            elif area.kind in (AreaKind.GROUP, AreaKind.COMPOUND):
                self.compounds.setdefault(area.village_id, []).append(area.id)
        units = list(Unit.objects.filter(kind__in=[UnitKind.VILLAGE_MEDIATION_ROOM, UnitKind.VILLAGE_MEDIATION_COMMITTEE, UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE]))
        self.room = {u.area_id: u.id for u in units if u.kind == UnitKind.VILLAGE_MEDIATION_ROOM}
        self.committee = {u.area_id: u.id for u in units if u.kind == UnitKind.VILLAGE_MEDIATION_COMMITTEE}
        top = [u.id for u in units if u.kind == UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE]
        self.top = top[0] if top else None
        self.mediators = {}
        for unit_id, user_id in RoleAssignment.objects.filter(role=Role.MEDIATOR, person__user__isnull=False).values_list("unit_id", "person__user_id"):
            self.mediators.setdefault(unit_id, []).append(user_id)
        self.reporters = {}
        for area_id, user_id in RoleAssignment.objects.filter(role=Role.GRID_WORKER, person__user__isnull=False).values_list("area_id", "person__user_id"):
            self.reporters.setdefault(area_id, []).append(user_id)
        staff = list(RoleAssignment.objects.filter(role=Role.CENTRE_STAFF, person__user__isnull=False).values_list("person__user_id", flat=True))
        self.staff = staff or list(RoleAssignment.objects.filter(person__user__isnull=False).values_list("person__user_id", flat=True)[:1])
        self.types = list(DisputeType.objects.filter(is_active=True).values_list("id", "name"))

    def unit_for(self, rng, village_id, tier):
        if tier == 1 and village_id in self.room:
            return self.room[village_id]
        if tier <= 2 and village_id in self.committee:
            return self.committee[village_id]
        return self.top or self.room.get(village_id) or self.committee[village_id]


def generate(count: int, *, seed: int = 7, now: datetime | None = None, log=print) -> dict:
    """Write `count` synthetic cases; returns row counts and the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    world = World()
    now = now or timezone.now()
    today = timezone.localdate(now)
    cases, parties, events = Writer(Case), Writer(Party), Writer(CaseEvent)
    agreements, items = Writer(Agreement), Writer(PerformanceItem)
    case_id, party_id, event_id = _next_id(Case), _next_id(Party), _next_id(CaseEvent)
    agreement_id, item_id = _next_id(Agreement), _next_id(PerformanceItem)
    # Creation times in increasing order, so ids follow dates as they do in production.
    offsets = sorted(rng.random() * SPAN_DAYS for _ in range(count))[::-1]
    sequences = dict(CaseNumberSequence.objects.filter(subdistrict=world.subdistrict).values_list("year", "last_value"))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    totals = {"cases": 0, "parties": 0, "events": 0, "agreements": 0}

    def flush():
        with transaction.atomic():
            for writer in (cases, parties, events, agreements, items):
                writer.flush()

    for index, age_days in enumerate(offsets):
        created = now - timedelta(days=age_days, minutes=rng.randrange(600))
        age = (now - created).total_seconds() / 86400
        mix = next(pairs for bound, pairs in MIX_BY_AGE if bound is None or age < bound)
        state = _weighted(rng, mix)
        path_state = _weighted(rng, ARCHIVE_ROUTES) if state == S.ARCHIVED else state
        path = list(PATHS[path_state]) + ([("archive", S.ARCHIVED)] if state == S.ARCHIVED else [])
        year = timezone.localtime(created).year
        sequences[year] = sequences.get(year, 0) + 1
        village = rng.choice(world.villages)
        type_id, type_name = rng.choice(world.types)
        risk = _weighted(rng, [(RiskGrade.BLUE, 60), (RiskGrade.YELLOW, 25), (RiskGrade.ORANGE, 10), (RiskGrade.RED, 5)])
        complexity = _weighted(rng, [(Complexity.ORDINARY, 70), (Complexity.FAIRLY_COMPLEX, 22), (Complexity.COMPLEX, 8)])
        tier = 3 if complexity == Complexity.COMPLEX or risk == RiskGrade.RED else (2 if complexity == Complexity.FAIRLY_COMPLEX else 1)
        unit = world.unit_for(rng, village.id, tier)
        grids = world.grids.get(village.id) or [None]
        grid = rng.choice(grids)
        compound = rng.choice(world.compounds[village.id]) if village.id in world.compounds and rng.random() < 0.4 else None
        reporter = rng.choice(world.reporters.get(grid) or world.staff)
        mediator = rng.choice(world.mediators.get(unit) or [None]) if any(t in (S.ASSIGNED,) for _a, t in path) else None

        # Walk the path: each step a little after the one before, never after now.
        step_times, at = [], created
        span = max((now - created).total_seconds(), 60)
        for action, target in path:
            if action in ("accept", "reject", "assign"):
                gap = rng.uniform(0.02, 0.8) * 86400
            elif action in ("reach_agreement", "terminate"):
                gap = rng.uniform(3, 25) * 86400
            else:
                gap = rng.uniform(1, 20) * 86400
            at = min(at + timedelta(seconds=gap), created + timedelta(seconds=span * (0.5 + 0.5 * len(step_times) / max(len(path), 1))))
            step_times.append((action, target, at))
        when = {action: at for action, _t, at in step_times}
        accepted_at = when.get("accept")
        concluded_at = when.get("reach_agreement") or when.get("terminate")
        closed_at = when.get("archive")
        mediation_due = (timezone.localdate(accepted_at) + timedelta(days=30)) if accepted_at else None
        performance_due = (timezone.localdate(when["reach_agreement"]) + timedelta(days=rng.randrange(7, 45))) if "reach_agreement" in when else None
        stage = STAGE_BY_STATE.get(state, "")
        last_step = timezone.localdate(step_times[-1][2]) if step_times else timezone.localdate(created)
        if not stage:
            due = None
        elif stage == DeadlineStage.MEDIATION:
            due = mediation_due
        elif stage == DeadlineStage.PERFORMANCE:
            due = performance_due
        elif stage == DeadlineStage.RETURN_VISIT:
            due = last_step + timedelta(days=15)
        elif stage == DeadlineStage.ARCHIVING:
            due = last_step + timedelta(days=14)
        else:
            due = last_step + timedelta(days=1 if risk != RiskGrade.RED else 0)
        handed_up = path_state == S.HANDED_UP
        amount = round(rng.uniform(500, 200000), 2) if rng.random() < 0.6 else None
        cases.add(
            id=case_id,
            number=f"{world.prefix}-{year}-{sequences[year]:06d}",
            title=f"{rng.choice(SURNAMES)}某与{rng.choice(SURNAMES)}某{TITLES.get(type_name, type_name + '纠纷')}",
            description="（基准测试合成数据）双方因" + TITLES.get(type_name, type_name) + "发生争执，经网格员排查发现后登记。",
            dispute_type_id=type_id,
            channel=rng.choice(Channel.values),
            subdistrict_id=world.subdistrict.id,
            village_id=village.id,
            compound_id=compound,
            grid_id=grid,
            address=f"{village.name}{rng.randrange(1, 12)}组{rng.randrange(1, 80)}号",
            people_involved=rng.choice([2, 2, 2, 3, 4, 6, 12]),
            amount_in_dispute=amount,
            is_group=rng.random() < 0.03,
            criminal_risk=rng.random() < 0.02,
            risk_grade=risk,
            complexity=complexity,
            state=state,
            tier=tier,
            assigned_unit_id=unit,
            mediator_id=mediator,
            reported_by_id=reporter,
            agreement_form="written" if path_state in AGREED_STATES else "",
            performance_due=performance_due,
            referral_route="litigation" if path_state == S.REFERRED_OUT else "",
            referred_to="隆昌市人民法院" if path_state == S.REFERRED_OUT else ("隆昌市矛盾纠纷调处中心" if handed_up else ""),
            rejection_pointed_to="向人民法院起诉" if path_state == S.REJECTED else "",
            due_stage=stage,
            due_date=due,
            is_overdue=False,
            mediation_due_date=mediation_due,
            created_at=created,
            accepted_at=accepted_at,
            concluded_at=concluded_at,
            closed_at=closed_at,
            closed_within_limits=(rng.random() < 0.93) if closed_at else None,
            closed_inside_subdistrict=(not handed_up) if closed_at else None,
            updated_at=step_times[-1][2] if step_times else created,
            version=len(path),
        )
        party_ids = []
        for role in ("applicant", "respondent"):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            parties.add(
                id=party_id, case_id=case_id, role=role, kind="person", name=name, id_number=id_number(rng),
                phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}", address=f"{village.name}{rng.randrange(1, 12)}组",
            )
            party_ids.append(party_id)
            party_id += 1
        staff = rng.choice(world.staff)
        history = [dict(kind=EventKind.CREATED, actor_id=reporter, at=created, to_state=S.REGISTERED, data={"channel": "grid_screening"}),
                   dict(kind=EventKind.ROUTED, actor_id=reporter, at=created, data={"proposed_tier": tier, "proposed_unit": unit})]
        previous = S.REGISTERED
        for action, target, at in step_times:
            history.append(dict(kind=EventKind.TRANSITION, action=action, actor_id=mediator or staff, at=at, from_state=previous, to_state=target))
            previous = target
        while len(history) < 4 or (len(history) < 8 and rng.random() < 0.25):
            note_at = created + (now - created) * rng.random() * 0.5
            history.append(dict(kind=EventKind.NOTE, actor_id=staff, at=note_at, reason="电话联系当事人，了解纠纷进展。"))
        history.sort(key=lambda e: e["at"])
        for event in history:
            events.add(id=event_id, case_id=case_id, **event)
            event_id += 1
        if path_state in AGREED_STATES:
            agreed_at = when["reach_agreement"]
            agreements.add(
                id=agreement_id, case_id=case_id, form="written", facts="双方因琐事发生争执。", matters_in_dispute="赔偿金额。",
                terms="被申请人向申请人支付补偿款，双方不再就此事发生争执。", committee_id=unit, mediator_id=mediator or staff,
                effective_at=agreed_at, created_by_id=mediator or staff, created_at=agreed_at,
            )
            performed = path_state in (S.PERFORMED, S.VISITED)
            items.add(
                id=item_id, agreement_id=agreement_id, what="支付补偿款", obligor_id=party_ids[1], how="现金或转账", due_date=performance_due,
                status="performed" if performed else "pending",
                performed_on=timezone.localdate(when["confirm_performed"]) if performed else None,
            )
            agreement_id += 1
            item_id += 1
        case_id += 1
        totals["cases"] += 1
        totals["parties"] += 2
        totals["events"] += len(history)
        totals["agreements"] += path_state in AGREED_STATES
        if (index + 1) % BATCH == 0:
            flush()
            if (index + 1) % (BATCH * 20) == 0:
                log(f"  {index + 1:,} cases ({time.perf_counter() - started:.0f} s)")
    flush()

    with transaction.atomic():
        for year, value in sequences.items():
            updated = CaseNumberSequence.objects.filter(subdistrict=world.subdistrict, year=year).update(last_value=value)
            if not updated:
                CaseNumberSequence.objects.create(subdistrict=world.subdistrict, year=year, last_value=value)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Case, Party, CaseEvent, Agreement, PerformanceItem):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            # Autovacuum would have analysed tables this size long before; the plans should see the rows.
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")
    totals["seconds"] = round(time.perf_counter() - started, 1)
    totals["today"] = today.isoformat()
    return totals
