package org.eapo4j.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.eapo4j.report.GridRuns.Run;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG plots of one setting of the grid report: curves over RL steps (mean over seeds, the min-max range of the
 * seeds shaded), diversity against reward (one point per run) and the final reward against the learning-rate factor;
 * one colour per method.
 */
final class GridPlots {
    /** The five weightings and the entropy controls of the controls grid keep their colour in every plot. */
    private static final Map<String, Color> COLOURS = Map.ofEntries(Map.entry("eapo", new Color(0xd62728)),
            Map.entry("grpo", new Color(0x1f77b4)), Map.entry("w-reinforce", new Color(0x2ca02c)),
            Map.entry("psr", new Color(0xff7f0e)), Map.entry("nsr", new Color(0x9467bd)),
            Map.entry("grpo-entbonus", new Color(0x8c564b)), Map.entry("grpo-top20", new Color(0xe377c2)),
            Map.entry("grpo-clipcov", new Color(0xbcbd22)), Map.entry("grpo-klcov", new Color(0x17becf)),
            Map.entry("grpo-adaent", new Color(0x7f7f7f)));
    /** For other names, in the order they come: distinct from the fixed colours and from each other. */
    private static final Color[] PALETTE = {new Color(0x8b0000), new Color(0x000080), new Color(0x006400),
        new Color(0xb8860b), new Color(0x4b0082), new Color(0x2f4f4f), new Color(0xff1493), new Color(0x00ced1),
        new Color(0x8b4513), new Color(0x556b2f)};

    private GridPlots() {}

    /**
     * A colour per name: the fixed ones (a reconstruction default, "eapo (default)", takes its method's), then the
     * palette in the names' order (cycling past its end).
     */
    static Map<String, Color> colours(Iterable<String> names) {
        Map<String, Color> m = new LinkedHashMap<>();
        int i = 0;
        for (String n : names) {
            String base = n.endsWith(GridRecon.DEFAULT) ? n.substring(0, n.length() - GridRecon.DEFAULT.length()) : n;
            m.put(n, COLOURS.containsKey(base) ? COLOURS.get(base) : PALETTE[i++ % PALETTE.length]);
        }
        return m;
    }

