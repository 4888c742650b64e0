// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

@DisplayName("hearth coordinator --config: a TOML file of its flags, flags winning, bad keys and values named")
class CoordinatorConfigFileTest {

    /** A value for each key that differs from its default, and what the option holds once the file is read. */
    private static final Map<String, Object[]> SAMPLES = Map.ofEntries(
            Map.entry("listen", new Object[] {"\"127.0.0.1:7171\"", "127.0.0.1:7171"}),
            Map.entry("data", new Object[] {"\"state\"", "DIR/state"}),
            Map.entry("heartbeat-interval", new Object[] {"\"7s\"", "7s"}),
            Map.entry("lost-after", new Object[] {"\"40s\"", "40s"}),
            Map.entry("max-frame", new Object[] {"2048", 2048}),
            Map.entry("unregistered-frame-bytes", new Object[] {"1000", 1000}),
            Map.entry("registration-deadline", new Object[] {"\"3s\"", "3s"}),
            Map.entry("max-connections", new Object[] {"12", 12}),
            Map.entry("max-connections-per-address", new Object[] {"5", 5}),
            Map.entry("send-queue-bytes", new Object[] {"5000000000", 5_000_000_000L}),
            Map.entry("send-queue-messages", new Object[] {"77", 77}),
            Map.entry("write-deadline", new Object[] {"\"9s\"", "9s"}),
            Map.entry("rate-cpu-second", new Object[] {"0.5", "0.5"}),
            Map.entry("rate-gib-second", new Object[] {"\"0.25\"", "0.25"}),
            Map.entry("rate-gpu-second", new Object[] {"0.000001", "0.000001"}),
            Map.entry("stake-reference", new Object[] {"50", "50"}),
            Map.entry("settlement-webhook", new Object[] {"\"https://pay.example/h\"", "https://pay.example/h"}),
            Map.entry("unsigned", new Object[] {"\"deny\"", "deny"}),
            Map.entry("timing", new Object[] {"\"hypernode\"", "hypernode"}),
            Map.entry("completion", new Object[] {"\"markers\"", "markers"}),
            Map.entry("oracle-max-attempts", new Object[] {"9", 9}),
            Map.entry("retain-finished", new Object[] {"\"off\"", "off"}),
            Map.entry("idempotency-retention", new Object[] {"\"12h\"", "12h"}),
            Map.entry("webhook-allow-cidr", new Object[] {"[\"127.0.0.0/8\"]", List.of("127.0.0.0/8")}),
            Map.entry("lease-grace", new Object[] {"\"2m\"", "2m"}),
            Map.entry("node-max-slots", new Object[] {"4", 4}),
            Map.entry("node-max-cpus", new Object[] {"\"8\"", "8"}),
            Map.entry("node-max-memory", new Object[] {"\"16g\"", "16g"}),
            Map.entry("node-max-gpus", new Object[] {"1", 1}),
            Map.entry("node-limit", new Object[] {"[\"n1=slots=2\", \"n2=gpus=0\"]", List.of("n1=slots=2", "n2=gpus=0")}),
            Map.entry("cordon-after-expiries", new Object[] {"6", 6}),
            Map.entry("tls", new Object[] {"true", true}),
            Map.entry("tls-cert", new Object[] {"\"c.pem\"", "DIR/c.pem"}),
            Map.entry("tls-key", new Object[] {"\"k.pem\"", "DIR/k.pem"}),
            Map.entry("db", new Object[] {"\"postgresql://db/h?user=u\"", "postgresql://db/h?user=u"}),
            Map.entry("db-password-file", new Object[] {"\"pw\"", "DIR/pw"}),
            Map.entry("db-pool", new Object[] {"3", 3}));

