package org.sparknn.dataprep;

/**
 * Resizing of 8-bit images by separable convolution, to the byte of Pillow's
 * {@code Image.resize(size, filter)} for 8-bit modes: the filter is stretched by the shrink
 * factor, so that shrinking averages every source pixel (antialiasing) instead of sampling a few;
 * each output pixel's coefficients are normalized to sum to one and held in fixed point with 22
 * fractional bits; the horizontal pass runs first and rounds to 8 bits, then the vertical pass.
 * The same arithmetic gives the same bytes, so a model trained on data resized here sees what
 * Pillow-based tooling sees.
 */
public final class Resample {
    /** The resampling filters: Pillow's of the same name. */
    public enum Filter {
        /** Each output pixel is the mean of the source pixels it covers. */
        BOX(0.5),
        /** A sinc windowed by a sinc three times wider: sharp, with little aliasing. */
        LANCZOS(3.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            if (this == BOX) {
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            }
            return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px;
        }

        /** The filter named {@code name} (lanczos or box, any case). */
        public static Filter parse(String name) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "lanczos" -> LANCZOS;
                case "box" -> BOX;
                default -> throw new IllegalArgumentException("unknown resize filter '" + name + "', expected lanczos or box");
            };
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resample() {
    }

    /**
     * The coefficients of one pass: for each output position, the first source position it reads
     * and how many, and that many fixed-point weights.
     */
    private static final class Coefficients {
        final int taps;
        final int[] first;
        final int[] count;
        final int[] weights;

        Coefficients(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            taps = (int) Math.ceil(support) * 2 + 1;
            first = new int[outSize];
            count = new int[outSize];
            weights = new int[outSize * taps];
            double[] k = new double[taps];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int lo = Math.max(0, (int) (center - support + 0.5));
                int hi = Math.min(inSize, (int) (center + support + 0.5));
                int n = hi - lo;
                double sum = 0;
                for (int x = 0; x < n; x++) {
                    k[x] = filter.weight((x + lo - center + 0.5) * ss);
                    sum += k[x];
                }
                for (int x = 0; x < n; x++) {
                    double w = sum != 0.0 ? k[x] / sum : k[x];
                    weights[o * taps + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[o] = lo;
                count[o] = n;
            }
        }
    }

    private static int clip8(int v) {
        int shifted = v >> PRECISION_BITS;
        return shifted < 0 ? 0 : Math.min(shifted, 255);
    }

    /**
     * {@code src}, {@code h x w} pixels of {@code bands} interleaved bytes, resized to
     * {@code outH x outW} pixels of the same layout.
     */
    public static byte[] resize(byte[] src, int h, int w, int bands, int outH, int outW, Filter filter) {
        if (outH == h && outW == w) {
            return src.clone();
        }
        Coefficients vertical = new Coefficients(h, outH, filter);
        byte[] image = src;
        int rows = h;
        int rowOffset = 0;
        if (outW != w) {
            // only the source rows the vertical pass reads
            int firstRow = vertical.first[0];
            int lastRow = vertical.first[outH - 1] + vertical.count[outH - 1];
            Coefficients horizontal = new Coefficients(w, outW, filter);
            rows = lastRow - firstRow;
            byte[] temp = new byte[rows * outW * bands];
            for (int y = 0; y < rows; y++) {
                int in = (y + firstRow) * w * bands;
                int out = y * outW * bands;
                for (int x = 0; x < outW; x++) {
                    int from = horizontal.first[x];
                    int n = horizontal.count[x];
                    int kOff = x * horizontal.taps;
                    for (int b = 0; b < bands; b++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < n; i++) {
                            ss += (src[in + (from + i) * bands + b] & 0xFF) * horizontal.weights[kOff + i];
                        }
                        temp[out + x * bands + b] = (byte) clip8(ss);
                    }
                }
            }
            image = temp;
            rowOffset = firstRow;
        }
        int width = outW;
        if (outH == h) {
            return image;
        }
        byte[] out = new byte[outH * width * bands];
        for (int y = 0; y < outH; y++) {
            int from = vertical.first[y] - rowOffset;
            int n = vertical.count[y];
            int kOff = y * vertical.taps;
            for (int x = 0; x < width * bands; x++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < n; i++) {
                    ss += (image[(from + i) * width * bands + x] & 0xFF) * vertical.weights[kOff + i];
                }
                out[y * width * bands + x] = (byte) clip8(ss);
            }
        }
        return out;
    }
}
