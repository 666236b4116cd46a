"""Test support: put on file what lifecycle steps require (steps_agreements)."""

from .casework import PREPARE  # noqa: F401
