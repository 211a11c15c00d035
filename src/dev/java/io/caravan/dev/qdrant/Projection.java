package io.caravan.dev.qdrant;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.NamedVectorsOutput;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.VectorsOutput;
import io.qdrant.client.grpc.Points.WithPayloadSelector;
import io.qdrant.client.grpc.Points.WithVectorsSelector;

/**
 * Which parts of a stored point go into a response.
 *
 * @param payload the request's payload selector (unset means {@code payloadByDefault})
 * @param payloadByDefault Qdrant returns payload by default from Get and Scroll, not from Search and Query
 * @param vectors the request's vector selector (unset means no vectors)
 * @param namedVectors whether the collection uses named vectors, which changes the output shape
 */
record Projection(WithPayloadSelector payload, boolean payloadByDefault, WithVectorsSelector vectors,
                  boolean namedVectors) {

    RetrievedPoint retrieved(StoredPoint point) {
        RetrievedPoint.Builder builder = RetrievedPoint.newBuilder()
                .setId(point.id())
                .putAllPayload(payloadOf(point));
        vectorsOf(point).ifPresent(builder::setVectors);
        return builder.build();
    }

    ScoredPoint scored(StoredCollection.Hit hit) {
        ScoredPoint.Builder builder = ScoredPoint.newBuilder()
                .setId(hit.point().id())
                .putAllPayload(payloadOf(hit.point()))
                .setScore(hit.score())
                .setVersion(hit.point().version());
        vectorsOf(hit.point()).ifPresent(builder::setVectors);
        return builder.build();
    }

    private Map<String, Value> payloadOf(StoredPoint point) {
        return switch (payload.getSelectorOptionsCase()) {
            case ENABLE -> payload.getEnable() ? point.payload() : Map.of();
            case INCLUDE -> {
                Map<String, Value> selected = new LinkedHashMap<>();
                for (String key : payload.getInclude().getFieldsList()) {
                    Value value = point.payload().get(key);
                    if (value != null) {
                        selected.put(key, value);
                    }
                }
                yield selected;
            }
            case EXCLUDE -> {
                Map<String, Value> selected = new LinkedHashMap<>(point.payload());
                payload.getExclude().getFieldsList().forEach(selected::remove);
                yield selected;
            }
            case SELECTOROPTIONS_NOT_SET -> payloadByDefault ? point.payload() : Map.of();
        };
    }

    private Optional<VectorsOutput> vectorsOf(StoredPoint point) {
        Set<String> wanted = switch (vectors.getSelectorOptionsCase()) {
            case ENABLE -> vectors.getEnable() ? point.vectors().keySet() : Set.of();
            case INCLUDE -> Set.copyOf(vectors.getInclude().getNamesList());
            case SELECTOROPTIONS_NOT_SET -> Set.of();
        };
        if (wanted.isEmpty()) {
            return Optional.empty();
        }
        if (!namedVectors) {
            float[] vector = point.vectors().get(StoredCollection.DEFAULT_VECTOR);
            return wanted.contains(StoredCollection.DEFAULT_VECTOR) && vector != null
                    ? Optional.of(VectorsOutput.newBuilder().setVector(DenseVectors.toOutput(vector)).build())
                    : Optional.empty();
        }
        NamedVectorsOutput.Builder named = NamedVectorsOutput.newBuilder();
        point.vectors().forEach((name, vector) -> {
            if (wanted.contains(name)) {
                named.putVectors(name, DenseVectors.toOutput(vector));
            }
        });
        return Optional.of(VectorsOutput.newBuilder().setVectors(named).build());
    }
}
