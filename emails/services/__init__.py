"""E-mail writes, split by subject: `senders`, `campaigns` (drafts, previews,
tests, AI variants), `dispatch` (starting, chunking, finishing and settling a
send), `suppressions`. Keyword-only, typed; they run inside the scope of the
workspace they act on."""
