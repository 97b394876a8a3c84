package org.sparknn.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;

class AugmentationTest {
    static final Shape S = new Shape(1, 3, 3);
    static final float[] FILL = {-1f};

    private static float[] image() {
        return new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9};
    }

    private static float[] transformed(int dx, int dy, double degrees) {
        float[] x = image();
        Augmentation.transform(x, 0, S, FILL, dx, dy, degrees, new float[9]);
        return x;
    }

    @Test
    void shiftsFillFromOutside() {
        assertArrayEquals(image(), transformed(0, 0, 0), 1e-6f);
        // one pixel right: the left column comes from outside
        assertArrayEquals(new float[] {-1, 1, 2, -1, 4, 5, -1, 7, 8}, transformed(1, 0, 0), 1e-6f);
        // one pixel up
        assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, -1, -1, -1}, transformed(0, -1, 0), 1e-6f);
    }

    @Test
    void rotatesAboutTheCenter() {
        // 90 degrees counter-clockwise: the top row 1 2 3 becomes the left column read upwards
        assertArrayEquals(new float[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, transformed(0, 0, 90), 1e-5f);
    }

    @Test
    void drawsAreSeeded() {
        Augmentation a = new Augmentation(2, 10, FILL);
        float[] x1 = new float[784];
        for (int i = 0; i < x1.length; i++) {
            x1[i] = (i * 37 % 101) / 100f;
        }
        float[] x2 = x1.clone();
        float[] x3 = x1.clone();
        Shape mnist = new Shape(1, 28, 28);
        a.apply(x1, 0, mnist, 5, new float[784]);
        a.apply(x2, 0, mnist, 5, new float[784]);
        a.apply(x3, 0, mnist, 6, new float[784]);
        assertArrayEquals(x1, x2);
        assertFalse(java.util.Arrays.equals(x1, x3));
    }

    @Test
    void wholePixelShiftsGiveTheValuesOfBilinearSampling() {
        Shape shape = new Shape(2, 7, 5);
        float[] fill = {-0.5f, 0.25f};
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        float[] image = new float[shape.size() + 4];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (rng.nextDouble() * 4 - 2);
        }
        for (int dx = -6; dx <= 6; dx++) {
            for (int dy = -8; dy <= 8; dy++) {
                float[] fast = image.clone();
                float[] slow = image.clone();
                Augmentation.shift(fast, 3, shape, fill, dx, dy, new float[shape.size()]);
                Augmentation.bilinear(slow, 3, shape, fill, dx, dy, 0, new float[shape.size()]);
                assertArrayEquals(slow, fast, "shift " + dx + ", " + dy);
            }
        }
    }
}
