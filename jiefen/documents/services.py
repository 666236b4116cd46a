"""Writes of the documents app: issuing document numbers."""

from django.db import IntegrityError, transaction
from django.db.models import F

from jiefen.cases.models import Case

from .models import DocumentNumber, DocumentSequence


def number_text(prefix: str, code: str, year: int, value: int) -> str:
    """（2026）古湖人调字第12号: the year in brackets, the subdistrict's prefix, the kind's code."""
    return f"（{year}）{prefix}{code}第{value}号"


def document_number_issue(*, case: Case, kind: str, code: str, ref: int, year: int) -> DocumentNumber:
    """The number of this case's document of `kind` (for source row `ref`), issued on first use.

    The sequence row is locked before the number is looked up again, so two people producing
    the same document at once get the same number and the sequence has no gaps.
    """
    existing = DocumentNumber.objects.filter(case=case, kind=kind, ref=ref).first()
    if existing is not None:
        return existing
    subdistrict = case.subdistrict
    prefix = subdistrict.code or subdistrict.name
    for _attempt in range(3):
        try:
            with transaction.atomic():
                sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
                    subdistrict=subdistrict, year=year, kind=kind
                )
                existing = DocumentNumber.objects.filter(case=case, kind=kind, ref=ref).first()
                if existing is not None:
                    return existing
                DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
                sequence.refresh_from_db(fields=["last_value"])
                return DocumentNumber.objects.create(
                    case=case,
                    kind=kind,
                    ref=ref,
                    year=year,
                    value=sequence.last_value,
                    text=number_text(prefix, code, year, sequence.last_value),
                )
        except IntegrityError:
            # Another transaction created the sequence row or this very number first; read again.
            existing = DocumentNumber.objects.filter(case=case, kind=kind, ref=ref).first()
            if existing is not None:
                return existing
    raise IntegrityError("could not issue a document number")
