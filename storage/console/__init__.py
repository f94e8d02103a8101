"""Storage of the web console (bot/web): sign-ins and sessions, the record of changes, the versions of
the content file, and the counts its overview shows."""
