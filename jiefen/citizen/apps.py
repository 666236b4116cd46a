from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _rated_details(data):
    from django.utils.translation import gettext as _g

    from jiefen.cases.models import PartyRole

    from .models import SatisfactionLevel

    try:
        role = str(PartyRole(data.get("party_role")).label)
    except ValueError:
        role = ""
    try:
        mediator = str(SatisfactionLevel(data.get("mediator_score")).label)
    except ValueError:
        mediator = ""
    return [
        _g("%(role)s评价调解结果 %(stars)s 星，对调解员：%(mediator)s") % {"role": role, "stars": data.get("outcome_score", ""), "mediator": mediator}
    ]


class CitizenConfig(AppConfig):
    name = "jiefen.citizen"
    verbose_name = _("群众查询")

    def ready(self):
        from jiefen.web.display import register_note_action
        from jiefen.web.panels import CasePanel, register_case_panel

        from .selectors import case_rating_panel, case_ratings_prefetch
        from .services import RATED_ACTION

        register_note_action(RATED_ACTION, _("当事人评价"), _rated_details)
        register_case_panel(CasePanel(key="citizen_ratings", template="citizen/case_panel.html", context=case_rating_panel, order=150, prefetch=case_ratings_prefetch))
