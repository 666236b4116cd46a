"""The demo's screening campaigns (演示数据，均为虚构): one 大排查 that closed about six weeks ago and
one 大走访 running now, over every grid of 古湖街道(演示), with daily tallies from the grids' grid
workers (coverage varies from grid to grid), a few findings — some already registered as cases
— and the 排查遗漏 incidents the check finds among the demo's petition and police cases.

Campaigns, their closing, findings and the 排查遗漏 check go through the services. The tallies —
about two thousand rows — are written in bulk: they stand for paper forms the centre typed in,
and one service call each would make the demo slow for nothing.
"""

import random
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from jiefen.cases.models import Case, Channel
from jiefen.organisation.demo import GIVEN, SURNAMES

from .models import Campaign, CampaignGrid, CampaignKind, ScreeningFinding, ScreeningTally

SEED = 20260412 + 57

FINDINGS = [
    ("两户因共用排水沟堵塞发生争吵，双方情绪激动。", "排水沟"),
    ("村民反映邻居在承包地边界堆放建材，多次口角。", "承包地"),
    ("老人反映子女未按约定支付赡养费。", "赡养"),
    ("楼上住户装修噪音扰民，楼下住户多次投诉未果。", "装修"),
    ("务工人员反映包工头拖欠工资约两个月。", "工资"),
    ("两家因宅基地滴水檐问题发生争执。", "宅基地"),
    ("小区业主与物业就停车收费意见较大。", "停车"),
    ("养殖场异味影响周边住户，群众有意见。", "养殖"),
]
NOTES = ["", "", "", "入户走访，群众反映良好。", "部分住户外出务工，已电话联系。", "结合防汛检查一并走访。"]


