"""Reminders by SMS (issue 13; docs/reminders.md, "Channels").

- ``models``: the patient's number check (``PhoneVerification``) and numbers that replied STOP
  (``SmsOptOut``).
- ``verification``: send and check the six-digit code.
- ``texts``: what each kind of reminder says by SMS: one GSM-7 segment, no health data.
- ``twilio``: the channel that sends through Twilio's REST API (its ``twilio`` library).
- ``webhooks``: Twilio's incoming-message (STOP/START) and status-callback webhooks.
"""
