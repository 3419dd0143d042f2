from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.home, name="home"),
    path("start/<int:school_pk>/", views.evaluation_start, name="evaluation_start"),
    path("selbstevaluation/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "selbstevaluation/<int:pk>/bewerten/<str:perspective>/",
        views.evaluation_edit,
        name="evaluation_edit",
    ),
    path(
        "selbstevaluation/<int:pk>/einreichen/", views.evaluation_submit, name="evaluation_submit"
    ),
    path(
        "selbstevaluation/<int:pk>/mitzeichnen/",
        views.evaluation_co_sign,
        name="evaluation_co_sign",
    ),
    path("selbstevaluation/<int:pk>/zurueck/", views.evaluation_return, name="evaluation_return"),
    path("selbstevaluation/<int:pk>/traeger/", views.carrier_submit, name="carrier_submit"),
    path("selbstevaluation/<int:pk>/abschluss/", views.closing_review, name="closing_review"),
    path("dialoge/", views.dialogue_list, name="dialogue_list"),
    path("dialoge/neu/", views.dialogue_create, name="dialogue_create"),
    path("dialoge/<int:pk>/", views.dialogue_detail, name="dialogue_detail"),
    path("dialoge/<int:pk>/bearbeiten/", views.dialogue_update, name="dialogue_update"),
    path("dialoge/<int:pk>/protokoll.pdf", views.dialogue_pdf, name="dialogue_pdf"),
    path("zyklus/", views.cycle, name="cycle"),
    path("zyklus/export.<str:fmt>", views.cycle_export, name="cycle_export"),
    path("einstellungen/", views.settings_page, name="settings"),
]

# Issue 16, part two: the overview of the standards (heat map), the summary
# for the annual report and the anonymous surveys.
from . import views_insights, views_survey  # noqa: E402

urlpatterns += [
    path("uebersicht/", views_insights.heatmap_page, name="heatmap"),
    path("uebersicht/export.<str:fmt>", views_insights.heatmap_export, name="heatmap_export"),
    path("jahresbericht/", views_insights.annual_summary, name="annual_summary"),
    path(
        "jahresbericht/zusammenfassung.docx",
        views_insights.annual_summary_docx,
        name="annual_summary_docx",
    ),
    path("umfragen/", views_survey.survey_list, name="survey_list"),
    path("umfragen/<int:pk>/", views_survey.survey_detail, name="survey_detail"),
    path("umfragen/<int:pk>/schliessen/", views_survey.survey_close, name="survey_close"),
    path("umfragen/freitexte/", views_survey.survey_texts, name="survey_texts"),
    path(
        "umfragen/fragebogen/<str:audience>/",
        views_survey.question_set_edit,
        name="question_set_edit",
    ),
    path("befragung/<str:token>/", views_survey.survey_answer, name="survey_answer"),
]