    /** One curve per method over RL steps: the mean over its runs, the runs' min to max shaded. */
    static void curves(Map<String, List<Run>> byMethod, Function<Run, TreeMap<Integer, Double>> curve, String title,
                       String yTitle, Double guide, Path png) {
        Map<String, Color> colours = colours(byMethod.keySet());
        XYChart c = new XYChartBuilder().width(900).height(500).title(title + " (line: mean over seeds; shaded: min to max)")
                .xAxisTitle("RL step").yAxisTitle(yTitle).build();
        c.getStyler().setMarkerSize(5);
        for (Map.Entry<String, List<Run>> e : byMethod.entrySet()) {
            TreeMap<Integer, List<Double>> at = new TreeMap<>();
            for (Run r : e.getValue()) curve.apply(r).forEach((k, v) -> at.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            if (at.isEmpty()) continue;
            int n = at.size();
            double[] x = new double[n], mean = new double[n], poly = new double[2 * n], polyY = new double[2 * n];
            int i = 0;
            for (Map.Entry<Integer, List<Double>> p : at.entrySet()) {
                double[] v = p.getValue().stream().mapToDouble(Double::doubleValue).toArray();
                x[i] = p.getKey();
                mean[i] = GridStats.mean(v);
                poly[i] = x[i];
                polyY[i] = GridStats.max(v);
                poly[2 * n - 1 - i] = x[i];
                polyY[2 * n - 1 - i] = GridStats.min(v);
                i++;
            }
            Color col = colours.get(e.getKey());
            Color fill = new Color(col.getRed(), col.getGreen(), col.getBlue(), 40);
            XYSeries band = c.addSeries(e.getKey() + " range", poly, polyY);
            band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(fill);
            band.setLineColor(fill);
            band.setMarker(SeriesMarkers.NONE);
            band.setShowInLegend(false);
            XYSeries line = c.addSeries(e.getKey(), x, mean);
            line.setLineColor(col);
            line.setMarkerColor(col);
            line.setMarker(n <= 20 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        if (guide != null && !c.getSeriesMap().isEmpty()) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (XYSeries s : c.getSeriesMap().values()) {
                lo = Math.min(lo, s.getXMin());
                hi = Math.max(hi, s.getXMax());
            }
            XYSeries g = c.addSeries("collapse threshold " + guide, new double[] {lo, hi}, new double[] {guide, guide});
            g.setLineColor(Color.GRAY);
            g.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f},
                    0f));
            g.setMarker(SeriesMarkers.NONE);
        }
        ChartAxes.stepAxis(c);
        ChartAxes.yDecimals(c);
        save(c, png);
    }

    /** Distinct-2 against the final held-out reward, one point per run, one colour per method. */
    static void scatter(Map<String, List<Run>> byMethod, Path png) {
        Map<String, Color> colours = colours(byMethod.keySet());
        XYChart c = new XYChartBuilder().width(700).height(500).title("diversity against reward (one point per run)")
                .xAxisTitle("final held-out reward").yAxisTitle("distinct-2 of the G completions").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(9);
        for (Map.Entry<String, List<Run>> e : byMethod.entrySet()) {
            XYSeries s = c.addSeries(e.getKey(), e.getValue().stream().mapToDouble(Run::finalReward).toArray(),
                    e.getValue().stream().mapToDouble(Run::distinct2).toArray());
            s.setMarkerColor(colours.get(e.getKey()));
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        ChartAxes.xDecimals(c);
        ChartAxes.yDecimals(c);
        save(c, png);
    }

    /**
     * Final held-out reward against the learning-rate factor on a log2 axis (XChart's log axis labels only the
     * decades), one line per weighting, bars the 95% t-interval over seeds; the weightings are shifted a little
     * sideways so that their bars do not overlap.
     */
    static void sensitivity(Map<String, TreeMap<Double, double[]>> finals, Path png) {
        XYChart c = new XYChartBuilder().width(700).height(500)
                .title("sensitivity to the learning rate (mean, 95% t-interval over seeds)")
                .xAxisTitle("learning-rate factor (log scale)").yAxisTitle("final held-out reward").build();
        // ticks one apart (a factor of 2); XChart drops all labels when two are equal, so none may be blank
        c.getStyler().setXAxisTickMarkSpacingHint(150);
        c.getStyler().setxAxisTickLabelsFormattingFunction(x -> Math.abs(x - Math.rint(x)) < 1e-9
                ? "×" + new BigDecimal(Math.pow(2, Math.rint(x))).stripTrailingZeros().toPlainString()
                : String.format(Locale.ROOT, "×%.2f", Math.pow(2, x)));
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setMarkerSize(8);
        double lo = finals.values().stream().mapToDouble(m -> Math.log(m.firstKey()) / Math.log(2)).min().orElse(0);
        double hi = finals.values().stream().mapToDouble(m -> Math.log(m.lastKey()) / Math.log(2)).max().orElse(0);
        c.getStyler().setXAxisMin(Math.floor(lo) - 0.5);
        c.getStyler().setXAxisMax(Math.ceil(hi) + 0.5);
        int k = 0, lines = finals.size();
        Map<String, Color> colours = colours(finals.keySet());
        for (Map.Entry<String, TreeMap<Double, double[]>> e : finals.entrySet()) {
            int n = e.getValue().size(), i = 0;
            double[] x = new double[n], y = new double[n], err = new double[n];
            double shift = 0.04 * (k++ - (lines - 1) / 2.0);
            for (Map.Entry<Double, double[]> p : e.getValue().entrySet()) {
                x[i] = Math.log(p.getKey()) / Math.log(2) + shift;
                y[i] = GridStats.mean(p.getValue());
                double h = GridStats.half(p.getValue());
                err[i++] = Double.isFinite(h) ? h : 0;
            }
            XYSeries s = c.addSeries(e.getKey(), x, y, err);
            s.setLineColor(colours.get(e.getKey()));
            s.setMarkerColor(colours.get(e.getKey()));
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        ChartAxes.yDecimals(c);
        save(c, png);
    }

    private static void save(XYChart c, Path png) {
        try {
            BitmapEncoder.saveBitmap(c, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
