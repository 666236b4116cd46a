"""Numbers of the standard documents: （year）<code>人调X字第N号, drawn once per case, document
kind and source row from a per-subdistrict, per-year, per-kind sequence, and kept, so a document
rendered again (or exported years later) carries the number it was first issued with."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import Case
from jiefen.organisation.models import Area


class DocumentSequence(models.Model):
    """Last number issued per subdistrict, year and document kind; locked while a number is drawn."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField(_("年度"))
    kind = models.CharField(_("文书种类"), max_length=40)
    last_value = models.PositiveIntegerField(_("已发号"), default=0)

    class Meta:
        verbose_name = _("文书编号序列")
        verbose_name_plural = _("文书编号序列")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "year", "kind"], name="document_sequence_unique")]


class DocumentNumber(models.Model):
    """The number a case's document was issued with. `ref` is the source row (record, agreement,
    return visit …) for kinds a case can have several of, 0 for the one-per-case kinds."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="document_numbers")
    kind = models.CharField(_("文书种类"), max_length=40)
    ref = models.PositiveBigIntegerField(_("来源记录"), default=0)
    year = models.PositiveIntegerField(_("年度"))
    value = models.PositiveIntegerField(_("序号"))
    text = models.CharField(_("文书编号"), max_length=60)
    issued_at = models.DateTimeField(_("编号时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文书编号")
        verbose_name_plural = _("文书编号")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "ref"], name="document_number_once"),
        ]

    def __str__(self):
        return self.text
