// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;

/**
 * One message due to one endpoint, from the webhook outbox.
 *
 * @param messageId the message's id ({@code msg_...}, the {@code webhook-id} header), the same on every attempt
 * @param endpoint where it goes
 * @param eventType {@code job.completed}, {@code instance.created}, ...
 * @param payload the JSON body, the same bytes on every attempt
 * @param createdAt when the event happened (the payload's timestamp)
 * @param attempts how many deliveries failed so far
 */
public record WebhookDelivery(String messageId, WebhookEndpoint endpoint, String eventType, String payload,
        Instant createdAt, int attempts) {
}
