from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from jiefen.organisation.models import Area, AreaKind
from jiefen.open311.services import open311_client_create


class Command(BaseCommand):
    help = "Create an Open311 client for a subdistrict and print its api_key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the client's name, e.g. 12345热线")
        parser.add_argument("--subdistrict", required=True, help="the subdistrict's id, number prefix (code) or name")

    def handle(self, *args, name, subdistrict, **options):
        query = Q(code=subdistrict) | Q(name=subdistrict)
        if subdistrict.isdigit():
            query |= Q(pk=int(subdistrict))
        areas = list(Area.objects.filter(query, kind=AreaKind.SUBDISTRICT))
        if len(areas) != 1:
            raise CommandError(f"No single subdistrict matches {subdistrict!r}.")
        try:
            client, key = open311_client_create(name=name, subdistrict=areas[0])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Open311 client {client.name} (id {client.pk}) for {areas[0].name}; service account {client.intake_user.username}.")
        self.stdout.write(f"api_key: {key}")
        self.stdout.write("Store it now: only its hash is kept.")
