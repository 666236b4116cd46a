"""Field-level encryption for sensitive personal data (PIPL): ID numbers and phone numbers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
PII_ENCRYPTION_KEYS: the first encrypts, all of them decrypt, so a new key is rolled in by
putting it first and running `manage.py pii_rotate`, after which the old key can go. Because
every encryption is randomised, equal values do not look equal in the database; exact search
and duplicate detection use a separate keyed hash (HMAC-SHA256 under PII_HASH_KEY) of the
normalised value, kept in its own column.
"""

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

PREFIX = "enc1:"  # marks ciphertext, so a plaintext left from before encryption is recognised


def _derived(purpose: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def encryption_keys() -> list[str]:
    keys = [key.strip() for key in getattr(settings, "PII_ENCRYPTION_KEYS", []) if key.strip()]
    return keys or [_derived("pii-encryption")]


def hash_key() -> bytes:
    return (getattr(settings, "PII_HASH_KEY", "") or _derived("pii-hash")).encode()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"PII_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(encryption_keys()))


def encrypt(value: str) -> str:
    if not value:
        return value
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored  # empty, or written before encryption was switched on
    try:
        return fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with any key in PII_ENCRYPTION_KEYS; a key was removed too early."
        ) from None


def normalise(value: str) -> str:
    """ID numbers compare without spaces and case (x/X); phone numbers by their digits."""
    value = (value or "").strip().upper()
    return re.sub(r"[\s\-()（）]", "", value)


def keyed_hash(value: str) -> str:
    value = normalise(value)
    if not value:
        return ""
    return hmac.new(hash_key(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A short text stored encrypted; reads give the plaintext back.

    Only emptiness can be queried (`field=""`, `field__isnull`); for anything else use the
    keyed hash column, because ciphertexts of equal values differ.
    """

    description = _("加密文本")

    def __init__(self, *args, max_length=None, **kwargs):
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(max_length=self.plain_max_length, required=not self.blank, label=self.verbose_name, **kwargs)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if value.startswith(PREFIX):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "isnull"):
            raise TypeError(f"{self.model.__name__}.{self.name} is encrypted: search its keyed hash instead.")
        return super().get_lookup(lookup_name)


class EncryptedExact(models.lookups.Exact):
    def get_db_prep_lookup(self, value, connection):
        if value not in ("", None):
            raise TypeError("Encrypted fields can only be compared with an empty value; search the keyed hash.")
        return super().get_db_prep_lookup(value, connection)


EncryptedCharField.register_lookup(EncryptedExact)


class KeyedHashField(models.CharField):
    """The keyed hash of another field of the same row, kept up to date on every save and bulk insert."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False), ("db_index", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = keyed_hash(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def encrypt_existing(app_label: str, model_name: str, *fields: str):
    """A data migration's function: rewrite the rows of a model whose columns just became
    encrypted, so values stored in clear before are encrypted too (and their hashes filled)."""

    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        hashes = [f.name for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]
        batch = []
        for row in model.objects.order_by("pk").iterator(chunk_size=2000):
            for field in model._meta.concrete_fields:
                if field.name in hashes:
                    field.pre_save(row, add=False)
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, [*fields, *hashes])
                batch = []
        if batch:
            model.objects.bulk_update(batch, [*fields, *hashes])

    return run
