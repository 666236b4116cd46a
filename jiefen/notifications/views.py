"""The user's own notification settings page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiefen.web.forms import apply_service_errors

from .forms import PreferenceForm
from .selectors import email_deliveries_for
from .services import notification_preference_for, notification_preference_update


@login_required
def preferences(request):
    """Each user sees and changes only their own settings; nothing here names anyone else."""
    current = notification_preference_for(request.user)
    initial = {"email": request.user.email, "email_enabled": current.email_enabled, "kinds": list(current.kinds)}
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                notification_preference_update(
                    user=request.user,
                    email_enabled=form.cleaned_data["email_enabled"],
                    kinds=form.cleaned_data["kinds"],
                    email=form.cleaned_data["email"],
                )
            except ValidationError as exc:
                apply_service_errors(exc, form)
                status = 400
            else:
                messages.success(request, _("通知设置已保存。"))
                return redirect("notifications:settings")
        else:
            status = 400
    else:
        form = PreferenceForm(initial=initial)
    context = {"form": form, "preference": current, "deliveries": email_deliveries_for(request.user)}
    return render(request, "notifications/settings.html", context, status=status)
