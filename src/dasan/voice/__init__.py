"""Voice: the one number on the telephone — menus, queue announcements, calls bridged to agents, recordings."""
