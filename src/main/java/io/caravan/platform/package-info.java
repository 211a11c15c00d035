/**
 * The shared machinery every flow uses; it never names a flow ({@code FlowBoundariesTest}).
 * broker: topology, confirmed publishing, outbox, the durable-consumer template, retry ladder, dead
 * letters, worker selection. rest: strict JSON in, problem+json out, the REST error policy. security:
 * tokens, roles, the caller. redis: JSON documents, rate limit, pub/sub. qdrant: the Qdrant client.
 * ops: queue operations, dead-letter replay, flow reload, health, the console. dev: dev-only conveniences.
 */
package io.caravan.platform;
