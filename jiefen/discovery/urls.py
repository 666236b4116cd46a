from django.urls import path

from . import views

app_name = "discovery"

urlpatterns = [
    path("", views.home, name="home"),
    path("rota/", views.rota, name="rota"),
    path("rota/<int:pk>/", views.slot_detail, name="slot_detail"),
    path("rota/<int:pk>/edit/", views.slot_edit, name="slot_edit"),
    path("rota/<int:pk>/cancel/", views.slot_cancel, name="slot_cancel"),
    path("rota/<int:pk>/visitors/", views.visitor_new, name="visitor_new"),
    path("visitors/<int:pk>/", views.reception_detail, name="reception_detail"),
    path("field/new/", views.field_new, name="field_new"),
    path("field/<int:pk>/", views.field_detail, name="field_detail"),
    path("field/<int:pk>/edit/", views.field_edit, name="field_edit"),
    path("field/<int:pk>/cases/", views.field_attach, name="field_attach"),
    path("register/", views.register, name="register"),
    path("register/export.<str:fmt>", views.export, name="export"),
    path("counts/", views.counts, name="counts"),
]
