from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, AreaKind

from .models import Open311Client, Open311Request
from .services import open311_client_create, open311_client_rotate_key, open311_client_set_active


class ClientAddForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ["name", "subdistrict"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].queryset = Area.objects.filter(kind=AreaKind.SUBDISTRICT)


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "subdistrict", "intake_user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["subdistrict", "intake_user", "key_prefix", "created_at", "last_used_at"]
    fields = ["name", "subdistrict", "intake_user", "key_prefix", "is_active", "created_at", "last_used_at"]
    actions = ["rotate_key", "deactivate", "activate"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ClientAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "subdistrict"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            active_changed = "is_active" in form.changed_data
            obj.save(update_fields=["name"])
            if active_changed:
                open311_client_set_active(client_id=obj.pk, active=obj.is_active)
            return
        # Creation goes through the service (service account, role, key hash); the key is shown
        # once here and never stored.
        try:
            client, key = open311_client_create(name=form.cleaned_data["name"], subdistrict=form.cleaned_data["subdistrict"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        obj.pk = client.pk
        obj.__dict__.update(client.__dict__)
        messages.warning(
            request, _g("接入方“%(name)s”的 api_key：%(key)s —— 只显示这一次，请立即复制并交给接入方妥善保管。") % {"name": client.name, "key": key}
        )

    @admin.action(description=_("重新生成 api_key（原密钥立即失效）"))
    def rotate_key(self, request, queryset):
        for client in queryset:
            key = open311_client_rotate_key(client_id=client.pk)
            messages.warning(request, _g("接入方“%(name)s”的新 api_key：%(key)s —— 只显示这一次。") % {"name": client.name, "key": key})

    @admin.action(description=_("停用所选接入方"))
    def deactivate(self, request, queryset):
        for client in queryset:
            open311_client_set_active(client_id=client.pk, active=False)

    @admin.action(description=_("启用所选接入方"))
    def activate(self, request, queryset):
        for client in queryset:
            open311_client_set_active(client_id=client.pk, active=True)


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["case", "client", "service_code", "created_at"]
    list_filter = ["client"]
    search_fields = ["case__number"]
    raw_id_fields = ["client", "case"]
    readonly_fields = [f.name for f in Open311Request._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
