#!/usr/bin/env python3
"""Seed 003's publisher against a running Caravan: pika sends the seed's JSON to the campus-assistant
exchanges and routing keys (no message id, zone-less timestamps, as the seed's RabbitMQManager does);
this script then waits until every message is a row in its log table and reports how long that took.

Usage: bench/campus-seed-pika.py [N=100]   (N messages of each kind)
Env:   RABBITMQ_HOST, RABBITMQ_PORT, RABBITMQ_USERNAME, RABBITMQ_PASSWORD, RABBITMQ_VHOST, PGURL
Needs: pika (Debian: python3-pika) and psql.
"""
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime

import pika

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
pg = os.environ.get("PGURL", "postgresql://postgres@127.0.0.1:5432/caravan")
student = random.randint(100_000_000, 2_000_000_000)

params = pika.ConnectionParameters(
    host=os.environ.get("RABBITMQ_HOST", "127.0.0.1"),
    port=int(os.environ.get("RABBITMQ_PORT", "5672")),
    virtual_host=os.environ.get("RABBITMQ_VHOST", "/"),
    credentials=pika.PlainCredentials(os.environ.get("RABBITMQ_USERNAME", "guest"),
                                      os.environ.get("RABBITMQ_PASSWORD", "guest")))
connection = pika.BlockingConnection(params)
channel = connection.channel()
channel.confirm_delivery()
persistent = pika.BasicProperties(content_type="application/json", delivery_mode=2)


def publish(exchange, routing_key, message):
    channel.basic_publish(exchange=exchange, routing_key=routing_key, body=json.dumps(message), properties=persistent,
                          mandatory=True)


started = time.monotonic()
for i in range(n):
    now = datetime.now().isoformat()
    publish("chat_exchange", "chat.message.class_registration_suggestion", {
        "student_id": student, "message": f"Tôi muốn đăng ký lớp {i}", "response": "Bạn muốn học buổi nào?",
        "intent": "class_registration_suggestion", "metadata": {"step": 1}, "timestamp": now})
    publish("chat_exchange", "chat.preferences.complete", {
        "student_id": student, "preferences": {"time_period": "morning", "avoid_days": ["Saturday"], "n": i},
        "step": "complete", "timestamp": now})
    publish("system_exchange", "notification", {
        "student_id": student, "notification_type": "class_reminder", "title": f"Reminder {i}",
        "content": "Your class starts at 8:00", "metadata": {"class_id": i}, "timestamp": now})
published = time.monotonic()
connection.close()


def rows(table):
    out = subprocess.run(["psql", pg, "-Atqc", f"SELECT count(*) FROM {table} WHERE student_id = {student}"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


tables = ["chat_message_logs", "class_preference_logs", "notification_logs"]
while True:
    counts = {t: rows(t) for t in tables}
    if all(c >= n for c in counts.values()):
        break
    if time.monotonic() - published > 60:
        sys.exit(f"not all rows within 60 s: {counts}")
    time.sleep(0.1)
done = time.monotonic()

print(f"student {student}: {3 * n} messages published with confirms in {published - started:.2f} s")
print(f"all {3 * n} rows in PostgreSQL {done - started:.2f} s after the first publish: {counts}")
