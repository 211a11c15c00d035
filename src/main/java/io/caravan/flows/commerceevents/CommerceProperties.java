package io.caravan.flows.commerceevents;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The commerce-events flow's settings ({@code caravan.commerce.*}, seed 002).
 *
 * @param useRabbitmq     seed 002's {@code USE_RABBITMQ}: true publishes {@code POST /events} to the fanout
 *                        exchange; false writes each event straight to Neo4j and Qdrant in the request
 * @param batchMaxEvents  the most events one {@code POST /events/batch} may carry
 * @param qdrant          the Qdrant collections of the flow
 * @param vectors         how interactions become vectors ({@code flows/commerceevents/InteractionVectoriser})
 * @param recommendations bounds of {@code GET /recommendations/{user_id}}
 */
@ConfigurationProperties("caravan.commerce")
public record CommerceProperties(
        @DefaultValue("true") boolean useRabbitmq,
        @DefaultValue("500") int batchMaxEvents,
        @DefaultValue Qdrant qdrant,
        @DefaultValue Vectors vectors,
        @DefaultValue Recommendations recommendations) {

    public CommerceProperties {
        if (batchMaxEvents < 1) {
            throw new IllegalArgumentException("caravan.commerce.batch-max-events must be at least 1");
        }
    }

    /**
     * @param productsCollection     one point per product: its feature vector and {@code product_id, category, price}
     * @param profilesCollection     one point per user: the profile vector and how many interactions it is made of
     * @param interactionsCollection one point per event (id derived from the event id): the idempotent interaction
     *                               store the profiles are computed from
     */
    public record Qdrant(
            @DefaultValue("products") String productsCollection,
            @DefaultValue("user_profiles") String profilesCollection,
            @DefaultValue("user_interactions") String interactionsCollection) { }

    /**
     * @param dimension the vectors' dimension (the collections are created with it on first use)
     * @param weights   how much one interaction of each kind counts in a user's profile; negative pulls away
     */
    public record Vectors(
            @DefaultValue("256") int dimension,
            Map<String, Double> weights) {

        public static final Map<String, Double> DEFAULT_WEIGHTS =
                Map.of("view", 1.0, "cart", 3.0, "remove_from_cart", -2.0, "purchase", 5.0);

        public Vectors {
            if (dimension < 8) {
                throw new IllegalArgumentException("caravan.commerce.vectors.dimension must be at least 8");
            }
            // a configured kind overrides its default; kinds not configured keep theirs
            Map<String, Double> merged = new java.util.HashMap<>(DEFAULT_WEIGHTS);
            if (weights != null) {
                merged.putAll(weights);
            }
            weights = Map.copyOf(merged);
        }
    }

    /**
     * @param defaultLimit how many products when the caller gives no {@code limit}
     * @param maxLimit     the largest {@code limit}
     * @param minScore     products less similar than this (cosine) are not recommended
     */
    public record Recommendations(
            @DefaultValue("10") int defaultLimit,
            @DefaultValue("100") int maxLimit,
            @DefaultValue("0.01") float minScore) { }
}
