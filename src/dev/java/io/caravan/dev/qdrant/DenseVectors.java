package io.caravan.dev.qdrant;

import java.util.ArrayList;
import java.util.List;

import io.qdrant.client.grpc.Points.DenseVector;
import io.qdrant.client.grpc.Points.Vector;
import io.qdrant.client.grpc.Points.VectorInput;
import io.qdrant.client.grpc.Points.VectorOutput;

/** Conversion between the wire forms of a dense vector and {@code float[]}. */
final class DenseVectors {

    private DenseVectors() {
    }

    static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float value : values) {
            list.add(value);
        }
        return list;
    }

    /** Older clients send the deprecated flat {@code data} field, newer ones the {@code dense} variant. */
    @SuppressWarnings("deprecation")
    static float[] fromVector(Vector vector) {
        return switch (vector.getVectorCase()) {
            case DENSE -> toArray(vector.getDense().getDataList());
            case VECTOR_NOT_SET -> {
                if (vector.hasIndices()) {
                    throw TestServerStatus.unsupported("Sparse vectors");
                }
                if (vector.hasVectorsCount()) {
                    throw TestServerStatus.unsupported("Multi-vectors");
                }
                yield toArray(vector.getDataList());
            }
            case SPARSE -> throw TestServerStatus.unsupported("Sparse vectors");
            case MULTI_DENSE -> throw TestServerStatus.unsupported("Multi-vectors");
            case DOCUMENT, IMAGE, OBJECT -> throw TestServerStatus.unsupported("Server-side inference");
        };
    }

    /** The point-id variant is resolved by the caller, since it needs the collection. */
    static float[] fromInput(VectorInput input) {
        return switch (input.getVariantCase()) {
            case DENSE -> toArray(input.getDense().getDataList());
            case SPARSE -> throw TestServerStatus.unsupported("Sparse vectors");
            case MULTI_DENSE -> throw TestServerStatus.unsupported("Multi-vectors");
            case DOCUMENT, IMAGE, OBJECT -> throw TestServerStatus.unsupported("Server-side inference");
            case ID -> throw new IllegalArgumentException("point-id input must be resolved against the collection");
            case VARIANT_NOT_SET -> throw TestServerStatus.wrongInput("query vector is missing");
        };
    }

    /**
     * Fills both the deprecated flat field and the {@code dense} variant: the Java client's
     * {@code VectorOutputHelper} reads the flat field first and older clients read nothing else.
     */
    @SuppressWarnings("deprecation")
    static VectorOutput toOutput(float[] vector) {
        List<Float> values = toList(vector);
        return VectorOutput.newBuilder()
                .addAllData(values)
                .setDense(DenseVector.newBuilder().addAllData(values))
                .build();
    }
}
