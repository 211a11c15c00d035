-- chat-history flow (seed 000): one row per chat interaction, keyed by the message id so that a
-- redelivered message is stored once (INSERT ... ON CONFLICT (id) DO NOTHING).
CREATE TABLE chat_history (
    id           text        PRIMARY KEY,
    user_id      text        NOT NULL,
    user_input   text        NOT NULL,
    bot_response text        NOT NULL,
    "timestamp"  timestamptz NOT NULL,
    -- seed 000's own queries read "message" (SELECT user_id, message, timestamp FROM chat_history)
    message      text        GENERATED ALWAYS AS (user_input) STORED,
    stored_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX chat_history_user_newest ON chat_history (user_id, "timestamp" DESC);
