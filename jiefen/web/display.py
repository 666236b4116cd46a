"""How case data is shown: masked personal numbers, the QR code, and the event log in words."""

import re
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import AgreementForm, CaseState, Channel, Complexity, DeadlineStage, EventKind, ReferralRoute, RiskGrade, Tier
from jiefen.common.prepared import Prepared
from jiefen.organisation.models import Unit


# The stage names double as state names ("受理", "分派", "归档"); a context keeps their
# translations apart ("acceptance" here, "Accepted" on the state).
STAGE_LABELS = {
    DeadlineStage.ACCEPTANCE: pgettext_lazy("deadline stage", "受理"),
    DeadlineStage.ASSIGNMENT: pgettext_lazy("deadline stage", "分派"),
    DeadlineStage.MEDIATION: pgettext_lazy("deadline stage", "调解"),
    DeadlineStage.PERFORMANCE: pgettext_lazy("deadline stage", "协议履行"),
    DeadlineStage.RETURN_VISIT: pgettext_lazy("deadline stage", "回访"),
    DeadlineStage.DISPOSITION: pgettext_lazy("deadline stage", "终止后处置"),
    DeadlineStage.ARCHIVING: pgettext_lazy("deadline stage", "归档"),
}


# Events other apps log as notes (kind NOTE, `action` saying what happened) register a title
# and a function spelling out their data: action -> (title, details(data) -> list of lines).
NOTE_ACTIONS: dict = {}


def register_note_action(action: str, title, details=None) -> None:
    NOTE_ACTIONS[action] = (title, details)


@lru_cache(maxsize=None)
def _choice_labels(model, field_name):
    return dict(model._meta.get_field(field_name).flatchoices)


def choice_label(obj, field_name):
    """`obj.get_<field_name>_display()`, for pages that show many: Django's rebuilds the
    field's choices into a fresh dict on every call, translating each label to hash it (some
    two hundred function calls); this looks the label up in a dict kept per model field and
    translates only the one shown."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name).get(value, value)


def stage_label(value):
    return str(STAGE_LABELS.get(value, value or ""))


def mask_id_number(value):
    """Keep the region prefix and the last four (birth date hidden), as PIPL asks of displays."""
    value = (value or "").strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value):
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# ---------------------------------------------------------------- paths

_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_]+\Z")
_TEXT_STAND_IN = "zq{}qz"
_INT_STAND_IN = 2_147_480_000


@lru_cache(maxsize=256)
def _path_format(urlconf, script_prefix, name, kinds):
    """reverse(name) with stand-ins for the arguments, made into a format string; None when
    the route does not take such stand-ins (it then goes through reverse every time)."""
    stand_ins = [str(_INT_STAND_IN + n) if kind == "int" else _TEXT_STAND_IN.format(n) for n, kind in enumerate(kinds)]
    try:
        path = reverse(name, urlconf=urlconf, args=[int(a) if k == "int" else a for a, k in zip(stand_ins, kinds)])
    except NoReverseMatch:
        return None
    path = path.replace("{", "{{").replace("}", "}}")
    for n, stand_in in enumerate(stand_ins):
        if path.count(stand_in) != 1:
            return None
        path = path.replace(stand_in, "{%d}" % n)
    return path


def url_path(name, *args):
    """reverse(name, args=args), for a route taking ids (int converters) and plain words (slug
    or str ones): reversing a route costs ~90 function calls, and the case page links to a
    few dozen; the route is reversed once and its path filled in after.

    Anything else (negative numbers, text that would need quoting) goes through reverse."""
    kinds = []
    for arg in args:
        if type(arg) is int and arg >= 0:
            kinds.append("int")
        elif type(arg) is str and _PLAIN_TEXT.match(arg):
            kinds.append("str")
        else:
            return reverse(name, args=args)
    path = _path_format(get_urlconf(), get_script_prefix(), name, tuple(kinds))
    return reverse(name, args=args) if path is None else path.format(*args)


def case_absolute_url(case):
    return settings.SITE_URL + reverse("web:case_detail", args=[case.pk])


def case_qr_svg(case, *, scale=4):
    return mark_safe(_qr_svg(case_absolute_url(case), case.number, scale))


@lru_cache(maxsize=1024)
def _qr_svg(url, number, scale):
    """Encoding the code costs milliseconds and its text never changes: a case page is mostly
    opened again and again by the few people working on it."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(scale=scale, title=number, dark="#111827", svgclass="qr")


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _who(user):
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _unit_name(units, unit_id, fallback=""):
    name = units.get(unit_id)
    return name if name is not None else (fallback or str(unit_id))


