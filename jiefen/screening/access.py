"""Who may see and write screening campaigns.

Staff of the subdistrict (综治中心, 政法委员, 基层治理专员) create, start and close campaigns and
see everything in it; leaders and subdistrict mediators read the whole subdistrict; a village
mediator reads the grids of their village; a grid worker reads and records the grids they are
assigned to in a campaign, and nothing else. Everybody else sees nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from jiefen.organisation.models import Person
from jiefen.organisation.selectors import user_scope

from .models import Campaign, CampaignGrid


@dataclass(frozen=True)
class ScreeningAccess:
    is_superuser: bool = False
    staff_subdistrict_ids: frozenset = field(default_factory=frozenset)
    reader_subdistrict_ids: frozenset = field(default_factory=frozenset)
    village_ids: frozenset = field(default_factory=frozenset)
    person_id: int | None = None

    @property
    def sees_anything(self):
        return self.is_superuser or bool(self.reader_subdistrict_ids or self.village_ids or self.person_id)

    @property
    def manages_anything(self):
        return self.is_superuser or bool(self.staff_subdistrict_ids)


def access_for(user) -> ScreeningAccess:
    if user is None or not user.is_authenticated:
        return ScreeningAccess()
    cached = getattr(user, "_jiefen_screening_access", None)
    if cached is not None:
        return cached
    scope = user_scope(user)
    person_id = None
    if scope.is_grid_reporter:
        person_id = Person.objects.filter(user=user, is_active=True).values_list("id", flat=True).first()
    access = ScreeningAccess(
        is_superuser=scope.is_superuser,
        staff_subdistrict_ids=scope.staff_subdistrict_ids,
        reader_subdistrict_ids=scope.subdistrict_ids,
        village_ids=scope.village_ids,
        person_id=person_id,
    )
    user._jiefen_screening_access = access
    return access


def grids_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return CampaignGrid.objects.all()
    if not access.sees_anything:
        return CampaignGrid.objects.none()
    condition = Q(campaign__subdistrict_id__in=access.reader_subdistrict_ids) | Q(grid__village_id__in=access.village_ids)
    if access.person_id:
        condition |= _assigned(access.person_id)
    return CampaignGrid.objects.filter(condition)


def _assigned(person_id):
    # A subquery rather than a join on the workers table, so the grids need no DISTINCT.
    return Q(id__in=CampaignGrid.workers.through.objects.filter(person_id=person_id).values("campaigngrid_id"))


def campaigns_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return Campaign.objects.all()
    if not access.sees_anything:
        return Campaign.objects.none()
    return Campaign.objects.filter(
        Q(subdistrict_id__in=access.reader_subdistrict_ids) | Q(id__in=grids_visible_to(user).values("campaign_id"))
    )


def sees_whole_campaign(user, campaign: Campaign) -> bool:
    access = access_for(user)
    return access.is_superuser or campaign.subdistrict_id in access.reader_subdistrict_ids


def campaign_can_manage(user, campaign_or_subdistrict_id) -> bool:
    access = access_for(user)
    subdistrict_id = getattr(campaign_or_subdistrict_id, "subdistrict_id", campaign_or_subdistrict_id)
    return access.is_superuser or subdistrict_id in access.staff_subdistrict_ids


def grid_can_record(user, campaign_grid: CampaignGrid) -> bool:
    """Tallies and findings: the grid's assigned grid workers, and the subdistrict's staff."""
    access = access_for(user)
    if campaign_can_manage(user, campaign_grid.campaign):
        return True
    return bool(access.person_id) and campaign_grid.workers.filter(id=access.person_id).exists()


def grids_recordable_by(user):
    """The campaign grids a user may record in (active campaigns only are offered by the views)."""
    access = access_for(user)
    if access.is_superuser:
        return CampaignGrid.objects.all()
    condition = Q(campaign__subdistrict_id__in=access.staff_subdistrict_ids)
    if access.person_id:
        condition |= _assigned(access.person_id)
    return CampaignGrid.objects.filter(condition)
