// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/hearth's choice of AOT cache, read from its dry run (HEARTH_LAUNCH_DRY_RUN=1 prints the java command): Java
 * 21 gets no AOT flag; Java 25 uses a cache made for this very jar, records one on {@code run} when there is none,
 * and a jar with other content never meets the old cache. The javas are stand-ins (a release file and a script),
 * so no JVM starts.
 */
class LauncherAotCacheTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "hearth").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void java21GetsNoAotFlag() throws Exception {
        Path jar = jar("one");
        List<String> cmd = dryRun(fakeJava("21", "21.0.5+11"), jar, "run", "--", "true");
        assertEquals(fakeJava("21", "21.0.5+11").resolve("bin/java").toString(), cmd.get(0).replace("//", "/"));
        assertTrue(cmd.stream().noneMatch(a -> a.contains("AOT") || a.contains("aot")), cmd.toString());
        assertFalse(Files.exists(dir.resolve("home/cache/aot")) && hasFiles(dir.resolve("home/cache/aot")));
    }

    @Test
    void java25RecordsOnRunThenUsesTheCacheOfThisJarOnly() throws Exception {
        Path java = fakeJava("25", "25.0.3+9-LTS");
        Path jar = jar("one");
        List<String> first = dryRun(java, jar, "run", "--", "true");
        String config = flag(first, "-XX:AOTConfiguration=").orElseThrow(() -> new AssertionError(first));
        assertTrue(first.contains("-XX:AOTMode=record"), first.toString());
        assertTrue(first.contains("-XX:+DisplayVMOutputToStderr"), "stdout stays the command's: " + first);
        Path cache = Path.of(config).getParent().resolveSibling(
                Path.of(config).getParent().getFileName().toString().replace(".lock", ""));
        assertTrue(cache.getFileName().toString().matches("hearth-[0-9a-f]{20}\\.aot"), cache.toString());
        assertFalse(Files.exists(Path.of(config).getParent()), "a dry run leaves no lock behind");
        assertEquals(Optional.empty(), flag(dryRun(java, jar, "image", "ls"), "-XX:AOT"), "only run records");

        Files.write(cache, new byte[] {1});
        List<String> second = dryRun(java, jar, "run", "--", "true");
        assertEquals(Optional.of(cache.toString()), flag(second, "-XX:AOTCache="));
        assertTrue(second.containsAll(List.of("-Xlog:aot*=off", "-Xlog:cds*=off")), second.toString());
        assertEquals(Optional.of(cache.toString()), flag(dryRun(java, jar, "image", "ls"), "-XX:AOTCache="));
        assertEquals(Optional.empty(), flag(dryRun(java, jar, "--version"), "-XX:AOT"), "too little to gain");

        // same size and time, other content: a new key, so the old cache is not used
        FileTime time = Files.getLastModifiedTime(jar);
        Files.writeString(jar, "two");
        Files.setLastModifiedTime(jar, time);
        List<String> rebuilt = dryRun(java, jar, "run", "--", "true");
        assertEquals(Optional.empty(), flag(rebuilt, "-XX:AOTCache="), rebuilt.toString());
        assertTrue(flag(rebuilt, "-XX:AOTConfiguration=").orElseThrow().contains("hearth-"), rebuilt.toString());
        assertFalse(flag(rebuilt, "-XX:AOTConfiguration=").orElseThrow().contains(cache.getFileName().toString()));
        // and a newer java is another key too
        Files.writeString(jar, "one");
        Files.setLastModifiedTime(jar, time);
        assertEquals(Optional.of(cache.toString()), flag(dryRun(java, jar, "image", "ls"), "-XX:AOTCache="));
        assertEquals(Optional.empty(), flag(dryRun(fakeJava("25b", "25.0.4+7-LTS"), jar, "image", "ls"), "-XX:AOT"));
    }

    @Test
    void hearthAotOffTurnsItOff() throws Exception {
        Path java = fakeJava("25", "25.0.3+9-LTS");
        List<String> cmd = dryRun(java, jar("one"), Map.of("HEARTH_AOT", "off"), "run", "--", "true");
        assertTrue(cmd.stream().noneMatch(a -> a.startsWith("-XX:AOT")), cmd.toString());
    }

    @Test
    void theFirstRunsStderrLacksOnlyTheJvmsRecordedLine() throws Exception {
        // a stand-in java 25 that records as HotSpot does: the command's own output, then the JVM's line at exit
        Path java = fakeJava("25r", "25.0.3+9-LTS");
        Files.writeString(java.resolve("bin/java"), """
                #!/bin/sh
                case "$*" in *AOTMode=create*) exit 0 ;; esac
                echo out
                echo 'a real error' >&2
                echo ' AOTConfiguration recorded: /tmp/x.lock/config' >&2
                printf 'last words' >&2
                exit 3
                """);
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "run", "--", "true");
        Map<String, String> env = pb.environment();
        env.remove("HEARTH_JAVA_OPTS");
        env.remove("HEARTH_AOT");
        env.remove("HEARTH_LAUNCH_DRY_RUN");
        env.put("JAVA_HOME", java.toString());
        env.put("HEARTH_JAR", jar("one").toString());
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        Path err = dir.resolve("stderr");
        Process p = pb.redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), "the command's own exit status");
        assertEquals("out\n", out);
        // the filter may end a moment after the JVM: wait for its last bytes, then for the cache writer to leave
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(err).endsWith("last words") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("a real error\nlast words", Files.readString(err));
        Path aot = dir.resolve("home/cache/aot");
        while (hasFiles(aot) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private List<String> dryRun(Path javaHome, Path jar, String... args) throws Exception {
        return dryRun(javaHome, jar, Map.of(), args);
    }

    private List<String> dryRun(Path javaHome, Path jar, Map<String, String> extra, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("HEARTH_JAVA_OPTS");
        env.remove("HEARTH_AOT");
        env.put("JAVA_HOME", javaHome.toString());
        env.put("HEARTH_JAR", jar.toString());
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        env.put("HEARTH_LAUNCH_DRY_RUN", "1");
        env.putAll(extra);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals(jar.toString(), lines.get(lines.indexOf("-jar") + 1), out);
        return lines;
    }

    private static Optional<String> flag(List<String> cmd, String prefix) {
        return cmd.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length())).findFirst();
    }

    /** A stand-in Java home: a release file with this version and a bin/java that fails if it is ever run. */
    private Path fakeJava(String name, String version) throws IOException {
        Path home = dir.resolve("jdk-" + name);
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version.replaceAll("[+-].*", "")
                + "\"\nJAVA_RUNTIME_VERSION=\"" + version + "\"\n");
        Path java = bin.resolve("java");
        if (!Files.exists(java)) {
            Files.writeString(java, "#!/bin/sh\necho 'the dry run started java' >&2\nexit 99\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private Path jar(String content) throws IOException {
        return Files.writeString(dir.resolve("hearth.jar"), content);
    }

    private static boolean hasFiles(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.findAny().isPresent();
        }
    }
}
