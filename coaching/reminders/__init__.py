"""Reminders that are never lost and never doubled (issue 5; docs/reminders.md).

- ``planner``: which reminder rows should exist, from preferences, sessions and check-ins.
- ``services``: the writes other parts call inside their own transactions
  (``reminders_plan_for_session``, ``reminders_plan_for_patient``, ``adverse_event_notify``),
  the periodic planner, and the preference change behind the signed link.
- ``delivery``: the sweep (claim due rows, hand ids to Celery after commit) and the send
  (claim again, build, send through a channel, record the outcome, back off on failure).
- ``channels``: how a message leaves (e-mail; a console SMS channel for development).
- ``choices``: which channels a patient may pick (e-mail, SMS once the number is confirmed,
  push with a subscription).
- ``sms``: number verification, the texts, Twilio's channel and webhooks (docs/reminders.md,
  "Channels").
- ``messages``: what each kind of reminder says.
"""
