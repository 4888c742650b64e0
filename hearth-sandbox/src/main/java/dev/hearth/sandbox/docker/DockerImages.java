// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.hearth.core.job.ImageReference;
import dev.hearth.sandbox.ImageNotFoundException;
import dev.hearth.sandbox.ImagePullPolicy;
import dev.hearth.sandbox.SandboxException;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.BufferedInputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Image operations on one Docker engine: look up, pull, and import a root filesystem tar. Thread-safe. */
public final class DockerImages {

    private static final Logger log = LoggerFactory.getLogger(DockerImages.class);
    /** Images named hearth/... are Hearth's own, built on the host and never pulled. */
    static final String LOCAL_NAMESPACE = "hearth/";

    private final DockerClient docker;
    private final DockerHttpClient http;
    private final DockerClientConfig config;
    private final ImagePolicy policy;

    DockerImages(DockerClient docker, DockerHttpClient http, DockerClientConfig config, ImagePolicy policy) {
        this.docker = docker;
        this.http = http;
        this.config = config;
        this.policy = policy;
    }

    /** What this engine may pull, with whose credentials, for how long. */
    public ImagePolicy policy() {
        return policy;
    }

    /** The image's id when it is on this engine. */
    public Optional<String> find(String image) throws SandboxException {
        try {
            return Optional.of(docker.inspectImageCmd(image).exec().getId());
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect image " + image, e);
        }
    }

    /**
     * Makes sure the image is on this engine, pulling it as the policy allows.
     *
     * @throws ImageNotFoundException naming the image and how to provide it when it is absent and not pullable
     */
    public void ensure(String image, ImagePullPolicy policy) throws SandboxException, InterruptedException {
        boolean present = find(image).isPresent();
        if (present && policy != ImagePullPolicy.ALWAYS) {
            return;
        }
        if (!present && image.startsWith(LOCAL_NAMESPACE)) {
            // Hearth's own images exist on no registry: asking Docker Hub for them would only leak the name.
            throw new ImageNotFoundException(image, "image '" + image + "' is not on this host; Hearth's own images "
                    + "are built locally with 'hearth image build busybox|python'", null);
        }
        if (!present && policy == ImagePullPolicy.NEVER) {
            throw notFound(image, "pulling is off for it");
        }
        if (!this.policy.allows(image)) {
            if (present) {
                return; // the operator's own copy runs; only pulls are limited
            }
            throw new ImageNotFoundException(image, this.policy.refusal(image), null);
        }
        try {
            pull(image);
        } catch (SandboxException e) {
            if (present) {
                log.warn("could not refresh image {}, using the local copy: {}", image, e.getMessage());
                return;
            }
            throw notFound(image, "pulling it failed: " + e.getMessage());
        }
    }

    private ImageNotFoundException notFound(String image, String why) {
        return new ImageNotFoundException(image, "image '" + image + "' is not on this host and " + why
                + "; make it from a root filesystem with 'hearth image import ROOTFS.tar --tag " + image
                + "', or load it with 'docker load'", null);
    }

