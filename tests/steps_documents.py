"""Test support for documents and the dossier (steps_documents).

归档 needs a complete dossier: for a mediated case the notice (already served before 开始调解)
and at least one 调解记录, the outcome document and, after an agreement, a 回访记录 (already on
file: the visit is what moves a case to 已回访). The earlier steps' support leaves the mediation
record to this module, which writes it through the services just before archiving.

`rich_case` walks a case through everything the documents show: a party's application, an
investigation and a mediation record, evidence (a photo and a PDF), a written agreement with
performance items, a judicial confirmation, a police report, performance and a return visit."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from jiefen.cases.models import AgreementForm, Case, Channel, CaseState
from jiefen.mediation.models import RecordKind, ReferralDirection, ReferralKind
from jiefen.organisation.models import Unit, UnitKind

from .casework import PREPARE, act, register, today
from .steps_agreements import at, sign_all

MEDIATION_STATEMENTS = "申请人陈述排水沟被堵致其院坝积水；被申请人承认堵沟，表示愿意疏通。调解员释明相邻关系的法律规定。"


def mediation_record(case, actor, *, on=None, **overrides):
    from jiefen.mediation.services.sittings import record_create

    fields = {
        "kind": RecordKind.MEDIATION,
        "held_at": at(on or today()),
        "place": "东村矛盾调解室",
        "participants": "申请人、被申请人、调解员",
        "statements": MEDIATION_STATEMENTS,
        "result": "双方同意协商解决",
        **overrides,
    }
    return record_create(case_id=case.pk, actor=actor, **fields)


def on_file_for_archive(case, actor, *, mediator=None, on=None):
    """Write what the dossier still lacks that a test walking the lifecycle would not have."""
    from jiefen.documents.selectors import checklist_missing, dossier_checklist

    missing = {entry.key for entry in checklist_missing(dossier_checklist(case))}
    if "rights_notice" in missing:
        from jiefen.mediation.services.preparation import rights_notice_serve

        rights_notice_serve(case_id=case.pk, actor=actor, acknowledged_party_ids=[p.pk for p in case.parties.all()])
    if "mediation_record" in missing:
        mediation_record(case, actor, on=on)


_earlier = PREPARE.get("archive")


def _prepare_archive(case, actor, *, mediator=None, on=None):
    if _earlier is not None:
        _earlier(case, actor, mediator=mediator, on=on)
        case = Case.objects.get(pk=case.pk)
    on_file_for_archive(case, actor, mediator=mediator, on=on)


PREPARE["archive"] = _prepare_archive


# ---------------------------------------------------------------- a case with everything on file


APPLICANT = {
    "role": "applicant",
    "kind": "person",
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "address": "东村3组12号",
}
RESPONDENT = {
    "role": "respondent",
    "kind": "person",
    "name": "李四",
    "id_number": "110105198001010016",
    "phone": "13900139000",
    "address": "东村3组14号",
    "representative_name": "李小四",
    "representative_phone": "13700137000",
}
FACTS = "2026年春，被申请人李四在修缮房屋时将两户之间的排水沟填堵，致申请人张三院坝雨后积水，双方多次争吵。"
MATTERS = "排水沟由谁疏通、积水造成的损失由谁承担。"
RESPONSIBILITIES = "被申请人擅自填堵排水沟，负主要责任；申请人未及时沟通，负次要责任。"
TERMS = "一、被申请人李四负责疏通排水沟并恢复原状。\n二、被申请人李四赔偿申请人张三损失人民币800元。\n三、双方今后和睦相处，不再因此事发生争执。"
ITEMS = (
    {"what": "疏通排水沟并恢复原状", "how": "自行雇工疏通，费用自理", "days": 5, "place": "东村3组12号与14号之间"},
    {"what": "赔偿损失人民币800元", "how": "现金当面支付", "days": 10, "place": "东村矛盾调解室"},
)


def png_bytes(size=(640, 480), color=(200, 120, 40)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).rectangle([40, 40, size[0] - 40, size[1] - 40], outline=(0, 0, 0), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages=2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def counterparts(org):
    prefix = org.subdistrict.code or org.subdistrict.name
    court, _ = Unit.objects.get_or_create(name=f"{prefix}人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)
    police, _ = Unit.objects.get_or_create(name=f"{prefix}派出所", kind=UnitKind.POLICE_STATION, area=org.subdistrict)
    return court, police


def rich_case(org, dispute_type, *, staff, mediator, archive=False) -> Case:
    """A party's application walked to 已回访 (or 归档) with every kind of document on file."""
    from jiefen.mediation.services.agreements import agreement_draft, judicial_confirmation_apply
    from jiefen.mediation.services.preparation import police_report_file, referral_create
    from jiefen.mediation.services.sittings import evidence_upload, record_create

    on = today()
    court, police = counterparts(org)
    case = register(
        org, dispute_type, staff, parties=[dict(APPLICANT), dict(RESPONDENT)],
        channel=Channel.PARTY_APPLICATION, amount_in_dispute="800.00", title="张三与李四排水沟纠纷",
        description="申请人张三称，被申请人李四填堵两户之间的排水沟，致其院坝积水，请求调解。",
    )
    case = act(case, "accept", staff, on=on)
    case = act(case, "assign", staff, mediator=mediator, on=on)
    record_create(
        case_id=case.pk, actor=mediator, kind=RecordKind.INVESTIGATION, held_at=at(on), place="东村3组现场",
        participants="被调查人：邻居王五；调查人：村调解员乙",
        statements="王五证实：李四于今年三月修房时将排水沟填平，此后张三院坝雨后积水。", result="排水沟被填堵属实。",
    )
    evidence_upload(case_id=case.pk, actor=mediator, uploaded_file=SimpleUploadedFile("现场照片.png", png_bytes()), description="积水现场照片")
    evidence_upload(case_id=case.pk, actor=mediator, uploaded_file=SimpleUploadedFile("维修报价.pdf", pdf_bytes(2)), description="维修费用报价单")
    case = act(case, "start_mediation", mediator, on=on)
    mediation_record(case, mediator, on=on)
    referral_create(
        case_id=case.pk, actor=mediator, direction=ReferralDirection.OUT, kind=ReferralKind.COURT, sent_on=on,
        counterpart_id=court.pk, counterpart_name=court.name, feedback_due=on + timedelta(days=10), reason="就司法确认事宜与法庭对接",
    )
    police_report_file(
        case_id=case.pk, actor=mediator, police_station_id=police.pk, risk_description="双方曾发生推搡，有激化风险。",
        measures="已安排网格员每日走访。",
    )
    parties = list(case.parties.order_by("id"))
    agreement = agreement_draft(
        case_id=case.pk, actor=mediator, form=AgreementForm.WRITTEN, facts=FACTS, matters_in_dispute=MATTERS,
        responsibilities=RESPONSIBILITIES, terms=TERMS,
        items=[
            {"what": i["what"], "obligor_party_id": parties[1].pk, "how": i["how"], "due_date": on + timedelta(days=i["days"]), "place": i["place"]}
            for i in ITEMS
        ],
        today=on,
    )
    sign_all(agreement, mediator, on=on)
    judicial_confirmation_apply(
        agreement_id=agreement.pk, actor=mediator, court_id=court.pk, applied_on=on,
        applicant_party_ids=[p.pk for p in parties], today=on,
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.AGREED, case.state
    case = act(case, "confirm_performed", mediator, on=on)
    case = act(case, "record_return_visit", mediator, on=on)
    if archive:
        case = act(case, "archive", mediator, on=on)
    return case


def terminated_case(org, dispute_type, *, staff, mediator, refer=True) -> Case:
    """Mediated without agreement: terminated (Art. 26) and referred to the court."""
    on = today()
    case = register(org, dispute_type, staff, title="赵六与钱七宅基地纠纷", description="双方就宅基地界址争执不下。")
    for action in ("accept", "assign", "start_mediation"):
        case = act(case, action, staff, mediator=mediator, on=on)
    mediation_record(case, mediator, on=on, result="双方分歧较大，未能达成一致")
    case = act(case, "terminate", mediator, on=on, reason="双方对界址各执一词，经两次调解仍无法达成一致")
    if refer:
        case = act(case, "refer_out", staff, on=on)
    return case


def oral_case(org, dispute_type, *, staff, mediator) -> Case:
    on = today()
    case = register(org, dispute_type, staff, title="孙八与周九噪音纠纷", description="楼上装修噪音扰民。")
    for action in ("accept", "assign", "start_mediation"):
        case = act(case, action, staff, mediator=mediator, on=on)
    mediation_record(case, mediator, on=on)
    return act(case, "reach_agreement", mediator, on=on, agreement_form=AgreementForm.ORAL, performance_due=on + timedelta(days=3))


def rejected_case(org, dispute_type, *, staff) -> Case:
    case = register(org, dispute_type, staff, title="吴十劳动报酬纠纷", description="要求某公司支付拖欠工资。")
    return act(case, "reject", staff)
