"""Signed webhooks: events put in a durable outbox in the store, in the write set of the
operation that causes them (outbox.py), and a background sender that delivers them signed,
retrying with back-off (sender.py). docs/webhooks.md is the tenant's view."""
