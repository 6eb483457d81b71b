from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/token/revoke/", views.revoke_token, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("locked/", views.locked_list, name="locked_list"),
    path("users/<int:pk>/unlock/", views.unlock, name="unlock"),
]
