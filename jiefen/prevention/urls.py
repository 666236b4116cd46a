from django.urls import path

from . import views

app_name = "prevention"

urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("counselling/", views.referral_list, name="referral_list"),
    path("cases/<int:pk>/counselling/", views.referral_new, name="referral_new"),
    path("cases/<int:pk>/counselling/fields/", views.referral_fields, name="referral_fields"),
    path("counselling/<int:pk>/<slug:action>/", views.referral_step, name="referral_step"),
]
