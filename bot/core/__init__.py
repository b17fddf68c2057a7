"""The channel-neutral core: it owns the product, imports no channel library, names no channel.

- events.py: Incoming (what a user did, in any channel), Reply and Button (what to show).
- context.py: Services (built once) and Context (one event being handled).
- router.py: commands, button verbs and form steps, registered by the features.
- payloads.py: Verb (a button's wire name and argument shapes) and Action (a parsed press).
- service.py: Core.handle, the one entry point (behind a per-user flood brake); build_router,
  every feature in /help's order.
- dialogs.py: a form's state in the database between messages, and forms kept aside.
- choices.py: how typed text picks an option shown last (number, label, navigation word).
- forms.py: leaving a form for another screen (kept aside, one line says how to come back)
  and the offer to continue it or start over.
- pictures.py: charts drawn to temporary PNG files in a worker thread, one at a time.
- jobs.py: the application's scheduler (escalation, purge, freezing, scheduled broadcasts,
  plan users, household labels past their retention, lesson reminders).
- shared/: what several features use. The features, one package each: lessons/, visits/,
  help/, practices/, broadcasts/, reports/, teams/, schools/, campaigns/, privacy/, exports/,
  links/, reminders/ (docs/ARCHITECTURE.md).
"""
