from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.crypto import EncryptedCharField, KeyedHashField

BATCH = 1000


def encrypted_models():
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if fields:
            hashes = [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]
            yield model, fields, hashes


class Command(BaseCommand):
    help = gettext_lazy(
        "用 PII_ENCRYPTION_KEYS 中的第一个密钥重新加密全部个人敏感信息，并重算检索摘要。"
        "轮换密钥：把新密钥放在最前面，运行本命令，完成后再删除旧密钥。"
    )

    def handle(self, *args, **options):
        for model, fields, hashes in encrypted_models():
            done = 0
            last_pk = 0
            while True:
                with transaction.atomic():
                    rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk").select_for_update()[:BATCH])
                    if not rows:
                        break
                    for row in rows:  # values were decrypted on read; saving encrypts under the first key
                        for field in hashes:
                            field.pre_save(row, add=False)
                    model.objects.bulk_update(rows, [*fields, *(f.name for f in hashes)])
                last_pk = rows[-1].pk
                done += len(rows)
            self.stdout.write(_("%(model)s：已重新加密 %(n)s 条。") % {"model": model._meta.verbose_name, "n": done})
