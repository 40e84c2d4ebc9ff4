package io.lockd.sim;

/** A checker found the system broke one of its guarantees. */
public final class Violation extends RuntimeException {
  public Violation(String message) {
    super(message);
  }

  /**
   * Runs a simulation to its end: null if nothing was broken, otherwise what was (a checker's
   * violation, a crash of the system under test, printed in full with -Dsim.trace=true, or an ERROR
   * line the system logged: see {@link ErrorLog}).
   */
  public static String findIn(Runnable simulation) {
    ErrorLog.Recording errors = new ErrorLog.Recording();
    String found = ErrorLog.record(errors, () -> run(simulation));
    if (errors.count() == 0) {
      return found;
    }
    String logged = errors.count() + " ERROR line(s) logged, the first: " + errors.lines().get(0);
    return found == null ? logged : found + "; and " + logged;
  }

  private static String run(Runnable simulation) {
    try {
      simulation.run();
      return null;
    } catch (Violation v) {
      return v.getMessage();
    } catch (RuntimeException e) {
      if (Boolean.getBoolean("sim.trace")) {
        e.printStackTrace(System.out);
      }
      return "crash of the system under test: " + e;
    }
  }
}
