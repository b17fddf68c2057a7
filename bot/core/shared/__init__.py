"""What several features use; a module here imports no feature package.

- text.py: NFC, accent folding, option matching.
- dates.py: the one grammar of typed dates and times (/stats, /chart, /export, scheduling).
- messages.py: message sizes every channel can show; pack() and clip().
- menus.py: the greeting, the main menu, /help, /language, and the buttons that lead into
  features (declared here so that no two features import each other for a button).
- roles.py: who may do what (citizen, volunteer, team leader, admin).
- communes.py: the province's communes and their shown names.
- skills.py: the five basic digital skills and the volunteer handbook.
- outcomes.py: what a household visit achieved.
- audit.py: recording privileged actions (/audit).
- outbox.py: notices to other users, queued for the channels' workers.
"""
