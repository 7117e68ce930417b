"""The upload form of "Me → Import walks" (docs/activity-import.md)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.portal.forms import PortalForm


class ImportUploadForm(PortalForm):
    file = forms.FileField(
        label=_("Export file from your phone or watch"),
        help_text=_(
            "Apple Health export.zip or export.xml, a GPX track, a FIT file, a Google Fit "
            "file or a Fitbit export. Nothing is saved until you have checked the walks."
        ),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("This file is empty. Export your walks again and upload the new file."),
        },
        allow_empty_file=True,  # the service says why an empty file cannot be read
    )
