"""Reads of screening campaigns: coverage per grid, village and campaign, each grid worker's
progress, and the screened-households count of the reports.

Coverage = households visited ÷ households target. The true figures are kept (a grid can be
visited more than once over, 130% is a fact); only the progress bar is capped at 100%.
Everything is computed by a fixed number of aggregate queries whatever the number of grids:
the grid table is one query with correlated sums, villages and the campaign are summed from
its rows in Python, worker progress is two grouped queries.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .access import campaigns_visible_to, grids_visible_to, sees_whole_campaign
from .models import Campaign, CampaignGrid, CampaignStatus, ScreeningFinding, ScreeningTally


def _rate(visited: int, target: int) -> float | None:
    return visited / target if target else None


@dataclass
class Coverage:
    """Households target and visited, disputes found (tallied) and findings recorded."""

    target: int = 0
    visited: int = 0
    disputes: int = 0
    findings: int = 0

    @property
    def rate(self) -> float | None:
        return _rate(self.visited, self.target)

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def bar(self) -> int:
        """Width of the progress bar: the rate, capped at 100."""
        rate = self.rate
        return 0 if rate is None else min(100, round(rate * 100))

    @property
    def is_complete(self) -> bool:
        return bool(self.target) and self.visited >= self.target

    def add(self, other: "Coverage"):
        self.target += other.target
        self.visited += other.visited
        self.disputes += other.disputes
        self.findings += other.findings


@dataclass
class GridCoverage(Coverage):
    id: int = 0
    grid_id: int = 0
    name: str = ""
    village_id: int | None = None
    village_name: str = ""
    workers: list = field(default_factory=list)  # [Person]
    days: int = 0


@dataclass
class VillageCoverage(Coverage):
    id: int | None = None
    name: str = ""
    grids: list = field(default_factory=list)  # [GridCoverage]


@dataclass
class WorkerProgress:
    person_id: int
    name: str
    grids: list = field(default_factory=list)  # grid names
    households: int = 0
    disputes: int = 0
    findings: int = 0
    days: int = 0
    target: int = 0

    @property
    def rate(self):
        return _rate(self.households, self.target)

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def bar(self) -> int:
        rate = self.rate
        return 0 if rate is None else min(100, round(rate * 100))


@dataclass
class CampaignCoverage:
    campaign: Campaign
    total: Coverage
    villages: list  # [VillageCoverage]
    grids: list  # [GridCoverage]
    workers: list  # [WorkerProgress]
    whole: bool  # the reader sees every grid of the campaign


def _grid_rows(grids):
    tallies = ScreeningTally.objects.filter(campaign_grid=OuterRef("pk")).values("campaign_grid")
    findings = ScreeningFinding.objects.filter(campaign_grid=OuterRef("pk")).values("campaign_grid")
    zero = Value(0, output_field=IntegerField())
    return (
        grids.annotate(
            visited=Coalesce(Subquery(tallies.annotate(n=Sum("households_visited")).values("n")), zero),
            disputes=Coalesce(Subquery(tallies.annotate(n=Sum("disputes_found")).values("n")), zero),
            days=Coalesce(Subquery(tallies.annotate(n=Count("date", distinct=True)).values("n")), zero),
            finding_count=Coalesce(Subquery(findings.annotate(n=Count("id")).values("n")), zero),
        )
        .select_related("grid__village")
        .prefetch_related("workers")
        .order_by("grid__village__sort_order", "grid__village_id", "grid__sort_order", "grid_id")
    )


def campaign_coverage(user, campaign: Campaign) -> CampaignCoverage:
    """The campaign as `user` may see it: whole for subdistrict readers, their grids otherwise."""
    whole = sees_whole_campaign(user, campaign)
    grids = CampaignGrid.objects.filter(campaign=campaign)
    if not whole:
        grids = grids.filter(id__in=grids_visible_to(user).filter(campaign=campaign).values("id"))
    rows, villages, total = [], {}, Coverage()
    for row in _grid_rows(grids):
        village = row.grid.village
        coverage = GridCoverage(
            target=row.households_target,
            visited=row.visited,
            disputes=row.disputes,
            findings=row.finding_count,
            id=row.id,
            grid_id=row.grid_id,
            name=row.grid.name,
            village_id=village.id if village else None,
            village_name=village.name if village else "",
            workers=list(row.workers.all()),
            days=row.days,
        )
        rows.append(coverage)
        bucket = villages.setdefault(coverage.village_id, VillageCoverage(id=coverage.village_id, name=coverage.village_name))
        bucket.add(coverage)
        bucket.grids.append(coverage)
        total.add(coverage)
    return CampaignCoverage(
        campaign=campaign,
        total=total,
        villages=list(villages.values()),
        grids=rows,
        workers=_worker_progress(grids, rows),
        whole=whole,
    )


def _worker_progress(grids, rows) -> list[WorkerProgress]:
    """Every assigned grid worker, with what they tallied and found: two grouped queries."""
    progress: dict[int, WorkerProgress] = {}
    for row in rows:
        for person in row.workers:
            entry = progress.setdefault(person.id, WorkerProgress(person_id=person.id, name=person.name))
            entry.grids.append(row.name)
            entry.target += row.target
    tallied = (
        ScreeningTally.objects.filter(campaign_grid__in=grids)
        .values("worker_id", "worker__name")
        .annotate(households=Sum("households_visited"), disputes=Sum("disputes_found"), days=Count("date", distinct=True))
        .order_by()
    )
    for line in tallied:
        entry = progress.setdefault(line["worker_id"], WorkerProgress(person_id=line["worker_id"], name=line["worker__name"]))
        entry.households, entry.disputes, entry.days = line["households"] or 0, line["disputes"] or 0, line["days"]
    found = (
        ScreeningFinding.objects.filter(campaign_grid__in=grids, found_by__isnull=False)
        .values("found_by_id", "found_by__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    for line in found:
        entry = progress.setdefault(line["found_by_id"], WorkerProgress(person_id=line["found_by_id"], name=line["found_by__name"]))
        entry.findings = line["n"]
    return sorted(progress.values(), key=lambda p: (-(p.rate or 0), -p.households, p.name))


@dataclass
class CampaignRow:
    campaign: Campaign
    coverage: Coverage


def campaign_list(user, *, status: str = "") -> list[CampaignRow]:
    """Visible campaigns with their coverage over the grids the user sees: three queries."""
    campaigns = campaigns_visible_to(user).select_related("subdistrict")
    if status:
        campaigns = campaigns.filter(status=status)
    campaigns = list(campaigns.order_by("-start_date", "-id")[:200])
    ids = [c.id for c in campaigns]
    grids = CampaignGrid.objects.filter(campaign_id__in=ids)
    restricted = not all(sees_whole_campaign(user, c) for c in campaigns)
    if restricted:
        grids = grids.filter(id__in=grids_visible_to(user).values("id"))
    targets = dict(grids.values("campaign_id").annotate(n=Sum("households_target")).order_by().values_list("campaign_id", "n"))
    tallies = (
        ScreeningTally.objects.filter(campaign_grid__in=grids)
        .values("campaign_grid__campaign_id")
        .annotate(visited=Sum("households_visited"), disputes=Sum("disputes_found"))
        .order_by()
    )
    done = {t["campaign_grid__campaign_id"]: t for t in tallies}
    found = dict(
        ScreeningFinding.objects.filter(campaign_grid__in=grids)
        .values("campaign_grid__campaign_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("campaign_grid__campaign_id", "n")
    )
    rows = []
    for campaign in campaigns:
        line = done.get(campaign.id, {})
        rows.append(
            CampaignRow(
                campaign=campaign,
                coverage=Coverage(
                    target=targets.get(campaign.id, 0) or 0,
                    visited=line.get("visited") or 0,
                    disputes=line.get("disputes") or 0,
                    findings=found.get(campaign.id, 0),
                ),
            )
        )
    return rows


def findings_of(user, campaign: Campaign):
    grids = grids_visible_to(user).filter(campaign=campaign).values("id")
    return (
        ScreeningFinding.objects.filter(campaign_grid__in=grids)
        .select_related("campaign_grid__grid", "found_by", "case")
        .order_by("-found_on", "-id")
    )


def active_grids_for_recording(user, *, today: date):
    """The grids of running campaigns the user may record in (the phone form's choices)."""
    from .access import grids_recordable_by

    return (
        grids_recordable_by(user)
        .filter(campaign__status=CampaignStatus.ACTIVE, campaign__start_date__lte=today)
        .select_related("campaign", "grid__village")
        .order_by("campaign__start_date", "grid__village__sort_order", "grid__sort_order", "id")
    )


# ---------------------------------------------------------------- the reports' counter


def screened_households(cases, period) -> int | None:
    """Households visited by screening in `period` in the subdistricts of `cases` (one query).

    None while no campaign exists there, so a report says "no screening data" rather than 0.
    """
    # Per campaign, whether its subdistrict has a case in scope (an index probe each), not a
    # list of the subdistrict of every case.
    in_scope = Exists(cases.order_by().filter(subdistrict_id=OuterRef("subdistrict_id")))
    figures = Campaign.objects.filter(in_scope).aggregate(
        campaigns=Count("id", distinct=True),
        visited=Sum(
            "grids__tallies__households_visited",
            filter=Q(grids__tallies__date__gte=period.start, grids__tallies__date__lte=period.end),
        ),
    )
    if not figures["campaigns"]:
        return None
    return figures["visited"] or 0
