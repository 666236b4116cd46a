from io import BytesIO

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError

from .models import Area, Person, RoleAssignment, Room, Unit
from .roster import MAX_ROWS, roster_import, roster_subdistricts, roster_template

ROSTER_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Beyond this the page gets unreadable; the sender fixes the first ones and uploads again.
ROSTER_ERRORS_SHOWN = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy("Excel 工作簿（.xlsx），第一个工作表的表头为：姓名、手机号码、角色、单位、区域、登录名（、初始密码）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )
    subdistrict = forms.ModelChoiceField(queryset=Area.objects.none(), label=gettext_lazy("导入到街道"))

    def __init__(self, *args, subdistricts, **kwargs):
        super().__init__(*args, **kwargs)
        if subdistricts.count() > 1:
            self.fields["subdistrict"].queryset = subdistricts
        else:
            del self.fields["subdistrict"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大（超过 %(mb)s MB）。请拆分后分批导入。") % {"mb": ROSTER_UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return upload


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "village", "subdistrict", "code"]
    list_filter = ["kind", "subdistrict"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["subdistrict", "village"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["unit", "area"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "subtype", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["area", "parent"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "user", "is_active"]
    list_filter = ["is_active", "roles__role"]
    search_fields = ["name", "phone", "user__username"]
    autocomplete_fields = ["user"]
    inlines = [RoleAssignmentInline]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.roster_import_view), name="%s_%s_roster_import" % info),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.roster_template_view),
                name="%s_%s_roster_template" % info,
            ),
        ] + super().get_urls()

    def roster_import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        subdistricts = roster_subdistricts(request.user)
        result = None
        if request.method == "POST":
            form = RosterImportForm(request.POST, request.FILES, subdistricts=subdistricts)
            if form.is_valid():
                try:
                    result = roster_import(
                        file=form.cleaned_data["file"],
                        actor=request.user,
                        subdistrict=form.cleaned_data.get("subdistrict"),
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
        else:
            form = RosterImportForm(subdistricts=subdistricts)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入花名册"),
            "form": form,
            "can_import": subdistricts.exists(),
            "result": result,
            "errors_shown": result.errors[:ROSTER_ERRORS_SHOWN] if result else [],
            "errors_hidden": max(0, len(result.errors) - ROSTER_ERRORS_SHOWN) if result else 0,
            "max_rows": f"{MAX_ROWS:,}",
        }
        return TemplateResponse(request, "admin/organisation/person/roster_import.html", context)

    def roster_template_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        subdistricts = list(roster_subdistricts(request.user)[:2])
        content = roster_template(subdistricts[0] if len(subdistricts) == 1 else None)
        return FileResponse(
            BytesIO(content), as_attachment=True, filename=_("花名册模板.xlsx"), content_type=XLSX_CONTENT_TYPE
        )


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]
