"""Pull Microsoft 365 usage reports from Microsoft Graph (no Django here).

- :mod:`.client`: settings, app-only tokens with MSAL, :class:`~.client.GraphReportsClient`
  (302 to a pre-authenticated download, pacing, 429/5xx/401 handling).
- :mod:`.pull`: :func:`~.pull.plan_pull` and :func:`~.pull.run_pull`, the resumable daily pull.
- :mod:`.exceptions`: what can go wrong, in words an operator can act on.

Operator documentation: docs/operator/graph.md.
"""
