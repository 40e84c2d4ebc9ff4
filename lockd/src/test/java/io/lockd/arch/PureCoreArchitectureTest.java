package io.lockd.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consensus core and the namespace must stay pure so that the deterministic simulation tests
 * exactly the production code: no network, disk, threads, executors, clocks or unseeded randomness.
 */
class PureCoreArchitectureTest {
  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.lockd");
  }

  static ArchRule pure(String pkg) {
    return noClasses().that().resideInAPackage(pkg)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.grpc..", "org.mapdb..", "java.io..", "java.nio..", "java.net..",
            "java.util.concurrent..", "java.time..", "io.lockd.storage..",
            "io.lockd.transport..", "io.lockd.server..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Runnable")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Timer")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
        .orShould().callMethod(Math.class, "random")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .because("the " + pkg + " package must be deterministic and free of I/O");
  }

  @Test
  void paxosCoreIsPure() {
    pure("io.lockd.paxos..").check(production);
  }
}
