from django.urls import path

from casework import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.submit, name="submit"),
    path("receipt/", portal_views.receipt, name="receipt"),
    path("status/", portal_views.lookup, name="lookup"),
    path("status/case/", portal_views.status, name="status"),
    path("status/rate/", portal_views.rate, name="rate"),
    path("status/rate/details/", portal_views.rate_details, name="rate_details"),
    path("status/reopen/", portal_views.reopen, name="reopen"),
    path("status/add/", portal_views.add_information, name="add"),
    path("mode/", portal_views.mode, name="mode"),
    path("status/leave/", portal_views.leave, name="leave"),
]
