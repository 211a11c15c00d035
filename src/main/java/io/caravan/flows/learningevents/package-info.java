/** learning-events (routes/learning-events.yaml, seed 004): the envelope, the event log (path /domain-events). */
package io.caravan.flows.learningevents;