def _tier(value):
    return _label(Tier, value) if value else ""


def _transition_details(data):
    details = []
    if data.get("mediation_due_date"):
        details.append(_("调解期限至 %(date)s") % {"date": data["mediation_due_date"]})
    if data.get("pointed_to"):
        details.append(_("告知当事人可通过：%(where)s") % {"where": data["pointed_to"]})
    if data.get("mediator_name"):
        details.append(_("承办调解员：%(name)s") % {"name": data["mediator_name"]})
    if data.get("agreement_form"):
        details.append(_("协议形式：%(form)s") % {"form": _label(AgreementForm, data["agreement_form"])})
    if data.get("performance_due"):
        details.append(_("约定履行期限：%(date)s") % {"date": data["performance_due"]})
    if data.get("routes_told"):
        routes = "、".join(_label(ReferralRoute, route) for route in data["routes_told"])
        details.append(_("已告知当事人可通过%(routes)s等途径维护权利") % {"routes": routes})
    if data.get("route"):
        details.append(_("移送途径：%(route)s") % {"route": _label(ReferralRoute, data["route"])})
    if data.get("referred_to"):
        details.append(_("接收单位：%(unit)s") % {"unit": data["referred_to"]})
    return details


def _details(event, units):
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return [_("来源渠道：%(channel)s") % {"channel": _label(Channel, data.get("channel", ""))}] if data.get("channel") else []
    if kind == EventKind.ROUTED:
        unit = _unit_name(units, data.get("proposed_unit"), data.get("proposed_unit_name", ""))
        lines = []
        if data.get("rule"):
            lines.append(
                _("按分流规则“%(rule)s”分至%(unit)s（%(tier)s）")
                % {"rule": data["rule"], "tier": _tier(data.get("proposed_tier")), "unit": unit}
            )
        else:
            lines.append(
                _("未匹配分流规则，默认分至%(unit)s（%(tier)s）") % {"tier": _tier(data.get("proposed_tier")), "unit": unit}
            )
        if data.get("needs_sanlian"):
            lines.append(_("需转小区“三联三议”（党支部、业委会、物业公司共同议事）"))
        return lines
    if kind == EventKind.ROUTING_OVERRIDE:
        return [
            _("由%(from_unit)s（%(from_tier)s）改由%(to_unit)s（%(to_tier)s）办理")
            % {
                "from_unit": _unit_name(units, data.get("from_unit")),
                "from_tier": _tier(data.get("from_tier")),
                "to_unit": _unit_name(units, data.get("to_unit")),
                "to_tier": _tier(data.get("to_tier")),
            }
        ]
    if kind == EventKind.ESCALATED:
        return [
            _("由%(from_unit)s上报至%(to_unit)s（%(to_tier)s）")
            % {
                "from_unit": _unit_name(units, data.get("from_unit"), data.get("from_unit_name", "")),
                "to_unit": _unit_name(units, data.get("to_unit"), data.get("to_unit_name", "")),
                "to_tier": _tier(data.get("to_tier")),
            }
        ]
    if kind == EventKind.RISK_CHANGED:
        before, after = data.get("before", {}), data.get("after", {})
        return [
            _("风险等级：%(before)s → %(after)s")
            % {"before": _label(RiskGrade, before.get("risk_grade", "")), "after": _label(RiskGrade, after.get("risk_grade", ""))},
            _("复杂程度：%(before)s → %(after)s")
            % {
                "before": _label(Complexity, before.get("complexity", "")),
                "after": _label(Complexity, after.get("complexity", "")),
            },
        ]
    if kind == EventKind.DEADLINE_EXTENDED:
        return [_("延长%(days)s日，调解期限至 %(date)s") % {"days": data.get("days", ""), "date": data.get("new_due", "")}]
    if kind == EventKind.OVERDUE:
        return [_("超过“%(stage)s”环节的办理时限") % {"stage": stage_label(event.action)}] if event.action else []
    if kind == EventKind.NOTE and event.action in NOTE_ACTIONS:
        details = NOTE_ACTIONS[event.action][1]
        return [str(line) for line in details(data)] if details else []
    if kind == EventKind.RECURRENCE:
        if data.get("new_number"):
            return [_("纠纷复发，已登记新案件 %(number)s") % {"number": data["new_number"]}]
        if data.get("original_number"):
            return [_("复发自案件 %(number)s") % {"number": data["original_number"]}]
        return []
    return _transition_details(data)


