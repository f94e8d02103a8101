"""Translation catalogs: locales/<lang>/LC_MESSAGES/messages.po (a package so installs carry them)."""
