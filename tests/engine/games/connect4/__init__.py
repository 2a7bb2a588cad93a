"""Connect Four's tests (a package: its module names repeat the shooter's)."""
