// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.OutputFile;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptSigner;
import dev.hearth.core.receipt.ReceiptVerifier;
import dev.hearth.core.receipt.ResourceUsage;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A receipt's output listing is bounded in path length, count and size, and still verifies")
class OutputListingTest {

    private static final String HASH = "ab".repeat(32);

    @Test
    @DisplayName("1000 files with 4 500-character paths: the result stays under 1 MiB and its receipt verifies")
    void hostileListing() throws Exception {
        List<OutputFile> files = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            files.add(new OutputFile("/job/out/" + String.format("%04d", i) + "x".repeat(4_500), 10, HASH));
        }
        String unbounded = message(files);
        assertThat(unbounded.length()).as("today's result").isGreaterThan(4 << 20);

        List<OutputFile> listed = OutputListing.bounded(files);
        assertThat(listed).allSatisfy(f -> assertThat(f.path().length()).isLessThanOrEqualTo(
                OutputListing.MAX_PATH_CHARS));
        assertThat(listed.getFirst().path()).startsWith(OutputListing.LONG_PATH_DIR + "sha256-");
        assertThat(message(listed).length()).isLessThan(1 << 20);
        assertThat(OutputListing.bounded(files)).as("deterministic, so copies compare").isEqualTo(listed);
    }

    @Test
    @DisplayName("past the count or size cap the rest stand as one counted marker with their bytes and hash")
    void omittedMarker() {
        List<OutputFile> files = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            files.add(new OutputFile("/job/out/f" + String.format("%05d", i), 2, HASH));
        }
        List<OutputFile> listed = OutputListing.bounded(files);
        assertThat(listed).hasSize(OutputListing.MAX_FILES + 1);
        OutputFile marker = listed.getLast();
        assertThat(marker.path()).isEqualTo(OutputListing.OMITTED_DIR + "500-files");
        assertThat(marker.bytes()).isEqualTo(1000);
        assertThat(marker.sha256()).hasSize(64);

        List<OutputFile> few = List.of(new OutputFile("/job/out/a", 1, HASH), new OutputFile("/job/out/b", 2, HASH));
        assertThat(OutputListing.bounded(few)).isEqualTo(few);
    }

    private static String message(List<OutputFile> files) throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Instant end = Instant.parse("2026-12-06T10:00:00Z");
        JobResult r = JobResult.of("job-1", JobStatus.COMPLETED, 0, "alpine", end.minusSeconds(2), end, "ok\n", 3,
                false, null);
        JobOffer.WireJobSpec ran = new JobOffer.WireJobSpec("alpine", List.of("true"), null, null, null, "512m", "1",
                100, "none", 60, List.of());
        Receipt receipt = JobWire.receipt(r, "node-1", 1, ran, NodeKeys.fingerprint(key.getPublic()), null,
                ResourceUsage.UNKNOWN, files);
        String signature = ReceiptSigner.sign(receipt, key.getPrivate());
        JobResultMessage m = JobWire.resultMessage(r, "node-1", 1).withReceipt(receipt, signature);
        String text = ProtocolCodec.encode(m);
        Receipt back = ((JobResultMessage) ProtocolCodec.decodeAgentMessage(text)).receipt();
        assertThat(ReceiptVerifier.verifies(back, signature, key.getPublic())).isTrue();
        return text;
    }
}
