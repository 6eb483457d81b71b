"""Web views of the core: generic object views, home, background jobs, audit viewer."""
