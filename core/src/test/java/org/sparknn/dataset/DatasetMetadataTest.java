package org.sparknn.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatasetMetadataTest {
    private static String json(String encoding) {
        return "{\"format\": \"spark-nn-dataset\", \"version\": 1, \"name\": \"d\", \"height\": 2, \"width\": 2, \"channels\": 1,"
            + " \"normalization\": {\"scale\": 0.5}" + (encoding == null ? "" : ", \"encoding\": \"" + encoding + "\"") + "}";
    }

    @Test
    void datasetsThatDoNotNameAnEncodingStoreFloats() {
        assertEquals(FeatureEncoding.float32, DatasetMetadata.fromJson(json(null), "old.json").encoding());
        DatasetMetadata pixels = DatasetMetadata.fromJson(json("uint8"), "new.json");
        assertEquals(FeatureEncoding.uint8, pixels.encoding());
        assertEquals(pixels, DatasetMetadata.fromJson(pixels.toJson(), "again"), "the encoding survives a round trip");
    }

    @Test
    void anUnknownEncodingIsAnErrorNamingTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DatasetMetadata.fromJson(json("int16"), "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json: not valid spark-nn dataset metadata: ")
            && e.getMessage().contains("int16") && e.getMessage().contains("uint8"), e.getMessage());
    }
}
