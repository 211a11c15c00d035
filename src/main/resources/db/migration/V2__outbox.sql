-- Accepted means durable: a message the broker could not take during a request waits here until the
-- relay (route outbox.relay) publishes it, oldest first, per exchange and routing key.
CREATE TABLE outbox (
    seq          bigserial   PRIMARY KEY,
    exchange     text        NOT NULL,
    routing_key  text        NOT NULL,
    message_id   text,
    content_type text,
    headers      jsonb       NOT NULL DEFAULT '{}',
    body         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    attempts     int         NOT NULL DEFAULT 0,
    last_error   text
);

CREATE INDEX outbox_by_key ON outbox (exchange, routing_key, seq);
