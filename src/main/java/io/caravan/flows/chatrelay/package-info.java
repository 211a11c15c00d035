/** chat-relay (routes/chat-relay.yaml, seed 001): messages, sessions in Redis, the response cache, the SSE endpoint. */
package io.caravan.flows.chatrelay;