def demo_extend(builder) -> dict:
    from .services import campaign_close, campaign_create, campaigns_covering, case_check_missed_by_screening, finding_record

    rng = random.Random(SEED)
    today = builder.now.date()
    staff = builder.users["zongzhi"]
    wangge = builder.users["wangge"]
    sub = builder.subdistrict

    closed = campaign_create(
        actor=staff,
        subdistrict=sub,
        name="国庆节前矛盾纠纷大排查",
        kind=CampaignKind.SCREENING,
        start_date=today - timedelta(days=75),
        end_date=today - timedelta(days=45),
        description="全街道各村(社区)网格员逐户走访，排查婚姻家庭、邻里、土地、劳资等矛盾纠纷，建立台账，能调则调。",
        default_target=300,
        today=today - timedelta(days=75),
    )
    rows = list(CampaignGrid.objects.filter(campaign=closed).prefetch_related("workers"))
    for row in rows:
        row.households_target = rng.randint(18, 42) * 10
    CampaignGrid.objects.bulk_update(rows, ["households_target"])
    # The new campaign inherits these targets (the only household count the system holds).
    active = campaign_create(
        actor=staff,
        subdistrict=sub,
        name="冬季“大走访、大排查、大化解”专项行动",
        kind=CampaignKind.COMBINED,
        start_date=today - timedelta(days=14),
        end_date=today + timedelta(days=16),
        description="入冬以来矛盾纠纷易发多发，网格员全覆盖走访，重点关注欠薪、赡养、邻里和物业纠纷。",
        default_target=300,
        today=today - timedelta(days=14),
    )

    tallies = []
    for campaign, days, elapsed in ((closed, 31, 1.0), (active, 15, 15 / 31)):
        for row in CampaignGrid.objects.filter(campaign=campaign).prefetch_related("workers__user"):
            workers = list(row.workers.all())
            if not workers:
                continue
            worker = workers[0]
            # Some grids finish early and go over, some lag well behind.
            share = rng.choice([0.45, 0.6, 0.75, 0.85, 0.95, 1.0, 1.0, 1.05, 1.15]) * elapsed
            remaining = round(row.households_target * share)
            visit_days = sorted(rng.sample(range(days), k=min(days, rng.randint(5, 12))))
            for index, offset in enumerate(visit_days):
                left = len(visit_days) - index
                count = remaining if left == 1 else max(0, round(remaining / left * rng.uniform(0.6, 1.4)))
                remaining -= count
                tallies.append(
                    ScreeningTally(
                        campaign_grid=row,
                        worker=worker,
                        date=campaign.start_date + timedelta(days=offset),
                        households_visited=count,
                        disputes_found=1 if rng.random() < 0.12 else 0,
                        note=rng.choice(NOTES),
                        recorded_by=worker.user if worker.user_id else staff,
                    )
                )
    ScreeningTally.objects.bulk_create(tallies, batch_size=1000)

    findings = 0
    for campaign in (closed, active):
        # Disputes the grid workers registered as 网格排查 during the campaign were its findings.
        window = Q(created_at__date__gte=campaign.start_date, created_at__date__lte=min(campaign.end_date, today))
        rows = {r.grid_id: r for r in CampaignGrid.objects.filter(campaign=campaign).prefetch_related("workers")}
        cases = list(
            Case.objects.filter(window, subdistrict=sub, channel=Channel.GRID_SCREENING, grid_id__in=rows)
            .prefetch_related("parties")
            .order_by("id")[:4]
        )
        for case in cases:
            row = rows[case.grid_id]
            worker = next(iter(row.workers.all()), None)
            ScreeningFinding.objects.create(
                campaign_grid=row,
                description=case.description[:200],
                address=case.address,
                parties="、".join(p.name for p in case.parties.all()),
                found_by=worker,
                found_on=timezone.localdate(case.created_at),
                case=case,
                recorded_by=staff,
            )
            findings += 1
    # A few findings still waiting for someone to open a case, one of them in wangge's grid.
    wangge_row = CampaignGrid.objects.select_related("grid__village").get(campaign=active, grid=builder.wangge_grid)
    others = list(CampaignGrid.objects.filter(campaign=active).exclude(pk=wangge_row.pk).select_related("grid__village").order_by("id"))
    open_rows = [wangge_row] + rng.sample(others, 3)

    def name():
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)

    for index, row in enumerate(open_rows):
        description, _key = FINDINGS[index % len(FINDINGS)]
        actor = wangge if row == wangge_row else staff
        finding_record(
            actor=actor,
            campaign_grid_id=row.pk,
            description=description,
            found_on=today - timedelta(days=rng.randint(0, 6)),
            address=f"{row.grid.village.name}{rng.randint(1, 8)}组{rng.randint(1, 60)}号",
            parties=name() + "、" + name(),
            today=today,
        )
        findings += 1

    campaign_close(campaign_id=closed.pk, actor=staff, today=closed.end_date)

    # Petition and police cases from screened grids. Most had been noticed by the screening
    # (a finding names their parties) and reached the subdistrict anyway; the rest no finding
    # names, and the check records them as 排查遗漏.
    missed = 0
    candidates = list(
        Case.objects.filter(
            subdistrict=sub,
            channel__in=[Channel.PETITION_REFERRAL, Channel.POLICE_REFERRAL],
            grid__isnull=False,
            created_at__date__gte=closed.start_date,
        )
        .prefetch_related("parties")
        .order_by("created_at", "id")
    )
    for case in candidates:
        registered_on = timezone.localdate(case.created_at)
        row = campaigns_covering(case.grid_id, registered_on).select_related("campaign").order_by("-campaign__start_date").first()
        if row is not None and rng.random() < 0.65:
            found_on = max(row.campaign.start_date, registered_on - timedelta(days=rng.randint(3, 15)))
            ScreeningFinding.objects.create(
                campaign_grid=row,
                description=case.description[:200],
                address=case.address,
                parties="、".join(p.name for p in case.parties.all()),
                found_by=row.workers.first(),
                found_on=min(found_on, row.campaign.end_date),
                case=case,
                recorded_by=staff,
            )
            findings += 1
        if case_check_missed_by_screening(case, today=registered_on):
            missed += 1
    return {"campaigns": 2, "tallies": len(tallies), "findings": findings, "missed": missed}


def demo_extend_reset(subdistrict) -> None:
    # Grids, tallies, findings and the log go with their campaign. The 排查遗漏 incidents would go
    # with the cases, but their RECORDED events hold on to them, so both go here.
    from jiefen.assessment.models import Incident, IncidentEvent, IncidentKind

    incidents = Incident.objects.filter(kind=IncidentKind.MISSED_BY_SCREENING, case__subdistrict=subdistrict)
    IncidentEvent.objects.filter(incident__in=incidents).delete()
    incidents.delete()
    Campaign.objects.filter(subdistrict=subdistrict).delete()
