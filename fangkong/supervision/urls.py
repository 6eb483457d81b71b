from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("groups/", views.InspectionGroupListView.as_view(), name="group_list"),
    path("groups/add/", views.InspectionGroupEditView.as_view(), name="group_add"),
    path("groups/<int:pk>/", views.InspectionGroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.InspectionGroupEditView.as_view(), name="group_edit"),
    path("checklists/", views.ChecklistTemplateListView.as_view(), name="checklist_list"),
    path("checklists/add/", views.ChecklistTemplateEditView.as_view(), name="checklist_add"),
    path(
        "checklists/<int:pk>/",
        views.ChecklistTemplateDetailView.as_view(),
        name="checklist_detail",
    ),
    path("tasks/", views.InspectionTaskListView.as_view(), name="task_list"),
    path("tasks/add/", views.InspectionTaskEditView.as_view(), name="task_add"),
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("visits/add/", views.visit_add, name="visit_add"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/add/", views.problem_add, name="problem_add"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/<str:action>/", views.problem_action, name="problem_action"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("summary/", views.summary, name="summary"),
    path("summaries/", views.ProblemSummaryListView.as_view(), name="summary_list"),
    path("summaries/<int:pk>/", views.ProblemSummaryDetailView.as_view(), name="summary_detail"),
]
