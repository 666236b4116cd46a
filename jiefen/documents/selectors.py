"""The dossier's contents checklist (卷内目录): which documents a case must have on file before it
is archived (Art. 27), which it has when the case needed them, and which are missing.

What is required follows what happened to the case:

- every case: its registration, 受理登记表, or the party's 申请书 when the case came by a party's
  application (当事人申请), and its outcome document;
- a case that was mediated (开始调解 was taken): the 权利义务告知书 served before mediation
  (MOJ 2002 Art. 30) and at least one 调解记录 (Art. 27);
- the outcome: 调解协议书 for a written agreement, 口头协议登记表 for an oral one, the
  终止调解告知书 (Art. 26) when mediation ended without agreement (referred out or handed up
  included), and the 不予受理告知书 for a rejected case;
- an agreement reached: the 回访记录 (the agreement's follow-up);
- every accepted case: the 结案报告表.

A rejected case (不予受理) needs only its registration and the rejection notice; a case ended
by a party's refusal before mediation began (Art. 17) needs no notice or record of a mediation
that never took place. As-needed items (调查记录, evidence, 司法确认申请书, referral and police
reports) are listed, present or not, and never block archiving."""

from dataclasses import dataclass, field

from jiefen.cases.models import AgreementForm, Case, Channel
from jiefen.mediation.models import Evidence
from jiefen.web.display import url_path

from .builders import KINDS, case_documents, loaded, transition_events, was_rejected

REQUIRED = "required"
AS_NEEDED = "as_needed"


@dataclass
class DocumentLink:
    kind: str
    ref: int
    name: str
    pdf: str
    docx: str


@dataclass
class ChecklistItem:
    key: str
    name: str
    requirement: str  # REQUIRED or AS_NEEDED
    present: bool
    documents: list = field(default_factory=list)  # DocumentLink
    note: str = ""  # why it is required, or what is missing
    count: int = 0  # evidence files, for the evidence item

    @property
    def required(self):
        return self.requirement == REQUIRED

    @property
    def missing(self):
        return self.required and not self.present

    @property
    def link(self):
        """The first document's PDF, where there is one."""
        return self.documents[0].pdf if self.documents else ""


def document_urls(case_id: int, kind: str, ref: int) -> tuple[str, str]:
    if ref:
        return (
            url_path("documents:document_ref", case_id, kind, ref, "pdf"),
            url_path("documents:document_ref", case_id, kind, ref, "docx"),
        )
    return url_path("documents:document", case_id, kind, "pdf"), url_path("documents:document", case_id, kind, "docx")


def _links(case, refs):
    links = []
    for ref in refs:
        pdf, docx = document_urls(case.pk, ref.kind, ref.ref)
        links.append(DocumentLink(ref.kind, ref.ref, ref.name, pdf, docx))
    return links


def mediation_started(case: Case) -> bool:
    return bool(transition_events(case, "start_mediation"))


def effective_agreement_refs(case: Case, form: str) -> set:
    agreements = loaded(case, "agreements")
    if agreements is not None:
        return {a.id for a in agreements if a.form == form and a.effective_at is not None}
    return set(case.agreements.filter(form=form, effective_at__isnull=False).values_list("id", flat=True))


def dossier_checklist(case: Case) -> list[ChecklistItem]:
    """The items of the case's dossier in the order of the 卷内目录, each required or as-needed,
    present or missing, with links to the documents that are on file."""
    documents = case_documents(case)
    by_kind = {}
    for ref in documents:
        by_kind.setdefault(ref.kind, []).append(ref)

    def item(key, kinds, requirement, *, name=None, note="", present=None, refs=None):
        refs = refs if refs is not None else [r for kind in kinds for r in by_kind.get(kind, [])]
        return ChecklistItem(
            key=key,
            name=name or KINDS[kinds[0]].name,
            requirement=requirement,
            present=bool(refs) if present is None else present,
            documents=_links(case, refs),
            note=note,
        )

    rejected = was_rejected(case)
    started = mediation_started(case)
    form = case.agreement_form
    items = []

    by_application = case.channel == Channel.PARTY_APPLICATION
    if by_application:
        items.append(item("application", ["application"], REQUIRED, note="当事人申请调解的，以申请书立卷"))
        items.append(item("acceptance", ["acceptance"], AS_NEEDED))
    else:
        items.append(item("acceptance", ["acceptance"], REQUIRED))
    if rejected:
        items.append(item("rejection", ["rejection"], REQUIRED, note="不予受理的，以不予受理告知书结案"))
        items.append(item("referral", ["referral"], AS_NEEDED, name="对接移送及民转刑风险报告"))
    else:
        items.append(
            item(
                "rights_notice",
                ["rights_notice"],
                REQUIRED if started else AS_NEEDED,
                note="" if started else "未进入调解的，无需告知书",
            )
        )
        items.append(item("investigation", ["investigation"], AS_NEEDED))
        items.append(
            item(
                "mediation_record",
                ["mediation_record"],
                REQUIRED if started else AS_NEEDED,
                name="调解记录",
                note="至少一份" if started else "未进入调解的，无需调解记录",
            )
        )
        outcome = _outcome(case, by_kind, form)
        items.append(outcome)
        if form and by_kind.get("termination"):
            # Mediation ended once without agreement before the case went up a tier and was settled.
            items.append(item("termination", ["termination"], AS_NEEDED, note="上报上一级前的终止调解"))
        items.append(item("judicial_confirmation", ["judicial_confirmation"], AS_NEEDED))
        items.append(item("referral", ["referral"], AS_NEEDED, name="对接移送及民转刑风险报告"))
        if form:
            items.append(item("return_visit", ["return_visit"], REQUIRED, note="达成协议的须回访"))
        items.append(item("closing_report", ["closing_report"], REQUIRED))
    evidence = loaded(case, "evidence")
    evidence_count = len(evidence) if evidence is not None else Evidence.objects.filter(case=case).count()
    items.append(
        ChecklistItem(
            key="evidence",
            name="证据材料",
            requirement=AS_NEEDED,
            present=bool(evidence_count),
            count=evidence_count,
            note=f"{evidence_count}件，编入卷宗" if evidence_count else "",
        )
    )
    return items


def _outcome(case, by_kind, form) -> ChecklistItem:
    def links(kind, only=None):
        refs = [r for r in by_kind.get(kind, []) if only is None or r.ref in only]
        return refs

    if form == AgreementForm.WRITTEN:
        refs = links("agreement", effective_agreement_refs(case, AgreementForm.WRITTEN))
        return ChecklistItem(
            "outcome", KINDS["agreement"].name, REQUIRED, bool(refs), _links(case, refs),
            note="已生效的书面协议" if refs else "书面协议尚未生效",
        )
    if form == AgreementForm.ORAL:
        refs = links("oral_agreement", effective_agreement_refs(case, AgreementForm.ORAL))
        return ChecklistItem("outcome", KINDS["oral_agreement"].name, REQUIRED, bool(refs), _links(case, refs))
    refs = links("termination")
    if refs:
        return ChecklistItem("outcome", KINDS["termination"].name, REQUIRED, True, _links(case, refs))
    return ChecklistItem(
        "outcome", "调解结果文书", REQUIRED, False, [],
        note="调解协议书、口头协议登记表或终止调解告知书，调解结束后生成",
    )


def checklist_missing(items) -> list[ChecklistItem]:
    return [entry for entry in items if entry.missing]
