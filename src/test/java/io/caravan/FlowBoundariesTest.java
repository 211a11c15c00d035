package io.caravan;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.concurrent.TimeUnit;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The house's layout, checked over the compiled application classes (src/main, and src/dev where the
 * stand-ins profile compiles it in): the platform ({@code io.caravan.platform..}) is shared machinery
 * and never names a flow; each flow ({@code io.caravan.flows.<flow>}) owns its code and uses only the
 * platform, never another flow; nothing but the stand-ins themselves uses the stand-ins of
 * {@code src/dev} ({@code io.caravan.dev..}), which the production jar does not contain. A class that
 * lands outside these packages (say, in a package from before the split) fails here too.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FlowBoundariesTest {

    private static JavaClasses application;

    @BeforeAll
    static void importApplication() {
        application = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.caravan");
    }

    @Test
    void thePlatformNeverDependsOnAFlow() {
        noClasses().that().resideInAPackage("io.caravan.platform..")
                .should().dependOnClassesThat().resideInAPackage("io.caravan.flows..")
                .because("the platform is shared by every flow; a flow's code belongs in its own package")
                .check(application);
    }

    @Test
    void noFlowDependsOnAnotherFlow() {
        slices().matching("io.caravan.flows.(*)..")
                .should().notDependOnEachOther()
                .because("a flow uses the platform only; flows talk through queues and REST, not through each other's classes")
                .check(application);
    }

    @Test
    void theApplicationDoesNotDependOnTheStandIns() {
        noClasses().that().resideOutsideOfPackage("io.caravan.dev..")
                .should().dependOnClassesThat().resideInAPackage("io.caravan.dev..")
                .because("src/dev (stand-ins, the Qdrant test server) is not in the production jar")
                .check(application);
    }

    @Test
    void everyClassLivesInThePlatformOrInAFlow() {
        classes().that().resideOutsideOfPackage("io.caravan.dev..")
                .should().resideInAnyPackage("io.caravan", "io.caravan.platform..", "io.caravan.flows..")
                .because("platform and flows apart: no third place for code to drift into")
                .check(application);
    }
}
