"""Each standard document of a case, built once as a structure (see content.py) from what is on
file. A builder refuses with DocumentUnavailable when its data is not on file, before a number
is issued, so a refused document never uses up a number.

Personal data: documents the parties sign or that go to a court (申请书, 调解协议书, 口头协议登记表,
司法确认申请书) carry full identity numbers and phone numbers, because the signature and the
court's check depend on them. Internal forms (受理登记表, records, 回访记录, 结案报告表, 移送登记表)
mask them the way the case page does (1101**********002X, 138****8000); notices addressed to the
parties (告知书) and the dossier cover carry names only."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Callable

from django.utils import timezone

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import AgreementForm, Case, CaseState, Channel, EventKind, PartyKind, PartyRole
from jiefen.mediation.models import (
    Agreement,
    JudicialConfirmation,
    MediationPlan,
    PoliceReport,
    Record,
    RecordKind,
    RightsNotice,
)
from jiefen.organisation.models import Unit, UnitKind
from jiefen.web.display import mask_id_number, mask_phone

from .content import (
    Closing,
    Document,
    FormTable,
    GridTable,
    Heading,
    Paragraph,
    SignatureLine,
    Signatures,
    cn_date,
    cn_datetime,
    label,
    value,
)
from .errors import DocumentUnavailable
from .services import document_number_issue


# ---------------------------------------------------------------- helpers


def local_date(moment):
    if moment is None:
        return None
    if isinstance(moment, date) and not hasattr(moment, "hour"):
        return moment
    return timezone.localtime(moment).date()


def person_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.username


def id_facts(id_number: str):
    """Sex and birth date read from an 18-character citizen identity number (GB 11643)."""
    number = (id_number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        return None, None
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, None
    return ("男" if int(number[16]) % 2 else "女"), birth


# Set while building for a user without the reveal permission: the documents that normally
# carry full identity numbers and phones (the ones parties sign) are masked like the forms.
_MASKED = ContextVar("documents_mask_personal_data", default=False)


@contextmanager
def personal_data_masked(masked: bool = True):
    token = _MASKED.set(masked)
    try:
        yield
    finally:
        _MASKED.reset(token)


def party_description(party, *, role: str | None = None, full: bool = True) -> str:
    """申请人：张三，男，1949年12月31日出生，公民身份号码：…，住址：…，联系电话：…。"""
    full = full and not _MASKED.get()
    role = role or party.get_role_display()
    show_id = (lambda v: v) if full else mask_id_number
    show_phone = (lambda v: v) if full else mask_phone
    parts = [f"{role}：{party.name}"]
    if party.kind == PartyKind.PERSON:
        sex, birth = id_facts(party.id_number)
        if sex:
            parts += [sex, f"{cn_date(birth)}出生"]
        if party.id_number:
            parts.append(f"公民身份号码：{show_id(party.id_number)}")
        if party.address:
            parts.append(f"住址：{party.address}")
    else:
        if party.id_number:
            parts.append(f"统一社会信用代码：{show_id(party.id_number)}")
        if party.address:
            parts.append(f"住所：{party.address}")
    if party.phone:
        parts.append(f"联系电话：{show_phone(party.phone)}")
    text = "，".join(parts) + "。"
    if party.representative_name:
        who = "法定代表人" if party.kind == PartyKind.ORGANISATION else "委托代理人"
        text += f"{who}：{party.representative_name}"
        if party.representative_phone:
            text += f"，联系电话：{show_phone(party.representative_phone)}"
        text += "。"
    return text


def party_rows(parties, *, full: bool) -> list:
    """Two form rows per party: name and phone, identity number and address."""
    full = full and not _MASKED.get()
    show_id = (lambda v: v) if full else mask_id_number
    show_phone = (lambda v: v) if full else mask_phone
    rows = []
    for party in parties:
        sex, birth = id_facts(party.id_number) if party.kind == PartyKind.PERSON else (None, None)
        # A masked form hides the birth date the masked identity number hides.
        facts = (f"{sex}，{cn_date(birth)}出生" if full else sex) if sex else ""
        name = party.name + (f"（{facts}）" if facts else "")
        rows.append([label(party.get_role_display()), value(name), label("联系电话"), value(show_phone(party.phone) or "—")])
        id_label = "身份证号码" if party.kind == PartyKind.PERSON else "信用代码"
        rows.append([label(id_label), value(show_id(party.id_number) or "—"), label("住址"), value(party.address or "—")])
        if party.representative_name:
            who = "法定代表人" if party.kind == PartyKind.ORGANISATION else "委托代理人"
            rows.append(
                [label(who), value(party.representative_name), label("联系电话"), value(show_phone(party.representative_phone) or "—")]
            )
    return rows


def case_place(case) -> str:
    """村(社区)、小区 and address, without repeating a name the address already starts with."""
    address = case.address or ""
    if address.startswith(case.village.name):
        return address
    compound = case.compound.name if case.compound_id and case.compound.name not in address else ""
    return case.village.name + compound + address


def party_names(parties) -> str:
    return "、".join(p.name for p in parties)


COMMITTEE_FOR_ROOM = {
    UnitKind.VILLAGE_MEDIATION_ROOM: UnitKind.VILLAGE_MEDIATION_COMMITTEE,
    UnitKind.SUBDISTRICT_MEDIATION_ROOM: UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE,
}


def committee_name(case: Case, agreement: Agreement | None = None) -> str:
    """The people's mediation committee in whose name documents are issued. A 小马调解室 works
    under the committee of its village (or of the subdistrict), so its documents bear that name."""
    if agreement is not None:
        return agreement.committee.name
    unit = case.assigned_unit
    parent_kind = COMMITTEE_FOR_ROOM.get(unit.kind)
    if parent_kind:
        committee = Unit.objects.filter(area=unit.area, kind=parent_kind, is_active=True).order_by("id").first()
        if committee is not None:
            return committee.name
    return unit.name


LIFECYCLE_KINDS = (EventKind.TRANSITION, EventKind.ESCALATED)


def loaded(case: Case, name: str):
    """The rows of `case.<name>` when the case page has already loaded them (web.panels), else
    None: the dossier checklist then reads them from memory instead of querying again."""
    if name in getattr(case, "page_empty", ()):
        return []
    if name == "lifecycle_events":
        return getattr(case, name, None)
    return getattr(case, "_prefetched_objects_cache", {}).get(name)


def transition_events(case: Case, action: str):
    events = loaded(case, "lifecycle_events")
    if events is not None:
        return [event for event in events if event.action == action]
    return list(case.events.filter(kind__in=LIFECYCLE_KINDS, action=action).order_by("id"))


def last_transition(case: Case, action: str):
    events = transition_events(case, action)
    return events[-1] if events else None


def was_rejected(case: Case) -> bool:
    return case.state == CaseState.REJECTED or bool(transition_events(case, "reject"))


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def body(text: str, style: str = "body") -> list:
    return [Paragraph(line, style) for line in lines(text)]


def mediator_names(case: Case, record: Record | None = None) -> str:
    if record is not None and record.session_id:
        names = [person_name(u) for u in record.session.mediators.all()]
        if names:
            return "、".join(names)
    return person_name(case.mediator) or "—"


@dataclass
class Draft:
    """What a builder returns: the document without its number."""

    title: str
    issuer: str
    on: date | None
    blocks: list
    label: str = ""  # distinguishes one of several (e.g. the record's date)


# ---------------------------------------------------------------- 申请书


def applicants(case):
    return [p for p in case.parties.all() if p.role == PartyRole.APPLICANT]


def application_refs(case):
    return [0] if case.channel == Channel.PARTY_APPLICATION and applicants(case) else []


def build_application(case: Case, ref: int) -> Draft:
    if case.channel != Channel.PARTY_APPLICATION:
        raise DocumentUnavailable("本案来源渠道为“%s”，不是当事人申请，没有人民调解申请书。" % case.get_channel_display())
    parties = list(case.parties.all())
    appl = [p for p in parties if p.role == PartyRole.APPLICANT]
    if not appl:
        raise DocumentUnavailable("本案没有登记申请人，无法生成人民调解申请书。")
    others = [p for p in parties if p.role != PartyRole.APPLICANT]
    committee = committee_name(case)
    on = local_date(case.created_at)
    blocks = [Paragraph(party_description(p), "plain") for p in appl]
    blocks += [Paragraph(party_description(p), "plain") for p in others]
    blocks.append(Heading("申请事项"))
    blocks.append(
        Paragraph(f"请求{committee}依法调解申请人与{party_names(others) or '对方当事人'}之间的{case.dispute_type.name}纠纷（{case.title}）。")
    )
    blocks.append(Heading("事实和理由"))
    blocks += body(case.description)
    blocks.append(Paragraph(f"纠纷发生地：{case_place(case)}。"))
    if case.amount_in_dispute is not None:
        blocks.append(Paragraph(f"争议金额：人民币{case.amount_in_dispute}元。"))
    blocks.append(Paragraph("申请人自愿申请人民调解，并保证所陈述的事实真实。"))
    blocks.append(Paragraph("此致", "plain"))
    blocks.append(Paragraph(committee, "plain"))
    blocks.append(Signatures([SignatureLine("申请人", p.name) for p in appl], note="（申请人签名、盖章或者按指印）"))
    return Draft("人民调解申请书", "", on, blocks)


# ---------------------------------------------------------------- 受理登记表


def acceptance_refs(case):
    return [0] if case.accepted_at or was_rejected(case) else []


def build_acceptance(case: Case, ref: int) -> Draft:
    rejected = last_transition(case, "reject")
    if not case.accepted_at and rejected is None:
        raise DocumentUnavailable("本案尚未作出受理或不予受理的决定，受理登记表还不能生成。")
    parties = list(case.parties.all())
    on = local_date(case.accepted_at) if case.accepted_at else local_date(rejected.at)
    if rejected is not None:
        decision = f"不予受理。理由：{rejected.reason}。已告知当事人可通过以下途径解决：{case.rejection_pointed_to or rejected.data.get('pointed_to', '')}。"
    else:
        decision = f"同意受理，由{case.assigned_unit.name}（{case.get_tier_display()}）承办。"
    place = case_place(case)
    rows = [
        [label("案件编号"), value(case.number), label("登记日期"), value(cn_date(local_date(case.created_at)))],
        [label("纠纷简题"), value(case.title, 3)],
        [label("纠纷类型"), value(case.dispute_type.name), label("来源渠道"), value(case.get_channel_display())],
        *party_rows(parties, full=False),
        [label("纠纷发生地"), value(place, 3)],
        [label("涉及人数"), value(case.people_involved), label("争议金额(元)"), value(case.amount_in_dispute if case.amount_in_dispute is not None else "—")],
        [label("风险等级"), value(case.get_risk_grade_display() + "色"), label("复杂程度"), value(case.get_complexity_display())],
        [label("群体性纠纷"), value("是" if case.is_group else "否"), label("民转刑风险"), value("有" if case.criminal_risk else "无")],
        [label("纠纷简要情况"), value(case.description, 3, tall=True)],
        [label("受理意见"), value(decision, 3, tall=True)],
        [label("承办单位"), value(case.assigned_unit.name), label("承办调解员"), value(person_name(case.mediator) or "待分派")],
        [label("登记人"), value(person_name(case.reported_by)), label("受理（决定）日期"), value(cn_date(on))],
    ]
    blocks = [FormTable(rows), Signatures([SignatureLine("受理人（签名）", person_name(case.mediator))])]
    return Draft("人民调解受理登记表", committee_name(case), on, blocks)


# ---------------------------------------------------------------- 不予受理告知书


def rejection_refs(case):
    return [0] if transition_events(case, "reject") else []


def build_rejection(case: Case, ref: int) -> Draft:
    event = last_transition(case, "reject")
    if event is None:
        raise DocumentUnavailable("本案没有不予受理的决定，无法生成不予受理告知书。")
    parties = list(case.parties.all())
    committee = committee_name(case)
    on = local_date(event.at)
    pointed = case.rejection_pointed_to or event.data.get("pointed_to", "")
    blocks = [
        Paragraph(f"{party_names(parties)}：", "plain"),
        Paragraph(
            f"你（们）于{cn_date(local_date(case.created_at))}提出调解的{case.dispute_type.name}纠纷（{case.title}，案件编号{case.number}），"
            f"经本委员会审查，因{event.reason}，本委员会决定不予受理。"
        ),
        Paragraph(f"你（们）可以通过以下途径解决该纠纷：{pointed}。"),
        Paragraph("特此告知。"),
        Closing(committee, on),
        Signatures([SignatureLine(p.get_role_display(), p.name) for p in parties], note="当事人签收："),
    ]
    return Draft("不予受理告知书", committee, on, blocks)


# ---------------------------------------------------------------- 权利义务告知书


RIGHTS = (
    "（一）选择或者接受人民调解员；",
    "（二）接受调解、拒绝调解或者要求终止调解；",
    "（三）要求调解公开进行或者不公开进行；",
    "（四）自主表达意愿、自愿达成调解协议。",
)
DUTIES = (
    "（一）如实陈述纠纷事实；",
    "（二）遵守调解现场秩序，尊重人民调解员；",
    "（三）尊重对方当事人行使权利。",
)


def rights_notice_refs(case):
    if loaded(case, "rights_notice") == []:
        return []
    if Case.rights_notice.is_cached(case):
        return [0] if getattr(case, "rights_notice", None) is not None else []
    return [0] if RightsNotice.objects.filter(case=case).exists() else []


def build_rights_notice(case: Case, ref: int) -> Draft:
    notice = RightsNotice.objects.filter(case=case).select_related("served_by").first()
    if notice is None:
        raise DocumentUnavailable("本案尚未登记权利义务告知（《人民调解工作若干规定》第三十条），无法生成权利义务告知书。")
    parties = list(case.parties.all())
    committee = committee_name(case)
    on = local_date(notice.served_at)
    blocks = [
        Paragraph(f"{party_names(parties)}：", "plain"),
        Paragraph(
            f"你（们）之间的{case.dispute_type.name}纠纷（{case.title}）由本委员会调解。根据《中华人民共和国人民调解法》"
            "第二十三条、第二十四条的规定，现将当事人在人民调解活动中享有的权利和应当履行的义务告知如下："
        ),
        Heading("一、当事人享有下列权利"),
        *[Paragraph(text) for text in RIGHTS],
        Heading("二、当事人应当履行下列义务"),
        *[Paragraph(text) for text in DUTIES],
        Heading("三、其他事项"),
        Paragraph("（一）人民调解委员会调解民间纠纷，不收取任何费用。"),
        Paragraph("（二）经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"),
        Paragraph("（三）达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。"),
        Paragraph("（四）调解不成的，当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。"),
    ]
    plan = MediationPlan.objects.filter(case=case).first()
    if plan is not None:
        how = "公开" if plan.is_public else f"不公开（{plan.get_private_reason_display() or '当事人要求'}）"
        blocks.append(Paragraph(f"（五）本纠纷的调解{how}进行。"))
    blocks += [
        Paragraph(f"告知方式：{notice.method}。告知人：{person_name(notice.served_by)}。告知时间：{cn_date(on)}。"),
        Closing(committee, on),
        Signatures([SignatureLine(p.get_role_display(), p.name) for p in parties], note="以上告知内容已知悉。当事人签名："),
    ]
    return Draft("人民调解权利义务告知书", committee, on, blocks)


# ---------------------------------------------------------------- 调查记录 / 调解记录


def record_refs(kind):
    def refs(case):
        records = loaded(case, "records")  # in the model's order, held_at then id
        if records is not None:
            return [record.id for record in records if record.kind == kind]
        return list(case.records.filter(kind=kind).order_by("held_at", "id").values_list("id", flat=True))

    return refs


def _record(case, ref, kind, name):
    record = case.records.filter(pk=ref, kind=kind).select_related("recorded_by", "session").first() if ref else None
    if record is None:
        if not case.records.filter(kind=kind).exists():
            raise DocumentUnavailable(f"本案尚未登记{name}，无法生成{name}。")
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的{name}。")
    return record


def build_investigation(case: Case, ref: int) -> Draft:
    record = _record(case, ref, RecordKind.INVESTIGATION, "调查记录")
    on = local_date(record.held_at)
    rows = [
        [label("案件编号"), value(case.number), label("纠纷简题"), value(case.title)],
        [label("调查时间"), value(cn_datetime(record.held_at)), label("调查地点"), value(record.place)],
        [label("调查人"), value(mediator_names(case, record)), label("记录人"), value(person_name(record.recorded_by))],
        [label("被调查人及参加人员"), value(record.participants, 3)],
        [label("调查情况"), value(record.statements, 3, tall=True)],
        [label("调查结论"), value(record.result or "—", 3)],
    ]
    blocks = [
        FormTable(rows),
        Paragraph("以上记录已向被调查人宣读（或交其阅读），与所述一致。", "note"),
        Signatures([SignatureLine("被调查人（签名）"), SignatureLine("调查人（签名）", mediator_names(case, record)), SignatureLine("记录人（签名）", person_name(record.recorded_by))]),
    ]
    return Draft("人民调解调查记录", committee_name(case), on, blocks, label=cn_date(on))


def build_mediation_record(case: Case, ref: int) -> Draft:
    record = _record(case, ref, RecordKind.MEDIATION, "调解记录")
    parties = list(case.parties.all())
    on = local_date(record.held_at)
    rows = [
        [label("案件编号"), value(case.number), label("纠纷简题"), value(case.title)],
        [label("调解时间"), value(cn_datetime(record.held_at)), label("调解地点"), value(record.place)],
        [label("当事人"), value(party_names(parties), 3)],
        [label("调解员"), value(mediator_names(case, record)), label("记录人"), value(person_name(record.recorded_by))],
        [label("参加人员"), value(record.participants, 3)],
        [label("调解情况"), value(record.statements, 3, tall=True)],
        [label("调解结果"), value(record.result or "—", 3)],
    ]
    blocks = [
        FormTable(rows),
        Paragraph("以上记录已向当事人宣读（或交其阅读），与所述一致。", "note"),
        Signatures(
            [SignatureLine(p.get_role_display(), p.name) for p in parties]
            + [SignatureLine("调解员", mediator_names(case, record)), SignatureLine("记录人", person_name(record.recorded_by))],
            note="（当事人签名或者按指印，调解员、记录人签名）",
        ),
    ]
    return Draft("人民调解记录", committee_name(case), on, blocks, label=cn_date(on))


# ---------------------------------------------------------------- 调解协议书 / 口头协议登记表


def agreement_refs(form):
    """The agreements that count: those in effect, and the latest draft while it awaits signing
    (an earlier draft replaced by a new one is no document of the case)."""

    def refs(case):
        agreements = loaded(case, "agreements")  # in id order
        if agreements is not None:
            rows = [(a.id, a.form, a.effective_at) for a in agreements]
        else:
            rows = list(case.agreements.order_by("id").values_list("id", "form", "effective_at"))
        latest = rows[-1][0] if rows else None
        return [pk for pk, kind, effective in rows if kind == form and (effective is not None or pk == latest)]

    return refs


def _agreement(case, ref, form, name):
    agreement = (
        case.agreements.filter(pk=ref, form=form).select_related("committee", "mediator").first()
        if ref in agreement_refs(form)(case)
        else None
    )
    if agreement is None:
        what = "书面调解协议" if form == AgreementForm.WRITTEN else "口头调解协议"
        if not case.agreements.filter(form=form).exists():
            raise DocumentUnavailable(f"本案没有{what}，无法生成{name}。")
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的{what}。")
    return agreement


def performance_table(agreement) -> GridTable | None:
    items = list(agreement.items.select_related("obligor").order_by("due_date", "id"))
    if not items:
        return None
    rows = [
        [str(i), item.what, item.obligor.name, item.how, cn_date(item.due_date) + "前", item.place or "—"]
        for i, item in enumerate(items, 1)
    ]
    return GridTable(["序号", "履行事项", "履行人", "履行方式", "履行期限", "履行地点"], rows, (9, 28, 11, 20, 17, 15))


def performance_sentences(agreement) -> list[str]:
    return [
        f"{index}. {item.what}：由{item.obligor.name}以{item.how}的方式，于{cn_date(item.due_date)}前"
        + (f"在{item.place}" if item.place else "")
        + "履行。"
        for index, item in enumerate(agreement.items.select_related("obligor").order_by("due_date", "id"), 1)
    ]


def signature_date(agreement):
    return local_date(agreement.effective_at) if agreement.effective_at else None


def build_agreement(case: Case, ref: int) -> Draft:
    agreement = _agreement(case, ref, AgreementForm.WRITTEN, "调解协议书")
    parties = list(case.parties.all())
    committee = agreement.committee.name
    on = signature_date(agreement) or local_date(agreement.created_at)
    blocks = [Paragraph(party_description(p), "plain") for p in parties]
    blocks.append(Heading("一、纠纷主要事实、争议事项及各方责任"))
    blocks += body(agreement.facts)
    blocks += body("争议事项：" + agreement.matters_in_dispute)
    if agreement.responsibilities:
        blocks += body("各方责任：" + agreement.responsibilities)
    blocks.append(Heading("二、协议内容"))
    blocks.append(Paragraph("经人民调解委员会主持调解，当事人自愿达成如下协议："))
    blocks += body(agreement.terms)
    blocks.append(Heading("三、履行方式、时限和地点"))
    table = performance_table(agreement)
    if table is not None:
        blocks.append(table)
    elif case.performance_due:
        blocks.append(Paragraph(f"当事人按上述协议内容，于{cn_date(case.performance_due)}前履行完毕。"))
    else:
        raise DocumentUnavailable("调解协议尚未写明履行方式和期限（《人民调解工作若干规定》第三十五条），无法生成调解协议书。")
    blocks.append(Heading("四、其他事项"))
    blocks.append(
        Paragraph("本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。")
    )
    blocks.append(Paragraph("经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"))
    if not case.dispute_type.is_personal_status:
        blocks.append(Paragraph("双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"))
    blocks.append(Paragraph(f"本协议一式{agreement.copies}份，当事人各执一份，人民调解委员会留存一份。"))
    blocks.append(Paragraph("（以下无正文）", "plain"))
    blocks.append(
        Signatures(
            [SignatureLine(p.get_role_display(), p.name) for p in parties]
            + [SignatureLine("人民调解员", person_name(agreement.mediator))],
            note="（当事人签名、盖章或者按指印，人民调解员签名）",
        )
    )
    blocks.append(Closing(committee, signature_date(agreement)))
    return Draft("人民调解协议书", committee, on, blocks)


def build_oral_agreement(case: Case, ref: int) -> Draft:
    agreement = _agreement(case, ref, AgreementForm.ORAL, "口头协议登记表")
    parties = list(case.parties.all())
    on = signature_date(agreement) or local_date(agreement.created_at)
    items = performance_sentences(agreement)
    if not items and case.performance_due:
        items = [f"于{cn_date(case.performance_due)}前履行完毕。"]
    rows = [
        [label("案件编号"), value(case.number), label("达成日期"), value(cn_date(on))],
        *party_rows(parties, full=True),
        [label("纠纷主要事实"), value(agreement.facts, 3, tall=True)],
        [label("争议事项"), value(agreement.matters_in_dispute, 3)],
        [label("各方责任"), value(agreement.responsibilities or "—", 3)],
        [label("协议内容"), value(agreement.terms, 3, tall=True)],
        [label("履行方式、时限和地点"), value("\n".join(items) or "—", 3)],
        [label("调解员"), value(person_name(agreement.mediator)), label("登记人"), value(person_name(agreement.created_by))],
    ]
    blocks = [
        FormTable(rows),
        Paragraph("口头调解协议自各方当事人达成协议之日起生效（《中华人民共和国人民调解法》第三十条）。", "note"),
        Signatures([SignatureLine("调解员（签名）", person_name(agreement.mediator)), SignatureLine("登记人（签名）", person_name(agreement.created_by))]),
    ]
    return Draft("人民调解口头协议登记表", agreement.committee.name, on, blocks)


# ---------------------------------------------------------------- 终止调解告知书


# Art. 26: arbitration, administrative and judicial routes, in the order of the law's words.
ROUTES = {
    "arbitration": "仲裁途径：属于劳动争议、农村土地承包经营纠纷，或者当事人之间有仲裁协议的，可以依法向有管辖权的仲裁机构申请仲裁",
    "administrative": "行政途径：属于行政机关职权范围的，可以依法请求有关行政机关处理",
    "litigation": "司法途径：可以依法向有管辖权的人民法院提起诉讼",
}


def termination_refs(case):
    return [event.id for event in transition_events(case, "terminate")]


def build_termination(case: Case, ref: int) -> Draft:
    events = transition_events(case, "terminate")
    if not events:
        raise DocumentUnavailable("本案没有终止调解的记录，无法生成终止调解告知书。")
    event = next((e for e in events if e.id == ref), None)
    if event is None:
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的终止调解记录。")
    parties = list(case.parties.all())
    committee = committee_name(case)
    on = local_date(event.at)
    accepted = local_date(case.accepted_at)
    mediated = any(e.id < event.id for e in transition_events(case, "start_mediation"))
    accepted_text = f"于{cn_date(accepted)}受理后" if accepted else "受理后"
    if mediated:
        opening = (
            f"你们之间的{case.dispute_type.name}纠纷（{case.title}，案件编号{case.number}），本委员会{accepted_text}依法进行了调解。"
            f"因{event.reason}，调解不成。根据《中华人民共和国人民调解法》第二十六条的规定，本委员会决定终止调解。"
        )
    else:
        # A party refused mediation before it began (Art. 17): the attempt ends without a sitting.
        opening = (
            f"你们之间的{case.dispute_type.name}纠纷（{case.title}，案件编号{case.number}），本委员会{accepted_text}，"
            f"因{event.reason}，根据《中华人民共和国人民调解法》第十七条、第二十六条的规定，本委员会决定终止调解。"
        )
    blocks = [
        Paragraph(f"{party_names(parties)}：", "plain"),
        Paragraph(opening),
        Paragraph("你们可以依法通过以下途径维护自己的权利："),
    ]
    # The routes the parties were told of are on the termination event (all three unless chosen).
    told = [route for route in ROUTES if route in (event.data.get("routes_told") or ROUTES)]
    numerals = "一二三"
    for index, route in enumerate(told):
        ending = "。" if index == len(told) - 1 else "；"
        blocks.append(Paragraph(f"（{numerals[index]}）{ROUTES[route]}{ending}"))
    later = [e for e in transition_events(case, "refer_out") + transition_events(case, "hand_up") if e.id > event.id]
    if later:
        where = later[0].data.get("referred_to") or case.referred_to
        if later[0].action == "hand_up":
            blocks.append(Paragraph(f"本纠纷已上交{where}处理。"))
        else:
            route_label = {"litigation": "诉讼", "arbitration": "仲裁", "administrative": "行政处理"}.get(later[0].data.get("route"), "")
            blocks.append(Paragraph(f"本纠纷已{'按' + route_label + '途径' if route_label else ''}移送{where}处理。"))
    blocks += [
        Paragraph("特此告知。"),
        Closing(committee, on),
        Signatures([SignatureLine(p.get_role_display(), p.name) for p in parties], note="当事人签收："),
    ]
    return Draft("终止人民调解告知书", committee, on, blocks)


# ---------------------------------------------------------------- 回访记录


def return_visit_refs(case):
    visits = loaded(case, "return_visits")  # in the model's order, visited_on then id
    if visits is not None:
        return [visit.id for visit in visits]
    return list(case.return_visits.order_by("visited_on", "id").values_list("id", flat=True))


def build_return_visit(case: Case, ref: int) -> Draft:
    visit = case.return_visits.filter(pk=ref).select_related("party", "visited_by").first() if ref else None
    if visit is None:
        if not case.return_visits.exists():
            raise DocumentUnavailable("本案尚未登记回访，无法生成回访记录。")
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的回访记录。")
    agreement = case.agreements.order_by("-id").first()
    rows = [
        [label("案件编号"), value(case.number), label("纠纷简题"), value(case.title)],
        [label("回访对象"), value(f"{visit.party.name}（{visit.party.get_role_display()}）"), label("联系电话"), value(mask_phone(visit.party.phone) or "—")],
        [label("回访日期"), value(cn_date(visit.visited_on)), label("回访方式"), value(visit.method)],
        [label("回访人"), value(person_name(visit.visited_by)), label("约定履行期限"), value(cn_date(case.performance_due) or "—")],
        [label("协议内容"), value(agreement.terms if agreement else "—", 3)],
        [label("协议履行情况"), value(visit.get_performance_display()), label("当事人满意度"), value(visit.get_satisfaction_display())],
        [label("矛盾隐患"), value(visit.hidden_risk or "无", 3)],
        [label("采取措施"), value(visit.measures or "—", 3)],
        [label("纠纷是否复发"), value("是" if visit.dispute_back else "否", 3)],
    ]
    blocks = [FormTable(rows), Signatures([SignatureLine("被回访人（签名）", visit.party.name), SignatureLine("回访人（签名）", person_name(visit.visited_by))])]
    return Draft("人民调解回访记录", committee_name(case, agreement), visit.visited_on, blocks, label=cn_date(visit.visited_on))


# ---------------------------------------------------------------- 结案报告表


CONCLUDED_STATES = (CaseState.VISITED, CaseState.REFERRED_OUT, CaseState.HANDED_UP, CaseState.ARCHIVED)


def closing_report_refs(case):
    return [0] if case.state in CONCLUDED_STATES and not was_rejected(case) else []


def outcome_text(case: Case) -> str:
    if case.agreement_form:
        agreement = case.agreements.order_by("-id").first()
        text = f"经调解，当事人达成{case.get_agreement_form_display()}"
        if agreement and agreement.effective_at:
            text += f"，于{cn_date(local_date(agreement.effective_at))}生效"
        return text + "。"
    if case.referred_to:
        if transition_events(case, "hand_up"):
            return f"调解不成，终止调解，已上交{case.referred_to}。"
        return f"调解不成，终止调解，已告知当事人{case.get_referral_route_display()}途径并移送{case.referred_to}。"
    if transition_events(case, "terminate"):
        return "调解不成，终止调解。"
    return "—"


def closed_on(case: Case):
    if case.closed_at:
        return local_date(case.closed_at)
    last = case.events.filter(kind__in=[EventKind.TRANSITION, EventKind.ESCALATED]).order_by("-id").first()
    return local_date(last.at) if last else None


def build_closing_report(case: Case, ref: int) -> Draft:
    if was_rejected(case):
        raise DocumentUnavailable("本案不予受理，以不予受理告知书结案，没有结案报告表。")
    if case.state not in CONCLUDED_STATES:
        raise DocumentUnavailable("本案尚未办结（当前状态：%s），结案报告表还不能生成。" % case.get_state_display())
    parties = list(case.parties.all())
    on = closed_on(case)
    agreement = case.agreements.order_by("-id").first()
    performance = "—"
    if agreement is not None:
        items = list(agreement.items.all())
        done = sum(1 for item in items if item.status == "performed")
        performance = f"履行事项{len(items)}项，已履行{done}项。" if items else "—"
        if case.state in (CaseState.VISITED, CaseState.ARCHIVED) and transition_events(case, "confirm_performed"):
            performance = (performance if items else "") + "经确认已履行完毕。"
    visit = case.return_visits.order_by("-visited_on", "-id").first()
    visit_text = (
        f"{cn_date(visit.visited_on)}{visit.method}，{visit.get_performance_display()}，当事人{visit.get_satisfaction_display()}。"
        if visit
        else "—"
    )
    confirmation = JudicialConfirmation.objects.filter(agreement__case=case).select_related("court").first()
    confirmation_text = f"已向{confirmation.court.name}申请，{confirmation.get_outcome_display()}。" if confirmation else "未申请"
    history = []
    for event in case.events.filter(kind__in=[EventKind.TRANSITION, EventKind.ESCALATED]).select_related("actor").order_by("id"):
        transition = TRANSITIONS.get(event.action)
        step = str(transition.label) if transition else event.action
        history.append(f"{cn_date(local_date(event.at))} {step}（{person_name(event.actor)}）" + (f"：{event.reason}" if event.reason else ""))
    rows = [
        [label("案件编号"), value(case.number), label("纠纷类型"), value(case.dispute_type.name)],
        [label("纠纷简题"), value(case.title, 3)],
        [label("当事人"), value(party_names(parties), 3)],
        [label("来源渠道"), value(case.get_channel_display()), label("调处层级"), value(case.get_tier_display())],
        [label("受理日期"), value(cn_date(local_date(case.accepted_at)) or "—"), label("结案日期"), value(cn_date(on) or "—")],
        [label("承办单位"), value(case.assigned_unit.name), label("承办调解员"), value(person_name(case.mediator) or "—")],
        [label("纠纷简要情况"), value(case.description, 3)],
        [label("办理经过"), value("\n".join(history) or "—", 3, tall=True)],
        [label("调解结果"), value(outcome_text(case), 3)],
        [label("协议履行情况"), value(performance, 3)],
        [label("回访情况"), value(visit_text, 3)],
        [label("司法确认"), value(confirmation_text), label("在街道内化解"), value("否" if transition_events(case, "hand_up") else "是")],
        [label("承办人意见"), value("", 3, tall=True)],
        [label("调委会审核意见"), value("", 3, tall=True)],
    ]
    blocks = [
        FormTable(rows),
        Signatures([SignatureLine("承办调解员（签名）", person_name(case.mediator)), SignatureLine("调委会主任（签名）")]),
    ]
    return Draft("人民调解结案报告表", committee_name(case, agreement), on, blocks)


# ---------------------------------------------------------------- 司法确认申请书


def confirmation_refs(case):
    agreements = loaded(case, "agreements")
    if agreements is not None:
        return sorted(c.id for c in (getattr(a, "confirmation", None) for a in agreements) if c is not None)
    return list(
        JudicialConfirmation.objects.filter(agreement__case=case).order_by("id").values_list("id", flat=True)
    )


def build_judicial_confirmation(case: Case, ref: int) -> Draft:
    confirmation = (
        JudicialConfirmation.objects.filter(pk=ref, agreement__case=case).select_related("agreement__committee", "court").first()
        if ref
        else None
    )
    if confirmation is None:
        if not JudicialConfirmation.objects.filter(agreement__case=case).exists():
            raise DocumentUnavailable("本案没有司法确认申请的登记，无法生成司法确认申请书。")
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的司法确认申请。")
    agreement = confirmation.agreement
    applicants_ = list(confirmation.applicants.order_by("id"))
    if not applicants_:
        raise DocumentUnavailable("司法确认申请没有登记共同申请人，无法生成司法确认申请书。")
    agreement_kind = "agreement" if agreement.form == AgreementForm.WRITTEN else "oral_agreement"
    agreement_number = document_number_issue(
        case=case, kind=agreement_kind, code=KINDS[agreement_kind].code, ref=agreement.id,
        year=(signature_date(agreement) or local_date(agreement.created_at)).year,
    ).text
    effective = signature_date(agreement)
    blocks = [Paragraph(party_description(p, role="申请人"), "plain") for p in applicants_]
    blocks.append(Heading("请求事项"))
    blocks.append(
        Paragraph(
            f"请求确认申请人于{cn_date(effective) if effective else '　　年　　月　　日'}经{agreement.committee.name}主持调解达成的"
            f"{agreement_number}调解协议书有效。"
        )
    )
    blocks.append(Heading("事实和理由"))
    blocks += body(agreement.facts)
    blocks.append(Paragraph("经人民调解委员会主持调解，申请人自愿达成如下调解协议："))
    blocks += body(agreement.terms)
    blocks.append(
        Paragraph(
            "上述调解协议是申请人在平等自愿的基础上达成的，内容不违反法律、行政法规的强制性规定，不损害国家利益、社会公共利益和他人合法权益。"
            "根据《中华人民共和国人民调解法》第三十三条的规定，申请人自调解协议生效之日起三十日内共同申请司法确认。"
        )
    )
    blocks.append(
        Paragraph(
            "申请人承诺：出于解决纠纷的目的自愿达成调解协议，没有恶意串通、规避法律的行为；如因虚假陈述等原因导致调解协议被撤销或者无效，愿意承担相应的法律责任。"
        )
    )
    blocks.append(Paragraph("此致", "plain"))
    blocks.append(Paragraph(confirmation.court.name, "plain"))
    blocks.append(Paragraph(f"附：{agreement_number}调解协议书一份；申请人身份证明材料各一份。", "plain"))
    blocks.append(Signatures([SignatureLine("申请人", p.name) for p in applicants_], note="（申请人签名、盖章或者按指印）"))
    blocks.append(Paragraph(cn_date(confirmation.applied_on), "right"))
    return Draft("司法确认申请书", "", confirmation.applied_on, blocks)


# ---------------------------------------------------------------- 对接移送登记表


def referral_refs(case):
    referrals = loaded(case, "referrals")  # in id order
    if referrals is not None:
        return [referral.id for referral in referrals]
    return list(case.referrals.order_by("id").values_list("id", flat=True))


def build_referral(case: Case, ref: int) -> Draft:
    referral = case.referrals.filter(pk=ref).select_related("counterpart", "created_by").first() if ref else None
    if referral is None:
        if not case.referrals.exists():
            raise DocumentUnavailable("本案没有对接移送或民转刑风险报告的记录，无法生成对接移送登记表。")
        raise DocumentUnavailable(f"本案没有编号为 {ref} 的对接移送记录。")
    counterpart = referral.counterpart.name if referral.counterpart_id else referral.counterpart_name
    rows = [
        [label("案件编号"), value(case.number), label("纠纷简题"), value(case.title)],
        [label("对接类型"), value(referral.get_kind_display()), label("方向"), value(referral.get_direction_display())],
        [label("对接单位"), value(counterpart or "—"), label("移送/接收日期"), value(cn_date(referral.sent_on))],
        [label("事由"), value(referral.reason or "—", 3, tall=True)],
        [label("反馈期限"), value(cn_date(referral.feedback_due) or "—"), label("反馈日期"), value(cn_date(referral.feedback_on) or "—")],
        [label("反馈情况"), value(referral.feedback or "—", 3)],
    ]
    report = PoliceReport.objects.filter(referral=referral).select_related("police_station").first()
    title = "矛盾纠纷对接移送登记表"
    if report is not None:
        title = "民转刑风险报告及警调对接登记表"
        rows += [
            [label("报告的派出所"), value(report.police_station.name), label("报告时间"), value(cn_datetime(report.reported_at))],
            [label("风险情况"), value(report.risk_description, 3, tall=True)],
            [label("已采取的措施"), value(report.measures or "—", 3)],
        ]
    rows.append([label("登记人"), value(person_name(referral.created_by)), label("登记日期"), value(cn_date(local_date(referral.created_at)))])
    blocks = [FormTable(rows), Signatures([SignatureLine("经办人（签名）", person_name(referral.created_by))])]
    return Draft(title, committee_name(case), referral.sent_on, blocks, label=cn_date(referral.sent_on))


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class DocumentKind:
    key: str
    name: str
    code: str  # in the number: 人调字, 人调受字 …
    refs: Callable  # case -> refs of the documents of this kind whose data is on file
    build: Callable  # (case, ref) -> Draft; raises DocumentUnavailable
    many: bool = False  # a case may have several (one per record, agreement, visit …)
    missing: str = ""  # why none can be made, for the checklist


KIND_LIST = (
    DocumentKind("application", "申请书", "人调申字", application_refs, build_application),
    DocumentKind("acceptance", "受理登记表", "人调受字", acceptance_refs, build_acceptance),
    DocumentKind("rejection", "不予受理告知书", "人调不受字", rejection_refs, build_rejection),
    DocumentKind("rights_notice", "权利义务告知书", "人调告字", rights_notice_refs, build_rights_notice),
    DocumentKind("investigation", "调查记录", "人调查字", record_refs(RecordKind.INVESTIGATION), build_investigation, many=True),
    DocumentKind("mediation_record", "调解记录", "人调录字", record_refs(RecordKind.MEDIATION), build_mediation_record, many=True),
    DocumentKind("agreement", "调解协议书", "人调字", agreement_refs(AgreementForm.WRITTEN), build_agreement, many=True),
    DocumentKind("oral_agreement", "口头协议登记表", "人调口字", agreement_refs(AgreementForm.ORAL), build_oral_agreement, many=True),
    DocumentKind("judicial_confirmation", "司法确认申请书", "人调确字", confirmation_refs, build_judicial_confirmation, many=True),
    DocumentKind("termination", "终止调解告知书", "人调终字", termination_refs, build_termination, many=True),
    DocumentKind("referral", "对接移送登记表", "人调移字", referral_refs, build_referral, many=True),
    DocumentKind("return_visit", "回访记录", "人调访字", return_visit_refs, build_return_visit, many=True),
    DocumentKind("closing_report", "结案报告表", "人调结字", closing_report_refs, build_closing_report),
)
KINDS = {kind.key: kind for kind in KIND_LIST}
DOSSIER_CODE = "人调卷字"


def document_build(case: Case, kind: str, ref: int = 0) -> Document:
    """The document of `kind` (for source row `ref`) with its number, issued on first use."""
    spec = KINDS.get(kind)
    if spec is None:
        raise DocumentUnavailable(f"没有“{kind}”这种文书。")
    if not spec.many and ref:
        raise DocumentUnavailable(f"每个案件只有一份{spec.name}。")
    if spec.many and not ref:
        refs = spec.refs(case)
        if len(refs) != 1:
            if not refs:
                spec.build(case, 0)  # raises the kind's own "not on file" message
            raise DocumentUnavailable(f"本案有{len(refs)}份{spec.name}，请指明是哪一份。")
        ref = refs[0]
    draft = spec.build(case, ref)
    year = (draft.on or timezone.localdate()).year
    number = document_number_issue(case=case, kind=spec.key, code=spec.code, ref=ref, year=year)
    name = spec.name + (f"（{draft.label}）" if spec.many and draft.label else "")
    return Document(
        kind=spec.key,
        ref=ref,
        name=name,
        title=draft.title,
        number=number.text,
        issuer=draft.issuer,
        case_number=case.number,
        on=draft.on,
        blocks=draft.blocks,
        filename=file_stem(case, spec, ref),
    )


def file_stem(case: Case, spec: DocumentKind, ref: int) -> str:
    stem = f"{case.number}_{spec.name}"
    if spec.many:
        refs = spec.refs(case)
        index = refs.index(ref) + 1 if ref in refs else ref
        stem += f"_{index}"
    return stem


@dataclass(frozen=True)
class DocumentRef:
    kind: str
    ref: int
    name: str
    index: int  # 1-based among the case's documents of this kind

    @property
    def key(self):
        return f"{self.kind}-{self.ref}" if self.ref else self.kind


def case_documents(case: Case) -> list[DocumentRef]:
    """Every document whose data is on file, in the order of the dossier."""
    found = []
    for spec in KIND_LIST:
        refs = spec.refs(case)
        for index, ref in enumerate(refs, 1):
            name = spec.name + (f"（{index}）" if spec.many and len(refs) > 1 else "")
            found.append(DocumentRef(spec.key, ref if spec.many else 0, name, index))
    return found
