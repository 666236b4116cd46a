from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.chain import events_seal


class Command(BaseCommand):
    help = gettext_lazy("把已到期的新案件事件加入哈希链（调度器每分钟自动执行）。")

    def handle(self, *args, **options):
        self.stdout.write(_("已封存 %(n)s 条案件事件。") % {"n": events_seal()})
