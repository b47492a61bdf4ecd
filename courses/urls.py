from django.urls import path

from courses import views
from courses.views import practice as practice_views

app_name = "courses"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("about/", views.about, name="about"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/enroll/", views.enroll, name="enroll"),
    path("lessons/<int:item_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:item_id>/complete/", views.lesson_complete_view, name="lesson_complete"),
    path("quizzes/<int:item_id>/", views.quiz_detail, name="quiz"),
    path("scenarios/<int:item_id>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:item_id>/practice/", practice_views.practice_start, name="practice_start"),
    path("practice/<uuid:session_id>/", practice_views.practice_session, name="practice"),
    path("practice/<uuid:session_id>/history/", practice_views.practice_history, name="practice_history"),
]
