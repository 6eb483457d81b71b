from django.urls import path

from . import views

app_name = "tips"
urlpatterns = [
    # Public (no login): the form, the receipt, the progress check.
    path("report/", views.tip_submit, name="submit"),
    path("report/thanks/", views.tip_thanks, name="thanks"),
    path("progress/", views.tip_progress, name="progress"),
    # Staff.
    path("", views.TipListView.as_view(), name="tip_list"),
    path("<int:pk>/", views.TipDetailView.as_view(), name="tip_detail"),
    path("<int:pk>/assign/", views.tip_assign, name="tip_assign"),
    path("<int:pk>/reject/", views.tip_reject, name="tip_reject"),
    path("<int:pk>/verify/", views.tip_verify, name="tip_verify"),
    path("<int:pk>/return/", views.tip_return, name="tip_return"),
    path("<int:pk>/reveal/", views.tip_reveal, name="tip_reveal"),
    path("<int:pk>/reward/", views.reward_add, name="reward_add"),
    path("<int:pk>/reward/paid/", views.reward_paid, name="reward_paid"),
    path("photos/<int:pk>/", views.tip_photo, name="photo"),
    path("rewards/", views.RewardListView.as_view(), name="reward_list"),
]
