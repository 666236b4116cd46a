"""The demo's ratings (演示数据): some parties of the demo subdistrict's finished cases rated the
outcome, through the same service as the progress page, so the staff case page and the
rating averages have something to show."""

import random

from jiefen.cases.models import Case, CaseState

from .models import CaseRating
from .services import case_rating_submit

SEED = 20260412 + 311
SHARE = 3  # about one finished case in three is rated
COMMENTS = [
    "调解员很耐心，问题解决了。",
    "处理及时，感谢村里的调解员。",
    "结果基本满意，希望对方按时履行。",
    "",
    "",
    "过程有点长，但最后还是谈妥了。",
]


def demo_extend(builder):
    rng = random.Random(SEED)
    finished = Case.objects.filter(
        subdistrict=builder.subdistrict, state__in=[CaseState.PERFORMED, CaseState.VISITED, CaseState.ARCHIVED], agreement_form__gt=""
    ).order_by("id")
    for case in finished:
        if rng.randrange(SHARE):
            continue
        for party in case.parties.order_by("id"):
            if rng.random() < 0.35:
                continue
            outcome = rng.choices([5, 4, 3, 2], weights=[6, 4, 2, 1])[0]
            mediator = min(5, max(1, outcome + rng.choice([-1, 0, 0, 1])))
            case_rating_submit(case_id=case.pk, party_id=party.pk, outcome_score=outcome, mediator_score=mediator, comment=rng.choice(COMMENTS))


def demo_extend_reset(subdistrict):
    CaseRating.objects.filter(case__subdistrict=subdistrict).delete()
