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

    /**
     * Each package of org.sparknn (with its subpackages; the Spark layer's packages one by one) and
     * the others it may use.
     */
    static final Map<String, List<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("nn", List.of());
        MAY_USE.put("io", List.of("nn"));
        MAY_USE.put("dataset", List.of("nn", "io"));
        MAY_USE.put("dataprep", List.of("nn", "io", "dataset"));
        MAY_USE.put("spark.input", List.of("nn", "io", "dataset", "dataprep"));
        MAY_USE.put("spark.task", List.of("nn", "io"));
        MAY_USE.put("spark.collective", List.of());
        MAY_USE.put("spark.train", List.of("nn", "io", "dataset", "spark.input", "spark.task", "spark.collective"));
        MAY_USE.put("spark.score", List.of("nn", "io", "dataset", "spark.input", "spark.task"));
        MAY_USE.put("spark.store", List.of("nn", "io", "spark.train"));
        MAY_USE.put("spark.ml", List.of("nn", "io", "dataset", "spark.input", "spark.task", "spark.train", "spark.score",
            "spark.store"));
        // the Spark ML classes' former names, which load what was saved under them
        MAY_USE.put("spark", List.of("spark.ml"));
        MAY_USE.put("interop", List.of("nn"));
        MAY_USE.put("report", List.of("nn", "io", "spark.score", "spark.store"));
        MAY_USE.put("notebook", List.of("nn", "io", "dataset", "spark.input", "spark.train", "spark.score", "spark.store",
            "spark.ml", "report"));
        MAY_USE.put("jobs", List.of("nn", "io", "dataset", "dataprep", "spark.input", "spark.task", "spark.collective",
            "spark.train", "spark.score", "spark.store", "spark.ml", "report", "interop"));
    }

    /** The entry of {@link #MAY_USE} a package belongs to. */
    static String unit(String pkg) {
        String[] parts = pkg.substring("org.sparknn.".length()).split("\\.");
        return parts[0].equals("spark") && parts.length > 1 ? "spark." + parts[1] : parts[0];
    }

    /** The ArchUnit package pattern of an entry: the package and its subpackages, or for "spark" itself only. */
    static String pattern(String unit) {
        return unit.equals("spark") ? "org.sparknn.spark" : "org.sparknn." + unit + "..";
    }

    @Test
    void everyPackageHasItsArrowsListed() {
        Set<String> found = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            found.add(unit(c.getPackageName()));
        }
        assertEquals(new TreeSet<>(MAY_USE.keySet()), found);
    }

    @Test
    void eachPackageUsesOnlyWhatItMayUse() {
        for (Map.Entry<String, List<String>> e : MAY_USE.entrySet()) {
            String[] forbidden = MAY_USE.keySet().stream()
                .filter(p -> !p.equals(e.getKey()) && !e.getValue().contains(p))
                .map(ArchitectureTest::pattern).toArray(String[]::new);
            if (forbidden.length > 0) {
                noClasses().that().resideInAPackage(pattern(e.getKey()))
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
