// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.cli.HearthCommand;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.BaseImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Tag("e2e")
@DisplayName("The seed's job form: a Python script in Hearth's Python image (built with mmdebstrap, cached)")
class PythonScriptE2eTest {

    @BeforeAll
    static void pythonImage() throws Exception {
        BaseImages.ensurePython(DockerFixture.driver().images(), BuildProgress.silent());
    }

    @Test
    @DisplayName("hearth run --script runs the script with its data file, as the non-root user, offline")
    void script(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("job.py"), String.join("\n",
                "import json, os, sys",
                "rows = open('/job/data.csv').read().split()",
                "print(json.dumps({'rows': len(rows), 'uid': os.getuid(), 'args': sys.argv[1:]}))",
                "open('/job/out/result.txt', 'w').write('ok')",
                "print('done')", ""));
        Path data = Files.writeString(dir.resolve("data.csv"), "a\nb\nc\n");
        String id = "py-" + UUID.randomUUID();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HearthCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("run", "--job-id", id, "--script", script.toString(), "--file", data + ":data.csv",
                "--", "--alpha");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("{\"rows\": 3, \"uid\": 65534, \"args\": [\"--alpha\"]}\ndone\n");
        assertThat(err.toString()).contains("in " + BaseImages.PYTHON);
        assertThat(DockerFixture.hearthContainers(id)).isEmpty();
    }
}
