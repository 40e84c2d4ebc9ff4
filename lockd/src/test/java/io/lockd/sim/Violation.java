package io.lockd.sim;

/** A checker found the system broke one of its guarantees. */
public final class Violation extends RuntimeException {
  public Violation(String message) {
    super(message);
  }

  /**
   * Runs a simulation to its end: null if nothing was broken, otherwise what was (a checker's
   * violation, or a crash of the system under test, printed in full with -Dsim.trace=true).
   */
  public static String findIn(Runnable simulation) {
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
