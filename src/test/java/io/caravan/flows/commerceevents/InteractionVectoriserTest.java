package io.caravan.flows.commerceevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.caravan.flows.commerceevents.InteractionVectoriser.Interaction;
import org.junit.jupiter.api.Test;

/** The vectoriser on its own: deterministic hashed features, category and price neighbourhoods, weighted profiles. */
class InteractionVectoriserTest {

    final InteractionVectoriser vectoriser = new InteractionVectoriser(256, CommerceProperties.Vectors.DEFAULT_WEIGHTS);

    @Test
    void theSameProductIsTheSameUnitVectorInEveryInstanceAndRun() {
        float[] once = vectoriser.product("100", "electronics.smartphone", 499.0);
        float[] again = new InteractionVectoriser(256, Map.of()).product("100", "electronics.smartphone", 499.0);

        assertThat(again).containsExactly(once);
        assertThat(norm(once)).isCloseTo(1.0, within(1e-6));
        assertThat(once).hasSize(256);
        // stored vectors depend on the hash: changing it would silently invalidate every collection
        assertThat(InteractionVectoriser.hash("product:100")).isEqualTo(InteractionVectoriser.hash("product:100"));
        assertThat(InteractionVectoriser.hash("product:100")).isNotEqualTo(InteractionVectoriser.hash("product:101"));
        assertThat(InteractionVectoriser.hash("product:100")).isEqualTo(-8357777789470169722L);
    }

    @Test
    void theDimensionIsTheConfiguredOne() {
        assertThat(new InteractionVectoriser(32, Map.of()).product("1", null, null)).hasSize(32);
        assertThat(new InteractionVectoriser(32, Map.of()).dimension()).isEqualTo(32);
    }

    @Test
    void productsOfOneCategoryAreNearAndOfOneDepartmentALittle() {
        float[] phone = vectoriser.product("a", "electronics.smartphone", 500.0);
        float[] otherPhone = vectoriser.product("b", "electronics.smartphone", 520.0);
        float[] chair = vectoriser.product("c", "furniture.chair", 80.0);
        float[] sofa = vectoriser.product("d", "furniture.sofa", 900.0);

        assertThat(cosine(phone, otherPhone)).isGreaterThan(0.4);
        assertThat(cosine(chair, sofa)).isBetween(0.05, cosine(phone, otherPhone));
        assertThat(Math.abs(cosine(phone, chair))).isLessThan(0.1);
        assertThat(cosine(vectoriser.product("a", null, null), vectoriser.product("b", null, null))).isCloseTo(0.0, within(0.01));
    }

    @Test
    void aPurchaseCountsMoreThanAViewAndARemovalPullsAway() {
        float[] bought = vectoriser.product("p1", "books.novel", 12.0);
        float[] viewed = vectoriser.product("p2", "garden.tools", 30.0);

        float[] profile = vectoriser.profile(List.of(new Interaction("p1", "books.novel", 12.0, "purchase"),
                new Interaction("p2", "garden.tools", 30.0, "view"))).orElseThrow();
        float[] removed = vectoriser.profile(List.of(new Interaction("p1", "books.novel", 12.0, "view"),
                new Interaction("p1", "books.novel", 12.0, "remove_from_cart"))).orElseThrow();

        assertThat(cosine(profile, bought)).isGreaterThan(cosine(profile, viewed)).isGreaterThan(0.0);
        assertThat(norm(profile)).isCloseTo(1.0, within(1e-6));
        assertThat(cosine(removed, bought)).as("view 1 - removal 2 = -1").isCloseTo(-1.0, within(1e-6));
        assertThat(vectoriser.weight("purchase")).isGreaterThan(vectoriser.weight("cart")).isGreaterThan(vectoriser.weight("view"));
        assertThat(vectoriser.weight("remove_from_cart")).isNegative();
        assertThat(vectoriser.weight("like")).isZero();
    }

    @Test
    void aProfileIsTheSameWhateverTheOrderAndEmptyWhenNothingAddsUp() {
        List<Interaction> interactions = new ArrayList<>(List.of(
                new Interaction("p1", "a.b", 1.0, "view"), new Interaction("p2", "a.c", 2.0, "cart"),
                new Interaction("p3", null, null, "purchase"), new Interaction("p2", "a.c", 2.0, "remove_from_cart")));
        float[] forward = vectoriser.profile(interactions).orElseThrow();
        Collections.reverse(interactions);
        float[] backward = vectoriser.profile(interactions).orElseThrow();

        for (int i = 0; i < forward.length; i++) {
            assertThat(backward[i]).isCloseTo(forward[i], within(1e-6f));
        }
        assertThat(vectoriser.profile(List.of())).isEmpty();
        InteractionVectoriser even = new InteractionVectoriser(64, Map.of("view", 1.0, "remove_from_cart", -1.0));
        assertThat(even.profile(List.of(new Interaction("p1", "x", 5.0, "view"), new Interaction("p1", "x", 5.0, "remove_from_cart"))))
                .as("a view undone by a removal has no direction").isEmpty();
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
