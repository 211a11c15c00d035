/** campus-assistant (routes/campus-assistant.yaml, seed 003): messages and the Redis state stores. */
package io.caravan.flows.campusassistant;
