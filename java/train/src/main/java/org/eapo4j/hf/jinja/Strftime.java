package org.eapo4j.hf.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale for the directives templates use (transformers passes
 * {@code strftime_now(format)}, the local time now): %a %A %b %B %d %-d %e %H %I %j %m %M %p %S %y %Y %%. Others are
 * refused by name.
 */
final class Strftime {
    private Strftime() { }

    static String format(String fmt, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < fmt.length()) {
                noPad = true;
                d = fmt.charAt(++i);
            }
            String v = switch (d) {
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> pad(t.getHour(), 2, noPad);
                case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
                case 'j' -> pad(t.getDayOfYear(), 3, noPad);
                case 'm' -> pad(t.getMonthValue(), 2, noPad);
                case 'M' -> pad(t.getMinute(), 2, noPad);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'S' -> pad(t.getSecond(), 2, noPad);
                case 'y' -> pad(t.getYear() % 100, 2, noPad);
                case 'Y' -> Integer.toString(t.getYear());
                case '%' -> "%";
                default -> throw PyError.unsupported("strftime directive '%" + (noPad ? "-" : "") + d + "'");
            };
            sb.append(v);
        }
        return sb.toString();
    }

    private static String pad(int v, int width, boolean noPad) {
        String s = Integer.toString(v);
        return noPad ? s : "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
