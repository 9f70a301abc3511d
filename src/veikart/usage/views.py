from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from veikart.core.access import get_access
from veikart.usage.forms import UsageUploadForm
from veikart.usage.models import IngestRun
from veikart.usage.services import ingest_paths


def _require_ingest(request: HttpRequest) -> User:
    if not get_access(request.user).can_import:
        raise PermissionDenied
    assert isinstance(request.user, User)
    return request.user


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    user = _require_ingest(request)
    summary = None
    status = 200
    if request.method == "POST":
        form = UsageUploadForm(request.POST, request.FILES)
        if form.is_valid():
            with tempfile.TemporaryDirectory(prefix="veikart-upload-") as folder:
                paths = []
                for number, uploaded in enumerate(form.cleaned_data["files"]):
                    # Keep the uploaded name for messages, but never use it as a path.
                    target = Path(folder) / f"{number:04d}"
                    target.mkdir()
                    safe = Path(uploaded.name or "upload.csv").name or "upload.csv"
                    with open(target / safe, "wb") as sink:
                        for chunk in uploaded.chunks():
                            sink.write(chunk)
                    paths.append(target / safe)
                summary = ingest_paths(paths, actor=user, source="web")
            status = 200 if summary.ok else 400
    else:
        form = UsageUploadForm()
    return render(
        request,
        "usage/upload.html",
        {"form": form, "summary": summary, "runs": IngestRun.objects.all()[:20]},
        status=status,
    )
