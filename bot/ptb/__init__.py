"""python-telegram-bot plumbing: the handlers' context, callback data and keyboards, the order of
updates, persistence, the shared rate limit, the HTTP transport and the webhook server."""
