"""The page where a user keeps their API tokens: list, create (the full token is shown once,
on the response to the POST, and never stored) and revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jiefen.common.errors import DomainError
from jiefen.web.forms import apply_service_errors

from .forms import TokenCreateForm
from .models import ApiToken
from .selectors import api_tokens_of
from .services import MAX_ACTIVE_TOKENS, api_token_create, api_token_revoke


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    new_key, new_token, status = None, None, 200
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                new_token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
            except (DomainError, ValidationError) as exc:
                apply_service_errors(exc, form)
                status = 400
            else:
                form = TokenCreateForm()
        else:
            status = 400
    else:
        form = TokenCreateForm()
    tokens = list(api_tokens_of(request.user))
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "active_count": sum(1 for token in tokens if token.is_active),
            "max_active": MAX_ACTIVE_TOKENS,
            "new_key": new_key,
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    # Only one's own tokens here; administrators revoke others' tokens in the admin site.
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    try:
        api_token_revoke(token_id=token.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已吊销令牌“%(name)s”，使用它的程序将无法再访问接口。") % {"name": token.name})
    return redirect("api:tokens")
