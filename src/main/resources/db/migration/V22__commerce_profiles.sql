-- commerce-events flow (seed 002): user profiles kept up to date one event at a time.
--
-- A profile is the weighted sum of the product vectors of the user's interactions (the Qdrant point in
-- user_profiles holds it scaled to length 1). Adding an event to it is only right once, so the event ids
-- already added are recorded in the same transaction as the addition: a redelivered or replayed event
-- finds its id here and adds nothing.
CREATE TABLE commerce_profile_events (
    event_id    text        PRIMARY KEY,
    user_id     text        NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per user: the unnormalised sum (caravan.commerce.vectors.dimension numbers) and how many events
-- it is made of. The row lock serialises concurrent additions for one user, across workers and instances.
CREATE TABLE commerce_user_profiles (
    user_id      text               PRIMARY KEY,
    weight_sum   double precision[] NOT NULL,
    interactions bigint             NOT NULL,
    updated_at   timestamptz        NOT NULL DEFAULT now()
);
