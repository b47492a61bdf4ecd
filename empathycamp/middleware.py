"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from empathycamp.logs import REQUEST_ID_HEADER, REQUEST_META_KEY, request_id_accept, request_id_var


@sync_and_async_middleware
def request_id_middleware(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """Give each request an id (a sane incoming X-Request-ID, or a new one) that every log line of the
    request and of the tasks it queues carries, and return it in the X-Request-ID header."""

    if iscoroutinefunction(get_response):
        asynchronous: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = get_response

        async def middleware_async(request: HttpRequest) -> HttpResponseBase:
            request_id = request_id_accept(request.headers.get(REQUEST_ID_HEADER))
            request.META[REQUEST_META_KEY] = request_id
            token = request_id_var.set(request_id)
            try:
                response = await asynchronous(request)
            finally:
                request_id_var.reset(token)
            response[REQUEST_ID_HEADER] = request_id
            return response

        return middleware_async

    def middleware(request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_accept(request.headers.get(REQUEST_ID_HEADER))
        request.META[REQUEST_META_KEY] = request_id
        token = request_id_var.set(request_id)
        try:
            response: HttpResponseBase = get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    return middleware
