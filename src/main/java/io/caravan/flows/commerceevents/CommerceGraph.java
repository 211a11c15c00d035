package io.caravan.flows.commerceevents;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.neo4j.driver.Driver;
import org.neo4j.driver.QueryConfig;
import org.neo4j.driver.RoutingControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The commerce-events flow's Neo4j sink (seed 002), bean {@code commerceGraph}:
 * {@code (:User {id})-[:INTERACTED {type, count, first_seen, last_seen}]->(:Product {id, category, price})},
 * one relationship per user, product and kind of event.
 *
 * <p><b>Idempotent by event id.</b> Each recorded event is a node {@code (:Event {id})} (with its user,
 * product, type, time and session, so the graph also holds the event log). One Cypher statement, so
 * one transaction, does both the "already recorded?" check and the count: it {@code MERGE}s the
 * {@code Event} node, and only if this very statement created it (it carries a token unique to this
 * attempt, removed again in the same statement) does it go on to {@code MERGE} user, product and
 * relationship and add one to the count. A redelivered event finds its node and changes nothing; two
 * deliveries of one event at once are serialised by the uniqueness constraint on {@code Event.id}, so
 * one of them counts. Neither a flag on the relationship nor a list of processed ids is needed, and the
 * check costs one index lookup.
 *
 * <p><b>Parameterised Cypher only.</b> Every value from an event is a driver parameter; nothing from
 * outside is ever part of the query text, so a product id like {@code x'}) DETACH DELETE n //} is
 * stored as the text it is. That is why this sink uses the Neo4j driver and not camel-neo4j: the
 * component's Cypher operations take the query text from the message body and bind no parameters
 * (its parameter-binding operations create or match single nodes and cannot {@code MERGE}
 * relationships).
 *
 * <p>The uniqueness constraints on {@code User.id}, {@code Product.id} and {@code Event.id} are created
 * on first use ({@code IF NOT EXISTS}). The driver does not retry on its own
 * ({@code spring.neo4j.max-transaction-retry-time}): a failure goes to the caller's policy (the retry
 * ladder for a consumer, 503 for a request).
 */
@Component("commerceGraph")
public class CommerceGraph {

    private static final Logger LOG = LoggerFactory.getLogger(CommerceGraph.class);

    static final List<String> SCHEMA = List.of(
            "CREATE CONSTRAINT caravan_user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
            "CREATE CONSTRAINT caravan_product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.id IS UNIQUE",
            "CREATE CONSTRAINT caravan_event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE");

    /**
     * A list of events in one statement and so one transaction. Each row creates its event node with a token of its
     * own ({@code attempt}) and goes on only if the node carries that token, i.e. if this row created it: an event
     * recorded before, by another batch, or earlier in this one changes nothing.
     */
    static final String RECORD_ALL = """
            UNWIND $events AS ev
            MERGE (e:Event {id: ev.event_id})
              ON CREATE SET e.attempt = ev.attempt, e.type = ev.event_type, e.user_id = ev.user_id,
                            e.product_id = ev.product_id, e.user_session = ev.user_session, e.at = ev.at,
                            e.recorded_at = datetime()
            WITH e, ev WHERE e.attempt = ev.attempt
            REMOVE e.attempt
            MERGE (u:User {id: ev.user_id})
            MERGE (p:Product {id: ev.product_id})
            SET p.category = coalesce(ev.category, p.category), p.price = coalesce(ev.price, p.price)
            MERGE (u)-[r:INTERACTED {type: ev.event_type}]->(p)
              ON CREATE SET r.count = 0, r.first_seen = e.at, r.last_seen = e.at
            SET r.count = r.count + 1,
                r.first_seen = CASE WHEN e.at < r.first_seen THEN e.at ELSE r.first_seen END,
                r.last_seen = CASE WHEN e.at > r.last_seen THEN e.at ELSE r.last_seen END
            RETURN count(*) AS recorded""";

    /** Same user, product: same locks; taking them in one order keeps concurrent batches from deadlocking. */
    private static final Comparator<CommerceEvent> LOCK_ORDER = Comparator.comparing(CommerceEvent::userId)
            .thenComparing(CommerceEvent::productId).thenComparing(CommerceEvent::eventType).thenComparing(CommerceEvent::eventId);

    private final Driver driver;
    private volatile boolean schemaReady;

    public CommerceGraph(Driver driver) {
        this.driver = driver;
    }

    /**
     * Records the event; returns true if it was new, false if this event id was recorded before.
     * Throws the driver's exception when Neo4j fails; nothing was written then.
     */
    public boolean record(CommerceEvent event) {
        return recordAll(List.of(event)) > 0;
    }

    /**
     * Records the events in one Cypher statement and one transaction: an event recorded before (or twice in the
     * list) changes nothing. Returns how many were new. Throws the driver's
     * exception when Neo4j fails; nothing was written then.
     */
    public long recordAll(List<CommerceEvent> events) {
        if (events.isEmpty()) {
            return 0;
        }
        ensureSchema();
        Map<String, CommerceEvent> byId = new LinkedHashMap<>();
        events.forEach(event -> byId.putIfAbsent(event.eventId(), event));
        String attempt = UUID.randomUUID().toString();
        List<Map<String, Object>> rows = new ArrayList<>(byId.size());
        byId.values().stream().sorted(LOCK_ORDER).forEach(event -> {
            Map<String, Object> row = new HashMap<>();
            row.put("event_id", event.eventId());
            row.put("attempt", attempt + ":" + rows.size());
            row.put("user_id", event.userId());
            row.put("product_id", event.productId());
            row.put("event_type", event.eventType());
            row.put("user_session", event.userSession());
            row.put("at", event.timestamp());
            row.put("category", event.category());
            row.put("price", event.price());
            rows.add(row);
        });
        long recorded = driver.executableQuery(RECORD_ALL)
                .withParameters(Map.of("events", rows))
                .withConfig(QueryConfig.builder().withRouting(RoutingControl.WRITE).build())
                .execute().records().get(0).get("recorded").asLong();
        LOG.debug("Neo4j: {} of {} event(s) recorded, the others were already", recorded, rows.size());
        return recorded;
    }

    private void ensureSchema() {
        if (schemaReady) {
            return;
        }
        synchronized (this) {
            if (!schemaReady) {
                for (String statement : SCHEMA) {
                    driver.executableQuery(statement).execute();
                }
                schemaReady = true;
            }
        }
    }
}
