"""The smallest organisation a server can take cases for: one subdistrict with two villages,
their mediation rooms and the governance centre, a centre-staff user with an API token and a
leader. For load and fault tests against a real server process; `load_demo` builds a whole
subdistrict and takes far longer. Prints what a client needs as one line of JSON.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.api.services import api_token_create
from jiefen.cases.models import DisputeType
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind


class Command(BaseCommand):
    help = gettext_lazy("建立最小的组织数据（一个街道、两个村、综治中心工作人员及其接口令牌、领导），以 JSON 输出登录信息。")

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help=gettext_lazy("两个账号的登录密码"))

    def handle(self, *args, password, **options):
        if len(password) < 10:
            raise CommandError(_("密码至少10位。"))
        with transaction.atomic():
            facts = self._seed(password)
        self.stdout.write(json.dumps(facts, ensure_ascii=False))

    def _seed(self, password):
        sub, _ = Area.objects.get_or_create(name="样例街道", kind=AreaKind.SUBDISTRICT, parent=None, defaults={"code": "样例"})
        villages, grids = [], []
        for name in ("东村", "西村"):
            village, _ = Area.objects.get_or_create(name=name, kind=AreaKind.VILLAGE, parent=sub)
            grid, _ = Area.objects.get_or_create(name=f"{name}第1网格", kind=AreaKind.GRID, parent=village)
            for unit_name, kind in (
                (f"{name}小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM),
                (f"{name}调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE),
            ):
                Unit.objects.get_or_create(name=unit_name, kind=kind, area=village)
            villages.append(village)
            grids.append(grid)
        Unit.objects.get_or_create(name="样例街道人民调解委员会", kind=UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE, area=sub)
        Unit.objects.get_or_create(name="样例街道小马调解室", kind=UnitKind.SUBDISTRICT_MEDIATION_ROOM, area=sub)
        centre, _ = Unit.objects.get_or_create(name="样例街道综治中心", kind=UnitKind.GOVERNANCE_CENTRE, area=sub)

        staff = self._user("staff", "综治中心工作人员", password, Role.CENTRE_STAFF, centre)
        self._user("leader", "街道领导", password, Role.LEADER, centre)
        _token, key = api_token_create(user=staff, name="seed_minimal")
        return {
            "subdistrict": sub.pk,
            "villages": [v.pk for v in villages],
            "grids": [g.pk for g in grids],
            "dispute_type": DisputeType.objects.get(code="neighbour").pk,
            "staff": "staff",
            "leader": "leader",
            "api_token": key,
        }

    @staticmethod
    def _user(username, full_name, password, role, unit):
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            person = Person.objects.create(name=full_name, user=user)
            RoleAssignment.objects.create(person=person, role=role, unit=unit, area=None)
        return user
