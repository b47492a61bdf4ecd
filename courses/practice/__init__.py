"""Live practice: the role-play chat's domain code (events, persona engine, guidance, summary)."""
