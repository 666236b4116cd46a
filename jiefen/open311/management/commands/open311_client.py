from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.open311.services import open311_client_create
from jiefen.organisation.models import Area, AreaKind


class Command(BaseCommand):
    help = gettext_lazy("为街道建立一个 Open311 接入方，并显示其 api_key（只显示这一次）。")

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help=gettext_lazy("接入方名称，如“12345热线”"))
        parser.add_argument("--subdistrict", required=True, help=gettext_lazy("街道的编号、案件编号前缀（代码）或名称"))

    def handle(self, *args, name, subdistrict, **options):
        query = Q(code=subdistrict) | Q(name=subdistrict)
        if subdistrict.isdigit():
            query |= Q(pk=int(subdistrict))
        areas = list(Area.objects.filter(query, kind=AreaKind.SUBDISTRICT))
        if len(areas) != 1:
            raise CommandError(_("找不到唯一匹配“%(value)s”的街道。") % {"value": subdistrict})
        try:
            client, key = open311_client_create(name=name, subdistrict=areas[0])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            _("已为%(area)s建立 Open311 接入方“%(name)s”（编号 %(id)s），服务账号 %(user)s。")
            % {"area": areas[0].name, "name": client.name, "id": client.pk, "user": client.intake_user.username}
        )
        self.stdout.write(f"api_key: {key}")
        self.stdout.write(_("请立即保存：系统只保存它的摘要，以后无法再查看。"))
