from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("groups/", views.WorkingGroupListView.as_view(), name="group_list"),
    path("groups/add/", views.WorkingGroupEditView.as_view(), name="group_add"),
    path("groups/<int:pk>/", views.WorkingGroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.WorkingGroupEditView.as_view(), name="group_edit"),
    path("groups/<int:pk>/delete/", views.WorkingGroupDeleteView.as_view(), name="group_delete"),
    path("shifts/", views.ShiftListView.as_view(), name="shift_list"),
    path("shifts/add/", views.ShiftEditView.as_view(), name="shift_add"),
    path("shifts/<int:pk>/", views.ShiftDetailView.as_view(), name="shift_detail"),
    path("shifts/<int:pk>/edit/", views.ShiftEditView.as_view(), name="shift_edit"),
    path("shifts/<int:pk>/delete/", views.ShiftDeleteView.as_view(), name="shift_delete"),
    path("shifts/<int:pk>/cover/", views.ShiftCoverView.as_view(), name="shift_cover"),
    path("shifts/import/", views.shift_import, name="shift_import"),
    path("shifts/import/template.xlsx", views.shift_import_template, name="shift_import_template"),
    path("coverage/", views.coverage, name="coverage"),
    path("handovers/", views.HandoverListView.as_view(), name="handover_list"),
    path("handovers/add/", views.handover_add, name="handover_add"),
    path("handovers/<int:pk>/", views.HandoverDetailView.as_view(), name="handover_detail"),
    path(
        "handovers/<int:pk>/acknowledge/",
        views.handover_acknowledge,
        name="handover_acknowledge",
    ),
    path("items/<int:pk>/close/", views.item_close, name="item_close"),
    path("notices/", views.NoticeListView.as_view(), name="notice_list"),
    path("notices/add/", views.notice_add, name="notice_add"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
    path("notices/<int:pk>/remind/", views.notice_remind, name="notice_remind"),
    path("inbox/", views.inbox, name="inbox"),
]
