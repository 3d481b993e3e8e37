"""Identity domain logic: no HTTP here. Functions take a Session and raise cheptel.errors."""
