"""Test support: put on file what lifecycle steps require (steps_preparation)."""

from .casework import PREPARE  # noqa: F401
