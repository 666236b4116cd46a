"""Test support: put on file what archiving requires (the dossier's required documents)."""

from .casework import PREPARE  # noqa: F401
