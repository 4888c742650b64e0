// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Job documents (the coordinator's submit format) validate and name the field at fault")
class JobDocumentTest {

    private static JobDocument parse(String json) throws Exception {
        return Json.mapper().readValue(json, JobDocument.class);
    }

    @Test
    @DisplayName("a full document becomes the job it describes")
    void full() throws Exception {
        JobDocument.Submission s = parse("""
                {"image":"hearth/busybox:latest","command":["sh","-c","cat /job/in.txt"],
                 "files":[{"path":"in.txt","text":"hi"},{"path":"/job/b.bin","base64":"AAE=","mode":493}],
                 "env":{"A":"1"},"secrets":{"K":"v"},"memory":"1g","cpus":"0.5","pids":64,"network":"nat",
                 "timeout":"2m","gpus":{"count":1,"minVramMib":40000},"estimatedTime":"30s","retries":1,"priority":5}
                """).toSubmission("j1");
        JobSpec spec = s.spec();
        assertThat(spec.files()).extracting(JobFile::path).containsExactly("/job/in.txt", "/job/b.bin");
        assertThat(spec.files().get(1).content()).containsExactly(0, 1);
        assertThat(spec.files().get(1).mode()).isEqualTo(0755);
        assertThat(spec.limits().memory().bytes()).isEqualTo(1L << 30);
        assertThat(spec.network()).isEqualTo(NetworkPolicy.NAT);
        assertThat(spec.timeout()).hasSeconds(120);
        assertThat(spec.gpus().count()).isEqualTo(1);
        assertThat(spec.gpus().minVramMib()).isEqualTo(40000);
        assertThat(s.estimatedSeconds()).isEqualTo(30);
        assertThat(s.retries()).isEqualTo(1);
        assertThat(s.priority()).isEqualTo(5);
    }

    @Test
    @DisplayName("a script document runs the script in the Python image")
    void script() throws Exception {
        JobSpec spec = parse("{\"script\":\"print(1)\"}").toSubmission("j2").spec();
        assertThat(spec.image()).isEqualTo("hearth/python:3.11");
        assertThat(spec.command()).containsExactly("python3", "/job/script.py");
        assertThat(new String(spec.files().get(0).content(), StandardCharsets.UTF_8)).isEqualTo("print(1)");
    }

    @Test
    @DisplayName("bad fields are named with their path in the document")
    void badFields() throws Exception {
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"memory\":\"12q\"}").toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("memory '12q' is invalid");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"files\":[{\"path\":\"/etc/x\",\"text\":\"\"}]}")
                .toSubmission("j")).hasMessageStartingWith("files[0].path '/etc/x' is invalid");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"files\":[{\"path\":\"a\"}]}").toSubmission("j"))
                .hasMessageContaining("exactly one of text, base64 or blob");
        assertThatThrownBy(() -> parse("{\"script\":\"x\",\"requirements\":\"numpy\"}").toSubmission("j"))
                .hasMessageContaining("network is none");
        assertThatThrownBy(() -> parse("{}").toSubmission("j")).hasMessageContaining("command is required");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"retries\":-1}").toSubmission("j"))
                .hasMessageStartingWith("retries '-1' is invalid");
    }

    @Test
    @DisplayName("nulls and out-of-range file modes are input errors naming the field, not crashes")
    void nullsAndModes() throws Exception {
        assertThatThrownBy(() -> parse("{\"command\":[\"true\",null]}").toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("command[1] is required");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"env\":{\"A\":null}}").toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("env.A is required");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"secrets\":{\"K\":null}}").toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("secrets.K is required");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"files\":[{\"path\":\"a\",\"text\":\"\","
                + "\"mode\":99999}]}").toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("files[0].mode '99999' is invalid");
    }

    @Test
    @DisplayName("an unknown field is refused rather than silently ignored")
    void unknownField() {
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"memroy\":\"1g\"}"))
                .hasMessageContaining("memroy");
    }

    @Test
    @DisplayName("redundancy is validated naming its field; k defaults to the smallest majority")
    void redundancy() throws Exception {
        assertThat(parse("{\"command\":[\"true\"],\"redundancy\":{\"n\":1}}").toSubmission("j").spec().id())
                .isEqualTo("j");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"redundancy\":{\"n\":12,\"k\":7}}")
                .toSubmission("j")).hasMessageStartingWith("redundancy.n '12' is invalid");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"redundancy\":{\"n\":4,\"k\":2}}")
                .toSubmission("j")).hasMessageStartingWith("redundancy.k '2' is invalid")
                .hasMessageContaining("from 3 to 4");
        assertThatThrownBy(() -> parse("{\"command\":[\"true\"],\"redundancy\":{\"k\":2}}")
                .toSubmission("j")).hasMessageStartingWith("redundancy.n");
        assertThat(parse("{\"command\":[\"true\"],\"redundancy\":{\"n\":5}}").toSubmission("j").redundancy())
                .isEqualTo(new Redundancy(5, 3));
        assertThat(parse("{\"command\":[\"true\"]}").toSubmission("j").redundancy()).isEqualTo(Redundancy.NONE);
    }

    @Test
    @DisplayName("a file naming a blob gets the blob's size from the submitter's blobs, travels by digest, and an "
            + "unknown or malformed digest is refused naming files[i].blob")
    void blobFiles() throws Exception {
        String digest = "sha256:" + "ab".repeat(32);
        String doc = "{\"command\":[\"true\"],\"files\":[{\"path\":\"in.bin\",\"blob\":\"" + digest + "\"}]}";
        JobSpec spec = parse(doc).toSubmission("j", d -> d.equals(digest) ? java.util.OptionalLong.of(52_428_800)
                : java.util.OptionalLong.empty()).spec();
        assertThat(spec.files().getFirst().blob()).isEqualTo(new BlobRef(digest, 52_428_800));
        assertThat(spec.files().getFirst().content()).isEmpty();
        var wire = dev.hearth.core.protocol.JobWire.toWire(spec, java.util.List.of());
        assertThat(wire.files().getFirst().blob()).isEqualTo(digest);
        assertThat(wire.files().getFirst().size()).isEqualTo(52_428_800L);
        assertThat(Json.mapper().writeValueAsString(wire)).as("a blob's bytes never travel in the offer")
                .contains("\"blob\":\"" + digest + "\"").contains("\"size\":52428800");
        assertThat(dev.hearth.core.protocol.JobWire.fromWire("j", wire).files()).isEqualTo(spec.files());
        assertThatThrownBy(() -> parse(doc).toSubmission("j"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("files[0].blob '" + digest);
        assertThatThrownBy(() -> parse(doc.replace(digest, "sha256:AB")).toSubmission("j", d -> java.util.OptionalLong.of(1)))
                .hasMessageStartingWith("files[0].blob 'sha256:AB' is invalid");
        assertThatThrownBy(() -> parse(doc.replace("}]}", ",\"text\":\"x\"}]}")).toSubmission("j"))
                .hasMessageContaining("exactly one of text, base64 or blob");
    }
}
