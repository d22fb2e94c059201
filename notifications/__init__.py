"""How people are told: recipients, templates, the outbox of notices, delivery through Apprise."""
