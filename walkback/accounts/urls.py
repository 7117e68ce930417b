from django.contrib.auth import views as auth_views
from django.urls import path

from walkback.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("invite/<str:token>/", views.invite_accept, name="invite-accept"),
    path("security/", views.security, name="security"),
    path("email/confirm/<str:token>/", views.email_confirm, name="email-confirm"),
    path("phone/", views.phone, name="phone"),
    path("language/", views.language, name="language"),
    path("two-step/setup/", views.otp_setup, name="otp-setup"),
    path("two-step/verify/", views.otp_verify, name="otp-verify"),
    path("two-step/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("two-step/off/", views.two_step_off, name="two-step-off"),
    path("two-step/reset/<int:pk>/", views.two_step_reset, name="two-step-reset"),
    path("session/extend/", views.session_extend, name="session-extend"),
    path("devices/<int:pk>/sign-out/", views.device_session_end, name="device-sign-out"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
