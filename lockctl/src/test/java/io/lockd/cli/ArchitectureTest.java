package io.lockd.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.lockd.arch.ArchitectureRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lockctl's part of the source tree's rule set (lockd's io.lockd.arch.ArchitectureRules,
 * docs/architecture.md): no package cycles; the CLI and the example use the client library and the
 * protocol, never the daemon's classes; the example needs nothing of the CLI.
 */
class ArchitectureTest {
  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = ArchitectureRules.production("io.lockd.cli", "io.lockd.examples");
  }

  @Test
  void noPackageCycles() {
    ArchitectureRules.freeOfCycles().check(production);
  }

  @Test
  void lockctlUsesTheClientNotTheServer() {
    noClasses()
        .that()
        .resideInAnyPackage("io.lockd.cli..", "io.lockd.examples..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ArchitectureRules.DAEMON_PACKAGES)
        .because("lockctl talks to a cell through the client library, as any application does")
        .check(production);
  }

  @Test
  void theExampleNeedsOnlyTheLibrary() {
    noClasses()
        .that()
        .resideInAPackage("io.lockd.examples..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.lockd.cli..", "picocli..")
        .check(production);
  }
}
