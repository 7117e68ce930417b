"""One rule for every form that creates something: a submission is carried out once.

The form carries a one-time token (``walkback.core.forms.SubmissionTokenMixin``); the service
is wrapped in ``once_per_submission``. The first request with a token claims it (a row in
``Submission``, unique per user and token) in the same transaction as what it creates, and
records what it made. A repeat with the same token (a double click, a resent form, the same
form posted eight times at once) gets that same result back and creates nothing: no second
row, no second notice, no second e-mail. On PostgreSQL a racing claim waits on the unique
index until the first commits, then finds its result; if the first was refused (a
``ValidationError`` rolls the claim back), the repeat is carried out afresh.

A form sent without a token (an old page, a script) is carried out as before; uniqueness
races between *different* submissions are each service's own business, settled by a database
constraint and turned into the same message as the service's check.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext, gettext_noop

from walkback.core.models import Submission

T = TypeVar("T")

# Marked here, translated where it is shown (tests compare the English constant).
STALE = gettext_noop("This form was already sent. Reload the page to start again.")


def once_per_submission(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Make a service run once per ``(by, submission_token)``. The service is called with
    keyword arguments, among them ``by`` (the user submitting); ``submission_token`` is taken
    off before it is called. It returns the model row it created, or None."""

    def wrap(service: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(service)
        def run(*args: Any, submission_token: uuid.UUID | None = None, **kwargs: Any) -> T:
            if submission_token is None:
                return service(*args, **kwargs)
            return submit_once(
                by=kwargs["by"],
                token=submission_token,
                action=action,
                create=lambda: service(*args, **kwargs),
            )

        return run

    return wrap


def submit_once(*, by: Any, token: uuid.UUID, action: str, create: Callable[[], T]) -> T:
    """``create()`` once per ``(by, token)``; a repeat returns what the first one made."""
    done = Submission.objects.filter(user=by, token=token).first()
    if done is not None:
        return _result(done, action)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = Submission.objects.create(user=by, token=token, action=action)
        except IntegrityError:
            # The same submission is being (or was just) carried out by another request: the
            # insert waited for it to commit. Answer as it did.
            return _result(Submission.objects.get(user=by, token=token), action)
        result = create()
        if isinstance(result, models.Model):
            claim.object_type, claim.object_id = result._meta.label, result.pk
            claim.save(update_fields=["object_type", "object_id"])
        elif result is not None:
            raise TypeError(f"{action} must return a model row or None, not {type(result)}")
    return result


def _result(done: Submission, action: str) -> Any:
    if done.action != action:
        raise ValidationError(gettext(STALE))
    if not done.object_type:
        return None
    model = apps.get_model(done.object_type)
    try:
        # The base manager: a row a default manager hides (a superseded version) still counts.
        return model._base_manager.get(pk=done.object_id)
    except ObjectDoesNotExist:
        raise ValidationError(gettext(STALE)) from None
