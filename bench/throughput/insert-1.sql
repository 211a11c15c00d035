-- pgbench script for bench/throughput.sh: one single-row INSERT per transaction (autocommit, like a per-message sink)
INSERT INTO bench_rows (id, user_id, user_input, bot_response) VALUES (md5(random()::text), 'bench-user', 'Hello there, how are you?', 'Hello! How can I help you today?');
