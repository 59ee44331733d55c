"""Server-rendered pages (Jinja2) and the staff websocket."""
