"""The ASGI web application: routes per capability, server-rendered templates."""
