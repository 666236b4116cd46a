"""The law's preconditions on lifecycle steps, registered when the app is ready."""

from jiefen.cases.lifecycle import add_precondition

from .services import aftercare, agreements, preparation

for action, check in (*preparation.PRECONDITIONS, *agreements.PRECONDITIONS, *aftercare.PRECONDITIONS):
    add_precondition(action, check)
