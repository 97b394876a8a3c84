package org.sparknn;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The package arrows of the README's layout section, checked on the compiled classes of every
 * module: each package uses only the project packages listed for it, and no packages form a
 * cycle. A new package must be added to {@link #MAY_USE} and to the README.
 */
class ArchitectureTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar")) // data-prep's test jar
        .importPackages("org.sparknn");

    /** Each top-level package of org.sparknn and the others it may use. */
    static final Map<String, List<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("nn", List.of());
        MAY_USE.put("io", List.of("nn"));
        MAY_USE.put("dataset", List.of("nn", "io"));
        MAY_USE.put("dataprep", List.of("nn", "io", "dataset"));
        MAY_USE.put("spark", List.of("nn", "io", "dataset", "dataprep"));
        MAY_USE.put("report", List.of("nn", "io", "spark"));
        MAY_USE.put("notebook", List.of("nn", "io", "dataset", "spark", "report"));
        MAY_USE.put("jobs", List.of("nn", "io", "dataset", "dataprep", "spark", "report"));
    }

    @Test
    void everyPackageHasItsArrowsListed() {
        Set<String> found = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            String rest = c.getPackageName().substring("org.sparknn.".length());
            found.add(rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest);
        }
        assertEquals(new TreeSet<>(MAY_USE.keySet()), found);
    }

    @Test
    void eachPackageUsesOnlyWhatItMayUse() {
        for (Map.Entry<String, List<String>> e : MAY_USE.entrySet()) {
            String[] forbidden = MAY_USE.keySet().stream()
                .filter(p -> !p.equals(e.getKey()) && !e.getValue().contains(p))
                .map(p -> "org.sparknn." + p + "..").toArray(String[]::new);
            if (forbidden.length > 0) {
                noClasses().that().resideInAPackage("org.sparknn." + e.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .because(e.getKey() + " may use only " + e.getValue()).check(CLASSES);
            }
        }
    }

    @Test
    void noPackagesFormACycle() {
        slices().matching("org.sparknn.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void theEngineIsPureJava() {
        noClasses().that().resideInAPackage("org.sparknn.nn..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "scala..", "org.apache.hadoop..")
            .check(CLASSES);
    }

    @Test
    void theArrowsAreChecked() {
        // a rule of the kind above fails on an arrow that is not allowed
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
            .that().resideInAPackage("org.sparknn.jobs..").should().dependOnClassesThat()
            .resideInAnyPackage("org.sparknn.nn..").check(CLASSES));
    }
}