    /**
     * Pulls through the Engine API directly: docker-java would attach the operator's {@code config.json} credentials
     * to every pull, so the registry credential header is added only for registries the policy names. The pull runs
     * on a thread of its own and is abandoned (its connection closed, which cancels it in the engine) at the
     * policy's deadline.
     */
    private void pull(String image) throws SandboxException, InterruptedException {
        String ref = ImageReference.withDefaultTag(image);
        int at = ref.indexOf('@');
        int colon = ref.lastIndexOf(':', at < 0 ? ref.length() : at);
        String repo = at >= 0 ? ref.substring(0, at) : ref.substring(0, colon);
        String tag = at >= 0 ? ref.substring(at + 1) : ref.substring(colon + 1);
        boolean credentials = policy.sendsCredentials(ref);
        log.info("pulling image {} ({})", ref, credentials ? "with the operator's credentials for "
                + ImagePolicy.registry(ref) : "anonymously");
        var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                .path("/images/create?fromImage=" + encode(repo) + "&tag=" + encode(tag));
        if (credentials) {
            request.putHeader("X-Registry-Auth", registryAuth(ref));
        }
        AtomicReference<DockerHttpClient.Response> open = new AtomicReference<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        Thread puller = Thread.ofVirtual().name("hearth-pull").start(() -> {
            try (DockerHttpClient.Response response = http.execute(request.build())) {
                open.set(response);
                String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
                done.complete(response.getStatusCode() != 200 ? "HTTP " + response.getStatusCode() + ": "
                        + body.strip() : pullError(body));
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        Duration limit = policy.pullTimeout();
        try {
            String error = done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (error != null) {
                throw new SandboxException("pull of " + ref + " failed: " + error);
            }
        } catch (TimeoutException e) {
            abandon(open.get(), puller);
            throw new SandboxException("pull of " + ref + " did not finish within its deadline of " + limit.toSeconds()
                    + " s (" + ImagePolicy.PULL_TIMEOUT + "); it was cancelled", e);
        } catch (InterruptedException e) {
            abandon(open.get(), puller);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? DockerErrors.translate("pull image " + ref, r)
                    : new SandboxException("pull of " + ref + " failed: " + cause.getMessage(), cause);
        }
    }

    /** The last error line of a pull's progress stream, or null when it ended well. */
    private static String pullError(String body) {
        String error = null;
        for (String line : body.lines().toList()) {
            int i = line.indexOf("\"error\"");
            if (i >= 0) {
                error = line.strip();
            }
        }
        return error;
    }

    private String registryAuth(String ref) throws SandboxException {
        try {
            AuthConfig auth = config.effectiveAuthConfig(ref);
            return Base64.getUrlEncoder().encodeToString(config.getObjectMapper().writeValueAsBytes(auth));
        } catch (IOException | RuntimeException e) {
            throw new SandboxException("cannot read the Docker credentials for " + ImagePolicy.registry(ref)
                    + " (named in " + ImagePolicy.REGISTRY_CREDENTIALS + "): " + e.getClass().getSimpleName(), e);
        }
    }

    /** Closes an abandoned pull's connection (the engine cancels the pull) and stops its thread. */
    private static void abandon(DockerHttpClient.Response response, Thread puller) {
        if (response != null) {
            try {
                response.close();
            } catch (RuntimeException e) {
                log.debug("closing an abandoned pull: {}", e.getMessage());
            }
        }
        puller.interrupt();
    }

    /**
     * Makes an image from a root filesystem tar (as {@code docker import}) and tags it.
     *
     * @param rootfsTar an uncompressed tar of the root filesystem
     * @param reference the image reference to tag it as, e.g. {@code hearth/busybox:1.36}
     * @return the new image's id
     */
    public String importRootfs(Path rootfsTar, String reference) throws SandboxException {
        ImageReference.check("--tag", reference);
        String ref = ImageReference.withDefaultTag(reference);
        int colon = ref.lastIndexOf(':');
        // docker-java's CreateImageCmd encodes the stream as JSON (docker-java issue 2377), so the import goes
        // through the transport directly: POST /images/create?fromSrc=- with the tar as the body.
        String path = "/images/create?fromSrc=-&repo=" + encode(ref.substring(0, colon))
                + "&tag=" + encode(ref.substring(colon + 1));
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rootfsTar), 1 << 16);
                DockerHttpClient.Response response = http.execute(DockerHttpClient.Request.builder()
                        .method(DockerHttpClient.Request.Method.POST).path(path)
                        .putHeader("Content-Type", "application/x-tar").body(in).build())) {
            String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
            if (response.getStatusCode() != 200 || body.contains("\"error\"")) {
                throw new SandboxException("the Docker engine refused to import " + rootfsTar + " as " + ref
                        + " (HTTP " + response.getStatusCode() + "): " + body.strip());
            }
        } catch (IOException e) {
            throw new SandboxException("cannot import " + rootfsTar + " as " + ref + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw DockerErrors.translate("import " + rootfsTar + " as " + ref, e);
        }
        return find(ref).orElseThrow(() -> new SandboxException(
                "the engine accepted " + rootfsTar + " but has no image " + ref + " afterwards"));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Adds the tag {@code target} to the image {@code source}. */
    public void tag(String source, String target) throws SandboxException {
        String ref = ImageReference.withDefaultTag(ImageReference.check("tag", target));
        int colon = ref.lastIndexOf(':');
        try {
            docker.tagImageCmd(source, ref.substring(0, colon), ref.substring(colon + 1)).withForce(true).exec();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("tag image " + source + " as " + ref, e);
        }
    }
}
