from django.urls import path

from . import views_yearend as views

app_name = "yearend"

urlpatterns = [
    path("", views.sheet_list, name="sheet_list"),
    path("new/", views.sheet_new, name="sheet_new"),
    path("<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("<int:pk>/results/<int:result_pk>/", views.result_detail, name="result_detail"),
    path("<int:pk>/compute/", views.sheet_compute, name="sheet_compute"),
    path("<int:pk>/publish/", views.sheet_publish, name="sheet_publish"),
    path("<int:pk>/settings/", views.sheet_update, name="sheet_update"),
    path("<int:pk>/indicators/", views.indicator_set, name="indicator_set"),
    path("<int:pk>/indicators/<int:line_pk>/remove/", views.indicator_remove, name="indicator_remove"),
    path("<int:pk>/bonus-items/", views.bonus_item_set, name="bonus_item_set"),
    path("<int:pk>/bonus-items/<int:item_pk>/remove/", views.bonus_item_remove, name="bonus_item_remove"),
    path("<int:pk>/bonus/", views.bonus_award, name="bonus_award"),
    path("<int:pk>/bonus/<int:award_pk>/revoke/", views.bonus_award_revoke, name="bonus_award_revoke"),
    path("export/<int:subdistrict_pk>/<int:year>/<str:fmt>/", views.export, name="export"),
]
