from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.area_tree, name="area_tree"),
    path("list/", views.AreaListView.as_view(), name="area_list"),
    path("add/", views.AreaEditView.as_view(), name="area_add"),
    path("import/", views.area_import, name="area_import"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="area_detail"),
    path("<int:pk>/edit/", views.AreaEditView.as_view(), name="area_edit"),
    path("<int:pk>/children/", views.area_children, name="area_children"),
]
