-- learning-events flow (seed 004). Every table a handler writes is keyed by the event id (or the
-- review id), so a redelivered or replayed event changes nothing the second time.

-- The event log (the seed's "analytics service" / "event sourcing ready"): every event once, in
-- arrival order (seq), queryable by type and time, replayable.
CREATE TABLE learning_event_log (
    seq          bigserial   UNIQUE,
    event_id     text        PRIMARY KEY,
    event_type   text        NOT NULL,
    routing_key  text,
    occurred_at  timestamptz NOT NULL,
    envelope     jsonb       NOT NULL,
    logged_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX learning_event_log_by_time ON learning_event_log (occurred_at, seq);
CREATE INDEX learning_event_log_by_type ON learning_event_log (event_type, seq);

-- Users as the notification service learns them from user.registered (who to e-mail on enrollment).
CREATE TABLE learning_users (
    user_id       bigint      PRIMARY KEY,
    email         text        NOT NULL,
    name          text,
    event_id      text        NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- One notification per event and kind (welcome, new-course, enrollment-confirmation); emailed_at is
-- set once the SMTP server took it, so a redelivery never mails twice.
CREATE TABLE learning_notifications (
    event_id    text        NOT NULL,
    kind        text        NOT NULL,
    event_type  text        NOT NULL,
    user_id     bigint,
    course_id   bigint,
    recipient   text,
    subject     text        NOT NULL,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    emailed_at  timestamptz,
    PRIMARY KEY (event_id, kind)
);

CREATE INDEX learning_notifications_by_user ON learning_notifications (user_id, created_at);

-- The reviews counted into a course's rating: a review counts once, whether it comes again as the
-- same event (redelivery, replay) or as another event with the same review id.
CREATE TABLE course_rating_reviews (
    event_id    text        PRIMARY KEY,
    review_id   bigint      NOT NULL UNIQUE,
    course_id   bigint      NOT NULL,
    user_id     bigint,
    rating      int         NOT NULL CHECK (rating BETWEEN 1 AND 5),
    counted_at  timestamptz NOT NULL DEFAULT now()
);

-- The rating aggregate per course.
CREATE TABLE course_ratings (
    course_id      bigint      PRIMARY KEY,
    review_count   int         NOT NULL CHECK (review_count > 0),
    rating_sum     bigint      NOT NULL,
    average_rating numeric(4, 2) GENERATED ALWAYS AS (round(rating_sum::numeric / review_count, 2)) STORED,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
