"""HTTP routers: thin layers that parse, load or 404, check, call one service, render."""
