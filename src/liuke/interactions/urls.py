from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("cards/new/", views.card_new, name="card_new"),
    path("cards/<int:pk>/", views.card_detail, name="card_detail"),
    path("cards/<int:pk>/edit/", views.card_edit, name="card_edit"),
    path("cards/<int:pk>/amend/", views.card_amend, name="card_amend"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("customers/<int:pk>/cards/", views.customer_cards, name="customer_cards"),
    path("customers/<int:customer_pk>/follow-ups/add/", views.follow_up_add, name="follow_up_add"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up_detail"),
    path("plan/", views.plan, name="plan"),
    path("plan/team/", views.plan_team, name="plan_team"),
]
