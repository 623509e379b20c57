package dev.roomcast.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Enforces DESIGN §1 on every module's production classes, and proves each rule can fail by running
 * it against a fixture that breaks it on purpose.
 */
class ArchitectureTest {
    private static JavaClasses roomcast;
    private static JavaClasses fixture;

    @BeforeAll
    static void importClasses() {
        roomcast = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.roomcast");
        fixture = new ClassFileImporter().importPackages("archfixture.roomcast");
    }

    static Stream<RoomcastArchitecture.NamedRule> roomcastRules() {
        return RoomcastArchitecture.rules("dev.roomcast").stream();
    }

    static Stream<RoomcastArchitecture.NamedRule> fixtureRules() {
        return RoomcastArchitecture.rules("archfixture.roomcast").stream();
    }

    @Test
    void everyModuleIsImported() {
        for (String module : List.of("core", "auth", "hub", "transport.undertow", "observability", "examples.chat",
                "examples.jakarta", "transport.undertow.jakarta", "examples.dashboard")) {
            assertThat(roomcast.containPackage("dev.roomcast." + module)).as(module).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roomcastRules")
    void roomcastFollowsTheRule(RoomcastArchitecture.NamedRule rule) {
        rule.rule().check(roomcast);
    }

    @ParameterizedTest(name = "{0} fails on the violating fixture")
    @MethodSource("fixtureRules")
    void theRuleFailsOnTheViolatingFixture(RoomcastArchitecture.NamedRule rule) {
        EvaluationResult result = rule.rule().evaluate(fixture);
        assertThat(result.hasViolation()).as("rule '%s' must report the fixture's violation", rule.name()).isTrue();
    }
}
