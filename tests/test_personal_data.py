"""ID numbers and phone numbers at rest: encrypted, found by keyed hash, and readable after a
key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from jiefen.cases.models import Party
from jiefen.cases.selectors import open_cases_of_person
from jiefen.common.crypto import keyed_hash

from .conftest import VALID_ID

pytestmark = pytest.mark.django_db

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _i in range(3))


def stored(party):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone, phone_hash FROM {Party._meta.db_table} WHERE id = %s", [party.pk])
        return cursor.fetchone()


def test_values_are_encrypted_in_the_database_and_plain_in_the_app(make_case):
    party = make_case().parties.get(name="张三")
    raw_id, raw_phone, phone_hash = stored(party)
    assert VALID_ID not in raw_id and "13800138000" not in raw_phone
    assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:")
    assert phone_hash == keyed_hash("13800138000") and len(phone_hash) == 64
    party = Party.objects.get(pk=party.pk)
    assert (party.id_number, party.phone) == (VALID_ID, "13800138000")
    # Two encryptions of one value differ; only the hash is stable.
    other = make_case(title="另一件").parties.get(name="张三")
    assert stored(other)[1] != raw_phone and stored(other)[2] == phone_hash


def test_duplicates_are_found_through_the_hash(make_case):
    case = make_case()
    assert list(open_cases_of_person(id_numbers=[VALID_ID.lower()])) == [case]
    assert list(open_cases_of_person(phones=["138-0013-8000"])) == [case]
    assert list(open_cases_of_person(phones=["13900000000"])) == []


def test_searching_the_ciphertext_directly_is_refused(make_case):
    make_case()
    with pytest.raises(TypeError, match="keyed hash"):
        list(Party.objects.filter(phone="13800138000"))
    with pytest.raises(TypeError, match="keyed hash"):
        list(Party.objects.filter(phone__startswith="138"))
    assert Party.objects.filter(representative_phone="").count() == 2


def test_rotating_the_key(make_case, settings):
    settings.PII_ENCRYPTION_KEYS = [KEY_A]
    party = make_case().parties.get(name="张三")
    before = stored(party)
    settings.PII_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # new key first, old one still readable
    assert Party.objects.get(pk=party.pk).phone == "13800138000"
    call_command("pii_rotate")
    after = stored(party)
    assert after[0] != before[0] and after[2] == before[2]  # re-encrypted; the hash is unchanged
    settings.PII_ENCRYPTION_KEYS = [KEY_B]  # the old key removed
    assert Party.objects.get(pk=party.pk).id_number == VALID_ID
    settings.PII_ENCRYPTION_KEYS = [KEY_C]
    with pytest.raises(ImproperlyConfigured, match="removed too early"):
        Party.objects.get(pk=party.pk)


def test_every_citizen_phone_and_id_column_is_encrypted():
    from django.apps import apps

    from jiefen.common.crypto import EncryptedCharField

    expected = {
        ("cases", "party"): {"id_number", "phone", "representative_phone"},
        ("discovery", "receptionvisit"): {"phone"},
        ("mediation", "thirdparty"): {"phone"},
        ("open311", "open311request"): {"phone"},
    }
    for (app, model), fields in expected.items():
        model_class = apps.get_model(app, model)
        assert {f.name for f in model_class._meta.fields if isinstance(f, EncryptedCharField)} == fields


def test_rows_stored_in_clear_before_are_encrypted_by_the_migration(make_case):
    from django.apps import apps

    from jiefen.common.crypto import encrypt_existing

    party = make_case().parties.get(name="张三")
    with connection.cursor() as cursor:  # as a row written before the column was encrypted
        cursor.execute(f"UPDATE {Party._meta.db_table} SET phone = %s, phone_hash = '' WHERE id = %s", ["13700137000", party.pk])
    encrypt_existing("cases", "Party", "id_number", "phone", "representative_phone")(apps, None)
    raw_id, raw_phone, phone_hash = stored(party)
    assert raw_phone.startswith("enc1:") and phone_hash == keyed_hash("13700137000")
    assert Party.objects.get(pk=party.pk).phone == "13700137000"
