"""ASGI entry point: HTTP through Django, websockets through Channels' auth stack."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empathycamp.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings

from courses.routing import websocket_urlpatterns
from empathycamp.layer_outage import ChannelLayerOutage
from empathycamp.origin import SameOriginValidator

# Embedded mode (`make run`'s default): the models load on the embedded pool's thread as the server
# starts, not on the first learner's turn (9-29 s); no request ever waits for or imports them.
if settings.EMBEDDED_MODE and settings.INFERENCE_WARM_AT_START:
    from courses.worker import models_warm
    from empathycamp.tasking import embedded_background

    embedded_background(models_warm)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A Redis outage closes a socket with 4503 (the page reconnects), never a 500 or a 1011.
        "websocket": SameOriginValidator(ChannelLayerOutage(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
)
