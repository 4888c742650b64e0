// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestDriverContract;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.OpenClawImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The long-lived guest kit on the real engine: instances' containers, on Hearth's busybox image. */
@DisplayName("DockerGuests: long-lived containers, by the guest driver kit, on the real engine")
class DockerGuestsTest extends GuestDriverContract {

    private static Path stateRoot;
    private static DockerGuests guests;

    @BeforeAll
    static void connect() throws Exception {
        stateRoot = Files.createTempDirectory("hearth-guests-");
        guests = new DockerGuests(DockerFixture.driver(), stateRoot, OpenClawImage::buildOwn);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        Files.deleteIfExists(stateRoot);
    }

    @Override
    protected GuestDriver driver() {
        return guests;
    }

    @Override
    protected GuestHandle handle(String id) {
        return new GuestHandle(id, guests.guestName(id), Optional.empty(), 1, 256, "1G", List.of());
    }

    @Override
    protected String image() {
        return BaseImages.BUSYBOX;
    }

    @Test
    @DisplayName("a guest's container is named for its id and state root, so two state roots never share one")
    void namedPerStateRoot() throws Exception {
        DockerGuests other = new DockerGuests(DockerFixture.driver(), stateRoot.resolve("other"),
                OpenClawImage::buildOwn);
        assertThat(guests.guestName("a")).startsWith("hearth-a-").isNotEqualTo(other.guestName("a"));
    }
}