_UNIT_NAMES = Prepared(lambda ids: Unit.objects.filter(pk__in=ids).values_list("id", "name"), ids=[int])


def timeline(events):
    """Each event with a title and its data spelled out; unit names fetched in one query."""
    events = list(events)
    unit_ids = set()
    for event in events:
        data = event.data or {}
        for key in ("proposed_unit", "from_unit", "to_unit"):
            if isinstance(data.get(key), int):
                unit_ids.add(data[key])
    units = dict(_UNIT_NAMES(ids=sorted(unit_ids))) if unit_ids else {}
    rows = []
    for event in events:
        if event.kind in (EventKind.TRANSITION, EventKind.ESCALATED) and event.action in TRANSITIONS:
            title = str(TRANSITIONS[event.action].label)
        elif event.kind == EventKind.NOTE and event.action in NOTE_ACTIONS:
            title = str(NOTE_ACTIONS[event.action][0])
        else:
            title = str(choice_label(event, "kind"))
        moved = event.from_state != event.to_state
        # Formatted here once: the template's date filter costs tens of microseconds a call and
        # a timeline shows two per event.
        local = timezone.localtime(event.at)
        rows.append(
            {
                "event": event,
                "at_iso": local.isoformat(),
                "at_text": local.strftime("%Y-%m-%d %H:%M"),
                "title": title,
                "who": _who(event.actor),
                "from_state": _label(CaseState, event.from_state) if event.from_state and moved else "",
                "to_state": _label(CaseState, event.to_state) if event.to_state and moved else "",
                "details": _details(event, units),
            }
        )
    return rows


# One event of the case page's history (web/case_detail.html). Written out here, not in the
# template: a history is the page's longest list, and each of its rows through the template
# language cost some three hundred function calls; this is the same markup.
_EVENT_ITEM = """
        <li class="event event-{kind}">
          <p class="event-head"><strong>{title}</strong>
            {transition}</p>
          <p class="event-meta"><time datetime="{at_iso}">{at_text}</time> · {who}</p>
          {reason}
          {details}
        </li>
        """


def timeline_html(rows):
    """The <li> of each row of `timeline(…)`, every value escaped."""
    reason_label = conditional_escape(_("理由："))
    items = []
    for row in rows:
        event = row["event"]
        from_state, to_state = row["from_state"], row["to_state"]
        transition = ""
        if from_state or to_state:
            moved_from = f"{conditional_escape(from_state)} → " if from_state else ""
            transition = f'<span class="transition">{moved_from}{conditional_escape(to_state)}</span>'
        reason = f'<p class="event-reason">{reason_label}{conditional_escape(event.reason)}</p>' if event.reason else ""
        details = "".join(f'<p class="event-detail">{conditional_escape(line)}</p>' for line in row["details"])
        items.append(
            _EVENT_ITEM.format(
                kind=conditional_escape(event.kind),
                title=conditional_escape(row["title"]),
                transition=transition,
                at_iso=conditional_escape(row["at_iso"]),
                at_text=conditional_escape(row["at_text"]),
                who=conditional_escape(row["who"]),
                reason=reason,
                details=details,
            )
        )
    return mark_safe("".join(items))


# A form of the case page until it is opened (web.forms.closed_form), as the action_form tag
# draws it. The page shows a dozen or more; through the template language each cost some
# four hundred function calls.
_CLOSED_FORM = """
<details{details_class} hx-get="{fields_url}" hx-trigger="toggle once" hx-target="find .lazy-fields" hx-swap="outerHTML">
  <summary{summary_class}>{summary}</summary>
  <form id="action-{dom_id}" method="post" action="{action_url}" class="stack"{enctype}>{csrf}{hidden}
    <div class="lazy-fields"><a href="{open_url}">{fill_in}</a></div>
  </form>
</details>
"""


def closed_form_html(form, csrf_input):
    return mark_safe(
        _CLOSED_FORM.format(
            details_class=f' class="{conditional_escape(form.details_class)}"' if form.details_class else "",
            fields_url=conditional_escape(form.fields_url),
            summary_class=f' class="{conditional_escape(form.summary_class)}"' if form.summary_class else "",
            summary=conditional_escape(form.summary),
            dom_id=conditional_escape(form.dom_id),
            action_url=conditional_escape(form.action_url),
            enctype=' enctype="multipart/form-data"' if form.is_multipart else "",
            csrf=csrf_input,
            hidden=conditional_escape(form.hidden),
            open_url=conditional_escape(form.open_url),
            fill_in=conditional_escape(_("填写表单")),
        )
    )
