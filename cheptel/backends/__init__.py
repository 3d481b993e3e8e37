"""Every side effect behind a small interface: a real module and a fake twin."""
