from django.contrib import admin
from django.urls import include, path

from empathycamp import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.prometheus_metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("courses.urls_accounts")),
    path("", include("courses.urls")),
]
