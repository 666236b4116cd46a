from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.chain import events_seal, events_verify
from jiefen.audit.models import EventSeal

PROBLEMS = {
    "deleted": gettext_lazy("该事件已被删除"),
    "altered": gettext_lazy("该事件被修改，或其前一条封存记录被删除"),
}


class Command(BaseCommand):
    help = gettext_lazy("校验案件事件的哈希链：任何已封存的事件被修改或删除时以非零状态退出，并指出第一个断裂的环节。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal-first", action="store_true", help=gettext_lazy("校验前先封存已到期的新事件（通常由调度器每分钟完成）。")
        )

    def handle(self, *args, seal_first=False, **options):
        if seal_first:
            events_seal()
        verdict = events_verify()
        if not verdict.ok:
            raise CommandError(
                _("哈希链在第 %(id)s 号案件事件处断裂：%(problem)s。已校验 %(checked)s 条。")
                % {"id": verdict.broken_event_id, "problem": PROBLEMS[verdict.problem], "checked": verdict.checked}
            )
        self.stdout.write(self.style.SUCCESS(_("哈希链完整：已校验 %(checked)s 条案件事件。") % {"checked": verdict.checked}))
        head = EventSeal.objects.order_by("-id").values_list("event_id", "chain_hash").first()
        if head:
            # Worth recording outside the database: a chain cut short at its end shows only
            # against an earlier head.
            self.stdout.write(_("链尾：第 %(id)s 号事件，摘要 %(hash)s") % {"id": head[0], "hash": head[1]})
        if verdict.unsealed:
            self.stdout.write(
                self.style.WARNING(
                    _("另有 %(n)s 条早于封存时限的事件尚未封存：请确认调度器（run_scheduler）在运行。") % {"n": verdict.unsealed}
                )
            )
