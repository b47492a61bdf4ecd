from django.contrib.auth import views as auth_views
from django.urls import include, path

from courses import views
from courses.views.limits import limited

# Log-in and password reset are Django's own views, behind the abuse limits (POST only: reading
# the form is free). Limits per client address, and for log-in per username too.
login = limited(key="ip", rate="login_ip")(
    limited(key="post:username", rate="login_username")(auth_views.LoginView.as_view())
)
password_reset = limited(key="ip", rate="password_reset_ip")(auth_views.PasswordResetView.as_view())

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", login, name="login"),
    path("password_reset/", password_reset, name="password_reset"),
    path("", include("django.contrib.auth.urls")),  # logout (POST only), password change, reset steps
]
