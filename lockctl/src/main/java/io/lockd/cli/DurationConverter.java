package io.lockd.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations on the command line: {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h}, a bare number
 * of seconds, or ISO-8601 ({@code PT1M30S}).
 */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(value.trim());
      }
      if (v.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(v)); // a bare number is seconds
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      switch (v.charAt(v.length() - 1)) {
        case 's':
          return Duration.ofSeconds(n);
        case 'm':
          return Duration.ofMinutes(n);
        case 'h':
          return Duration.ofHours(n);
        default:
          break;
      }
    } catch (RuntimeException e) {
      // fall through to the message below
    }
    throw new TypeConversionException(
        "'" + value + "' is not a duration (use e.g. 500ms, 10s, 2m, 1h)");
  }
}
