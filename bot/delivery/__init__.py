"""Delivery: everything the bot sends on a channel goes through that channel's engine, under
the channel's budget, replies first. Channel-neutral: a channel plugs in an adapter (a Sender)
that turns a Part into one call of its API and the call's fate into an Outcome.

- outcomes.py: Part (one message), Outcome and its five results, Priority, the Sender protocol
- engine.py: the engine: per-chat queues in order, the shared budget, flood control, retries
- pacing.py: the budget (an even pace, most urgent first), a chat's own pace, a window
- episodes.py: faults logged once per episode, not once per message
- outbox.py: the worker that sends queued notifications through an engine
- broadcasts.py: the worker that sends broadcasts through an engine, resumable after a crash
- record.py: the group commit of broadcast outcomes
- quota.py: a Sender counting each message against a plan's monthly cap (Zalo), warning admins
"""
