"""How case data is shown: masked personal numbers, the QR code, and the event log in words."""

import html
import re
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext_lazy

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import AgreementForm, CaseEvent, CaseState, Channel, Complexity, DeadlineStage, EventKind, ReferralRoute, RiskGrade, Tier
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
def _choice_labels(model, field_name, language):
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def escape_text(value) -> str:
    """conditional_escape(value), for markup written out here: the same text, without Django's
    checks for lazy arguments around it (a handful of function calls a value, and a page writes
    hundreds)."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_KEPT_TRANSLATIONS: dict = {}  # (language, message) -> translation


def gettext_kept(message: str) -> str:
    """gettext(message) of a text written in the code, kept per language for the process: the
    timeline spells out each event in a few such phrases, and looking up the Chinese source
    text (which no catalogue holds) costs some thirty function calls."""
    key = (get_language(), message)
    translated = _KEPT_TRANSLATIONS.get(key)
    if translated is None:
        translated = _KEPT_TRANSLATIONS[key] = gettext(message)
    return translated


# The texts below are literals (found by makemessages under this name).
_ = gettext_kept


class TranslatedTexts:
    """The constant texts of a piece of markup written out here, translated (and escaped) once
    per language and kept for the process: a translation lookup costs some twenty to thirty
    function calls (more in Chinese, the source language, which no catalogue holds), and a
    piece drawn many times a page would repeat them for each of its labels."""

    def __init__(self, **texts):
        self.texts = texts  # name -> gettext_lazy(…)
        self.by_language = {}

    def __call__(self) -> SimpleNamespace:
        language = get_language()
        texts = self.by_language.get(language)
        if texts is None:
            texts = self.by_language[language] = SimpleNamespace(
                **{name: self.as_markup(text) for name, text in self.texts.items()}
            )
        return texts

    def as_markup(self, text) -> str:
        return escape_text(text)


class TemplateTexts(TranslatedTexts):
    """TranslatedTexts for labels a template drew with {% translate %}, which takes a
    translation as markup as it stands (an apostrophe stays one)."""

    def as_markup(self, text) -> str:
        return str(text)


def in_local_time(value):
    """An aware datetime in the current time zone, as the templates show it (a naive one as it is)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def local_minute(value) -> str:
    """`value|date:"Y-m-d H:i"` of the templates: the time in the current time zone, to the
    minute ("" for none)."""
    if value is None:
        return ""
    value = in_local_time(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


_LINE_BREAKS = re.compile(r"\r\n|\r")


def lines_html(value) -> str:
    """`value|linebreaksbr` of the templates: the text escaped, each line break a <br>."""
    text = _LINE_BREAKS.sub("\n", str(value))
    return (text if isinstance(value, SafeData) else html.escape(text)).replace("\n", "<br>")


def choice_label(obj, field_name):
    """`obj.get_<field_name>_display()`, for pages that show many: Django's rebuilds the
    field's choices into a fresh dict on every call, translating each label to hash it (some
    two hundred function calls); here the labels are translated once per language, and kept
    per model field."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)


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


@lru_cache(maxsize=None)
def _choice_members(choices, language):
    return {member.value: str(member.label) for member in choices}


def _label(choices, value):
    """str(choices(value).label), or the value itself when it is none of them; the labels
    translated once per language and kept (an enum lookup and the translation of its lazy
    label cost more than the rest of a timeline row)."""
    label = _choice_members(choices, get_language()).get(value)
    return str(value) if label is None else label


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


@lru_cache(maxsize=1024)
def _event_title(kind, action, language):
    """An event's title in `language` (the active one), kept: most of a history's events share
    a handful of titles."""
    if kind in (EventKind.TRANSITION, EventKind.ESCALATED) and action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    if kind == EventKind.NOTE and action in NOTE_ACTIONS:
        return str(NOTE_ACTIONS[action][0])
    return str(choice_label(CaseEvent(kind=kind), "kind"))


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
    zone, language = timezone.get_current_timezone(), get_language()
    rows = []
    for event in events:
        title = _event_title(event.kind, event.action, language)
        moved = event.from_state != event.to_state
        # Formatted here once: the template's date filter costs tens of microseconds a call and
        # a timeline shows two per event.
        local = event.at.astimezone(zone)
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


_TIMELINE_TEXTS = TranslatedTexts(reason=gettext_lazy("理由："))


def timeline_html(rows):
    """The <li> of each row of `timeline(…)`, every value escaped."""
    reason_label = _TIMELINE_TEXTS().reason
    items = []
    for row in rows:
        event = row["event"]
        from_state, to_state = row["from_state"], row["to_state"]
        transition = ""
        if from_state or to_state:
            moved_from = f"{escape_text(from_state)} → " if from_state else ""
            transition = f'<span class="transition">{moved_from}{escape_text(to_state)}</span>'
        reason = f'<p class="event-reason">{reason_label}{escape_text(event.reason)}</p>' if event.reason else ""
        details = "".join(f'<p class="event-detail">{escape_text(line)}</p>' for line in row["details"])
        items.append(
            _EVENT_ITEM.format(
                kind=escape_text(event.kind),
                title=escape_text(row["title"]),
                transition=transition,
                # Digits and separators, formatted by timeline() itself.
                at_iso=row["at_iso"],
                at_text=row["at_text"],
                who=escape_text(row["who"]),
                reason=reason,
                details=details,
            )
        )
    return mark_safe("".join(items))


# The case page's fact lists (纠纷情况, 分流与承办 and, once there is any, 结果), as
# web/case_detail.html drew them: some forty labels and values, each through the template
# language a few dozen function calls.
_FACTS_TEXTS = TemplateTexts(
    situation=gettext_lazy("纠纷情况"),
    dispute_type=gettext_lazy("纠纷类型"),
    channel=gettext_lazy("来源渠道"),
    village=gettext_lazy("村(社区)"),
    compound=gettext_lazy("村民小组/小区"),
    grid=gettext_lazy("网格"),
    address=gettext_lazy("纠纷发生地址"),
    coordinates=gettext_lazy("坐标"),
    people=gettext_lazy("涉及人数"),
    amount=gettext_lazy("争议金额(元)"),
    group=gettext_lazy("群体性纠纷"),
    criminal_risk=gettext_lazy("有民转刑风险"),
    risk_grade=gettext_lazy("风险等级"),
    complexity=gettext_lazy("复杂程度"),
    routing=gettext_lazy("分流与承办"),
    state=gettext_lazy("状态"),
    tier=gettext_lazy("调处层级"),
    unit=gettext_lazy("承办单位"),
    mediator=gettext_lazy("承办调解员"),
    unassigned=gettext_lazy("未分派"),
    sanlian=gettext_lazy("需“三联三议”"),
    escalated_from=gettext_lazy("原承办单位(上报前)"),
    reported_by=gettext_lazy("登记人"),
    created_at=gettext_lazy("登记时间"),
    accepted_at=gettext_lazy("受理时间"),
    due_stage=gettext_lazy("当前时限环节"),
    due_date=gettext_lazy("当前时限"),
    overdue=gettext_lazy("已超期"),
    mediation_due=gettext_lazy("调解期限"),
    extended_days=gettext_lazy("经当事人同意延长(日)"),
    recurrence_of=gettext_lazy("复发自"),
    recurrences=gettext_lazy("复发案件"),
    outcome=gettext_lazy("结果"),
    pointed_to=gettext_lazy("不予受理时告知的途径"),
    agreement_form=gettext_lazy("协议形式"),
    performance_due=gettext_lazy("约定履行期限"),
    referral_route=gettext_lazy("移送途径"),
    referred_to=gettext_lazy("移送/上交至"),
    concluded_at=gettext_lazy("调解结束时间"),
    closed_at=gettext_lazy("办结时间"),
    within_limits=gettext_lazy("按期办结"),
    inside_subdistrict=gettext_lazy("在街道内化解"),
)


def _value_html(value) -> str:
    """`{{ value }}` of the templates: numbers localised, None spelled "None", escaped."""
    if type(value) is str:
        return html.escape(value)
    return escape_text(formats.localize(value))


def day_text(value) -> str:
    """`value|date:"Y-m-d"` of the templates, for a date or a datetime ("" for none)."""
    return "" if value is None else f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _yes_no(value, choices: str) -> str:
    """`value|yesno:choices` of the templates, `choices` the translation of "是,否" or "是,否,—"."""
    options = choices.split(",")
    if value is None and len(options) == 3:
        return options[2]
    return options[0] if value else options[1]


def _name_html(related) -> str:
    """`{{ related.name }}` of the templates ("" for none)."""
    return "" if related is None else _value_html(related.name)


def person_html(user) -> str:
    """`{{ user.get_full_name|default:user.username }}` ("" for no user)."""
    return "" if user is None else escape_text(user.get_full_name() or user.username)


def _fact(label, value_html) -> str:
    return f"<div><dt>{label}</dt><dd>{value_html}</dd></div>"


def case_facts_html(case, recurrences):
    """The fact lists of the case page; `recurrences`: the cases recurring from it the user may open."""
    t = _FACTS_TEXTS()
    overdue = f' <span class="badge badge-overdue">{t.overdue}</span>' if case.is_overdue else ""
    if case.latitude is not None and case.longitude is not None:
        coordinates = f"{_value_html(case.latitude)}, {_value_html(case.longitude)}"
    else:
        coordinates = "—"
    situation = [
        _fact(t.dispute_type, _name_html(case.dispute_type)),
        _fact(t.channel, escape_text(choice_label(case, "channel"))),
        _fact(t.village, _name_html(case.village)),
        _fact(t.compound, escape_text((case.compound.name if case.compound else "") or "—")),
        _fact(t.grid, escape_text((case.grid.name if case.grid else "") or "—")),
        _fact(t.address, _value_html(case.address)),
        _fact(t.coordinates, coordinates),
        _fact(t.people, _value_html(case.people_involved)),
        _fact(t.amount, "—" if case.amount_in_dispute is None else _value_html(case.amount_in_dispute)),
        _fact(t.group, escape_text(_yes_no(case.is_group, _("是,否")))),
        _fact(t.criminal_risk, escape_text(_yes_no(case.criminal_risk, _("是,否")))),
        _fact(t.risk_grade, escape_text(choice_label(case, "risk_grade"))),
        _fact(t.complexity, escape_text(choice_label(case, "complexity"))),
    ]
    routing = [
        _fact(t.state, escape_text(choice_label(case, "state"))),
        _fact(t.tier, escape_text(choice_label(case, "tier"))),
        _fact(t.unit, _name_html(case.assigned_unit)),
        _fact(t.mediator, person_html(case.mediator) if case.mediator else t.unassigned),
        _fact(t.sanlian, escape_text(_yes_no(case.needs_sanlian, _("是,否")))),
    ]
    if case.escalated_from_unit_id:
        routing.append(_fact(t.escalated_from, _name_html(case.escalated_from_unit)))
    routing += [
        _fact(t.reported_by, person_html(case.reported_by)),
        _fact(t.created_at, escape_text(local_minute(case.created_at))),
        _fact(t.accepted_at, escape_text(local_minute(case.accepted_at) or "—")),
        _fact(t.due_stage, escape_text(stage_label(case.due_stage) or "—")),
        _fact(t.due_date, escape_text(day_text(case.due_date) or "—") + overdue),
        _fact(t.mediation_due, escape_text(day_text(case.mediation_due_date) or "—")),
        _fact(t.extended_days, _value_html(case.mediation_extended_days)),
    ]
    if case.recurrence_of:
        link = f'<a href="{escape_text(url_path("web:case_detail", case.recurrence_of.pk))}">{_value_html(case.recurrence_of.number)}</a>'
        routing.append(_fact(t.recurrence_of, link))
    if recurrences:
        links = "、".join(
            f'<a href="{escape_text(url_path("web:case_detail", other.pk))}">{_value_html(other.number)}</a>' for other in recurrences
        )
        routing.append(_fact(t.recurrences, links))
    sections = [
        f"""<section class="card">
      <h2>{t.situation}</h2>
      <p class="description">{lines_html(case.description)}</p>
      <dl class="facts">
        {"".join(situation)}
      </dl>
    </section>""",
        f"""<section class="card">
      <h2>{t.routing}</h2>
      <dl class="facts">
        {"".join(routing)}
      </dl>
    </section>""",
    ]
    if case.agreement_form or case.referral_route or case.referred_to or case.rejection_pointed_to or case.concluded_at or case.closed_at:
        outcome = []
        if case.rejection_pointed_to:
            outcome.append(_fact(t.pointed_to, _value_html(case.rejection_pointed_to)))
        if case.agreement_form:
            outcome.append(_fact(t.agreement_form, escape_text(choice_label(case, "agreement_form"))))
        if case.performance_due:
            outcome.append(_fact(t.performance_due, escape_text(day_text(case.performance_due))))
        if case.referral_route:
            outcome.append(_fact(t.referral_route, escape_text(choice_label(case, "referral_route"))))
        if case.referred_to:
            outcome.append(_fact(t.referred_to, _value_html(case.referred_to)))
        if case.concluded_at:
            outcome.append(_fact(t.concluded_at, escape_text(local_minute(case.concluded_at))))
        if case.closed_at:
            outcome += [
                _fact(t.closed_at, escape_text(local_minute(case.closed_at))),
                _fact(t.within_limits, escape_text(_yes_no(case.closed_within_limits, _("是,否,—")))),
                _fact(t.inside_subdistrict, escape_text(_yes_no(case.closed_inside_subdistrict, _("是,否,—")))),
            ]
        sections.append(
            f"""<section class="card">
      <h2>{t.outcome}</h2>
      <dl class="facts">
        {"".join(outcome)}
      </dl>
    </section>"""
        )
    return mark_safe("\n\n    ".join(sections))


# The head of the case page (number, title, badges) and its 办理时限 card, as
# web/case_detail.html drew them.
_HEAD_TEXTS = TemplateTexts(
    overdue=gettext_lazy("已超期"),
    group=gettext_lazy("群体性"),
    criminal_risk=gettext_lazy("民转刑风险"),
    sanlian=gettext_lazy("三联三议"),
    print_form=gettext_lazy("打印登记表"),
    time_limit=gettext_lazy("办理时限"),
    no_limit=gettext_lazy("当前环节没有时限。"),
    mediation_due=gettext_lazy("调解期限"),
)


def case_head_html(case):
    t = _HEAD_TEXTS()
    badges = "".join(
        f'\n      <span class="badge{css}">{text}</span>'
        for shown, css, text in (
            (case.is_overdue, " badge-overdue", t.overdue),
            (case.is_group, " badge-warn", t.group),
            (case.criminal_risk, " badge-warn", t.criminal_risk),
            (case.needs_sanlian, "", t.sanlian),
        )
        if shown
    )
    risk = _("%(grade)s色风险") % {"grade": escape_text(choice_label(case, "risk_grade"))}
    return mark_safe(
        f"""<div class="page-head case-head">
  <div>
    <p class="case-number">{_value_html(case.number)}</p>
    <h1>{_value_html(case.title)}</h1>
    <p class="badges">
      <span class="badge state state-{_value_html(case.state)}">{escape_text(choice_label(case, "state"))}</span>
      <span class="badge risk-{_value_html(case.risk_grade)}">{risk}</span>
      <span class="badge">{escape_text(choice_label(case, "complexity"))}</span>{badges}
    </p>
  </div>
  <a class="btn no-print" href="{escape_text(url_path("web:case_print", case.pk))}">{t.print_form}</a>
</div>"""
    )


def case_deadline_html(case):
    t = _HEAD_TEXTS()
    if case.due_date:
        stage = _("%(stage)s环节期限") % {"stage": escape_text(stage_label(case.due_stage))}
        day = day_text(case.due_date)
        overdue = f'<span class="badge badge-overdue">{t.overdue}</span>' if case.is_overdue else ""
        due = f"""<p class="due"><span class="muted">{stage}</span>
          <strong><time datetime="{day}">{day}</time></strong>
          {overdue}</p>"""
    else:
        due = f'<p class="muted">{t.no_limit}</p>'
    mediation = ""
    if case.mediation_due_date:
        extended = ""
        if case.mediation_extended_days:
            extended = " · " + _("经当事人同意已延长%(days)s日") % {"days": _value_html(case.mediation_extended_days)}
        mediation = f'<p class="muted">{t.mediation_due} {day_text(case.mediation_due_date)}{extended}</p>'
    return mark_safe(
        f"""<section class="card deadline{" is-overdue" if case.is_overdue else ""}">
      <h2>{t.time_limit}</h2>
      {due}
      {mediation}
    </section>"""
    )


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


_CLOSED_FORM_TEXTS = TranslatedTexts(fill_in=gettext_lazy("填写表单"))


def closed_form_html(form, csrf_input):
    return mark_safe(
        _CLOSED_FORM.format(
            details_class=f' class="{escape_text(form.details_class)}"' if form.details_class else "",
            fields_url=escape_text(form.fields_url),
            summary_class=f' class="{escape_text(form.summary_class)}"' if form.summary_class else "",
            summary=escape_text(form.summary),
            dom_id=escape_text(form.dom_id),
            action_url=escape_text(form.action_url),
            enctype=' enctype="multipart/form-data"' if form.is_multipart else "",
            csrf=csrf_input,
            hidden=escape_text(form.hidden),
            open_url=escape_text(form.open_url),
            fill_in=_CLOSED_FORM_TEXTS().fill_in,
        )
    )


# A party of the case page (web/_party_card.html draws it with the party_card tag), with its
# ID number and phones masked unless `revealed`. Through the template language a card cost
# over a thousand function calls.
_PARTY_CARD = """<li class="party" id="party-{pk}">
  <p class="party-head"><strong>{name}</strong> <span class="badge">{role}</span> <span class="muted">{kind}</span></p>
  <dl class="facts compact">
    <div><dt>{t.id_number}</dt><dd class="mono">{id_number}</dd></div>
    <div><dt>{t.phone}</dt><dd class="mono">{phone}</dd></div>
    <div><dt>{t.address}</dt><dd>{address}</dd></div>
    {representative}
  </dl>
  {reveal}
</li>
"""
_PARTY_REPRESENTATIVE = """<div><dt>{t.representative}</dt><dd>{name}{phone}</dd></div>"""
_PARTY_REVEAL = """<details class="reveal no-print">
    <summary>{t.reveal}</summary>
    <form method="post" action="{url}" class="stack" hx-post="{url}" hx-target="#party-{pk}" hx-swap="outerHTML">{csrf}
      <div class="field">
        <label for="reveal-reason-{pk}">{t.reason}</label>
        <input type="text" name="reason" id="reveal-reason-{pk}" maxlength="150" required placeholder="{t.reason_example}">
      </div>
      <button type="submit" class="btn btn-small">{t.show}</button>
    </form>
  </details>"""
_PARTY_TEXTS = TranslatedTexts(
    id_number=gettext_lazy("证件号码"),
    phone=gettext_lazy("联系电话"),
    address=gettext_lazy("住址"),
    representative=gettext_lazy("代理人/法定代表人"),
    revealed=gettext_lazy("完整信息仅本次显示，查看已记录。"),
    reveal=gettext_lazy("查看完整信息"),
    reason=gettext_lazy("查看事由（将记录在案）"),
    reason_example=gettext_lazy("如：电话联系当事人约定调解时间"),
    show=gettext_lazy("显示"),
)


def party_card_html(party, *, case_id, revealed, may_reveal, csrf_input):
    """One party's card; `may_reveal`: whether the user may ask for the full numbers (a form
    asking why, posted to party_reveal, for a party that has any)."""
    texts = _PARTY_TEXTS()
    if revealed:
        id_number, phone, representative_phone = party.id_number, party.phone, party.representative_phone
    else:
        id_number, phone = mask_id_number(party.id_number), mask_phone(party.phone)
        representative_phone = mask_phone(party.representative_phone)
    representative = ""
    if party.representative_name or party.representative_phone:
        representative = _PARTY_REPRESENTATIVE.format(
            t=texts,
            name=escape_text(party.representative_name or "—"),
            phone=f' · <span class="mono">{escape_text(representative_phone)}</span>' if party.representative_phone else "",
        )
    reveal = ""
    if revealed:
        reveal = f'<p class="muted small">{texts.revealed}</p>'
    elif may_reveal and (party.id_number or party.phone or party.representative_phone):
        url = escape_text(url_path("web:party_reveal", case_id, party.pk))
        reveal = _PARTY_REVEAL.format(t=texts, url=url, pk=escape_text(party.pk), csrf=csrf_input)
    return mark_safe(
        _PARTY_CARD.format(
            t=texts,
            pk=escape_text(party.pk),
            name=escape_text(party.name),
            role=escape_text(choice_label(party, "role")),
            kind=escape_text(choice_label(party, "kind")),
            id_number=escape_text(id_number or "—"),
            phone=escape_text(phone or "—"),
            address=escape_text(party.address or "—"),
            representative=representative,
            reveal=reveal,
        )
    )
