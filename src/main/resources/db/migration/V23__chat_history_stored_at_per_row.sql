-- A batch of rows is inserted in one transaction (platform/broker/ConsumerBatches), and now() is the
-- transaction's start: every row of a batch would get the same stored_at. clock_timestamp() is each row's
-- own insert time, so stored_at keeps telling when, and in which order, the rows were stored.
ALTER TABLE chat_history ALTER COLUMN stored_at SET DEFAULT clock_timestamp();
