package org.eapo4j.report;

import java.util.function.ToDoubleFunction;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * Tick labels that read as numbers: an RL-step axis with round numeric ticks from 0, and one decimal format per axis
 * (never ".02" beside "0.1"). Call after every series is added: the formats follow the data's range.
 */
final class ChartAxes {
    private ChartAxes() {}

    /**
     * The x axis counts RL steps: numeric ticks from 0, integer labels. XChart puts the ticks on the data's own x values,
     * every k-th one like categories (1, 9, 17, ...), when those values are equally spaced; an axis end half a step
     * past an integer is off every integer spacing, so it computes round numeric ticks instead.
     */
    static void stepAxis(XYChart c) {
        double hi = extreme(c, XYSeries::getXMax, true);
        if (Double.isNaN(hi)) return;
        c.getStyler().setXAxisMin(Math.min(0.0, extreme(c, XYSeries::getXMin, false)));
        c.getStyler().setXAxisMax(hi < 1 ? 1.5 : Math.floor(hi) + 0.5 + Math.floor(0.02 * hi));
        c.getStyler().setXAxisDecimalPattern("0");
    }

    /** One decimal format on the y axis, fine enough for the ticks of the data's range. */
    static void yDecimals(XYChart c) {
        double lo = extreme(c, XYSeries::getYMin, false), hi = extreme(c, XYSeries::getYMax, true);
        if (!Double.isNaN(lo)) c.getStyler().setYAxisDecimalPattern(pattern(lo, hi));
    }

    /** One decimal format on the x axis (an axis of values, not of steps). */
    static void xDecimals(XYChart c) {
        double lo = extreme(c, XYSeries::getXMin, false), hi = extreme(c, XYSeries::getXMax, true);
        if (!Double.isNaN(lo)) c.getStyler().setXAxisDecimalPattern(pattern(lo, hi));
    }

    /**
     * A DecimalFormat pattern with as many decimals as a tenth of the range needs ("0.00" for 4.40 to 4.52), so that
     * every tick of the axis has the same number of them.
     */
    static String pattern(double lo, double hi) {
        double span = hi - lo;
        if (!(span > 0)) span = Math.abs(hi) > 0 ? Math.abs(hi) : 1;
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(span / 10) - 1e-9));
        return decimals == 0 ? "0" : "0." + "0".repeat(Math.min(decimals, 8));
    }

    /** The smallest (or largest) finite value of {@code f} over the chart's series; NaN for none. */
    private static double extreme(XYChart c, ToDoubleFunction<XYSeries> f, boolean max) {
        double v = Double.NaN;
        for (XYSeries s : c.getSeriesMap().values()) {
            double x = f.applyAsDouble(s);
            if (Double.isFinite(x)) v = Double.isNaN(v) ? x : max ? Math.max(v, x) : Math.min(v, x);
        }
        return v;
    }
}
