package io.lockd.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;
import java.util.stream.LongStream;

/**
 * How every simulation test runs its seeds: a bounded range in CI, any number on demand, one seed
 * to replay; and how it reports a seed that broke a guarantee (with the command that replays it, so
 * a failure in CI is one copy-paste away from a debugger).
 */
public final class Seeds {
  private Seeds() {}

  /**
   * The result of seed {@code -D<oneProperty>=S} alone (printed) if that property is set, else of
   * {@code -D<countProperty>} seeds (default {@code defaultCount}) from {@code -Dsim.firstSeed}
   * (default 1), run in parallel and returned in seed order. A long sweep from a new first seed
   * explores schedules that CI's bounded range never saw.
   */
  public static <R> List<R> run(
      String oneProperty,
      String countProperty,
      int defaultCount,
      LongFunction<R> runSeed,
      ToLongFunction<R> seedOf) {
    String one = System.getProperty(oneProperty, "");
    if (!one.isBlank()) {
      R result = runSeed.apply(Long.parseLong(one.trim()));
      System.out.println(result);
      return List.of(result);
    }
    int seeds = Integer.getInteger(countProperty, defaultCount);
    long first = Long.getLong("sim.firstSeed", 1);
    return LongStream.range(first, first + seeds)
        .parallel()
        .mapToObj(runSeed)
        .sorted((a, b) -> Long.compare(seedOf.applyAsLong(a), seedOf.applyAsLong(b)))
        .toList();
  }

  /**
   * One line per result whose {@code violationOf} is not null: {@code seed S: violation}, then the
   * command that replays it. Printed as well, so that a CI log shows them before the assertion.
   */
  public static <R> List<String> failures(
      List<R> results,
      ToLongFunction<R> seedOf,
      Function<R, String> violationOf,
      Function<R, String> replay) {
    List<String> failures = new ArrayList<>();
    for (R r : results) {
      String violation = violationOf.apply(r);
      if (violation != null) {
        failures.add(
            "seed " + seedOf.applyAsLong(r) + ": " + violation + "\n  replay: " + replay.apply(r));
      }
    }
    failures.forEach(System.out::println);
    return failures;
  }
}
