package org.sparknn.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG grid of images with up to two caption lines under each: for reports and notebooks. */
public final class ImageGrid {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** One cell: raw pixel values (0..255, channel-height-width) and its captions. */
    public record Tile(float[] pixels, String caption, String detail) {
    }

    private ImageGrid() {
    }

    /** The grid as PNG bytes, {@code columns} cells per row, each image scaled to about 84 pixels. */
    public static byte[] png(List<Tile> tiles, int channels, int height, int width, int columns) {
        int scale = Math.max(1, 84 / Math.max(height, width));
        int cols = Math.min(columns, Math.max(1, tiles.size()));
        int rowsOfCells = Math.max(1, (tiles.size() + cols - 1) / cols);
        int cellW = Math.max(width * scale, 96) + 8;
        int cellH = height * scale + 40;
        BufferedImage img = new BufferedImage(cols * cellW, rowsOfCells * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int plane = height * width;
        for (int k = 0; k < tiles.size(); k++) {
            Tile t = tiles.get(k);
            int x0 = (k % cols) * cellW + (cellW - width * scale) / 2;
            int y0 = (k / cols) * cellH + 4;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = y * width + x;
                    int rgb = channels == 1
                        ? clamp(t.pixels()[i]) * 0x010101
                        : (clamp(t.pixels()[i]) << 16) | (clamp(t.pixels()[plane + i]) << 8) | clamp(t.pixels()[2 * plane + i]);
                    g.setColor(new Color(rgb));
                    g.fillRect(x0 + x * scale, y0 + y * scale, scale, scale);
                }
            }
            int tx = (k % cols) * cellW + 4;
            int ty = y0 + height * scale + 14;
            g.setColor(Color.BLACK);
            if (t.caption() != null) {
                g.drawString(t.caption(), tx, ty);
            }
            g.setColor(Color.DARK_GRAY);
            if (t.detail() != null) {
                g.drawString(t.detail(), tx, ty + 14);
            }
        }
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the image grid as PNG", e);
        }
        return png.toByteArray();
    }

    /** The grid as an HTML {@code <img>} with the PNG inline (a data URI), for notebooks. */
    public static String html(List<Tile> tiles, int channels, int height, int width, int columns) {
        return "<img alt=\"image grid\" src=\"data:image/png;base64,"
            + Base64.getEncoder().encodeToString(png(tiles, channels, height, width, columns)) + "\">";
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }
}
