-- campus-assistant flow (seed 003): the three log tables its workers write, with the seed's columns
-- and indexes in PostgreSQL types (INT AUTO_INCREMENT -> identity, JSON -> jsonb, DATETIME ->
-- timestamptz; a seed client's zone-less times are taken as UTC). Each row also carries the message
-- id it came from, unique, so a redelivered message is stored once (INSERT ... ON CONFLICT DO NOTHING).

CREATE TABLE chat_message_logs (
    id          bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  text         NOT NULL UNIQUE,
    student_id  integer      NOT NULL,
    message     text         NOT NULL,
    response    text         NOT NULL,
    intent      varchar(255) NOT NULL,
    metadata    jsonb,
    "timestamp" timestamptz  NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX chat_message_logs_student_id ON chat_message_logs (student_id);
CREATE INDEX chat_message_logs_intent ON chat_message_logs (intent);

CREATE TABLE class_preference_logs (
    id          bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  text         NOT NULL UNIQUE,
    student_id  integer      NOT NULL,
    preferences jsonb        NOT NULL,
    step        varchar(100) NOT NULL,
    "timestamp" timestamptz  NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX class_preference_logs_student_id ON class_preference_logs (student_id);

CREATE TABLE notification_logs (
    id                bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id        text         NOT NULL UNIQUE,
    student_id        integer      NOT NULL,
    notification_type varchar(100) NOT NULL,
    title             varchar(500) NOT NULL,
    content           text         NOT NULL,
    metadata          jsonb,
    "timestamp"       timestamptz  NOT NULL,
    created_at        timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX notification_logs_student_id ON notification_logs (student_id);
CREATE INDEX notification_logs_notification_type ON notification_logs (notification_type);
