/** commerce-events (routes/commerce-events.yaml, seed 002): the event, the Neo4j graph, the Qdrant vectors. */
package io.caravan.flows.commerceevents;
