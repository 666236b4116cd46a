"""The law's preconditions on lifecycle steps, registered when the app is ready."""

from jiefen.cases.lifecycle import add_precondition, add_service_step

from .services import aftercare, agreements, preparation

for action, check in (*preparation.PRECONDITIONS, *agreements.PRECONDITIONS, *aftercare.PRECONDITIONS):
    add_precondition(action, check)

# The agreement and aftercare services take these steps themselves; the case page offers their forms.
for action in ("reach_agreement", "confirm_performed", "record_return_visit"):
    add_service_step(action)
