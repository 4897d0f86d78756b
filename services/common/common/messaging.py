"""A consume entrypoint that survives messages kombu cannot decode.

With nameko's own consumer, a body that is not valid JSON (or has a content type
we do not accept, or bytes that are not UTF-8) raises inside kombu before any
handler runs; the consumer reconnects and the broker redelivers the same message
for ever. Here such a message reaches the handler as an `UNDECODABLE` marker with
the reason and the raw bytes, so the handler can store it as a reject and
acknowledge it.
"""
from __future__ import annotations

from functools import partial

from nameko.messaging import Consumer, QueueConsumer

UNDECODABLE = "__undecodable__"
RAW_CAP = 64 * 1024


class TolerantQueueConsumer(QueueConsumer):
    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc) -> None:
        raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        body = {UNDECODABLE: True, "error": f"{type(exc).__name__}: {exc}"[:500],
                "content_type": message.content_type, "size": len(raw),
                "raw": raw[:RAW_CAP].decode("utf-8", errors="replace")}
        self.handle_message(provider, body, message)


class TolerantConsumer(Consumer):
    queue_consumer = TolerantQueueConsumer()


tolerant_consume = TolerantConsumer.decorator
