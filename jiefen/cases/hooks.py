"""Work other apps do when a case is registered, without the case app knowing them.

`case_register` calls `run_after_registration` inside its transaction, after the case, its
parties and its first events are written: a hook sees the whole case, and whatever it writes
is kept or rolled back together with the registration. A hook may raise to refuse the
registration; most only record something (the screening app's 排查遗漏 check).
"""

from collections.abc import Callable

# hook(*, case, actor, today) -> None
_AFTER_REGISTRATION: list[Callable] = []


def register_after_registration(hook: Callable) -> None:
    if hook not in _AFTER_REGISTRATION:
        _AFTER_REGISTRATION.append(hook)


def run_after_registration(case, *, actor, today) -> None:
    for hook in list(_AFTER_REGISTRATION):
        hook(case=case, actor=actor, today=today)
