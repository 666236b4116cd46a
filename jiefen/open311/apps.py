from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _received_details(data):
    from django.utils.translation import gettext as _g

    lines = [_g("接入方：%(client)s") % {"client": data.get("client", "")}]
    how = {
        "address_id": _g("按地址编号"),
        "address_string": _g("按地址描述"),
        "coordinates": _g("按经纬度"),
    }.get(data.get("located_by", ""))
    if how:
        lines.append(_g("所在村(社区)：%(how)s确定") % {"how": how})
    if data.get("media_url"):
        lines.append(_g("附件链接：%(url)s") % {"url": data["media_url"]})
    return lines


class Open311Config(AppConfig):
    name = "jiefen.open311"
    verbose_name = _("Open311 接口")

    def ready(self):
        from jiefen.web.display import register_note_action

        from .services import RECEIVED_ACTION

        register_note_action(RECEIVED_ACTION, _("经 Open311 接口接收"), _received_details)
