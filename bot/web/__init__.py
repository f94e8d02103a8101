"""The web console of the council office, served by the bot's own process when WEB_PORT is not 0.

`server` builds the aiohttp application (sessions, CSRF, the role asked of the database at every
request); `views/` the pages; `signin` the tokens and Telegram's Mini App check, free of the web stack
so that the bot's /web command can use them without loading it."""
