package dev.hearth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The systemd unit of the agent itself: one unit supervises the agent, and the agent supervises every instance
 * (fireclaw wrote a unit per VM and per proxy). Restart on failure; SIGTERM drains; starts after Docker.
 */
record SystemdUnit(List<String> command, Map<String, String> environment) {

    SystemdUnit {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    /** The unit file's text. */
    String text() {
        List<String> lines = new ArrayList<>(List.of(
                "# Written by 'hearth agent install-systemd'.",
                "[Unit]",
                "Description=Hearth agent: jobs and supervised instances on this host",
                "Wants=network-online.target",
                "After=network-online.target docker.service",
                "Requires=docker.service",
                "",
                "[Service]",
                "Type=simple"));
        environment.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add("Environment=" + quote(e.getKey() + "=" + e.getValue())));
        lines.add("ExecStart=" + String.join(" ", command.stream().map(SystemdUnit::quote).toList()));
        lines.addAll(List.of(
                "Restart=on-failure",
                "RestartSec=5s",
                "KillMode=mixed",
                "KillSignal=SIGTERM",
                // The agent drains for its --drain-grace (60 s) before exiting.
                "TimeoutStopSec=90s",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                ""));
        return String.join("\n", lines);
    }

    /** systemd's quoting: words with spaces, quotes or backslashes in double quotes, escaped. */
    static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "\"" + word.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
