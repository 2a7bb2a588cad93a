"""Accounts with Django's auth: sign up (a guest keeps its player), log in, log out, change
password. Django's forms, password validators, sessions and CSRF do the work."""

from __future__ import annotations

import logging

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

from lobby.identity import claim_player, ensure_guest, guest_key
from lobby.models import Rating

logger = logging.getLogger(__name__)


def _safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the form carries if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default


class SignupView(FormView):
    """Create an account with Django's ``UserCreationForm`` and sign it in; the session's
    guest becomes the account's player (its name, ratings and matches stay)."""

    form_class = UserCreationForm
    template_name = "accounts/signup.html"

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """A signed-in visitor has an account already: to its profile."""
        if request.user.is_authenticated:
            return HttpResponseRedirect(resolve_url("my-profile"))
        ensure_guest(request.session)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        """The form, where to go next, and whether the guest has something to keep."""
        context = super().get_context_data(**kwargs)
        key = guest_key(self.request.session)
        context["next"] = _safe_next(self.request, "")
        context["guest_has_record"] = Rating.objects.filter(player_key=key).exists()
        return context

    def form_valid(self, form: UserCreationForm) -> HttpResponse:
        """Save the user, give it the guest's player and sign it in."""
        user = form.save()
        profile = claim_player(user, self.request.session)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        logger.info("account %s created for player %s", user.pk, profile.key)
        return HttpResponseRedirect(_safe_next(self.request, resolve_url("my-profile")))


class LoginView(auth_views.LoginView):
    """Django's login view in the site's style; this browser plays as the account from now."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only); the browser is a new guest afterwards."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new one twice, the validators)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Said after the password changed."""

    template_name = "accounts/password_change_done.html"
