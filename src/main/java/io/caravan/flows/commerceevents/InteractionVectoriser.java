package io.caravan.flows.commerceevents;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Turns products and a user's interactions into vectors for Qdrant (bean {@code interactionVectoriser}).
 * No model and no training: <b>signed feature hashing</b> of what an event says about its product, so
 * every Caravan instance, before and after a restart, maps the same product to the same vector.
 *
 * <p><b>Product vector.</b> Each feature is hashed to one of {@code dimension} coordinates with a sign
 * drawn from the same hash, and added with its weight; the sum is scaled to length 1 (cosine):
 * <ul>
 *   <li>{@code product:<id>}, weight 1.0: the product itself;</li>
 *   <li>{@code category:<prefix>} for every level of a dotted category ({@code electronics},
 *       {@code electronics.smartphone}), weights rising from 0.4 to 0.7 with depth, so products of one
 *       category are near each other and products of one department a little;</li>
 *   <li>{@code price:<band>}, weight 0.3, bands of half an octave ({@code round(2·log2(1 + price))}),
 *       so products of similar price lean together.</li>
 * </ul>
 *
 * <p><b>User profile.</b> The sum over the user's interactions of {@link #weight(String) weight(kind)}
 * × the product vector of that interaction, scaled to length 1. The weights
 * ({@code caravan.commerce.vectors.weights}; by default view 1, cart 3, remove_from_cart −2,
 * purchase 5) make a purchase count more than a look, and taking something out of the cart pulls the
 * profile away from it. A profile whose sum is (nearly) zero, e.g. only removals that cancel out
 * additions, has no direction and no vector.
 *
 * <p>The profile is a pure function of the set of interactions, in any order: the sum can be kept and
 * added to one interaction at a time ({@link #addTo}, {@link #direction}), in any order, and gives the
 * same profile as computing it from all of them at once ({@link #profile}).
 */
@Component("interactionVectoriser")
public class InteractionVectoriser {

    /** What a profile is made of: one interaction, as its interaction point records it. */
    public record Interaction(String productId, String category, Double price, String eventType) { }

    private static final double PRODUCT_WEIGHT = 1.0;
    private static final double PRICE_WEIGHT = 0.3;
    private static final double MIN_NORM = 1e-6;

    private final int dimension;
    private final Map<String, Double> weights;

    @Autowired
    public InteractionVectoriser(CommerceProperties settings) {
        this(settings.vectors().dimension(), settings.vectors().weights());
    }

    InteractionVectoriser(int dimension, Map<String, Double> weights) {
        this.dimension = dimension;
        this.weights = Map.copyOf(weights);
    }

    public int dimension() {
        return dimension;
    }

    /** How much one interaction of this kind counts in a profile; 0 for a kind without a weight. */
    public double weight(String eventType) {
        return weights.getOrDefault(eventType, 0.0);
    }

    /** The unit vector of a product; {@code category} and {@code price} may be null. */
    public float[] product(String productId, String category, Double price) {
        double[] sum = new double[dimension];
        add(sum, "product:" + productId, PRODUCT_WEIGHT);
        if (category != null && !category.isBlank()) {
            String[] levels = category.trim().split("\\.");
            StringBuilder prefix = new StringBuilder();
            for (int level = 1; level <= levels.length; level++) {
                prefix.append(level > 1 ? "." : "").append(levels[level - 1]);
                add(sum, "category:" + prefix, 0.4 + 0.3 * level / levels.length);
            }
        }
        if (price != null && price >= 0) {
            add(sum, "price:" + Math.round(2 * log2(1 + price)), PRICE_WEIGHT);
        }
        return unit(sum).orElseThrow(); // the product feature alone has length 1
    }

    /** The unit profile vector of these interactions, or empty when they add up to (nearly) nothing. */
    public Optional<float[]> profile(Collection<Interaction> interactions) {
        double[] sum = new double[dimension];
        for (Interaction interaction : interactions) {
            addTo(sum, interaction.eventType(), product(interaction.productId(), interaction.category(), interaction.price()));
        }
        return direction(sum);
    }

    /** Adds one interaction of this kind with a product of this vector to a profile's (unnormalised) sum. */
    public void addTo(double[] sum, String eventType, float[] product) {
        double weight = weight(eventType);
        if (weight == 0) {
            return;
        }
        for (int i = 0; i < dimension; i++) {
            sum[i] += weight * product[i];
        }
    }

    /** The unit profile vector of a sum of interactions, or empty when it is (nearly) nothing. */
    public Optional<float[]> direction(double[] sum) {
        return unit(sum);
    }

    private void add(double[] sum, String feature, double weight) {
        long hash = hash(feature);
        int index = (int) Math.floorMod(hash, (long) dimension);
        sum[index] += hash < 0 ? -weight : weight; // the sign comes from the top bit, the index from the low ones
    }

    private static Optional<float[]> unit(double[] sum) {
        double norm = 0;
        for (double value : sum) {
            norm += value * value;
        }
        norm = Math.sqrt(norm);
        if (norm < MIN_NORM) {
            return Optional.empty();
        }
        float[] unit = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            unit[i] = (float) (sum[i] / norm);
        }
        return Optional.of(unit);
    }

    /** FNV-1a over the UTF-8 bytes, then SplitMix64's finaliser to spread the bits. Stable across JVMs. */
    static long hash(String feature) {
        long h = 0xcbf29ce484222325L;
        for (byte b : feature.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
