from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/receipt/", views.case_receipt, name="case_receipt"),
    path("cases/<int:pk>/transition/<slug:name>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/notes/", views.case_note, name="case_note"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/merge/", views.case_merge, name="case_merge"),
    path("cases/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
