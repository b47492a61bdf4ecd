from django.urls import include, path

from courses import views

# Django's auth views: login, logout (POST only), password change and reset by e-mail.
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]
