package io.lockd.namespace;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Keeps the namespace pure (STYLE.md, "Determinism"): no clocks, randomness, threads, I/O, and no
 * hash-ordered collections whose iteration order could leak into a result or a snapshot.
 */
class NamespacePurityTest {
  private static final JavaClasses NAMESPACE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.lockd.namespace");

  @Test
  void usesNoClockRandomThreadOrIo() {
    ArchRule rule =
        noClasses()
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(Math.class, "random")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.util.Random")
            .orShould()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "java.util.concurrent..",
                "java.time..",
                "java.io..",
                "java.nio.file..",
                "java.net..")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class);
    rule.check(NAMESPACE);
  }

  /**
   * Messages reach results and snapshots, so they must not depend on the default locale (which can
   * change how digits are written): format with an explicit Locale.
   */
  @Test
  void formatsWithAnExplicitLocale() {
    noClasses()
        .should()
        .callMethod(String.class, "format", String.class, Object[].class)
        .orShould()
        .callMethod(String.class, "formatted", Object[].class)
        .orShould()
        .callMethod(String.class, "toLowerCase")
        .orShould()
        .callMethod(String.class, "toUpperCase")
        .check(NAMESPACE);
  }

  @Test
  void usesNoHashOrderedCollections() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.HashMap")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.HashSet")
        .check(NAMESPACE);
  }
}
