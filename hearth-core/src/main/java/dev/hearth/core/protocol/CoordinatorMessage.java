// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A message the coordinator sends to an agent. The JSON field {@code type} selects the record. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = Registered.class, name = "registered"),
        @JsonSubTypes.Type(value = JobOffer.class, name = "job"),
        @JsonSubTypes.Type(value = JobCancel.class, name = "job_cancel"),
        @JsonSubTypes.Type(value = ResultAck.class, name = "result_ack"),
        @JsonSubTypes.Type(value = Ack.class, name = "ack"),
        @JsonSubTypes.Type(value = Ping.class, name = "ping"),
        @JsonSubTypes.Type(value = ErrorMessage.class, name = "error"),
        @JsonSubTypes.Type(value = InstanceCreate.class, name = "instance_create"),
        @JsonSubTypes.Type(value = InstanceAction.class, name = "instance_action")})
public sealed interface CoordinatorMessage
        permits Hello, Registered, JobOffer, JobCancel, ResultAck, Ack, Ping, ErrorMessage, InstanceCreate,
        InstanceAction {
}
