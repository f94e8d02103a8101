"""What features share, importing none of them: the gate, errors, the one reply helper, texts,
permissions, flows, the main menu's buttons, the outbox's messages, and how a feature
package gathers its declarations."""
