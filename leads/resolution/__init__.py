"""Person, firearm and dealer resolution: pure functions, no database."""