    @TempDir
    Path dir;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("HN_HEARTBEAT_INTERVAL");
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        return env;
    }

    private Path file(String toml) throws Exception {
        return Files.writeString(dir.resolve("coordinator.toml"), toml);
    }

    /** The coordinator command parsed from {@code args}, its file applied, and the config it would start with. */
    private record Parsed(CoordinatorCommand command, CoordinatorConfig config) {
    }

    private Parsed parse(String... args) throws Exception {
        CommandLine cl = HearthCommand.commandLine(env());
        cl.parseArgs(args);
        CoordinatorCommand cmd = cl.getSubcommands().get("coordinator").getCommand();
        return new Parsed(cmd, cmd.withConfigFile(cmd::config));
    }

    private static Object value(CoordinatorCommand cmd, String key) {
        return cmd.spec.findOption("--" + key).getValue();
    }

    @Test
    @DisplayName("every flag of hearth coordinator can be set from the file, and the file's values take effect")
    void everyFlagIsAKey() throws Exception {
        CommandLine cl = HearthCommand.commandLine(env());
        List<String> keys = OptionsFile.keys(cl.getSubcommands().get("coordinator").getCommandSpec());
        assertThat(keys).contains("listen", "node-limit", "tls").doesNotContain("config", "help", "tls-fingerprint");
        StringBuilder toml = new StringBuilder();
        for (String key : keys) {
            OptionSpec o = cl.getSubcommands().get("coordinator").getCommandSpec().findOption("--" + key);
            Object[] sample = SAMPLES.get(key);
            // A flag added after this test falls back to its default value, which at least proves the key is read.
            assertThat(sample != null || o.defaultValue() != null)
                    .as("a sample value for the new flag --%s in SAMPLES", key).isTrue();
            toml.append(key).append(" = ").append(sample != null ? sample[0] : tomlValue(o)).append('\n');
        }
        Path f = file(toml.toString());
        CommandLine fresh = HearthCommand.commandLine(env());
        fresh.parseArgs("coordinator", "--config", f.toString());
        CoordinatorCommand cmd = fresh.getSubcommands().get("coordinator").getCommand();
        cmd.withConfigFile(() -> null);
        for (String key : keys) {
            Object[] sample = SAMPLES.get(key);
            if (sample == null) {
                continue;
            }
            Object expected = sample[1] instanceof String s && s.startsWith("DIR/")
                    ? dir.resolve(s.substring(4)) : sample[1];
            assertThat(value(cmd, key)).as(key).isEqualTo(expected);
        }
        CoordinatorConfig config = cmd.config();
        assertThat(config.port()).isEqualTo(7171);
        assertThat(config.dataDir()).isEqualTo(dir.resolve("state"));
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.maxFrameBytes()).isEqualTo(2048);
        assertThat(config.retainFinished()).isEqualTo(Duration.ZERO);
        assertThat(config.leases().overrides()).containsOnlyKeys("n1", "n2");
    }

    @Test
    @DisplayName("flags on the command line win over the file; the file's other keys still apply")
    void flagsWin() throws Exception {
        Path f = file("listen = \"127.0.0.1:1111\"\nlease-grace = \"7m\"\nnode-limit = \"n1=slots=3\"\n");
        Parsed p = parse("coordinator", "--config", f.toString(), "--listen", "127.0.0.1:2222",
                "--node-limit", "n2=slots=5");
        assertThat(p.config().port()).isEqualTo(2222);
        assertThat(p.config().leases().grace()).isEqualTo(Duration.ofMinutes(7));
        assertThat(p.config().leases().overrides()).containsOnlyKeys("n2");
    }

    @Test
    @DisplayName("the example config in examples/ names every key and starts a coordinator as is")
    void exampleIsComplete() throws Exception {
        Path example = Path.of("..", "examples", "coordinator.toml");
        String text = Files.readString(example);
        CommandLine cl = HearthCommand.commandLine(env());
        for (String key : OptionsFile.keys(cl.getSubcommands().get("coordinator").getCommandSpec())) {
            assertThat(text).as("examples/coordinator.toml mentions %s", key).containsPattern("(?m)^#? ?" + key + " = ");
        }
        Parsed p = parse("coordinator", "--config", example.toString());
        assertThat(p.config().port()).isEqualTo(7070);
        assertThat(p.config().host()).isEqualTo("127.0.0.1");
    }

    @Test
    @DisplayName("an unknown key is refused naming it, the file and the keys it accepts; nothing is created")
    void unknownKey() throws Exception {
        Path f = file("listen = \"127.0.0.1:0\"\nlisten-port = 7070\n");
        CliRun r = CliRun.of(env(), "coordinator", "--config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("listen-port (in " + f + ") is required: a known key")
                .contains("max-frame, unregistered-frame-bytes");
        assertThat(dir.resolve("home")).doesNotExist();
    }

    @Test
    @DisplayName("a value of the wrong kind is refused naming the key in the file and the accepted form")
    void wrongKind() throws Exception {
        Path f = file("max-frame = \"lots\"\n");
        CliRun r = CliRun.of(env(), "coordinator", "--config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("max-frame (in " + f + ") 'lots' is invalid: a whole number such as 4194304");
        assertThatThrownBy(() -> parse("coordinator", "--config", file("tls = \"yes\"\n").toString()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("tls (in").hasMessageContaining("true or false");
        assertThatThrownBy(() -> parse("coordinator", "--config", file("listen = [\"a\", \"b\"]\n").toString()))
                .hasMessageContaining("listen (in").hasMessageContaining("a single value of the form HOST:PORT");
    }

    @Test
    @DisplayName("a value the coordinator refuses is reported against the file's key; the same value as a flag, against the flag")
    void refusedValueNamesTheKey() throws Exception {
        Path f = file("heartbeat-interval = \"often\"\n");
        CliRun r = CliRun.of(env(), "coordinator", "--config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("heartbeat-interval (in " + f + ") 'often' is invalid: a positive duration");
        CliRun flag = CliRun.of(env(), "coordinator", "--config", file("lease-grace = \"2m\"\n").toString(),
                "--heartbeat-interval", "often");
        assertThat(flag.err()).contains("--heartbeat-interval 'often' is invalid");
        CliRun policy = CliRun.of(env(), "coordinator", "--config", file("unsigned = \"maybe\"\n").toString());
        assertThat(policy.exit()).isEqualTo(2);
        assertThat(policy.err()).contains("unsigned (in " + f + ") 'maybe' is invalid");
    }

    @Test
    @DisplayName("a file that is not TOML, repeats a key, holds a table or is missing is refused naming the place")
    void badFile() throws Exception {
        CliRun notToml = CliRun.of(env(), "coordinator", "--config", file("listen: 127.0.0.1:7070\n").toString());
        assertThat(notToml.exit()).isEqualTo(2);
        assertThat(notToml.err()).contains("--config").contains("a TOML file of 'key = value' lines").contains("line 1");
        assertThat(CliRun.of(env(), "coordinator", "--config", file("tls = true\ntls = false\n").toString()).err())
                .contains("--config").contains("Duplicate key");
        assertThat(CliRun.of(env(), "coordinator", "--config", file("[ledger]\nrate = 1\n").toString()).err())
                .contains("ledger (in").contains("a known key");
        assertThat(CliRun.of(env(), "coordinator", "--config", file("listen = { host = \"a\" }\n").toString()).err())
                .contains("listen (in").contains("a single value of the form HOST:PORT");
        CliRun missing = CliRun.of(env(), "coordinator", "--config", dir.resolve("nope.toml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--config").contains("a readable TOML file");
    }

    /** A key's default value written as TOML: numbers and booleans bare, the rest quoted. */
    private static String tomlValue(OptionSpec o) {
        String v = o.defaultValue();
        return v.matches("-?[0-9]+|true|false") ? v : "\"" + v + "\"";
    }
}
