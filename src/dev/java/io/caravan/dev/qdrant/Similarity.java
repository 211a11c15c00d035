package io.caravan.dev.qdrant;

import io.qdrant.client.grpc.Collections.Distance;

/**
 * Scores as Qdrant reports them: cosine similarity and dot product (larger is better), and the
 * plain Euclidean and Manhattan distances (smaller is better).
 */
final class Similarity {

    private Similarity() {
    }

    /**
     * Qdrant normalises cosine vectors when they are stored (and returns them normalised), which
     * turns cosine similarity into a dot product; near-zero vectors are left as they are.
     */
    static float[] prepare(Distance distance, float[] vector) {
        if (distance != Distance.Cosine) {
            return vector.clone();
        }
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        double length = Math.sqrt(sum);
        if (length < Math.ulp(1.0f)) {
            return vector.clone();
        }
        float[] normalised = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            normalised[i] = (float) (vector[i] / length);
        }
        return normalised;
    }

    /** Both arguments must have gone through {@link #prepare}. */
    static float score(Distance distance, float[] stored, float[] query) {
        double acc = 0;
        switch (distance) {
            case Cosine, Dot -> {
                for (int i = 0; i < stored.length; i++) {
                    acc += (double) stored[i] * query[i];
                }
            }
            case Euclid -> {
                for (int i = 0; i < stored.length; i++) {
                    double d = (double) stored[i] - query[i];
                    acc += d * d;
                }
                acc = Math.sqrt(acc);
            }
            case Manhattan -> {
                for (int i = 0; i < stored.length; i++) {
                    acc += Math.abs((double) stored[i] - query[i]);
                }
            }
            default -> throw new IllegalStateException("unsupported distance " + distance);
        }
        return (float) acc;
    }

    static boolean largerIsBetter(Distance distance) {
        return distance == Distance.Cosine || distance == Distance.Dot;
    }

    /** Qdrant drops results whose score is not strictly better than the threshold. */
    static boolean passes(Distance distance, float score, float threshold) {
        return largerIsBetter(distance) ? score > threshold : score < threshold;
    }
}
