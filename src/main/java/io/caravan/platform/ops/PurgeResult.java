package io.caravan.platform.ops;

/** {@code POST /rabbitmq/queues/{name}/purge}: how many ready messages were removed from the queue. */
public record PurgeResult(String name, long purged) { }
