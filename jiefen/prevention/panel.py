"""The case page's 心理疏导 section (registered from apps.py): only the case's handlers and the
subdistrict's staff get it; for everybody else the panel is not there at all."""

from jiefen.cases.services import user_can_handle

from .forms import ReferralForm
from .selectors import referrals_of_case
from .services import ACTION_LABELS, referral_actions


def panel_context(request, case):
    if not user_can_handle(request.user, case):
        return None
    failed = getattr(request, "counselling_failed", None)
    referrals = [
        {"referral": r, "actions": [(a, ACTION_LABELS[a]) for a in referral_actions(r)]}
        for r in referrals_of_case(case)
    ]
    can_refer = case.state != "archived"
    form = None
    if can_refer:
        # The fields only for the form being filled in: refused, or asked for with ?open= (no JavaScript).
        if isinstance(failed, ReferralForm):
            form = failed
        elif request.GET.get("open") == "counselling":
            form = ReferralForm(case=case)
        else:
            form = ReferralForm.closed(case.pk)
    return {"case": case, "referrals": referrals, "form": form, "failed_step": failed if failed is not None and not isinstance(failed, ReferralForm) else None}
