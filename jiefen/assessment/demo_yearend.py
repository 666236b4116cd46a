"""The year-end assessment in the demo: the demo year's default score sheets for villages,
departments and liaison leaders, as drafts computed once from the demo's cases and cards (run
after the cards), with one bonus award so the bonus column shows something."""

from django.utils import timezone

from .models import ScoreSheet, SubjectKind
from .yearend import assessment_compute, bonus_award_record, score_sheet_create_default, subjects_of
from .yearend_models import AssessmentEvent


def demo_yearend(builder):
    actor = builder.users.get("zongzhi") or builder.users.get("admin")
    year = timezone.localtime(builder.now).year
    for kind in SubjectKind.values:
        sheet = score_sheet_create_default(actor, builder.subdistrict, year, kind)
        if kind == SubjectKind.VILLAGE:
            first = next((s for s in subjects_of(sheet) if s.unit is not None), None)
            item = sheet.bonus_items.order_by("id").first()
            if first is not None and item is not None:
                bonus_award_record(
                    actor, item_id=item.pk, unit=first.unit, points="3",
                    reason="牵头化解一起涉及30余户的排水纠纷（演示数据）",
                )
        assessment_compute(actor, sheet.pk, now=builder.now)


def demo_yearend_reset(subdistrict):
    ScoreSheet.objects.filter(subdistrict=subdistrict).delete()
    AssessmentEvent.objects.filter(subdistrict=subdistrict).delete()
