"""Knowledge articles written by departments, and search over them (M8)."""
