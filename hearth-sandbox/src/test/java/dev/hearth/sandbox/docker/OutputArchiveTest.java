// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.receipt.OutputFile;
import dev.hearth.sandbox.OutputLimits;
import dev.hearth.sandbox.Outputs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Output copies: what is hashed is what is kept, and a name never writes outside the copy folder")
class OutputArchiveTest {

    @TempDir
    Path dir;

    private static byte[] tar(String... namesAndContents) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] content = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i], true);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    @DisplayName("each listed file is copied under its name; one whose name climbs out is listed, not written")
    void copies() throws Exception {
        Path keep = Files.createDirectories(dir.resolve("job.1"));
        Outputs out = OutputArchive.hash(new ByteArrayInputStream(tar("out/a.txt", "alpha", "out/sub/b.txt", "beta",
                "out/../../escape.txt", "gamma")), "/job", OutputLimits.DEFAULT, keep);
        assertThat(out.files()).extracting(OutputFile::path).contains("/job/out/a.txt", "/job/out/sub/b.txt");
        assertThat(Files.readString(keep.resolve("out/a.txt"))).isEqualTo("alpha");
        assertThat(Files.readString(keep.resolve("out/sub/b.txt"))).isEqualTo("beta");
        assertThat(dir.resolve("escape.txt")).doesNotExist();
        try (var all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).toList())
                    .containsExactlyInAnyOrder("job.1/out/a.txt", "job.1/out/sub/b.txt");
        }
    }
}
