"""How the preparation and sitting events read in the case's timeline."""

from django.utils.translation import gettext_lazy

# gettext, kept per language: the timeline spells out every event of a case page.
from jiefen.web.display import gettext_kept as _

from .models import ConsentDecision, PrivacyReason, ReferralDirection, ReferralKind, SessionKind


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _when(value):
    return (value or "").replace("T", " ")[:16]


def _consent(data):
    line = _("%(party)s：%(decision)s") % {"party": data.get("party_name", ""), "decision": _label(ConsentDecision, data.get("decision"))}
    if data.get("method"):
        line += _("（%(method)s）") % {"method": data["method"]}
    return [line, data["note"]] if data.get("note") else [line]


def _notice(data):
    return [
        _("%(when)s %(method)s，签收人：%(names)s")
        % {"when": _when(data.get("served_at")), "method": data.get("method", ""), "names": data.get("party_names", "")}
    ]


def _plan(data):
    if data.get("is_public"):
        return [_("公开调解")]
    reason = _label(PrivacyReason, data.get("private_reason")) if data.get("private_reason") else ""
    return [_("不公开调解") + (_("（%(reason)s）") % {"reason": reason} if reason else "")]


def _third(data):
    return [_("%(name)s（%(relation)s），经全部当事人同意") % {"name": data.get("name", ""), "relation": data.get("relation", "")}]


def _session(data):
    where = data.get("room_name") or data.get("place") or ""
    return [
        _("%(kind)s：%(start)s–%(end)s，%(where)s，调解员：%(mediators)s")
        % {
            "kind": _label(SessionKind, data.get("kind")),
            "start": _when(data.get("starts_at")),
            "end": _when(data.get("ends_at"))[-5:],
            "where": where,
            "mediators": "、".join(data.get("mediators") or []),
        }
    ]


def _kind_only(data):
    return [_label(SessionKind, data.get("kind"))] if data.get("kind") else []


def _record(data):
    return [_("%(kind)s记录，时间 %(when)s") % {"kind": _label(SessionKind, data.get("kind")), "when": _when(data.get("held_at"))}]


def _evidence(data):
    return [_("%(name)s（SHA-256 %(hash)s…）") % {"name": data.get("name", ""), "hash": (data.get("sha256") or "")[:12]}]


def _referral(data):
    line = _("%(kind)s · %(direction)s · %(who)s · %(date)s") % {
        "kind": _label(ReferralKind, data.get("kind")),
        "direction": _label(ReferralDirection, data.get("direction")),
        "who": data.get("counterpart_name", ""),
        "date": data.get("sent_on", ""),
    }
    lines = [line]
    if data.get("feedback_due") and not data.get("feedback_on"):
        lines.append(_("反馈期限：%(date)s") % {"date": data["feedback_due"]})
    if data.get("feedback_on"):
        lines.append(_("反馈日期：%(date)s") % {"date": data["feedback_on"]} + (_("（已超过反馈期限）") if data.get("late") else ""))
    return lines


def _police(data):
    return [_("报告至%(station)s，已登记警调对接") % {"station": data.get("station_name", "")}]


def _flagged(data):
    return [_("已报告%(station)s，案件标记为有民转刑风险") % {"station": data.get("station_name", "")}]


NOTE_ACTIONS = {
    "consent_recorded": (gettext_lazy("登记调解意愿"), _consent),
    "rights_notice_served": (gettext_lazy("送达权利义务告知书"), _notice),
    "mediation_plan_set": (gettext_lazy("决定调解方式"), _plan),
    "third_party_invited": (gettext_lazy("邀请人员参与调解"), _third),
    "session_booked": (gettext_lazy("安排会期"), _session),
    "session_cancelled": (gettext_lazy("取消会期"), _kind_only),
    "session_held": (gettext_lazy("会期已进行"), _kind_only),
    "record_created": (gettext_lazy("制作调查/调解记录"), _record),
    "evidence_uploaded": (gettext_lazy("上传证据材料"), _evidence),
    "referral_created": (gettext_lazy("登记对接移送"), _referral),
    "referral_feedback": (gettext_lazy("登记对接反馈"), _referral),
    "police_reported": (gettext_lazy("民转刑风险报告"), _police),
    "criminal_risk_flagged": (gettext_lazy("标记民转刑风险"), _flagged),
}


def register():
    from jiefen.web.display import register_note_action

    for action, (title, details) in NOTE_ACTIONS.items():
        register_note_action(action, title, details)
