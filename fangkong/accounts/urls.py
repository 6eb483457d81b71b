from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/token/revoke/", views.revoke_token, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/import/", views.user_import, name="user_import"),
    path("users/import/template.xlsx", views.user_import_template, name="user_import_template"),
    path("users/import/<uuid:pk>/passwords/", views.user_import_passwords, name="import_passwords"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("locked/", views.locked_list, name="locked_list"),
    path("users/<int:pk>/unlock/", views.unlock, name="unlock"),
]
