package dev.roomcast.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The module rules of DESIGN §1 as ArchUnit rules, built for a root package so the same rules run
 * against Roomcast ({@code dev.roomcast}) and against a deliberately violating fixture, which
 * proves that each rule can fail.
 */
final class RoomcastArchitecture {
    /** The Maven modules, by their package below the root. */
    static final List<String> MODULES = List.of("core", "auth", "hub", "transport.undertow", "observability");

    private RoomcastArchitecture() {
    }

    /** A rule with the name tests report it by. */
    record NamedRule(String name, ArchRule rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<NamedRule> rules(String root) {
        List<NamedRule> rules = new ArrayList<>();
        rules.add(new NamedRule("nothing depends on examples",
                noClasses().that().resideOutsideOfPackage(root + ".examples..")
                        .should().dependOnClassesThat().resideInAPackage(root + ".examples..")));
        rules.add(new NamedRule("modules are free of cycles",
                slices().matching(root + ".(*)..").should().beFreeOfCycles()));
        rules.add(new NamedRule("packages are free of cycles",
                slices().matching(root + ".(**)").should().beFreeOfCycles()));
        // The Jakarta example is the one application that owns a servlet container (Undertow's), as a
        // team with an existing servlet application does; the library's other modules never see it.
        rules.add(new NamedRule("Undertow and XNIO only in transport-undertow and the servlet example",
                noClasses().that().resideOutsideOfPackages(root + ".transport.undertow..", root + ".examples.jakarta..")
                        .should().dependOnClassesThat().resideInAnyPackage("io.undertow..", "org.xnio..")));
        rules.add(new NamedRule("the Jakarta adapter reaches no Undertow or XNIO type, directly or through what it uses",
                noClasses().that().resideInAPackage(root + ".transport.undertow.jakarta..")
                        .should().transitivelyDependOnClassesThat().resideInAnyPackage("io.undertow..", "org.xnio..")));
        rules.add(new NamedRule("Micrometer and OpenTelemetry only in observability and examples",
                noClasses().that().resideOutsideOfPackages(root + ".observability..", root + ".examples..")
                        .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..", "io.opentelemetry..",
                                "io.prometheus..")));
        rules.add(new NamedRule("the JWT library only in auth",
                noClasses().that().resideOutsideOfPackage(root + ".auth..")
                        .should().dependOnClassesThat().resideInAnyPackage("com.nimbusds..")));
        rules.add(new NamedRule("Lettuce (Redis) only in cluster-redis",
                noClasses().that().resideOutsideOfPackage(root + ".cluster.redis..")
                        .should().dependOnClassesThat().resideInAnyPackage("io.lettuce..")));
        rules.add(new NamedRule("hub never sees auth",
                noClasses().that().resideInAPackage(root + ".hub..")
                        .should().dependOnClassesThat().resideInAPackage(root + ".auth..")));
        rules.add(new NamedRule("auth never sees hub",
                noClasses().that().resideInAPackage(root + ".auth..")
                        .should().dependOnClassesThat().resideInAPackage(root + ".hub..")));
        rules.add(new NamedRule("core depends on no other module",
                noClasses().that().resideInAPackage(root + ".core..")
                        .should().dependOnClassesThat().resideInAnyPackage(root + ".auth..", root + ".hub..",
                                root + ".transport..", root + ".observability..", root + ".cluster..", root + ".examples..")));
        rules.add(new NamedRule("observability depends only on core",
                noClasses().that().resideInAPackage(root + ".observability..")
                        .should().dependOnClassesThat().resideInAnyPackage(root + ".auth..", root + ".hub..",
                                root + ".transport..")));
        rules.add(new NamedRule("transport sees neither auth nor observability",
                noClasses().that().resideInAPackage(root + ".transport..")
                        .should().dependOnClassesThat().resideInAnyPackage(root + ".auth..", root + ".observability..")));
        for (String module : MODULES) {
            String base = root + "." + module;
            rules.add(new NamedRule(module + ".internal is not used outside " + module,
                    noClasses().that().resideOutsideOfPackage(base + "..")
                            .should().dependOnClassesThat().resideInAPackage(base + ".internal..")));
        }
        return rules;
    }
}
