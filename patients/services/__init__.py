"""Writes of the patient layer, one module a subject: enrolment (invitations, details,
screening), walks, check-ins and assignment to a physiotherapist. Every write runs in one
transaction with its audit row; reads are ``patients.selectors``."""
