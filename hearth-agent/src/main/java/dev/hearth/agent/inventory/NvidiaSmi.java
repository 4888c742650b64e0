// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.inventory;

import dev.hearth.core.protocol.GpuReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the host's NVIDIA GPUs with {@code nvidia-smi}, the same query as the Hypernode agent plus each device's
 * UUID. A host without nvidia-smi has no GPUs; a failing nvidia-smi is logged with its output and also gives none.
 */
public final class NvidiaSmi {

    /** The query: index, name, total and free memory (MiB), utilisation (%), UUID. */
    static final List<String> QUERY = List.of("--query-gpu=index,name,memory.total,memory.free,utilization.gpu,uuid",
            "--format=csv,noheader,nounits");

    private static final Logger log = LoggerFactory.getLogger(NvidiaSmi.class);

    private final String binary;

    /** Uses {@code nvidia-smi} from the PATH. */
    public NvidiaSmi() {
        this("nvidia-smi");
    }

    /** Uses the given binary (a path, or a name looked up in PATH). */
    public NvidiaSmi(String binary) {
        this.binary = binary;
    }

    /** The GPUs now, or none when nvidia-smi is absent or fails. */
    public List<GpuReport> gpus() {
        if (!onPath(binary)) {
            return List.of();
        }
        List<String> command = new ArrayList<>(List.of(binary));
        command.addAll(QUERY);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(15, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                log.warn("nvidia-smi failed; reporting no GPUs: {}", out.strip());
                return List.of();
            }
            return parse(out);
        } catch (IOException e) {
            log.warn("could not run {}: {}", binary, e.getMessage());
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses the CSV lines of {@link #QUERY}'s output; malformed lines are skipped with a warning. */
    static List<GpuReport> parse(String csv) {
        List<GpuReport> gpus = new ArrayList<>();
        for (String line : csv.strip().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",\\s*");
            try {
                gpus.add(new GpuReport(Integer.parseInt(f[0].strip()), f[1].strip(), f[2].strip() + " MiB",
                        f[3].strip() + " MiB", f[4].strip() + "%", f.length > 5 ? f[5].strip() : null));
            } catch (RuntimeException e) {
                log.warn("skipping an nvidia-smi line I cannot read: '{}'", line);
            }
        }
        return gpus;
    }

    private static boolean onPath(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
