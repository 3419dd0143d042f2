"""{% single_sign_on_url as url %}: the address that starts the login at the
OpenID provider, or None while single sign-on is off (accounts/oidc.py)."""

from __future__ import annotations

from django import template

from schulsozial.accounts import oidc

register = template.Library()


@register.simple_tag
def single_sign_on_url() -> str | None:
    return oidc.login_link()
