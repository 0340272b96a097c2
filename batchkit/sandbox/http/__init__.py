"""The sandbox's HTTP side: sockets (server), dispatch (app, routes), bodies (render), query parameters
(query) and the request budget (ratelimit)."""
