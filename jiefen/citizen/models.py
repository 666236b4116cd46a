"""The parties' side: failed progress look-ups (for rate limiting) and the parties' ratings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LookupFailure(models.Model):
    """One failed look-up on the public progress page, counted per client IP and per case
    number. Kept in the database because the web runs as several processes, which a
    per-process cache would not see. Only keyed hashes are stored, not the IP or the number."""

    scope = models.CharField(_("计数对象"), max_length=10)  # "ip" or "number"
    key_hash = models.CharField(_("摘要"), max_length=64)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("查询失败记录")
        verbose_name_plural = _("查询失败记录")
        indexes = [models.Index(fields=["scope", "key_hash", "at"], name="citizen_lookup_key_at")]


class SatisfactionLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    NEUTRAL = 3, _("一般")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class CaseRating(models.Model):
    """A party's rating of how their case ended; one per party per case."""

    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="citizen_ratings")
    party = models.ForeignKey("cases.Party", verbose_name=_("当事人"), on_delete=models.CASCADE, related_name="ratings")
    outcome_score = models.PositiveSmallIntegerField(_("结果评分(1-5星)"))
    mediator_score = models.PositiveSmallIntegerField(_("对调解员的满意度"), choices=SatisfactionLevel.choices)
    comment = models.CharField(_("意见建议"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("当事人评价")
        verbose_name_plural = _("当事人评价")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "party"], name="citizen_rating_once_per_party"),
            models.CheckConstraint(condition=models.Q(outcome_score__gte=1, outcome_score__lte=5), name="citizen_rating_outcome_range"),
            models.CheckConstraint(condition=models.Q(mediator_score__gte=1, mediator_score__lte=5), name="citizen_rating_mediator_range"),
        ]

    def __str__(self):
        return f"{self.case_id} · {self.party_id} · {self.outcome_score}"
