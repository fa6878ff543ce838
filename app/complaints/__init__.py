"""Complaints: categories, complainants, cases and their numbers, the event log, evidence
attachments, the workflow (states, transitions, who may do what, escalation), the cases'
deadlines and policies with their sweep steps, the screens, the dashboard and the REST API."""
