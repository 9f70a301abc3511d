"""Sign-in with Microsoft Entra ID (OpenID Connect authorization-code flow with PKCE).

- :mod:`.config` reads the settings from the environment (no Django imports: settings.py uses it).
- :mod:`.provider` talks to the identity provider: discovery, the token endpoint and the signing
  keys; it validates the ID token (signature, issuer, audience, lifetime, nonce, tenant).
- :mod:`.services` maps a validated sign-in to an employee and a Django user, and audits it.
- :mod:`.views` and :mod:`.urls` are the thin web layer: start, callback, signed-out page.

Roles never come from the token: they come from Veikart's role grants and the HR data
(:mod:`veikart.core.access`). See docs/operator/sign-in.md.
"""
