"""Downloads of a case's documents and dossier (filled in below)."""

from django.http import Http404


def document_download(request, pk, kind, fmt, ref=None):
    raise Http404


def dossier_download(request, pk):
    raise Http404
