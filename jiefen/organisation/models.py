"""The organisation: the place tree, the units hanging on it, people, their roles, and rooms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GROUP = "group", _("村民小组")
    COMPOUND = "compound", _("小区")
    GRID = "grid", _("网格")


VILLAGE_LEVEL = (AreaKind.VILLAGE, AreaKind.COMMUNITY)
AREA_PARENT_KINDS = {
    AreaKind.SUBDISTRICT: (),
    AreaKind.VILLAGE: (AreaKind.SUBDISTRICT,),
    AreaKind.COMMUNITY: (AreaKind.SUBDISTRICT,),
    AreaKind.GROUP: VILLAGE_LEVEL,
    AreaKind.COMPOUND: VILLAGE_LEVEL,
    AreaKind.GRID: (*VILLAGE_LEVEL, AreaKind.GROUP, AreaKind.COMPOUND),
}


class Area(models.Model):
    """A node of the place tree 街道 → 村/社区 → 村民小组/小区 → 网格.

    Every node keeps direct links to its subdistrict and village so that scoping a query
    to a place is one indexed comparison instead of a walk up the tree.
    """

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    subdistrict = models.ForeignKey(
        "self", verbose_name=_("所属街道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "self", verbose_name=_("所属村(社区)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(
        _("编号前缀"), max_length=20, blank=True, help_text=_("街道用于案件编号，如“古湖”。")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_in_parent")]

    def __str__(self):
        return self.name

    @property
    def is_village_level(self):
        return self.kind in VILLAGE_LEVEL

    def save(self, *args, **kwargs):
        self.fill_ancestors()
        super().save(*args, **kwargs)

    def fill_ancestors(self):
        if self.kind == AreaKind.SUBDISTRICT:
            self.subdistrict = None
            self.village = None
            return
        parent = self.parent
        if parent is None:
            return
        self.subdistrict = parent if parent.kind == AreaKind.SUBDISTRICT else parent.subdistrict
        if self.kind in VILLAGE_LEVEL:
            self.village = None
        else:
            self.village = parent if parent.is_village_level else parent.village

    @property
    def subdistrict_area(self):
        return self if self.kind == AreaKind.SUBDISTRICT else self.subdistrict

    @property
    def village_area(self):
        return self if self.is_village_level else self.village


class UnitKind(models.TextChoices):
    PARTY_WORKING_COMMITTEE = "party_working_committee", _("党工委")
    LEADING_GROUP = "leading_group", _("矛盾纠纷多元化解领导小组")
    TASK_FORCE = "task_force", _("调解工作专班")
    GOVERNANCE_OFFICE = "governance_office", _("社会治理办")
    GOVERNANCE_CENTRE = "governance_centre", _("综治中心")
    POLICE_STATION = "police_station", _("派出所")
    JUSTICE_OFFICE = "justice_office", _("司法所")
    PEOPLES_TRIBUNAL = "peoples_tribunal", _("人民法庭")
    SUBDISTRICT_MEDIATION_COMMITTEE = "subdistrict_mediation_committee", _("街道人民调解委员会")
    SUBDISTRICT_MEDIATION_ROOM = "subdistrict_mediation_room", _("街道小马调解室")
    VILLAGE_MEDIATION_COMMITTEE = "village_mediation_committee", _("村(社区)调解委员会")
    VILLAGE_MEDIATION_ROOM = "village_mediation_room", _("村(社区)小马调解室")
    SECURITY_COMMITTEE = "security_committee", _("治保委员会")
    GOVERNANCE_STATION = "governance_station", _("综治服务站")
    PARTY_BRANCH = "party_branch", _("党支部")
    DEPUTIES_HOME = "deputies_home", _("人大代表之家")
    CPPCC_ROOM = "cppcc_room", _("政协协商室")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")
    PROPERTY_COMPANY = "property_company", _("物业公司")


# The mediation tier each mediating body serves (DESIGN §5).
MEDIATION_TIER_BY_KIND = {
    UnitKind.VILLAGE_MEDIATION_ROOM: 1,
    UnitKind.VILLAGE_MEDIATION_COMMITTEE: 2,
    UnitKind.SUBDISTRICT_MEDIATION_ROOM: 2,
    UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE: 3,
}
VILLAGE_UNIT_KINDS = {
    UnitKind.VILLAGE_MEDIATION_COMMITTEE,
    UnitKind.VILLAGE_MEDIATION_ROOM,
    UnitKind.SECURITY_COMMITTEE,
    UnitKind.GOVERNANCE_STATION,
}


class Unit(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=40, choices=UnitKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    subtype = models.CharField(_("细分类型"), max_length=50, blank=True, help_text=_("如党支部的“物业小区”“退役军人”“功能性”。"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["area__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unit_unique_name_in_area")]

    def __str__(self):
        return self.name

    @property
    def mediation_tier(self):
        return MEDIATION_TIER_BY_KIND.get(self.kind)


class Person(models.Model):
    """Somebody in the organisation; only those who use the system have a login."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号码"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    GROUP_LEADER = "group_leader", _("村民小组长")
    BUILDING_LEADER = "building_leader", _("楼栋长")
    HOUSEHOLD_LIAISON = "household_liaison", _("联户员")
    MEDIATOR = "mediator", _("调解员")
    CENTRE_STAFF = "centre_staff", _("综治中心工作人员")
    POLITICAL_LEGAL_COMMISSIONER = "political_legal_commissioner", _("政法委员")
    GOVERNANCE_SPECIALIST = "governance_specialist", _("基层治理专员")
    LIAISON_LEADER = "liaison_leader", _("联系领导")
    LEADER = "leader", _("领导")
    BRANCH_SECRETARY = "branch_secretary", _("党支部书记")
    MEMBER = "member", _("成员")


# Roles that report disputes from the grid; they see their own reports and their grid's cases.
GRID_ROLES = {Role.GRID_WORKER, Role.GROUP_LEADER, Role.BUILDING_LEADER, Role.HOUSEHOLD_LIAISON}
# Roles that run intake, routing and supervision for the whole subdistrict.
STAFF_ROLES = {Role.CENTRE_STAFF, Role.POLITICAL_LEGAL_COMMISSIONER, Role.GOVERNANCE_SPECIALIST}
# Roles that read everything in their subdistrict and change nothing.
LEADER_ROLES = {Role.LEADER, Role.LIAISON_LEADER}


class RoleAssignment(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=40, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("负责区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("网格员填写所负责的网格；领导可填写所联系的村(社区)。"),
    )

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "unit", "area"], name="role_assignment_unique"),
        ]

    def __str__(self):
        where = self.unit or self.area or ""
        return f"{self.person} · {self.get_role_display()} · {where}"


class RoomKind(models.TextChoices):
    MEDIATION = "mediation", _("矛盾调解室")
    COUNSELLING = "counselling", _("心理咨询室")
    VIDEO_MONITORING = "video_monitoring", _("视频监控室")
    MEETING = "meeting", _("会议室")


class Room(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=RoomKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.CASCADE, related_name="rooms")
    capacity = models.PositiveIntegerField(_("容纳人数"), default=10)
    location = models.CharField(_("位置"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="room_unique_name_in_unit")]

    def __str__(self):
        return f"{self.unit} · {self.name}"
