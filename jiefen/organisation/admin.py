from django.contrib import admin

from .models import Area, Person, RoleAssignment, Room, Unit


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


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]
