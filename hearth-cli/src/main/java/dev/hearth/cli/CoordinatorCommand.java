package dev.hearth.cli;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.Credits;
import dev.hearth.core.units.DurationText;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.OracleSettings;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth coordinator}: serves the REST API and the agents' WebSocket until stopped. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Runs the coordinator: the job API, the agents' WebSocket, the scheduler and the store.",
            "Stops cleanly on SIGTERM or Ctrl-C. The admin token is created on first start in DATA/admin.token."})
final class CoordinatorCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7070",
            description = "Address to serve on (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
    String listen;
    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder: store and admin token (default: $HEARTH_HOME/coordinator or ~/.hearth/coordinator).")
    Path data;
    @Option(names = "--heartbeat-interval", paramLabel = "DURATION",
            description = "Interval agents are asked to heartbeat at (default: HN_HEARTBEAT_INTERVAL, else 10s).")
    String heartbeatInterval;
    @Option(names = "--lost-after", paramLabel = "DURATION",
            description = "Silence after which a node is lost and its jobs placed elsewhere (default: 3 intervals).")
    String lostAfter;
    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "4194304",
            description = "Largest agent message accepted (default: ${DEFAULT-VALUE}).")
    int maxFrame;
    @Option(names = "--rate-cpu-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one CPU for one second, for jobs that name no price (default: ${DEFAULT-VALUE}).")
    String rateCpuSecond;
    @Option(names = "--rate-gib-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one GiB of memory for one second (default: ${DEFAULT-VALUE}).")
    String rateGibSecond;
    @Option(names = "--rate-gpu-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one GPU for one second (default: ${DEFAULT-VALUE}).")
    String rateGpuSecond;
    @Option(names = "--stake-reference", paramLabel = "CREDITS", defaultValue = "100",
            description = "The stake that earns a node half the full placement bonus (default: ${DEFAULT-VALUE}).")
    String stakeReference;
    @Option(names = "--settlement-webhook", paramLabel = "URL",
            description = "POST each released payment here as JSON signed with the coordinator's key, until it "
                    + "answers 2xx (retried with backoff, kept across restarts).")
    String settlementWebhook;
    @Option(names = "--unsigned", paramLabel = "allow|pay|deny",
            description = "Results without a signed receipt (Hypernode v2.0 agents): accepted and marked unsigned but "
                    + "not paid (allow), accepted and paid (pay), or refused (deny) (default: allow).")
    String unsigned;
    @Option(names = "--timing", paramLabel = "lenient|hypernode",
            description = "When a run's times are plausible: lenient (within its timeout), or hypernode (more than "
                    + "1 s and less than 2 x its estimated time, as the original) (default: lenient).")
    String timing;
    @Option(names = "--completion", paramLabel = "exit-zero|markers",
            description = "When a run counts as completed: exit code 0, or the original's completion markers in its "
                    + "logs (default: exit-zero).")
    String completion;

    @Option(names = "--tls", description = "Serve HTTPS and WSS with a self-signed certificate made in the data folder "
            + "on first start; its SHA-256 fingerprint is printed for clients to pin (--tls-fingerprint).")
    boolean tlsSelfSigned;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS and WSS with this PEM certificate "
            + "(chain, leaf first); needs --tls-key.")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The PEM private key of --tls-cert.")
    java.nio.file.Path tlsKey;

    private dev.hearth.coordinator.ServerTls.Mode tlsMode() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new dev.hearth.core.InvalidInputException(tlsCert == null ? "--tls-cert" : "--tls-key", null,
                    "--tls-cert and --tls-key together (a PEM certificate and its key)");
        }
        if (tlsCert != null) {
            return new dev.hearth.coordinator.ServerTls.Mode.Pem(tlsCert, tlsKey);
        }
        return tlsSelfSigned ? new dev.hearth.coordinator.ServerTls.Mode.SelfSigned()
                : new dev.hearth.coordinator.ServerTls.Mode.Off();
    }

    @Override
    public Integer call() throws Exception {
        CoordinatorConfig config = config();
        dev.hearth.coordinator.ServerTls.Mode tls = tlsMode();
        OraclePolicy policy = OraclePolicy.parse(unsigned, timing, completion);
        ServiceLogging.infoUnlessSet(parent.environment());
        CoordinatorServer server = CoordinatorServer.start(config, InstantSource.system(),
                OracleSettings.DEFAULTS.withPolicy(policy), tls);
        var identity = tls.load(config.dataDir(), config.host());
        String web = identity.isPresent() ? "https" : "http";
        String ws = identity.isPresent() ? "wss" : "ws";
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "hearth-coordinator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        identity.ifPresent(t -> spec.commandLine().getErr().println("hearth: TLS certificate SHA-256 fingerprint "
                + t.fingerprint() + " (clients: --tls-fingerprint " + t.fingerprint() + ")"));
        spec.commandLine().getErr().printf("hearth: coordinator listening on %s://%s:%d (agents: %s://%s:%d%s); "
                + "data in %s; admin token in %s%n", web, config.host(), server.port(), ws, config.host(), server.port(),
                dev.hearth.core.protocol.Protocol.AGENT_PATH, config.dataDir(), config.dataDir().resolve("admin.token"));
        spec.commandLine().getErr().flush();
        stopped.await();
        return 0;
    }

    CoordinatorConfig config() {
        int colon = listen.lastIndexOf(':');
        String host = colon > 0 ? listen.substring(0, colon) : "";
        int port = -1;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isBlank() || port < 0 || port > 65535) {
            throw new InvalidInputException("--listen", listen, "HOST:PORT such as 127.0.0.1:7070 (port 0..65535)");
        }
        String hb = heartbeatInterval != null ? heartbeatInterval : parent.environment().get("HN_HEARTBEAT_INTERVAL");
        Duration interval = hb == null || hb.isBlank() ? Duration.ofSeconds(10)
                : DurationText.parsePositive(heartbeatInterval != null ? "--heartbeat-interval" : "HN_HEARTBEAT_INTERVAL",
                        hb);
        if (interval.toMillis() < 1000) {
            throw new InvalidInputException(heartbeatInterval != null ? "--heartbeat-interval" : "HN_HEARTBEAT_INTERVAL",
                    hb, "a duration of at least 1s (agents are told whole seconds)");
        }
        Duration lost = lostAfter == null ? interval.multipliedBy(3) : DurationText.parsePositive("--lost-after", lostAfter);
        if (lost.compareTo(interval) <= 0) {
            throw new InvalidInputException("--lost-after", lostAfter,
                    "a duration longer than the heartbeat interval of " + DurationText.format(interval));
        }
        if (maxFrame < 1024) {
            throw new InvalidInputException("--max-frame", String.valueOf(maxFrame), "a number of bytes, at least 1024");
        }
        Path dir = data != null ? data : HearthPaths.coordinatorData(parent.environment());
        return new CoordinatorConfig(host, port, dir, interval, lost, maxFrame, Duration.ofSeconds(1), ledger());
    }

    private LedgerConfig ledger() {
        RateCard rates = new RateCard(Credits.parse("--rate-cpu-second", rateCpuSecond),
                Credits.parse("--rate-gib-second", rateGibSecond), Credits.parse("--rate-gpu-second", rateGpuSecond));
        long reference = Credits.parsePositive("--stake-reference", stakeReference);
        Optional<URI> webhook = Optional.empty();
        if (settlementWebhook != null) {
            URI url;
            try {
                url = new URI(settlementWebhook);
            } catch (URISyntaxException e) {
                url = null;
            }
            if (url == null || url.getHost() == null
                    || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new InvalidInputException("--settlement-webhook", settlementWebhook,
                        "an http:// or https:// URL such as https://pay.example/hearth");
            }
            webhook = Optional.of(url);
        }
        return new LedgerConfig(rates, reference, webhook, Duration.ofSeconds(1));
    }
}
